/**
 * Binding queries: FROM (tables, views, CTEs, derived tables, joins), WHERE, GROUP BY, HAVING,
 * window functions, the select list, DISTINCT, ORDER BY, LIMIT/OFFSET, VALUES and set operations.
 *
 * The plan of a SELECT is built in SQL's logical order:
 * `from → filter(WHERE) → aggregate → filter(HAVING) → window → project → distinct → sort → limit
 * → project (dropping ORDER BY-only columns)`.
 */
import type * as ast from '../../sql/ast.ts';
import { printExpr } from '../../sql/print.ts';
import { BOOLEAN, type DataType, typesEqual, typeToString } from '../../types/data-type.ts';
import { commonType } from '../../types/functions.ts';
import {
  and,
  type ColumnExpr,
  type ColumnId,
  call,
  col,
  type Expr,
  exprEquals,
  replaceExpr,
} from '../expr.ts';
import { aggregate } from '../nodes/aggregate.ts';
import { distinct } from '../nodes/distinct.ts';
import { filter } from '../nodes/filter.ts';
import { join } from '../nodes/join.ts';
import { limit } from '../nodes/limit.ts';
import { type NamedExpr, project } from '../nodes/project.ts';
import { scan } from '../nodes/scan.ts';
import { setOperation } from '../nodes/set-operation.ts';
import { sort, sortKey } from '../nodes/sort.ts';
import { values } from '../nodes/values.ts';
import { window } from '../nodes/window.ts';
import { type LogicalPlan, outputColumns, type SortKey, type WindowCall } from '../plan.ts';
import { isAggregateFunction } from './aggregate-functions.ts';
import { bindExpr, bindPredicate, coerce, commonTypeOf, constantInteger, typedCall } from './bind-expr.ts';
import {
  AggregateCollector,
  type BinderState,
  type CteEnv,
  type ExprContext,
  findCte,
  WindowCollector,
} from './context.ts';
import { bindError } from './errors.ts';
import { Scope, type ScopeColumn, sameName } from './scope.ts';

/** A FROM item: its plan and the columns it makes visible. */
interface Relation {
  readonly plan: LogicalPlan;
  readonly columns: readonly ScopeColumn[];
}

/** Binds a subquery of an expression: it sees the expression's scope as its enclosing scope. */
export function bindSubquery(ctx: ExprContext, q: ast.Query): LogicalPlan {
  return bindQuery(ctx.state, q, ctx.scope, ctx.ctes);
}

/** Binds a query; `outer` is the scope of the query it is nested in (for correlated references). */
export function bindQuery(
  state: BinderState,
  q: ast.Query,
  outer: Scope | null,
  ctes: CteEnv | null,
): LogicalPlan {
  let env = ctes;
  if (q.with) {
    if (q.with.recursive) throw bindError('NOT_IMPLEMENTED', 'WITH RECURSIVE is not supported yet', q.pos);
    for (const cte of q.with.ctes) env = { cte, next: env };
  }
  const ctx = constantContext(state, outer, env);
  const limitN = q.limit ? constantInteger(ctx, q.limit, 'LIMIT') : null;
  const offsetN = q.offset ? constantInteger(ctx, q.offset, 'OFFSET') : 0;

  let plan: LogicalPlan;
  let trim: NamedExpr[] | null = null;
  if (q.body.kind === 'select') {
    const r = bindSelect(state, q.body, outer, env, q.orderBy);
    plan = r.plan;
    trim = r.trim;
  } else {
    plan = bindBody(state, q.body, outer, env);
    if (q.orderBy.length > 0) plan = orderByOutput(state, plan, q.orderBy, outer, env);
  }
  if (limitN !== null || offsetN > 0) plan = limit(plan, limitN, offsetN);
  if (trim) plan = project(plan, trim);
  return plan;
}

function constantContext(state: BinderState, outer: Scope | null, ctes: CteEnv | null): ExprContext {
  return {
    state,
    scope: new Scope([], outer),
    ctes,
    clause: 'a constant',
    aggregates: null,
    windows: null,
    namedWindows: new Map(),
  };
}

