/**
 * The one traversal every optimizer rule uses: rebuild a plan bottom-up or top-down, sharing the
 * nodes a rewrite leaves alone (so "nothing changed" is `result === plan`), and optionally
 * descending into the plans of subquery expressions.
 */
import { type Expr, exists, inSubquery, scalarSubquery, transformExpr } from '../logical/expr.ts';
import { children, type LogicalPlan, mapNodeExprs, withChildren } from '../logical/plan.ts';

export interface TraverseOptions {
  /** Also rewrite the plans inside subquery expressions (default true). */
  readonly subqueries?: boolean;
}

/**
 * Rewrites bottom-up: `fn` sees each node after its inputs (and, by default, the plans of its
 * subquery expressions) were rewritten.
 */
export function transformUp(
  plan: LogicalPlan,
  fn: (p: LogicalPlan) => LogicalPlan,
  options: TraverseOptions = {},
): LogicalPlan {
  const kids = children(plan);
  const next = kids.map((c) => transformUp(c, fn, options));
  let p = withChildren(plan, next);
  if (options.subqueries !== false) p = mapSubqueryPlans(p, (sub) => transformUp(sub, fn, options));
  return fn(p);
}

/**
 * Rewrites top-down: `fn` sees a node before its inputs; the inputs of what it returns are then
 * rewritten in turn.
 */
export function transformDown(
  plan: LogicalPlan,
  fn: (p: LogicalPlan) => LogicalPlan,
  options: TraverseOptions = {},
): LogicalPlan {
  let p = fn(plan);
  if (options.subqueries !== false) p = mapSubqueryPlans(p, (sub) => transformDown(sub, fn, options));
  const kids = children(p);
  return withChildren(
    p,
    kids.map((c) => transformDown(c, fn, options)),
  );
}

/** Rewrites the plans of the subquery expressions a node holds (not its inputs'). */
export function mapSubqueryPlans(plan: LogicalPlan, fn: (sub: LogicalPlan) => LogicalPlan): LogicalPlan {
  return mapNodeExprs(plan, (e) =>
    transformExpr(e, (x) => {
      if (x.kind !== 'subquery' && x.kind !== 'exists' && x.kind !== 'in_subquery') return x;
      const sub = fn(x.plan);
      if (sub === x.plan) return x;
      if (x.kind === 'subquery') return scalarSubquery(sub, x.type);
      if (x.kind === 'exists') return exists(sub, x.negated);
      return inSubquery(x.expr, sub, x.negated);
    }),
  );
}

/** Rewrites every expression of every node (and of subquery plans) with `fn`, bottom-up within each expression. */
export function transformAllExprs(plan: LogicalPlan, fn: (e: Expr) => Expr): LogicalPlan {
  return transformUp(plan, (p) => mapNodeExprs(p, (e) => transformExpr(e, fn)));
}
