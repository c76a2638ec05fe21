import type { Expr } from '../expr.ts';
import type { LogicalPlan } from '../plan.ts';

/** Keeps the rows for which `predicate` is TRUE (not FALSE, not NULL). Output = input's columns. */
export interface FilterNode {
  readonly kind: 'filter';
  readonly input: LogicalPlan;
  readonly predicate: Expr;
}

export function filter(input: LogicalPlan, predicate: Expr): FilterNode {
  return Object.freeze({ kind: 'filter', input, predicate });
}
