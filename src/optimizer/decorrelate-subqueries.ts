/**
 * Rule `decorrelate-subqueries`: replaces subquery expressions by joins.
 *
 * - `EXISTS (q)` / `NOT EXISTS (q)` as a conjunct of a filter → semi / anti join; the correlated
 *   predicates of `q` (pulled up out of its filters, projections and inner joins) become the join
 *   condition.
 * - `x IN (q)` → semi join on `x = q.col` plus the correlated predicates; `x NOT IN (q)` → a
 *   null-aware anti join (a plain anti join when neither side can be NULL).
 * - An uncorrelated scalar subquery → a join with its single row: an inner (cross) join when the
 *   subquery is an aggregate without GROUP BY (exactly one row), else a `single` join that checks
 *   there is at most one.
 * - A correlated scalar subquery over an aggregate whose correlated predicates are equalities
 *   (TPC-H Q2, Q17, Q20) → the aggregate grouped by the inner side of those equalities, left-joined
 *   on them. COUNT's "0 on no rows" is kept with a CASE on a presence flag. Without an aggregate,
 *   a `single` join on the correlated predicates (at most one match per row).
 * - EXISTS / IN elsewhere (inside OR, in the select list) → a mark join whose boolean column
 *   replaces the expression.
 *
 * It works bottom-up, so a subquery's own subqueries are decorrelated before it is (Q20 nests
 * three levels). A subquery it cannot decorrelate is left in place; the physical planner rejects
 * it with NOT_IMPLEMENTED.
 */
import {
  and,
  type ColumnExpr,
  type ColumnId,
  call,
  caseExpr,
  col,
  type Expr,
  exprColumns,
  exprEquals,
  hasSubquery,
  lit,
  not,
  replaceExpr,
  splitConjunction,
  substituteColumns,
  TRUE,
  transformExpr,
} from '../logical/expr.ts';
import { freeColumns } from '../logical/free-columns.ts';
import { aggregate } from '../logical/nodes/aggregate.ts';
import { filter } from '../logical/nodes/filter.ts';
import { join } from '../logical/nodes/join.ts';
import { project } from '../logical/nodes/project.ts';
import { sort } from '../logical/nodes/sort.ts';
import { exprNullable, type LogicalPlan, type NamedExpr, outputColumns } from '../logical/plan.ts';
import { BOOLEAN } from '../types/data-type.ts';
import type { OptimizerRule, RuleContext } from './rule.ts';
import { simplifyExpr } from './simplify-expressions.ts';
import { transformUp } from './traverse.ts';

export const decorrelateSubqueries: OptimizerRule = {
  name: 'decorrelate-subqueries',
  description: 'turns EXISTS / IN / scalar subqueries into semi, anti, mark and left joins',
  apply: (plan, ctx) =>
    transformUp(plan, (p) => {
      if (p.kind === 'filter' && hasSubquery(p.predicate)) return decorrelateFilter(p, ctx);
      if (p.kind === 'project' && p.items.some((i) => hasSubquery(i.expr))) return decorrelateProject(p, ctx);
      return p;
    }),
};

/** Signals a subquery shape this rule does not handle; the subquery then stays as it is. */
class Unsupported extends Error {}

function decorrelateFilter(p: Extract<LogicalPlan, { kind: 'filter' }>, ctx: RuleContext): LogicalPlan {
  const original = outputColumns(p.input);
  let plan = p.input;
  const rest: Expr[] = [];
  for (const c of splitConjunction(p.predicate)) {
    try {
      const r = conjunct(plan, c, ctx);
      if (r) {
        plan = r;
        continue;
      }
      const { plan: joined, expr } = replaceSubqueries(plan, c, ctx);
      plan = joined;
      rest.push(expr);
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      rest.push(c);
    }
  }
  let out: LogicalPlan = rest.length > 0 ? filter(plan, and(...rest)) : plan;
  if (outputColumns(out).length !== original.length) out = restore(out, original);
  return out;
}

