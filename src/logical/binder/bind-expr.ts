import { didYouMean } from '../../catalog/nearest.ts';
import type * as ast from '../../sql/ast.ts';
import { printExpr } from '../../sql/print.ts';
import {
  BOOLEAN,
  DATE,
  type DataType,
  INT64,
  INTERVAL,
  NULL_TYPE,
  TIMESTAMP,
  typesEqual,
  typeToString,
  VARCHAR,
} from '../../types/data-type.ts';
import {
  type ArgLiteral,
  canCast,
  commonType,
  functionNames,
  resolveFunction,
} from '../../types/functions.ts';
import {
  and,
  call,
  caseExpr,
  cast,
  type Expr,
  exists,
  inList,
  inSubquery,
  lit,
  not,
  or,
  scalarSubquery,
} from '../expr.ts';
import {
  castLiteral,
  LiteralCastError,
  literalToSql,
  numberLiteral,
  parseDate,
  parseInterval,
  parseTimestamp,
} from '../literal.ts';
import { project } from '../nodes/project.ts';
import { sortKey } from '../nodes/sort.ts';
import type { FrameBound, WindowFrame } from '../nodes/window.ts';
import { outputColumns, type SortKey } from '../plan.ts';
import {
  AGGREGATE_NAMES,
  canonicalAggregateName,
  isAggregateFunction,
  isWindowOnlyFunction,
  resolveAggregate,
  resolveWindowFunction,
  WINDOW_NAMES,
} from './aggregate-functions.ts';
import { bindSubquery } from './bind-query.ts';
import type { ExprContext } from './context.ts';
import { bindError, withPosition } from './errors.ts';
import { resolveTypeName } from './type-names.ts';

/** Binds an expression in a context. */
export function bindExpr(ctx: ExprContext, e: ast.Expr): Expr {
  try {
    return bindExprInner(ctx, e);
  } catch (err) {
    throw withPosition(err, e.pos);
  }
}

/** Binds a predicate: the result must be BOOLEAN (or NULL). */
export function bindPredicate(ctx: ExprContext, e: ast.Expr): Expr {
  return toBoolean(bindExpr(ctx, e), e.pos, ctx.clause);
}

function toBoolean(b: Expr, pos: ast.Pos, what: string): Expr {
  if (b.type.kind === 'boolean') return b;
  if (b.type.kind === 'null') return lit(null, BOOLEAN);
  throw bindError('TYPE', `${what} must be BOOLEAN, not ${typeToString(b.type)}`, pos);
}

/** The value a literal argument contributes to function typing (see `ArgLiteral`). */
function argLiteral(e: Expr): ArgLiteral | undefined {
  if (e.kind !== 'literal') return undefined;
  if (e.value === null) return null;
  if (e.type.kind === 'varchar' && typeof e.value === 'string') return e.value;
  if ((e.type.kind === 'int32' || e.type.kind === 'int64') && typeof e.value === 'number') return e.value;
  return undefined;
}

/**
 * Converts `e` to type `to`: constants at once (so errors point at them), other expressions with a
 * CAST node.
 */
export function coerce(e: Expr, to: DataType, pos: ast.Pos | null = null): Expr {
  if (typesEqual(e.type, to)) return e;
  if (e.kind === 'literal') {
    try {
      return lit(castLiteral(e.value, e.type, to), to);
    } catch (err) {
      if (err instanceof LiteralCastError) throw bindError('TYPE', err.message, pos);
      throw err;
    }
  }
  return cast(e, to);
}

/** Types a catalogue function call and inserts the casts it needs. */
export function typedCall(name: string, args: readonly Expr[], pos: ast.Pos | null): Expr {
  let r: ReturnType<typeof resolveFunction>;
  try {
    r = resolveFunction(
      name,
      args.map((a) => a.type),
      args.map(argLiteral),
    );
  } catch (err) {
    throw withPosition(err, pos);
  }
  return call(
    r.name,
    args.map((a, i) => coerce(a, r.argTypes[i] ?? a.type, pos)),
    r.returnType,
  );
}

