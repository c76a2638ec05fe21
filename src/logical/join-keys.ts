/**
 * Equi-join keys of a join condition, for hash joins and the distributed planner's hash
 * exchanges.
 *
 * @example
 * const { keys, residual } = splitJoinCondition(join.condition, outputColumns(join.left), outputColumns(join.right));
 * // l_orderkey = o_orderkey AND l_suppkey <> o_custkey →
 * //   keys: [{ left: l_orderkey, right: o_orderkey, nullSafe: false }], residual: l_suppkey <> o_custkey
 */
import { and, type ColumnId, type Expr, exprColumns, hasSubquery, splitConjunction } from './expr.ts';

export interface EquiKey {
  /** An expression over the left input's columns only. */
  readonly left: Expr;
  /** An expression over the right input's columns only (same type as `left`). */
  readonly right: Expr;
  /** `IS NOT DISTINCT FROM`: NULL matches NULL. */
  readonly nullSafe: boolean;
}

export interface SplitCondition {
  readonly keys: readonly EquiKey[];
  /** The conjuncts that are not equi-keys (null when none): evaluated on each key match. */
  readonly residual: Expr | null;
}

/**
 * Splits a join condition into equi-key pairs (`l = r` with each side over one input) and the rest.
 * For an `anti_null_aware` join the first conjunct is its NOT IN comparison and comes first.
 */
export function splitJoinCondition(
  condition: Expr | null,
  left: Iterable<{ readonly id: ColumnId }>,
  right: Iterable<{ readonly id: ColumnId }>,
): SplitCondition {
  if (!condition) return { keys: [], residual: null };
  const l = new Set([...left].map((c) => c.id));
  const r = new Set([...right].map((c) => c.id));
  const keys: EquiKey[] = [];
  const rest: Expr[] = [];
  for (const c of splitConjunction(condition)) {
    if (c.kind === 'call' && (c.fn === '=' || c.fn === 'is_not_distinct_from') && c.args.length === 2) {
      const [a, b] = c.args as [Expr, Expr];
      const nullSafe = c.fn === 'is_not_distinct_from';
      if (within(a, l) && within(b, r)) {
        keys.push({ left: a, right: b, nullSafe });
        continue;
      }
      if (within(a, r) && within(b, l)) {
        keys.push({ left: b, right: a, nullSafe });
        continue;
      }
    }
    rest.push(c);
  }
  return { keys, residual: rest.length > 0 ? and(...rest) : null };
}

/** Whether `e` references at least one column, and only columns of `ids` (no subqueries). */
export function within(e: Expr, ids: ReadonlySet<ColumnId>): boolean {
  if (hasSubquery(e)) return false;
  const cols = exprColumns(e);
  if (cols.size === 0) return false;
  for (const id of cols) if (!ids.has(id)) return false;
  return true;
}
