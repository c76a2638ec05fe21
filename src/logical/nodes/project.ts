import type { ColumnId, Expr } from '../expr.ts';
import type { LogicalPlan } from '../plan.ts';

/** An expression and the output column it defines. */
export interface NamedExpr {
  readonly id: ColumnId;
  readonly name: string;
  readonly expr: Expr;
}

/**
 * Computes one output column per item, in order. An item whose expression is a reference to an
 * input column with the same id passes that column through.
 */
export interface ProjectNode {
  readonly kind: 'project';
  readonly input: LogicalPlan;
  readonly items: readonly NamedExpr[];
}

export function namedExpr(id: ColumnId, name: string, expr: Expr): NamedExpr {
  return Object.freeze({ id, name, expr });
}

export function project(input: LogicalPlan, items: readonly NamedExpr[]): ProjectNode {
  return Object.freeze({
    kind: 'project',
    input,
    items: Object.freeze(items.map((i) => namedExpr(i.id, i.name, i.expr))),
  });
}
