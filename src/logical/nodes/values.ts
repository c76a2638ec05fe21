import type { Expr } from '../expr.ts';
import type { OutputColumn } from '../plan.ts';

/** Literal rows (`VALUES …`, or `SELECT` without FROM, which is one empty row). Every row has one expression per column, already cast to the column's type. */
export interface ValuesNode {
  readonly kind: 'values';
  readonly columns: readonly OutputColumn[];
  readonly rows: readonly (readonly Expr[])[];
}

export function values(columns: readonly OutputColumn[], rows: readonly (readonly Expr[])[]): ValuesNode {
  return Object.freeze({
    kind: 'values',
    columns: Object.freeze(columns.map((c) => Object.freeze({ ...c }))),
    rows: Object.freeze(rows.map((r) => Object.freeze([...r]))),
  });
}