function bindBody(
  state: BinderState,
  body: ast.QueryBody,
  outer: Scope | null,
  env: CteEnv | null,
): LogicalPlan {
  switch (body.kind) {
    case 'select': {
      const r = bindSelect(state, body, outer, env, []);
      return r.plan;
    }
    case 'query':
      return bindQuery(state, body, outer, env);
    case 'values':
      return bindValues(state, body, outer, env);
    case 'set_operation':
      return bindSetOperation(state, body, outer, env);
  }
}

/** ORDER BY over the output of a set operation or VALUES: by output name or ordinal. */
function orderByOutput(
  state: BinderState,
  plan: LogicalPlan,
  items: readonly ast.OrderByItem[],
  outer: Scope | null,
  env: CteEnv | null,
): LogicalPlan {
  const cols = outputColumns(plan);
  const scope = new Scope(
    cols.map((c) => ({
      table: null,
      name: c.name,
      id: c.id,
      type: c.type,
      nullable: c.nullable,
      hidden: false,
    })),
    outer,
  );
  const ctx: ExprContext = {
    state,
    scope,
    ctes: env,
    clause: 'ORDER BY',
    aggregates: null,
    windows: null,
    namedWindows: new Map(),
  };
  const keys = items.map((o) => {
    const ord = ordinal(o.expr);
    if (ord !== null) {
      const c = cols[ord - 1];
      if (!c)
        throw bindError(
          'PLAN',
          `ORDER BY position ${ord} is not in the select list (1 to ${cols.length})`,
          o.expr.pos,
        );
      return sortKey(col(c.id, c.name, c.type), o.descending, o.nullsFirst ?? false);
    }
    return sortKey(bindExpr(ctx, o.expr), o.descending, o.nullsFirst ?? false);
  });
  return sort(plan, keys);
}

function ordinal(e: ast.Expr): number | null {
  return e.kind === 'number' && e.form === 'integer' ? Number(e.text) : null;
}

// ───────────────────────────── SELECT ─────────────────────────────

interface SelectItem {
  /** The AST to bind, or null for a column from `*`. */
  readonly ast: ast.Expr | null;
  readonly column: ScopeColumn | null;
  readonly name: string;
  /** True when the name is an explicit alias. */
  readonly aliased: boolean;
}

