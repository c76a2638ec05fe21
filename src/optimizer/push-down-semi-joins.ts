/**
 * Rule `push-down-semi-joins`: a semi or anti join over an inner join whose condition uses only one
 * side of that inner join moves onto that side — it filters rows before they are joined instead
 * of after. TPC-H Q18 keeps only the orders in its IN list before joining them to lineitem.
 *
 * `semi(inner(A, B), S, cond(A, S))` → `inner(semi(A, S, cond), B)`
 *
 * Only when the inner join does not itself shrink A (estimated): a selective inner join is better
 * done first, leaving the semi join fewer rows to check — TPC-H Q21 joins lineitem to the suppliers
 * of one nation (1/25 of the rows) before looking for other suppliers' lines of the same order.
 */
import { CardinalityEstimator } from '../logical/cardinality.ts';
import { exprColumns } from '../logical/expr.ts';
import { join } from '../logical/nodes/join.ts';
import { type LogicalPlan, outputColumns } from '../logical/plan.ts';
import type { OptimizerRule } from './rule.ts';
import { transformUp } from './traverse.ts';

export const pushDownSemiJoins: OptimizerRule = {
  name: 'push-down-semi-joins',
  description: 'moves semi and anti joins below inner joins onto the side their condition uses',
  apply: (plan) => {
    const est = new CardinalityEstimator(plan);
    return transformUp(plan, (p) => sink(p, est));
  },
};

function sink(p: LogicalPlan, est: CardinalityEstimator): LogicalPlan {
  if (
    p.kind !== 'join' ||
    (p.joinType !== 'semi' && p.joinType !== 'anti' && p.joinType !== 'anti_null_aware')
  )
    return p;
  const inner = p.left;
  if (inner.kind !== 'join' || inner.joinType !== 'inner' || !p.condition) return p;
  const rightIds = new Set(outputColumns(p.right).map((c) => c.id));
  const used = [...exprColumns(p.condition)].filter((id) => !rightIds.has(id));
  const a = new Set(outputColumns(inner.left).map((c) => c.id));
  const b = new Set(outputColumns(inner.right).map((c) => c.id));
  // A join that shrinks the side the semi join would move to is better done first.
  const shrinks = (side: LogicalPlan): boolean => est.rows(inner) < est.rows(side);
  if (used.every((id) => a.has(id))) {
    if (shrinks(inner.left)) return p;
    return join(
      'inner',
      sink(join(p.joinType, inner.left, p.right, p.condition), est),
      inner.right,
      inner.condition,
    );
  }
  if (used.every((id) => b.has(id))) {
    if (shrinks(inner.right)) return p;
    return join(
      'inner',
      inner.left,
      sink(join(p.joinType, inner.right, p.right, p.condition), est),
      inner.condition,
    );
  }
  return p;
}
