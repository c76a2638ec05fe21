/**
 * Rule `merge-projections`: a projection over a projection becomes one (the inner expressions
 * substituted into the outer ones, when that computes nothing twice), and a projection that
 * passes its input through unchanged — same columns, names and order — disappears.
 */
import { type ColumnId, type Expr, exprColumns, isVolatile, substituteColumns } from '../logical/expr.ts';
import { project } from '../logical/nodes/project.ts';
import { type LogicalPlan, outputColumns } from '../logical/plan.ts';
import type { OptimizerRule } from './rule.ts';
import { transformUp } from './traverse.ts';

export const mergeProjections: OptimizerRule = {
  name: 'merge-projections',
  description: 'merges stacked projections and removes those that change nothing',
  apply: (plan) => transformUp(plan, merge),
};

function merge(p: LogicalPlan): LogicalPlan {
  if (p.kind !== 'project') return p;
  const input = p.input;
  if (input.kind === 'project') {
    const defs = new Map<ColumnId, Expr>(input.items.map((i) => [i.id, i.expr]));
    const uses = new Map<ColumnId, number>();
    for (const it of p.items) for (const id of exprColumns(it.expr)) uses.set(id, (uses.get(id) ?? 0) + 1);
    const cheap = (e: Expr) => e.kind === 'column' || e.kind === 'literal';
    const ok = input.items.every(
      (i) => !isVolatile(i.expr) && (cheap(i.expr) || (uses.get(i.id) ?? 0) <= 1) && !hasNested(i.expr),
    );
    if (ok) {
      return project(
        input.input,
        p.items.map((it) => ({ ...it, expr: substituteColumns(it.expr, defs) })),
      );
    }
  }
  const cols = outputColumns(input);
  const identity =
    cols.length === p.items.length &&
    p.items.every(
      (it, i) =>
        it.expr.kind === 'column' &&
        it.expr.id === it.id &&
        it.id === cols[i]!.id &&
        it.name === cols[i]!.name,
    );
  return identity ? input : p;
}

function hasNested(e: Expr): boolean {
  return e.kind === 'subquery' || e.kind === 'exists' || e.kind === 'in_subquery';
}