function bindExprInner(ctx: ExprContext, e: ast.Expr): Expr {
  switch (e.kind) {
    case 'number': {
      const { value, type } = numberLiteral(e.text, e.form);
      return lit(value, type);
    }
    case 'string':
      return lit(e.value, VARCHAR);
    case 'boolean':
      return lit(e.value, BOOLEAN);
    case 'null':
      return lit(null, NULL_TYPE);
    case 'typed_literal':
      return typedLiteral(e);
    case 'interval': {
      const v = parseInterval(e.value, e.unit, e.toUnit);
      if (!v)
        throw bindError(
          'TYPE',
          `'${e.value}' is not a valid interval${e.unit ? ` of ${e.unit}s` : ''}`,
          e.pos,
        );
      return lit(v, INTERVAL);
    }
    case 'parameter':
      throw bindError('NOT_IMPLEMENTED', `parameters ($${e.index}) are not supported yet`, e.pos);
    case 'column': {
      const r = ctx.scope.resolve(e);
      const ref: Expr = { kind: 'column', id: r.column.id, name: r.column.name, type: r.column.type };
      Object.freeze(ref);
      ctx.state.positions.set(ref, e.pos);
      return ref;
    }
    case 'unary': {
      if (e.op === 'not')
        return not(toBoolean(bindExpr(ctx, e.operand), e.operand.pos, 'the argument of NOT'));
      if (e.op === '-' && e.operand.kind === 'number') {
        const { value, type } = numberLiteral(`-${e.operand.text}`, e.operand.form);
        return lit(value, type);
      }
      const operand = bindExpr(ctx, e.operand);
      if (e.op === '+') {
        if (
          operand.type.kind === 'null' ||
          operand.type.kind === 'varchar' ||
          isNumericOrInterval(operand.type)
        )
          return operand;
        throw bindError('TYPE', `unary + is not defined for ${typeToString(operand.type)}`, e.pos);
      }
      return typedCall('-', [operand], e.pos);
    }
    case 'binary': {
      if (e.op === 'and' || e.op === 'or') {
        const l = toBoolean(bindExpr(ctx, e.left), e.left.pos, `the argument of ${e.op.toUpperCase()}`);
        const r = toBoolean(bindExpr(ctx, e.right), e.right.pos, `the argument of ${e.op.toUpperCase()}`);
        return e.op === 'and' ? and(l, r) : or(l, r);
      }
      const l = bindExpr(ctx, e.left);
      const r = bindExpr(ctx, e.right);
      return typedCall(e.op, [l, r], e.opPos);
    }
    case 'is_null': {
      const x = bindExpr(ctx, e.expr);
      return call(e.negated ? 'is_not_null' : 'is_null', [x], BOOLEAN);
    }
    case 'is_truth': {
      const x = bindExpr(ctx, e.expr);
      if (e.value === 'unknown')
        return call(
          e.negated ? 'is_not_null' : 'is_null',
          [toBoolean(x, e.expr.pos, 'the argument of IS UNKNOWN')],
          BOOLEAN,
        );
      const b = toBoolean(x, e.expr.pos, `the argument of IS ${e.value.toUpperCase()}`);
      // x IS TRUE ≡ coalesce(x, false); x IS FALSE ≡ coalesce(NOT x, false); IS NOT negates those.
      const base = e.value === 'true' ? b : not(b);
      const r = call('coalesce', [base, lit(false, BOOLEAN)], BOOLEAN);
      return e.negated ? not(r) : r;
    }
    case 'is_distinct_from': {
      const l = bindExpr(ctx, e.left);
      const r = bindExpr(ctx, e.right);
      return typedCall(e.negated ? 'is_not_distinct_from' : 'is_distinct_from', [l, r], e.pos);
    }
    case 'between': {
      const x = bindExpr(ctx, e.expr);
      const lo = bindExpr(ctx, e.low);
      const hi = bindExpr(ctx, e.high);
      if (e.negated) return or(typedCall('<', [x, lo], e.pos), typedCall('>', [x, hi], e.pos));
      return and(typedCall('>=', [x, lo], e.pos), typedCall('<=', [x, hi], e.pos));
    }
    case 'in_list': {
      const x = bindExpr(ctx, e.expr);
      const items = e.list.map((i) => bindExpr(ctx, i));
      let t: DataType = x.type;
      for (const [i, item] of items.entries()) {
        const next = commonType(t, item.type, { bLiteral: argLiteral(item), mode: 'compare' });
        if (next === undefined) {
          throw bindError(
            'TYPE',
            `cannot compare ${typeToString(x.type)} with ${typeToString(item.type)} in IN list`,
            e.list[i]!.pos,
          );
        }
        t = next;
      }
      if (t.kind === 'null') t = BOOLEAN;
      const r = inList(
        coerce(x, t, e.expr.pos),
        items.map((item, i) => coerce(item, t, e.list[i]!.pos)),
      );
      return e.negated ? not(r) : r;
    }
    case 'in_subquery':
      return bindInSubquery(ctx, e.expr, e.query, e.negated, e.pos);
    case 'quantified': {
      if (e.op === '=' && e.quantifier === 'any') return bindInSubquery(ctx, e.left, e.query, false, e.pos);
      if (e.op === '<>' && e.quantifier === 'all') return bindInSubquery(ctx, e.left, e.query, true, e.pos);
      throw bindError(
        'NOT_IMPLEMENTED',
        `${e.op} ${e.quantifier.toUpperCase()} (subquery) is not supported yet`,
        e.pos,
      );
    }
    case 'exists': {
      const plan = bindSubquery(ctx, e.query);
      return exists(plan, e.negated);
    }
    case 'subquery': {
      const plan = bindSubquery(ctx, e.query);
      const cols = outputColumns(plan);
      if (cols.length !== 1) {
        throw bindError(
          'PLAN',
          `a subquery used as a value must return one column, not ${cols.length}`,
          e.pos,
        );
      }
      return scalarSubquery(plan, cols[0]!.type);
    }
    case 'like': {
      const x = bindExpr(ctx, e.expr);
      const p = bindExpr(ctx, e.pattern);
      const fn = `${e.negated ? 'not_' : ''}${e.caseInsensitive ? 'ilike' : 'like'}`;
      const typed = typedCall(fn, [x, p], e.pos);
      if (!e.escape) return typed;
      const esc = coerce(bindExpr(ctx, e.escape), VARCHAR, e.escape.pos);
      return call((typed as { fn: string }).fn, [...(typed as { args: readonly Expr[] }).args, esc], BOOLEAN);
    }
    case 'case':
      return bindCase(ctx, e);
    case 'cast': {
      const x = bindExpr(ctx, e.expr);
      const to = resolveTypeName(e.type);
      if (!canCast(x.type, to))
        throw bindError('TYPE', `cannot cast ${typeToString(x.type)} to ${typeToString(to)}`, e.pos);
      if (typesEqual(x.type, to)) return x;
      if (x.kind === 'literal' && !e.try) {
        // Check now, so a bad constant is reported where it was written; folding happens later.
        try {
          castLiteral(x.value, x.type, to);
        } catch (err) {
          if (err instanceof LiteralCastError) throw bindError('TYPE', err.message, e.pos);
          throw err;
        }
      }
      return cast(x, to, e.try);
    }
    case 'function':
      return bindFunction(ctx, e);
    case 'extract': {
      const x = bindExpr(ctx, e.expr);
      return typedCall('extract', [lit(e.field, VARCHAR), x], e.pos);
    }
    case 'substring': {
      const x = bindExpr(ctx, e.expr);
      const start = e.start ? bindExpr(ctx, e.start) : lit(1, INT64);
      const args = [x, start, ...(e.length ? [bindExpr(ctx, e.length)] : [])];
      return typedCall('substring', args, e.pos);
    }
    case 'position':
      return typedCall('strpos', [bindExpr(ctx, e.haystack), bindExpr(ctx, e.needle)], e.pos);
    case 'trim': {
      const fn = e.side === 'both' ? 'trim' : e.side === 'leading' ? 'ltrim' : 'rtrim';
      const args = [bindExpr(ctx, e.expr), ...(e.characters ? [bindExpr(ctx, e.characters)] : [])];
      return typedCall(fn, args, e.pos);
    }
    case 'row':
      throw bindError('NOT_IMPLEMENTED', 'row values (a, b, …) are not supported yet', e.pos);
  }
}