function bindSelect(
  state: BinderState,
  sel: ast.Select,
  outer: Scope | null,
  env: CteEnv | null,
  orderBy: readonly ast.OrderByItem[],
): { plan: LogicalPlan; trim: NamedExpr[] | null } {
  // FROM
  const rel = bindFromList(state, sel.from, outer, env);
  let plan = rel.plan;
  const scope = new Scope(rel.columns, outer);
  const namedWindows = new Map(sel.windows.map((w) => [w.name.value.toLowerCase(), w.spec]));
  const base: ExprContext = {
    state,
    scope,
    ctes: env,
    clause: 'WHERE',
    aggregates: null,
    windows: null,
    namedWindows,
  };

  // WHERE
  if (sel.where) plan = filter(plan, bindPredicate(base, sel.where));

  // The select list, with * expanded.
  const items: SelectItem[] = [];
  for (const it of sel.items) {
    if (it.kind === 'wildcard') {
      const q = it.qualifier.length > 0 ? it.qualifier[it.qualifier.length - 1]!.value : null;
      const cols = scope.star(q);
      if (cols.length === 0) {
        if (q !== null) throw bindError('PLAN', `table '${q}' of '${q}.*' is not in the FROM clause`, it.pos);
        throw bindError('PLAN', 'SELECT * needs a FROM clause with at least one column', it.pos);
      }
      for (const c of cols) items.push({ ast: null, column: c, name: c.name, aliased: false });
    } else {
      items.push({
        ast: it.expr,
        column: null,
        name: it.alias ? it.alias.value : outputName(it.expr),
        aliased: it.alias !== null,
      });
    }
  }

  const isAggregate =
    sel.groupBy.length > 0 ||
    sel.having !== null ||
    items.some((i) => i.ast && astHasAggregate(i.ast)) ||
    orderBy.some((o) => astHasAggregate(o.expr));
  const aggs = isAggregate ? new AggregateCollector(state.ids) : null;
  const wins = new WindowCollector(state.ids);

  // GROUP BY
  const groups: NamedExpr[] = [];
  if (sel.groupBy.length > 0) {
    const gctx: ExprContext = { ...base, clause: 'GROUP BY' };
    for (const g of sel.groupBy) {
      if (g.kind === 'rollup' || g.kind === 'cube' || g.kind === 'grouping_sets') {
        throw bindError(
          'NOT_IMPLEMENTED',
          `GROUP BY ${g.kind.toUpperCase().replace('_', ' ')} is not supported yet`,
          g.pos,
        );
      }
      const { expr, name } = bindGroupItem(gctx, g as ast.Expr, items, rel.columns);
      if (groups.some((x) => exprEquals(x.expr, expr))) continue;
      groups.push({ id: expr.kind === 'column' ? expr.id : state.ids.fresh(), name, expr });
    }
  }

  // Select expressions, HAVING and ORDER BY, with aggregate and window calls collected.
  const sctx: ExprContext = { ...base, clause: 'SELECT', aggregates: aggs, windows: wins };
  let exprs = items.map((i) => (i.ast ? bindExpr(sctx, i.ast) : columnOf(i.column!)));
  let having = sel.having ? bindPredicate({ ...base, clause: 'HAVING', aggregates: aggs }, sel.having) : null;

  // ORDER BY: an output column (by ordinal or name) or an expression over the FROM columns.
  const octx: ExprContext = { ...base, clause: 'ORDER BY', aggregates: aggs, windows: wins };
  type Key = { item: number; expr: null } | { item: -1; expr: Expr };
  const keys: { key: Key; o: ast.OrderByItem }[] = orderBy.map((o) => {
    const ord = ordinal(o.expr);
    if (ord !== null) {
      if (ord < 1 || ord > items.length) {
        throw bindError(
          'PLAN',
          `ORDER BY position ${ord} is not in the select list (1 to ${items.length})`,
          o.expr.pos,
        );
      }
      return { key: { item: ord - 1, expr: null }, o };
    }
    if (o.expr.kind === 'column' && o.expr.qualifier.length === 0) {
      const name = o.expr.name.value;
      const idx = items.findIndex((i) => sameName(i.name, name));
      if (idx >= 0) return { key: { item: idx, expr: null }, o };
    }
    return { key: { item: -1, expr: bindExpr(octx, o.expr) }, o };
  });

  // A group key or an aggregate or window call selected under an alias takes the alias as its name.
  for (const [k, g] of groups.entries()) {
    if (g.expr.kind === 'column') continue;
    const i = exprs.findIndex((e, j) => items[j]!.aliased && exprEquals(e, g.expr));
    if (i >= 0) groups[k] = { ...g, name: items[i]!.name };
  }

  const renamed = new Set<ColumnId>();
  for (const [i, e] of exprs.entries()) {
    if (!items[i]!.aliased || e.kind !== 'column' || renamed.has(e.id)) continue;
    for (const calls of [aggs?.calls ?? [], wins.calls] as { id: ColumnId; name: string }[][]) {
      const k = calls.findIndex((c) => c.id === e.id);
      if (k >= 0) {
        calls[k] = { ...calls[k]!, name: items[i]!.name };
        renamed.add(e.id);
      }
    }
  }

  if (isAggregate) {
    plan = aggregate(plan, groups, aggs!.calls);
    const rewrite = groupedRewriter(state, groups, aggs!, wins, rel.columns);
    exprs = exprs.map((e, i) => rewrite(e, items[i]!.ast?.pos ?? null));
    having = having ? rewrite(having, sel.having!.pos) : null;
    for (const k of keys) if (k.key.item < 0) k.key = { item: -1, expr: rewrite(k.key.expr!, k.o.expr.pos) };
    for (const [i, w] of wins.calls.entries()) {
      wins.calls[i] = {
        ...w,
        args: w.args.map((a) => rewrite(a, null)),
        partitionBy: w.partitionBy.map((a) => rewrite(a, null)),
        orderBy: w.orderBy.map((k) => ({ ...k, expr: rewrite(k.expr, null) })),
        filter: w.filter ? rewrite(w.filter, null) : null,
      };
    }
  }
  if (having) plan = filter(plan, having);
  if (wins.calls.length > 0) plan = window(plan, wins.calls as WindowCall[]);

  // The projection: select items, then ORDER BY expressions that are not among them.
  const projItems: NamedExpr[] = exprs.map((e, i) => ({
    id: e.kind === 'column' ? e.id : state.ids.fresh(),
    name: items[i]!.name,
    expr: e,
  }));
  const visible = projItems.length;
  const sortKeys: SortKey[] = [];
  for (const { key, o } of keys) {
    let target: NamedExpr;
    if (key.item >= 0) target = projItems[key.item]!;
    else {
      const found = projItems.find((p) => exprEquals(p.expr, key.expr!));
      if (found) target = found;
      else {
        if (sel.distinct) {
          throw bindError(
            'PLAN',
            'for SELECT DISTINCT, ORDER BY expressions must appear in the select list',
            o.expr.pos,
          );
        }
        target = {
          id: key.expr!.kind === 'column' ? key.expr!.id : state.ids.fresh(),
          name: key.expr!.kind === 'column' ? key.expr!.name : outputName(o.expr),
          expr: key.expr!,
        };
        projItems.push(target);
      }
    }
    sortKeys.push(
      sortKey(col(target.id, target.name, target.expr.type), o.descending, o.nullsFirst ?? false),
    );
  }
  plan = project(plan, projItems);
  if (sel.distinct) plan = distinct(plan);
  if (sortKeys.length > 0) plan = sort(plan, sortKeys);
  const trim =
    projItems.length > visible
      ? projItems
          .slice(0, visible)
          .map((p) => ({ id: p.id, name: p.name, expr: col(p.id, p.name, p.expr.type) }))
      : null;
  return { plan, trim };
}