function decorrelateProject(p: Extract<LogicalPlan, { kind: 'project' }>, ctx: RuleContext): LogicalPlan {
  let plan = p.input;
  const items: NamedExpr[] = [];
  for (const item of p.items) {
    try {
      const r = replaceSubqueries(plan, item.expr, ctx);
      plan = r.plan;
      items.push({ ...item, expr: r.expr });
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      items.push(item);
    }
  }
  return project(plan, items);
}

/** A projection back to `cols` (dropping columns that joins added). */
function restore(
  plan: LogicalPlan,
  cols: readonly { id: ColumnId; name: string; type: Expr['type'] }[],
): LogicalPlan {
  return project(
    plan,
    cols.map((c) => ({ id: c.id, name: c.name, expr: col(c.id, c.name, c.type) })),
  );
}

/** A top-level conjunct that is [NOT] EXISTS / [NOT] IN: the semi/anti join that replaces it, or null. */
function conjunct(plan: LogicalPlan, c: Expr, ctx: RuleContext): LogicalPlan | null {
  let negate = false;
  let e = c;
  if (
    e.kind === 'call' &&
    e.fn === 'not' &&
    (e.args[0]!.kind === 'exists' || e.args[0]!.kind === 'in_subquery')
  ) {
    negate = true;
    e = e.args[0]!;
  }
  if (e.kind === 'exists') {
    const { plan: sub, preds } = pullUp(e.plan, true, ctx);
    const anti = e.negated !== negate;
    return join(anti ? 'anti' : 'semi', plan, sub, preds.length > 0 ? and(...preds) : null);
  }
  if (e.kind === 'in_subquery') {
    if (hasSubquery(e.expr)) return null;
    const { plan: sub, preds } = pullUp(e.plan, true, ctx);
    const v = outputColumns(sub)[0]!;
    const eq = call('=', [e.expr, col(v.id, v.name, v.type)], BOOLEAN);
    const cond = and(eq, ...preds);
    const anti = e.negated !== negate;
    if (!anti) return join('semi', plan, sub, cond);
    const nullability = new Map(outputColumns(plan).map((x) => [x.id, x.nullable]));
    const nullable = exprNullable(e.expr, nullability) || v.nullable;
    return join(nullable ? 'anti_null_aware' : 'anti', plan, sub, cond);
  }
  return null;
}

/** Replaces every subquery inside `e` by a column of a join added to `plan`. */
function replaceSubqueries(plan: LogicalPlan, e: Expr, ctx: RuleContext): { plan: LogicalPlan; expr: Expr } {
  let current = plan;
  const expr = replaceExpr(e, (x) => {
    if (x.kind === 'subquery') {
      const r = scalarJoin(current, x.plan, ctx);
      current = r.plan;
      return r.value;
    }
    if (x.kind === 'exists' || x.kind === 'in_subquery') {
      if (x.kind === 'in_subquery' && hasSubquery(x.expr)) throw new Unsupported();
      const { plan: sub, preds } = pullUp(x.plan, true, ctx);
      const markId = ctx.freshId();
      let cond: Expr | null = preds.length > 0 ? and(...preds) : null;
      if (x.kind === 'in_subquery') {
        const v = outputColumns(sub)[0]!;
        cond = and(call('=', [x.expr, col(v.id, v.name, v.type)], BOOLEAN), ...preds);
      }
      const name = x.kind === 'exists' ? 'exists' : 'in';
      current = join('mark', current, sub, cond, { id: markId, name });
      let m: Expr = col(markId, name, BOOLEAN);
      if (x.kind === 'exists') m = call('coalesce', [m, lit(false, BOOLEAN)], BOOLEAN);
      return x.negated ? not(m) : m;
    }
    return undefined;
  });
  return { plan: current, expr };
}