function isNumericOrInterval(t: DataType): boolean {
  return (
    t.kind === 'int32' ||
    t.kind === 'int64' ||
    t.kind === 'float64' ||
    t.kind === 'decimal' ||
    t.kind === 'interval'
  );
}

function typedLiteral(e: ast.TypedLiteral): Expr {
  const t = resolveTypeName(e.type);
  if (t.kind === 'date') {
    const v = parseDate(e.value);
    if (v === undefined)
      throw bindError('TYPE', `'${e.value}' is not a valid DATE (expected YYYY-MM-DD)`, e.pos);
    return lit(v, DATE);
  }
  if (t.kind === 'timestamp') {
    const v = parseTimestamp(e.value);
    if (v === undefined) throw bindError('TYPE', `'${e.value}' is not a valid TIMESTAMP`, e.pos);
    return lit(v, TIMESTAMP);
  }
  try {
    return lit(castLiteral(e.value, VARCHAR, t), t);
  } catch (err) {
    if (err instanceof LiteralCastError) throw bindError('TYPE', err.message, e.pos);
    throw err;
  }
}

function bindInSubquery(
  ctx: ExprContext,
  left: ast.Expr,
  query: ast.Query,
  negated: boolean,
  pos: ast.Pos,
): Expr {
  const x = bindExpr(ctx, left);
  let plan = bindSubquery(ctx, query);
  const cols = outputColumns(plan);
  if (cols.length !== 1)
    throw bindError('PLAN', `the subquery of IN must return one column, not ${cols.length}`, pos);
  const c = cols[0]!;
  const t = commonType(x.type, c.type, { aLiteral: argLiteral(x), mode: 'compare' });
  if (t === undefined) {
    throw bindError(
      'TYPE',
      `cannot compare ${typeToString(x.type)} with ${typeToString(c.type)} (the subquery's column) in IN`,
      pos,
    );
  }
  if (!typesEqual(c.type, t)) {
    plan = project(plan, [
      {
        id: ctx.state.ids.fresh(),
        name: c.name,
        expr: cast({ kind: 'column', id: c.id, name: c.name, type: c.type }, t),
      },
    ]);
  }
  return inSubquery(coerce(x, t, left.pos), plan, negated);
}