function columnOf(c: ScopeColumn): ColumnExpr {
  return col(c.id, c.name, c.type);
}

/** The name DuckDB gives an unaliased select item: a column's name, else the expression's text. */
function outputName(e: ast.Expr): string {
  if (e.kind === 'column') return e.name.value;
  if (e.kind === 'function' && e.star && e.args.length === 0 && !e.over) return 'count_star()';
  return printExpr(e);
}

/** A GROUP BY item: an ordinal, a FROM column, a select alias, or an expression. */
function bindGroupItem(
  ctx: ExprContext,
  g: ast.Expr,
  items: readonly SelectItem[],
  from: readonly ScopeColumn[],
): { expr: Expr; name: string } {
  const ord = ordinal(g);
  if (ord !== null) {
    const item = items[ord - 1];
    if (!item)
      throw bindError(
        'PLAN',
        `GROUP BY position ${ord} is not in the select list (1 to ${items.length})`,
        g.pos,
      );
    if (item.column) return { expr: columnOf(item.column), name: item.column.name };
    if (astHasAggregate(item.ast!)) {
      throw bindError(
        'PLAN',
        `GROUP BY position ${ord} refers to an aggregate (${printExpr(item.ast!)})`,
        g.pos,
      );
    }
    return { expr: bindExpr(ctx, item.ast!), name: item.name };
  }
  if (g.kind === 'column' && g.qualifier.length === 0) {
    const name = g.name.value;
    const inFrom = from.some((c) => !c.hidden && sameName(c.name, name));
    if (!inFrom) {
      const item = items.find((i) => i.aliased && sameName(i.name, name));
      if (item?.ast) {
        if (astHasAggregate(item.ast))
          throw bindError('PLAN', `GROUP BY '${name}' refers to an aggregate`, g.pos);
        return { expr: bindExpr(ctx, item.ast), name: item.name };
      }
    }
  }
  const expr = bindExpr(ctx, g);
  return { expr, name: expr.kind === 'column' ? expr.name : outputName(g) };
}

/**
 * After aggregation only group keys, aggregates and window results are available: replaces
 * sub-expressions equal to a group key by a reference to it, and rejects references to other
 * columns of the FROM clause.
 */