/** Joins a scalar subquery's value to `plan`; returns the expression that stands for it. */
function scalarJoin(
  plan: LogicalPlan,
  sub: LogicalPlan,
  ctx: RuleContext,
): { plan: LogicalPlan; value: Expr } {
  const v = outputColumns(sub)[0]!;
  const value = col(v.id, v.name, v.type);
  if (freeColumns(sub).size === 0) {
    return { plan: join(exactlyOneRow(sub) ? 'inner' : 'single', plan, sub, null), value };
  }
  // Correlated: projections over an aggregate without groups, correlated by equalities below it.
  const projects: Extract<LogicalPlan, { kind: 'project' }>[] = [];
  let node = sub;
  while (node.kind === 'project') {
    projects.push(node);
    node = node.input;
  }
  if (node.kind !== 'aggregate' || node.groups.length > 0) {
    // No aggregate: each outer row may match at most one row — a single join on the correlation.
    const { plan: inner, preds } = pullUp(sub, false, ctx);
    return { plan: join('single', plan, inner, and(...preds)), value };
  }
  const agg = node;
  const { plan: input, preds } = pullUp(agg.input, false, ctx);
  const outerIds = freeColumns(sub);
  const keys: NamedExpr[] = [];
  const conds: Expr[] = [];
  for (const p of preds) {
    if (p.kind !== 'call' || p.fn !== '=') throw new Unsupported();
    const [a, b] = p.args as [Expr, Expr];
    const aInner = refsNone(a, outerIds);
    const bInner = refsNone(b, outerIds);
    const inner = aInner && !bInner ? a : bInner && !aInner ? b : null;
    if (!inner) throw new Unsupported();
    const outer = inner === a ? b : a;
    const existing = keys.find((k) => exprEquals(k.expr, inner));
    const key = existing ?? {
      id: inner.kind === 'column' ? inner.id : ctx.freshId(),
      name: inner.kind === 'column' ? inner.name : 'key',
      expr: inner,
    };
    if (!existing) keys.push(key);
    conds.push(call('=', [col(key.id, key.name, inner.type), outer], BOOLEAN));
  }
  if (freeColumns(input).size > 0 && [...freeColumns(input)].some((id) => outerIds.has(id)))
    throw new Unsupported();
  let rebuilt: LogicalPlan = aggregate(input, keys, agg.aggregates);
  // COUNT gives 0, not NULL, for a key without rows: keep a presence flag to tell them apart.
  const counts = agg.aggregates.some((a) => a.fn === 'count' || a.fn === 'count_star');
  const flagId = counts ? ctx.freshId() : null;
  const keyItems = keys.map((k) => ({ id: k.id, name: k.name, expr: col(k.id, k.name, k.expr.type) }));
  for (let i = projects.length - 1; i >= 0; i--) {
    const extra = i === 0 && flagId !== null ? [{ id: flagId, name: 'present', expr: TRUE }] : [];
    rebuilt = project(rebuilt, [...projects[i]!.items, ...keyItems, ...extra]);
  }
  if (projects.length === 0 && flagId !== null) {
    rebuilt = project(rebuilt, [
      ...outputColumns(rebuilt).map((c) => ({ id: c.id, name: c.name, expr: col(c.id, c.name, c.type) })),
      { id: flagId, name: 'present', expr: TRUE },
    ]);
  }
  const joined = join('left', plan, rebuilt, and(...conds));
  if (flagId === null) return { plan: joined, value };
  // The value for "no rows": the subquery's expression with COUNTs at 0 and other aggregates NULL.
  const empty = new Map<ColumnId, Expr>(
    agg.aggregates.map((a) => [
      a.id,
      a.fn === 'count' || a.fn === 'count_star' ? lit(0, a.type) : lit(null, a.type),
    ]),
  );
  let emptyValue: Expr = col(v.id, v.name, v.type);
  for (const p of projects) {
    const item = p.items.find((i) => i.id === (emptyValue as ColumnExpr).id);
    if (emptyValue.kind === 'column' && item) emptyValue = item.expr;
  }
  emptyValue = substituteColumns(emptyValue, empty);
  emptyValue = transformExpr(emptyValue, simplifyExpr);
  const present = col(flagId, 'present', BOOLEAN);
  return {
    plan: joined,
    value: caseExpr([{ condition: call('is_null', [present], BOOLEAN), result: emptyValue }], value, v.type),
  };
}

function refsNone(e: Expr, ids: ReadonlySet<ColumnId>): boolean {
  for (const id of exprColumns(e)) if (ids.has(id)) return false;
  return true;
}

