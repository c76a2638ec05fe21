import type { ColumnId, Expr } from '../expr.ts';
import type { LogicalPlan } from '../plan.ts';

/**
 * - `inner`, `left`, `right`, `full`: as in SQL; `inner` with a null condition is a cross join.
 * - `semi`: left rows that have at least one match (each once); output = left columns.
 * - `anti`: left rows that have no match; output = left columns.
 * - `anti_null_aware`: `x NOT IN (subquery)`: the condition is `x = y [AND residual]` (the first
 *   conjunct is the NOT IN comparison). A left row is kept when the right side is empty; otherwise
 *   only when x is not NULL, no right row has y = x, and no right row (passing the residual) has
 *   y NULL. Output = left columns.
 * - `single`: a left join whose right side must match at most one row per left row (an
 *   uncorrelated scalar subquery); more than one is an EXECUTION error ("more than one row
 *   returned by a subquery used as an expression").
 * - `mark`: left columns plus one BOOLEAN column `markId`: TRUE when some right row matches, FALSE
 *   when none does, NULL when none does but the condition was NULL for some right row.
 *
 * By convention the right side is the build side of a hash join: join reordering puts the
 * smaller estimated input there.
 */
export type JoinType =
  | 'inner'
  | 'left'
  | 'right'
  | 'full'
  | 'semi'
  | 'anti'
  | 'anti_null_aware'
  | 'single'
  | 'mark';

/**
 * Joins two inputs on `condition` (any boolean expression over both sides' columns; null = no
 * condition). Output = left columns then right columns (for `semi`/`anti*`: left only; for `mark`:
 * left then the mark). `splitJoinCondition` (`join-keys.ts`) finds the equi-key pairs.
 */
export interface JoinNode {
  readonly kind: 'join';
  readonly joinType: JoinType;
  readonly left: LogicalPlan;
  readonly right: LogicalPlan;
  readonly condition: Expr | null;
  /** Only for `mark` joins: the id and name of the boolean output column. */
  readonly mark: { readonly id: ColumnId; readonly name: string } | null;
}

export function join(
  joinType: JoinType,
  left: LogicalPlan,
  right: LogicalPlan,
  condition: Expr | null,
  mark: { readonly id: ColumnId; readonly name: string } | null = null,
): JoinNode {
  return Object.freeze({
    kind: 'join',
    joinType,
    left,
    right,
    condition,
    mark: mark ? Object.freeze({ ...mark }) : null,
  });
}