function groupedRewriter(
  state: BinderState,
  groups: readonly NamedExpr[],
  aggs: AggregateCollector,
  wins: WindowCollector,
  from: readonly ScopeColumn[],
): (e: Expr, pos: ast.Pos | null) => Expr {
  const allowed = new Set<ColumnId>([
    ...groups.map((g) => g.id),
    ...aggs.calls.map((a) => a.id),
    ...wins.calls.map((w) => w.id),
  ]);
  const fromIds = new Set(from.map((c) => c.id));
  return (e, pos) =>
    replaceExpr(e, (x) => {
      if (x.kind === 'literal') return x;
      for (const g of groups) if (exprEquals(x, g.expr)) return col(g.id, g.name, g.expr.type);
      if (x.kind === 'column') {
        if (allowed.has(x.id) || !fromIds.has(x.id)) return x;
        const at = state.positions.get(x) ?? pos;
        throw bindError(
          'PLAN',
          `column '${x.name}' must appear in the GROUP BY clause or be used in an aggregate function`,
          at,
        );
      }
      return undefined;
    });
}

/** Whether an expression calls an aggregate function (outside subqueries and window calls). */
export function astHasAggregate(e: ast.Expr): boolean {
  let found = false;
  walkAst(e, (x) => {
    if (x.kind === 'function' && !x.over) {
      const name = x.name[x.name.length - 1]!.value;
      if (isAggregateFunction(name) || (x.star && name.toLowerCase() === 'count')) found = true;
    }
  });
  return found;
}

/** Visits an AST expression and its sub-expressions, not entering subqueries. */
function walkAst(e: ast.Expr, fn: (e: ast.Expr) => void): void {
  fn(e);
  const kids: (ast.Expr | null)[] = [];
  switch (e.kind) {
    case 'unary':
      kids.push(e.operand);
      break;
    case 'binary':
      kids.push(e.left, e.right);
      break;
    case 'is_null':
    case 'is_truth':
    case 'extract':
    case 'cast':
      kids.push(e.expr);
      break;
    case 'is_distinct_from':
      kids.push(e.left, e.right);
      break;
    case 'between':
      kids.push(e.expr, e.low, e.high);
      break;
    case 'in_list':
      kids.push(e.expr, ...e.list);
      break;
    case 'in_subquery':
      kids.push(e.expr);
      break;
    case 'quantified':
      kids.push(e.left);
      break;
    case 'like':
      kids.push(e.expr, e.pattern, e.escape);
      break;
    case 'case':
      kids.push(e.operand, ...e.whens.flatMap((w) => [w.condition, w.result]), e.else);
      break;
    case 'function':
      if (e.over) return; // a window call's arguments are its own
      kids.push(...e.args, e.filter);
      break;
    case 'substring':
      kids.push(e.expr, e.start, e.length);
      break;
    case 'position':
      kids.push(e.needle, e.haystack);
      break;
    case 'trim':
      kids.push(e.characters, e.expr);
      break;
    case 'row':
      kids.push(...e.items);
      break;
    default:
      break;
  }
  for (const k of kids) if (k) walkAst(k, fn);
}

// ───────────────────────────── FROM ─────────────────────────────

function bindFromList(
  state: BinderState,
  from: readonly ast.TableRef[],
  outer: Scope | null,
  env: CteEnv | null,
): Relation {
  if (from.length === 0) return { plan: values([], [[]]), columns: [] };
  let rel = bindTableRef(state, from[0]!, outer, env);
  for (const ref of from.slice(1)) {
    const right = bindTableRef(state, ref, outer, env);
    rel = { plan: join('inner', rel.plan, right.plan, null), columns: [...rel.columns, ...right.columns] };
  }
  return rel;
}

function bindTableRef(
  state: BinderState,
  ref: ast.TableRef,
  outer: Scope | null,
  env: CteEnv | null,
): Relation {
  switch (ref.kind) {
    case 'table':
      return bindNamedTable(state, ref, env);
    case 'derived': {
      if (ref.lateral)
        throw bindError('NOT_IMPLEMENTED', 'LATERAL subqueries are not supported yet', ref.pos);
      const plan = bindQuery(state, ref.query, outer, env);
      return relationOf(plan, ref.alias?.name.value ?? null, ref.alias?.columns ?? [], ref.pos);
    }
    case 'table_function':
      throw bindError(
        'NOT_IMPLEMENTED',
        `table function ${ref.name.map((n) => n.value).join('.')}() is not supported yet; register the files as a table`,
        ref.pos,
      );
    case 'join':
      return bindJoin(state, ref, outer, env);
  }
}