/** True when a plan yields exactly one row whatever its input: an aggregate without groups under projections. */
function exactlyOneRow(p: LogicalPlan): boolean {
  if (p.kind === 'project') return exactlyOneRow(p.input);
  return p.kind === 'aggregate' && p.groups.length === 0;
}

/**
 * Pulls the correlated conjuncts of a subquery's plan up to its top: returns the plan without them
 * and the conjuncts (which reference the subquery's columns and the outer columns). Projections on
 * the way pass through the inner columns those conjuncts need. `setLike`: duplicates and order do
 * not matter (EXISTS / IN), so DISTINCT and ORDER BY may be dropped.
 */
function pullUp(sub: LogicalPlan, setLike: boolean, ctx: RuleContext): { plan: LogicalPlan; preds: Expr[] } {
  const outer = freeColumns(sub);
  if (outer.size === 0) return { plan: sub, preds: [] };
  const r = pull(sub, outer, setLike, ctx);
  if (freeColumns(r.plan).size > 0) throw new Unsupported();
  return r;
}

function pull(
  p: LogicalPlan,
  outer: ReadonlySet<ColumnId>,
  setLike: boolean,
  ctx: RuleContext,
): { plan: LogicalPlan; preds: Expr[] } {
  const correlated = (e: Expr): boolean => !refsNone(e, outer);
  switch (p.kind) {
    case 'filter': {
      const inner = pull(p.input, outer, setLike, ctx);
      const conj = splitConjunction(p.predicate);
      const corr = conj.filter(correlated);
      const keep = conj.filter((c) => !correlated(c));
      if (corr.some(hasSubquery)) throw new Unsupported();
      return {
        plan: keep.length > 0 ? filter(inner.plan, and(...keep)) : inner.plan,
        preds: [...inner.preds, ...corr],
      };
    }
    case 'project': {
      const inner = pull(p.input, outer, setLike, ctx);
      if (inner.preds.length === 0)
        return { plan: p.input === inner.plan ? p : project(inner.plan, p.items), preds: [] };
      if (p.items.some((i) => correlated(i.expr))) throw new Unsupported();
      const have = new Set(p.items.map((i) => i.id));
      const inCols = new Map(outputColumns(inner.plan).map((c) => [c.id, c]));
      const extra: NamedExpr[] = [];
      for (const pred of inner.preds) {
        for (const id of exprColumns(pred)) {
          if (outer.has(id) || have.has(id)) continue;
          const c = inCols.get(id);
          if (!c) throw new Unsupported();
          have.add(id);
          extra.push({ id, name: c.name, expr: col(c.id, c.name, c.type) });
        }
      }
      return { plan: project(inner.plan, [...p.items, ...extra]), preds: inner.preds };
    }
    case 'join': {
      if (p.joinType === 'inner') {
        const l = pull(p.left, outer, setLike, ctx);
        const r = pull(p.right, outer, setLike, ctx);
        const conj = p.condition ? splitConjunction(p.condition) : [];
        const corr = conj.filter(correlated);
        const keep = conj.filter((c) => !correlated(c));
        return {
          plan: join('inner', l.plan, r.plan, keep.length > 0 ? and(...keep) : null),
          preds: [...l.preds, ...r.preds, ...corr],
        };
      }
      if (p.condition && correlated(p.condition)) throw new Unsupported();
      if (freeColumns(p.right).size > 0 && [...freeColumns(p.right)].some((id) => outer.has(id)))
        throw new Unsupported();
      const l = pull(p.left, outer, setLike, ctx);
      return { plan: join(p.joinType, l.plan, p.right, p.condition, p.mark), preds: l.preds };
    }
    case 'sort': {
      if (p.limit !== null) break;
      const inner = pull(p.input, outer, setLike, ctx);
      if (setLike) return inner;
      return { plan: sort(inner.plan, p.keys), preds: inner.preds };
    }
    case 'distinct':
      if (setLike) return pull(p.input, outer, setLike, ctx);
      break;
    default:
      break;
  }
  if ([...freeColumns(p)].some((id) => outer.has(id))) throw new Unsupported();
  return { plan: p, preds: [] };
}