function bindCase(ctx: ExprContext, e: ast.Case): Expr {
  const operand = e.operand ? bindExpr(ctx, e.operand) : null;
  const whens = e.whens.map((w) => {
    let cond: Expr;
    if (operand) cond = typedCall('=', [operand, bindExpr(ctx, w.condition)], w.condition.pos);
    else cond = toBoolean(bindExpr(ctx, w.condition), w.condition.pos, 'a CASE condition');
    return { condition: cond, result: bindExpr(ctx, w.result), pos: w.result.pos };
  });
  const elseExpr = e.else ? bindExpr(ctx, e.else) : null;
  const results = [
    ...whens.map((w) => ({ e: w.result, pos: w.pos })),
    ...(elseExpr && e.else ? [{ e: elseExpr, pos: e.else.pos }] : []),
  ];
  const t = commonTypeOf(results, 'CASE');
  return caseExpr(
    whens.map((w) => ({ condition: w.condition, result: coerce(w.result, t, w.pos) })),
    elseExpr ? coerce(elseExpr, t, e.else!.pos) : null,
    t,
  );
}

/** The type values of several expressions are combined in (CASE branches, VALUES rows, set operations). */
export function commonTypeOf(items: readonly { e: Expr; pos: ast.Pos | null }[], what: string): DataType {
  let t: DataType = NULL_TYPE;
  let onlyStringLiterals = true;
  for (const { e, pos } of items) {
    const lit_ = argLiteral(e);
    const next = commonType(t, e.type, {
      ...(onlyStringLiterals && t.kind === 'varchar' ? { aLiteral: '' } : {}),
      ...(typeof lit_ === 'string' ? { bLiteral: lit_ } : {}),
      mode: 'combine',
    });
    if (next === undefined) {
      throw bindError(
        'TYPE',
        `cannot mix ${typeToString(t)} and ${typeToString(e.type)} in ${what}; add an explicit cast`,
        pos,
      );
    }
    if (!(e.kind === 'literal' && (e.value === null || typeof lit_ === 'string'))) onlyStringLiterals = false;
    t = next;
  }
  return t;
}