/** The columns a bound query makes visible under `alias`, renamed by an alias column list. */
function relationOf(
  plan: LogicalPlan,
  alias: string | null,
  names: readonly ast.Identifier[],
  pos: ast.Pos,
): Relation {
  const cols = outputColumns(plan);
  if (names.length > cols.length) {
    throw bindError(
      'PLAN',
      `${alias ?? 'the subquery'} has ${cols.length} columns but ${names.length} column names were given`,
      pos,
    );
  }
  return {
    plan,
    columns: cols.map((c, i) => ({
      table: alias,
      name: names[i]?.value ?? c.name,
      id: c.id,
      type: c.type,
      nullable: c.nullable,
      hidden: false,
    })),
  };
}

function bindNamedTable(state: BinderState, ref: ast.TableName, env: CteEnv | null): Relation {
  const parts = ref.name.map((n) => n.value);
  const last = parts[parts.length - 1]!;
  const aliasName = ref.alias?.name.value ?? last;
  const aliasCols = ref.alias?.columns ?? [];
  if (parts.length === 1) {
    const cte = findCte(env, last);
    if (cte) {
      const plan = bindQuery(state, cte.cte.query, null, cte.next);
      const named = relationOf(plan, cte.cte.name.value, cte.cte.columns, cte.cte.pos);
      return renamed(named, aliasName, aliasCols, ref.pos);
    }
  }
  const entry = state.catalog.get(parts, ref.pos);
  if (entry.kind === 'view') {
    if (state.viewStack.includes(entry.name)) {
      throw bindError(
        'PLAN',
        `view '${entry.name}' refers to itself (through ${state.viewStack.join(' → ')})`,
        ref.pos,
      );
    }
    state.viewStack.push(entry.name);
    try {
      const plan = bindQuery(state, entry.query, null, null);
      const cols = entry.columns.map((c) => ({ value: c, quoted: true, pos: ref.pos }));
      return renamed(relationOf(plan, entry.name, cols, ref.pos), aliasName, aliasCols, ref.pos);
    } finally {
      state.viewStack.pop();
    }
  }
  if (aliasCols.length > entry.schema.length) {
    throw bindError(
      'PLAN',
      `table '${entry.name}' has ${entry.schema.length} columns but ${aliasCols.length} column names were given`,
      ref.pos,
    );
  }
  const columns = entry.schema.map((f, index) => ({
    id: state.ids.fresh(),
    name: f.name,
    type: f.type,
    nullable: f.nullable,
    index,
  }));
  const plan = scan(entry.name, ref.alias ? aliasName : null, columns, entry.statistics);
  return {
    plan,
    columns: columns.map((c, i) => ({
      table: aliasName,
      name: aliasCols[i]?.value ?? c.name,
      id: c.id,
      type: c.type,
      nullable: c.nullable,
      hidden: false,
    })),
  };
}

function renamed(rel: Relation, alias: string, names: readonly ast.Identifier[], pos: ast.Pos): Relation {
  if (names.length > rel.columns.length) {
    throw bindError(
      'PLAN',
      `'${alias}' has ${rel.columns.length} columns but ${names.length} column names were given`,
      pos,
    );
  }
  return {
    plan: rel.plan,
    columns: rel.columns.map((c, i) => ({ ...c, table: alias, name: names[i]?.value ?? c.name })),
  };
}

