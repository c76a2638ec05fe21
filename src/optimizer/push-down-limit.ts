/**
 * Rule `push-down-limit`: LIMIT over ORDER BY becomes a top-k sort; LIMIT moves below projections,
 * into both inputs of UNION ALL (keeping the outer one), and into scans without filters (whose
 * readers may then stop early). Nested limits merge.
 */
import { limit } from '../logical/nodes/limit.ts';
import { project } from '../logical/nodes/project.ts';
import { scan } from '../logical/nodes/scan.ts';
import { setOperation } from '../logical/nodes/set-operation.ts';
import { sort } from '../logical/nodes/sort.ts';
import type { LogicalPlan } from '../logical/plan.ts';
import type { OptimizerRule } from './rule.ts';
import { transformDown } from './traverse.ts';

export const pushDownLimit: OptimizerRule = {
  name: 'push-down-limit',
  description: 'turns LIMIT over ORDER BY into top-k and moves LIMIT towards the scans',
  apply: (plan) => transformDown(plan, step),
};

function step(p: LogicalPlan): LogicalPlan {
  if (p.kind !== 'limit' || p.limit === null) return p;
  const n = p.limit + p.offset;
  const input = p.input;
  switch (input.kind) {
    case 'sort': {
      if (input.limit !== null && input.limit <= n) return p;
      const topk = sort(input.input, input.keys, input.limit === null ? n : Math.min(n, input.limit));
      return p.offset === 0 ? topk : limit(topk, p.limit, p.offset);
    }
    case 'project':
      return project(limit(input.input, p.limit, p.offset), input.items);
    case 'limit': {
      if (input.limit === null && input.offset === 0) return limit(input.input, p.limit, p.offset);
      const innerEnd = input.limit === null ? Number.POSITIVE_INFINITY : input.limit;
      const start = Math.min(p.offset, innerEnd);
      const count = Math.max(0, Math.min(p.limit, innerEnd - start));
      return limit(input.input, count, input.offset + start);
    }
    case 'set_operation': {
      if (input.op !== 'union') return p;
      const capped = (c: LogicalPlan) =>
        c.kind === 'limit' && c.limit !== null && c.offset === 0 && c.limit <= n ? c : limit(c, n);
      const l = capped(input.left);
      const r = capped(input.right);
      if (l === input.left && r === input.right) return p;
      return limit(setOperation(input.op, l, r, input.columns), p.limit, p.offset);
    }
    case 'scan': {
      if (input.filters.length > 0 || (input.limit !== null && input.limit <= n)) return p;
      return limit(
        scan(input.table, input.alias, input.columns, input.statistics, input.filters, n),
        p.limit,
        p.offset,
      );
    }
    default:
      return p;
  }
}
