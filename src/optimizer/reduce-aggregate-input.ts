/**
 * Rule `reduce-aggregate-input`: an aggregate joined to a much smaller input on its group keys only
 * needs the groups that join can match — so its input is first semi-joined with that smaller
 * input, and rows of groups that would be dropped anyway are never aggregated.
 *
 * `join(X, agg(Y) by g, X.a = g)` → `join(X, agg(semi(Y, X, Y.g = X.a)) by g, X.a = g)`
 *
 * Valid for inner and semi joins (a group without a partner in X is dropped by them either way),
 * looking through projections that pass the group column on. TPC-H Q17 averages l_quantity per
 * part only for the ~200 parts of one brand and container, not for all 200,000; Q20 sums shipped
 * quantities only for the partsupp rows of 'forest' parts. `X` then occurs twice in the plan; the
 * physical planner computes it once.
 */
import { CardinalityEstimator } from '../logical/cardinality.ts';
import {
  and,
  type ColumnExpr,
  type ColumnId,
  type Expr,
  eq,
  exprColumns,
  splitConjunction,
} from '../logical/expr.ts';
import { aggregate } from '../logical/nodes/aggregate.ts';
import { join } from '../logical/nodes/join.ts';
import { project } from '../logical/nodes/project.ts';
import { type AggregateNode, type LogicalPlan, outputColumns } from '../logical/plan.ts';
import type { OptimizerRule } from './rule.ts';
import { transformUp } from './traverse.ts';

/** The other input must be at least this many times smaller than the aggregate's input. */
const MIN_REDUCTION = 10;

export const reduceAggregateInput: OptimizerRule = {
  name: 'reduce-aggregate-input',
  description: 'semi-joins an aggregate’s input with a much smaller input it is joined to on its group keys',
  apply: (plan) => {
    const est = new CardinalityEstimator(plan);
    return transformUp(plan, (p) => rewrite(p, est));
  },
};

function rewrite(p: LogicalPlan, est: CardinalityEstimator): LogicalPlan {
  if (p.kind !== 'join' || (p.joinType !== 'inner' && p.joinType !== 'semi') || !p.condition) return p;
  // A semi join's left side is what it returns; only its right side may be reduced by the left.
  const sides = p.joinType === 'semi' ? (['right'] as const) : (['left', 'right'] as const);
  for (const side of sides) {
    const aggSide = side === 'left' ? p.left : p.right;
    const other = side === 'left' ? p.right : p.left;
    const found = findAggregate(aggSide);
    if (found === null) continue;
    const { agg } = found;
    if (est.rows(other) * MIN_REDUCTION > est.rows(agg.input)) continue;
    if (alreadyReduced(agg.input, other)) continue;
    // Plain group columns (their ids are visible above the aggregate and its projections).
    const groupCols = new Map<ColumnId, ColumnExpr>();
    for (const g of agg.groups) {
      if (g.expr.kind === 'column' && g.expr.id === g.id && found.visible.has(g.id))
        groupCols.set(g.id, g.expr);
    }
    const otherIds = new Set(outputColumns(other).map((c) => c.id));
    const pairs: Expr[] = [];
    for (const c of splitConjunction(p.condition)) {
      if (c.kind !== 'call' || c.fn !== '=' || c.args.length !== 2) continue;
      const [a, b] = c.args as [Expr, Expr];
      for (const [g, x] of [
        [a, b],
        [b, a],
      ] as const) {
        if (g.kind !== 'column' || !groupCols.has(g.id)) continue;
        const cols = exprColumns(x);
        if (cols.size === 0 || ![...cols].every((id) => otherIds.has(id))) continue;
        pairs.push(eq(groupCols.get(g.id)!, x));
        break;
      }
    }
    if (pairs.length === 0) continue;
    const reduced = join('semi', agg.input, other, and(...pairs));
    const rebuilt = found.rebuild(aggregate(reduced, agg.groups, agg.aggregates));
    return side === 'left'
      ? join(p.joinType, rebuilt, p.right, p.condition, p.mark)
      : join(p.joinType, p.left, rebuilt, p.condition, p.mark);
  }
  return p;
}

/**
 * The aggregate at the top of `p`, under projections that pass columns through: the aggregate, the
 * ids still visible at `p`, and how to put a new aggregate back under the same projections.
 */
function findAggregate(
  p: LogicalPlan,
): { agg: AggregateNode; visible: Set<ColumnId>; rebuild: (a: LogicalPlan) => LogicalPlan } | null {
  if (p.kind === 'aggregate') {
    return { agg: p, visible: new Set(outputColumns(p).map((c) => c.id)), rebuild: (a) => a };
  }
  if (p.kind !== 'project') return null;
  const inner = findAggregate(p.input);
  if (inner === null) return null;
  const passed = new Set(
    p.items.filter((i) => i.expr.kind === 'column' && i.expr.id === i.id).map((i) => i.id),
  );
  const visible = new Set([...inner.visible].filter((id) => passed.has(id)));
  return { agg: inner.agg, visible, rebuild: (a) => project(inner.rebuild(a), p.items) };
}

/** Whether `input` is already a semi join against `other` (the rule ran before). */
function alreadyReduced(input: LogicalPlan, other: LogicalPlan): boolean {
  return input.kind === 'join' && input.joinType === 'semi' && input.right === other;
}
