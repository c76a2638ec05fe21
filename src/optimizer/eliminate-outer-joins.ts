/**
 * Rule `eliminate-outer-joins`: a filter right above an outer join that rejects the NULLs the join
 * pads with makes the padding pointless — `LEFT JOIN` becomes `INNER JOIN` (and `FULL` becomes
 * `LEFT`/`RIGHT`/`INNER`). Decorrelated scalar subqueries (Q2, Q17, Q20) are left joins under
 * exactly such a comparison, and inner joins can then be reordered.
 */

import { filter } from '../logical/nodes/filter.ts';
import { join } from '../logical/nodes/join.ts';
import { type JoinType, type LogicalPlan, outputColumns } from '../logical/plan.ts';
import { isNullRejecting } from './null-rejecting.ts';
import type { OptimizerRule } from './rule.ts';
import { transformUp } from './traverse.ts';

export const eliminateOuterJoins: OptimizerRule = {
  name: 'eliminate-outer-joins',
  description: 'turns outer joins into inner joins under filters that reject their NULL rows',
  apply: (plan) => transformUp(plan, rewrite),
};

function rewrite(p: LogicalPlan): LogicalPlan {
  if (p.kind !== 'filter' || p.input.kind !== 'join') return p;
  const j = p.input;
  if (j.joinType !== 'left' && j.joinType !== 'right' && j.joinType !== 'full') return p;
  const rejectsRight = isNullRejecting(p.predicate, new Set(outputColumns(j.right).map((c) => c.id)));
  const rejectsLeft = isNullRejecting(p.predicate, new Set(outputColumns(j.left).map((c) => c.id)));
  let type: JoinType = j.joinType;
  if (type === 'left' && rejectsRight) type = 'inner';
  else if (type === 'right' && rejectsLeft) type = 'inner';
  else if (type === 'full') {
    if (rejectsLeft && rejectsRight) type = 'inner';
    else if (rejectsLeft) type = 'left';
    else if (rejectsRight) type = 'right';
  }
  if (type === j.joinType) return p;
  return filter(join(type, j.left, j.right, j.condition), p.predicate);
}
