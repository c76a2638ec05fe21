import type { LogicalPlan, OutputColumn } from '../plan.ts';

/**
 * `left UNION ALL right`, and `INTERSECT ALL` / `EXCEPT ALL` (multiset semantics). Inputs have
 * equally many columns of equal types (the binder casts them); `columns` are fresh output columns,
 * matched to the inputs by position. The DISTINCT forms are lowered by the binder: UNION to a
 * distinct over UNION ALL, INTERSECT / EXCEPT to a distinct over a semi / anti join on
 * `IS NOT DISTINCT FROM` of every column.
 */
export interface SetOperationNode {
  readonly kind: 'set_operation';
  readonly op: 'union' | 'intersect' | 'except';
  readonly left: LogicalPlan;
  readonly right: LogicalPlan;
  readonly columns: readonly OutputColumn[];
}

export function setOperation(
  op: 'union' | 'intersect' | 'except',
  left: LogicalPlan,
  right: LogicalPlan,
  columns: readonly OutputColumn[],
): SetOperationNode {
  return Object.freeze({
    kind: 'set_operation',
    op,
    left,
    right,
    columns: Object.freeze(columns.map((c) => Object.freeze({ ...c }))),
  });
}
