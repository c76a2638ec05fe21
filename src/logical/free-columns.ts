import type { ColumnId } from './expr.ts';
import { exprColumns } from './expr.ts';
import { definedColumns, type LogicalPlan, nodeExprs, visitPlan } from './plan.ts';

/**
 * Columns a plan refers to without defining them: the correlated (outer) references of a
 * subquery's plan. Empty for an uncorrelated plan.
 *
 * @example
 * freeColumns(subqueryPlan); // Set { 17 } — p_partkey of the enclosing query
 */
export function freeColumns(plan: LogicalPlan): Set<ColumnId> {
  const defined = new Set<ColumnId>();
  const used = new Set<ColumnId>();
  visitPlan(plan, (p) => {
    for (const id of definedColumns(p)) defined.add(id);
    for (const e of nodeExprs(p)) exprColumns(e, used);
  });
  for (const id of defined) used.delete(id);
  return used;
}