function bindJoin(state: BinderState, ref: ast.Join, outer: Scope | null, env: CteEnv | null): Relation {
  const left = bindTableRef(state, ref.left, outer, env);
  const right = bindTableRef(state, ref.right, outer, env);
  const nullableLeft = ref.type === 'right' || ref.type === 'full';
  const nullableRight = ref.type === 'left' || ref.type === 'full';
  let leftCols = left.columns.map((c) => (nullableLeft ? { ...c, nullable: true } : c));
  let rightCols = right.columns.map((c) => (nullableRight ? { ...c, nullable: true } : c));
  const type = ref.type === 'cross' ? 'inner' : ref.type;

  let usingNames: string[] | null = null;
  if (ref.natural) {
    usingNames = leftCols
      .filter((l) => !l.hidden && rightCols.some((r) => !r.hidden && sameName(r.name, l.name)))
      .map((c) => c.name);
    if (usingNames.length === 0) {
      return { plan: join(type, left.plan, right.plan, null), columns: [...leftCols, ...rightCols] };
    }
  } else if (ref.condition?.kind === 'using') {
    usingNames = ref.condition.columns.map((c) => c.value);
  }

  if (usingNames === null) {
    let condition: Expr | null = null;
    if (ref.condition?.kind === 'on') {
      const scope = new Scope([...leftCols, ...rightCols], outer);
      const ctx: ExprContext = {
        state,
        scope,
        ctes: env,
        clause: 'a JOIN condition',
        aggregates: null,
        windows: null,
        namedWindows: new Map(),
      };
      condition = bindPredicate(ctx, ref.condition.expr);
    } else if (ref.type !== 'cross') {
      throw bindError('PLAN', `${ref.type.toUpperCase()} JOIN needs an ON or USING condition`, ref.opPos);
    }
    return { plan: join(type, left.plan, right.plan, condition), columns: [...leftCols, ...rightCols] };
  }

  // USING / NATURAL: equality on each named column; one copy of it stays visible unqualified.
  const conds: Expr[] = [];
  const merged: { l: ScopeColumn; r: ScopeColumn; t: DataType }[] = [];
  for (const name of usingNames) {
    const l = uniqueColumn(leftCols, name, 'left', ref);
    const r = uniqueColumn(rightCols, name, 'right', ref);
    conds.push(typedCall('=', [columnOf(l), columnOf(r)], ref.pos));
    const t = commonType(l.type, r.type, { mode: 'compare' }) ?? l.type;
    merged.push({ l, r, t });
  }
  const plan0 = join(type, left.plan, right.plan, and(...conds));
  if (type !== 'full') {
    const hideRight = type !== 'right';
    leftCols = leftCols.map((c) =>
      !hideRight && merged.some((m) => m.l.id === c.id) ? { ...c, hidden: true } : c,
    );
    rightCols = rightCols.map((c) =>
      hideRight && merged.some((m) => m.r.id === c.id) ? { ...c, hidden: true } : c,
    );
    // Put the visible copies first, in USING order (as `SELECT *` shows them).
    const visibleFirst = hideRight ? leftCols : rightCols;
    const firsts = merged.map((m) => visibleFirst.find((c) => c.id === (hideRight ? m.l.id : m.r.id))!);
    const rest = [...leftCols, ...rightCols].filter((c) => !firsts.includes(c));
    return { plan: plan0, columns: [...firsts, ...rest] };
  }
  // FULL JOIN USING: the visible column is COALESCE(l, r).
  const extra: NamedExpr[] = merged.map((m) => ({
    id: state.ids.fresh(),
    name: m.l.name,
    expr: typedCall('coalesce', [columnOf(m.l), columnOf(m.r)], ref.pos),
  }));
  const passthrough = outputColumns(plan0).map((c) => ({
    id: c.id,
    name: c.name,
    expr: col(c.id, c.name, c.type),
  }));
  const plan = project(plan0, [...extra, ...passthrough]);
  const hidden = new Set(merged.flatMap((m) => [m.l.id, m.r.id]));
  const coalesced: ScopeColumn[] = extra.map((x) => ({
    table: null,
    name: x.name,
    id: x.id,
    type: x.expr.type,
    nullable: true,
    hidden: false,
  }));
  const others = [...leftCols, ...rightCols].map((c) => (hidden.has(c.id) ? { ...c, hidden: true } : c));
  return { plan, columns: [...coalesced, ...others] };
}

function uniqueColumn(cols: readonly ScopeColumn[], name: string, side: string, ref: ast.Join): ScopeColumn {
  const found = cols.filter((c) => !c.hidden && sameName(c.name, name));
  if (found.length === 0)
    throw bindError('PLAN', `column '${name}' of USING is not in the ${side} side of the join`, ref.opPos);
  if (new Set(found.map((c) => c.id)).size > 1) {
    throw bindError(
      'PLAN',
      `column '${name}' of USING is ambiguous in the ${side} side of the join`,
      ref.opPos,
    );
  }
  return found[0]!;
}