function functionName(e: ast.FunctionCall): string {
  const parts = e.name.map((p) => p.value);
  if (parts.length > 1 && !['main', 'pg_catalog', 'system'].includes(parts[0]!.toLowerCase())) {
    throw bindError('PLAN', `unknown function '${parts.join('.')}'`, e.pos);
  }
  return parts[parts.length - 1]!.toLowerCase();
}

function bindFunction(ctx: ExprContext, e: ast.FunctionCall): Expr {
  const name = functionName(e);
  if (e.over) return bindWindowCall(ctx, e, name);
  if (isAggregateFunction(name) || (name === 'count' && e.star)) return bindAggregateCall(ctx, e, name);
  if (isWindowOnlyFunction(name))
    throw bindError('PLAN', `window function ${name}() needs an OVER clause`, e.pos);
  if (!functionNames().includes(name)) {
    // Unknown everywhere: name the nearest scalar, aggregate and window functions.
    const all = [...functionNames().filter((n) => /^[a-z]/.test(n)), ...AGGREGATE_NAMES, ...WINDOW_NAMES];
    throw bindError('PLAN', `unknown function '${name}'`, e.pos, didYouMean(name, all));
  }
  if (e.distinct || e.filter || e.orderBy.length > 0 || e.star) {
    throw bindError(
      'PLAN',
      `${name}() is not an aggregate function: DISTINCT, FILTER, ORDER BY and * apply to aggregates only`,
      e.pos,
    );
  }
  const args = e.args.map((a) => bindExpr(ctx, a));
  if (args.length === 0 && ['current_date', 'today'].includes(name)) return call('current_date', [], DATE);
  if (
    args.length === 0 &&
    ['current_timestamp', 'now', 'localtimestamp', 'get_current_timestamp'].includes(name)
  ) {
    return call('current_timestamp', [], TIMESTAMP);
  }
  return typedCall(name, args, e.pos);
}

/** The display name of an aggregate/window call: its SQL text (DuckDB's column name for it). */
function callName(e: ast.FunctionCall): string {
  if (e.star && e.args.length === 0 && !e.over && !e.filter) return 'count_star()';
  return printExpr(e);
}

function bindAggregateCall(ctx: ExprContext, e: ast.FunctionCall, name: string): Expr {
  const agg = ctx.aggregates;
  if (!agg) throw bindError('PLAN', `aggregate functions are not allowed in ${ctx.clause}`, e.pos);
  if (agg.nested)
    throw bindError('PLAN', `aggregate function calls cannot be nested (${callName(e)})`, e.pos);
  agg.nested = true;
  try {
    const inner: ExprContext = { ...ctx, windows: null };
    const args = e.star ? [] : e.args.map((a) => bindExpr(inner, a));
    const sig = resolveAggregate(
      e.star ? 'count_star' : name,
      args.map((a) => a.type),
    );
    if (typeof sig === 'string') {
      throw bindError(
        'TYPE',
        `no aggregate matches ${name}(${args.map((a) => typeToString(a.type)).join(', ')}): ${sig}`,
        e.pos,
      );
    }
    const filter = e.filter
      ? toBoolean(bindExpr({ ...inner, clause: 'FILTER' }, e.filter), e.filter.pos, 'a FILTER condition')
      : null;
    const orderBy = e.orderBy.map((o) => bindSortKey(inner, o));
    return agg.add({
      name: callName(e),
      fn: sig.fn,
      args: args.map((a, i) => coerce(a, sig.argTypes[i] ?? a.type, e.args[i]?.pos ?? e.pos)),
      distinct: e.distinct && sig.fn !== 'min' && sig.fn !== 'max',
      filter,
      orderBy,
      type: sig.returnType,
    });
  } finally {
    agg.nested = false;
  }
}

