/**
 * Rule `distinct-to-aggregate`: `DISTINCT` becomes an aggregate grouped by every column (with no
 * aggregate calls), which the physical planner splits like any other aggregate.
 */
import { col } from '../logical/expr.ts';
import { aggregate } from '../logical/nodes/aggregate.ts';
import { type LogicalPlan, outputColumns } from '../logical/plan.ts';
import type { OptimizerRule } from './rule.ts';
import { transformUp } from './traverse.ts';

export const distinctToAggregate: OptimizerRule = {
  name: 'distinct-to-aggregate',
  description: 'rewrites DISTINCT as an aggregate grouped by all columns',
  apply: (plan) =>
    transformUp(plan, (p: LogicalPlan) => {
      if (p.kind !== 'distinct') return p;
      const groups = outputColumns(p.input).map((c) => ({
        id: c.id,
        name: c.name,
        expr: col(c.id, c.name, c.type),
      }));
      return aggregate(p.input, groups, []);
    }),
};