// ───────────────────────────── VALUES and set operations ─────────────────────────────

function bindValues(state: BinderState, v: ast.Values, outer: Scope | null, env: CteEnv | null): LogicalPlan {
  const width = v.rows[0]?.length ?? 0;
  const ctx: ExprContext = { ...constantContext(state, outer, env), clause: 'VALUES' };
  const rows = v.rows.map((r, i) => {
    if (r.length !== width)
      throw bindError(
        'PLAN',
        `VALUES rows must all have ${width} values; row ${i + 1} has ${r.length}`,
        v.pos,
      );
    return r.map((e) => ({ e: bindExpr(ctx, e), pos: e.pos }));
  });
  const types = Array.from({ length: width }, (_, c) =>
    commonTypeOf(
      rows.map((r) => r[c]!),
      'VALUES',
    ),
  );
  const columns = types.map((t, c) => ({
    id: state.ids.fresh(),
    name: `col${c}`,
    type: t.kind === 'null' ? ({ kind: 'int32' } as DataType) : t,
    nullable: rows.some((r) => r[c]!.e.kind !== 'literal' || (r[c]!.e as { value: unknown }).value === null),
  }));
  return values(
    columns,
    rows.map((r) => r.map((x, c) => coerce(x.e, columns[c]!.type, x.pos))),
  );
}

function bindSetOperation(
  state: BinderState,
  s: ast.SetOperation,
  outer: Scope | null,
  env: CteEnv | null,
): LogicalPlan {
  let left = bindBody(state, s.left, outer, env);
  let right = bindBody(state, s.right, outer, env);
  const lc = outputColumns(left);
  const rc = outputColumns(right);
  const opName = `${s.op.toUpperCase()}${s.all ? ' ALL' : ''}`;
  if (lc.length !== rc.length) {
    throw bindError(
      'PLAN',
      `each side of ${opName} must have the same number of columns: ${lc.length} and ${rc.length}`,
      s.opPos,
    );
  }
  const types = lc.map((l, i) => {
    const r = rc[i]!;
    const t = commonType(l.type, r.type, { mode: 'combine' });
    if (t === undefined) {
      throw bindError(
        'TYPE',
        `column ${i + 1} of ${opName} is ${typeToString(l.type)} on one side and ${typeToString(r.type)} on the other`,
        s.opPos,
      );
    }
    return t.kind === 'null' ? ({ kind: 'int32' } as DataType) : t;
  });
  left = castColumns(state, left, types);
  right = castColumns(state, right, types);
  const l2 = outputColumns(left);
  const r2 = outputColumns(right);
  if (!s.all && s.op !== 'union') {
    // INTERSECT / EXCEPT (DISTINCT): a semi / anti join on null-safe equality of every column.
    const cond = and(
      ...l2.map((l, i) => {
        const r = r2[i]!;
        return call('is_not_distinct_from', [col(l.id, l.name, l.type), col(r.id, r.name, r.type)], BOOLEAN);
      }),
    );
    return distinct(join(s.op === 'intersect' ? 'semi' : 'anti', left, right, cond));
  }
  const columns = lc.map((l, i) => ({
    id: state.ids.fresh(),
    name: l.name,
    type: types[i]!,
    nullable: l2[i]!.nullable || r2[i]!.nullable,
  }));
  const op = setOperation(s.op, left, right, columns);
  return s.op === 'union' && !s.all ? distinct(op) : op;
}

function castColumns(state: BinderState, plan: LogicalPlan, types: readonly DataType[]): LogicalPlan {
  const cols = outputColumns(plan);
  if (cols.every((c, i) => typesEqual(c.type, types[i]!))) return plan;
  return project(
    plan,
    cols.map((c, i) =>
      typesEqual(c.type, types[i]!)
        ? { id: c.id, name: c.name, expr: col(c.id, c.name, c.type) }
        : { id: state.ids.fresh(), name: c.name, expr: coerce(col(c.id, c.name, c.type), types[i]!) },
    ),
  );
}
