import type { Expr } from '../expr.ts';
import type { LogicalPlan } from '../plan.ts';

/** One ORDER BY key; `nullsFirst` is always settled (DuckDB's default is NULLS LAST). */
export interface SortKey {
  readonly expr: Expr;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

/** Orders rows by `keys`. With `limit` it is a top-k: only the first `limit` rows are kept. Output = input's columns. */
export interface SortNode {
  readonly kind: 'sort';
  readonly input: LogicalPlan;
  readonly keys: readonly SortKey[];
  readonly limit: number | null;
}

export function sortKey(expr: Expr, descending: boolean, nullsFirst: boolean): SortKey {
  return Object.freeze({ expr, descending, nullsFirst });
}

export function sort(input: LogicalPlan, keys: readonly SortKey[], limit: number | null = null): SortNode {
  return Object.freeze({
    kind: 'sort',
    input,
    keys: Object.freeze(keys.map((k) => sortKey(k.expr, k.descending, k.nullsFirst))),
    limit,
  });
}