export function bindSortKey(ctx: ExprContext, o: ast.OrderByItem): SortKey {
  // DuckDB's default: ascending, NULLS LAST (for both directions).
  return sortKey(bindExpr(ctx, o.expr), o.descending, o.nullsFirst ?? false);
}

function bindWindowCall(ctx: ExprContext, e: ast.FunctionCall, name: string): Expr {
  const win = ctx.windows;
  if (!win) throw bindError('PLAN', `window functions are not allowed in ${ctx.clause}`, e.pos);
  if (win.nested) throw bindError('PLAN', 'window function calls cannot be nested', e.pos);
  if (!isAggregateFunction(name) && !isWindowOnlyFunction(name) && !(name === 'count' && e.star)) {
    throw bindError(
      'PLAN',
      `unknown window function '${name}'`,
      e.pos,
      didYouMean(name, [...AGGREGATE_NAMES, ...WINDOW_NAMES]),
    );
  }
  const spec = resolveWindowSpec(ctx, e.over!);
  win.nested = true;
  try {
    const inner: ExprContext = { ...ctx, windows: null };
    const args = e.star ? [] : e.args.map((a) => bindExpr(inner, a));
    const sig = resolveWindowFunction(
      e.star ? 'count_star' : canonicalAggregateName(name),
      args.map((a) => a.type),
    );
    if (typeof sig === 'string') {
      throw bindError(
        'TYPE',
        `no window function matches ${name}(${args.map((a) => typeToString(a.type)).join(', ')}): ${sig}`,
        e.pos,
      );
    }
    const partitionBy = spec.partitionBy.map((p) => bindExpr(inner, p));
    const orderBy = spec.orderBy.map((o) => bindSortKey(inner, o));
    const filter = e.filter ? toBoolean(bindExpr(inner, e.filter), e.filter.pos, 'a FILTER condition') : null;
    const frame: WindowFrame | null = spec.frame
      ? {
          units: spec.frame.units,
          start: frameBound(inner, spec.frame.start),
          end: frameBound(inner, spec.frame.end),
        }
      : null;
    return win.add({
      name: callName(e),
      fn: sig.fn,
      args: args.map((a, i) => coerce(a, sig.argTypes[i] ?? a.type, e.pos)),
      distinct: e.distinct,
      filter,
      partitionBy,
      orderBy,
      frame,
      type: sig.returnType,
    });
  } finally {
    win.nested = false;
  }
}

function frameBound(ctx: ExprContext, b: ast.FrameBound): FrameBound {
  if (b.kind === 'preceding' || b.kind === 'following')
    return { kind: b.kind, offset: bindExpr(ctx, b.offset) };
  return { kind: b.kind };
}

/** Merges `OVER w` / `OVER (w …)` with the named window it refines. */
function resolveWindowSpec(ctx: ExprContext, spec: ast.WindowSpec): ast.WindowSpec {
  if (!spec.base) return spec;
  const base = ctx.namedWindows.get(spec.base.value.toLowerCase());
  if (!base) throw bindError('PLAN', `window '${spec.base.value}' is not defined`, spec.base.pos);
  const resolved = resolveWindowSpec(ctx, base);
  return {
    base: null,
    partitionBy: resolved.partitionBy,
    orderBy: spec.orderBy.length > 0 ? spec.orderBy : resolved.orderBy,
    frame: spec.frame ?? resolved.frame,
    pos: spec.pos,
  };
}

/** Evaluates a constant integer expression (LIMIT, OFFSET). */
export function constantInteger(ctx: ExprContext, e: ast.Expr, what: string): number {
  const b = bindExpr({ ...ctx, aggregates: null, windows: null, clause: what }, e);
  if (
    b.kind === 'literal' &&
    (b.type.kind === 'int32' || b.type.kind === 'int64') &&
    typeof b.value === 'number' &&
    b.value >= 0
  ) {
    return b.value;
  }
  if (b.kind === 'literal' && b.value === null) return Number.MAX_SAFE_INTEGER;
  throw bindError(
    'PLAN',
    `${what} must be a non-negative integer constant, not ${b.kind === 'literal' ? literalToSql(b.value, b.type) : 'an expression'}`,
    e.pos,
  );
}
