/**
 * Logical expressions: typed, immutable, JSON-serializable trees that the binder builds from the
 * AST and the optimizer rewrites.
 *
 * **How columns are referenced.** Every column that flows through a plan has a numeric
 * {@link ColumnId}, unique within one bound statement (subqueries included). A scan gives each of
 * its table columns a fresh id; a projection, aggregate, window or set operation gives a fresh id
 * to each value it computes (a projection that passes a column through unchanged keeps its id).
 * Expressions name columns only by id, so moving a predicate through a projection or a join never
 * has to renumber anything: the physical planner maps ids to positions in its input once, with
 * `outputColumns(input)` (see `plan.ts`). `name` on a column reference is for EXPLAIN and errors.
 *
 * **Calls.** Operators and scalar functions are all `call` nodes named by their function-catalogue
 * name (`src/types/functions.ts`): `'+'`, `'='`, `'like'`, `'substring'`, …; `and`/`or` are n-ary
 * (two or more arguments) and `not` unary. Arguments already carry any implicit cast the catalogue
 * asked for, so `call.type` is exact and the physical planner never re-types.
 *
 * **Literals** hold JSON values, by type:
 * - boolean → `boolean`; varchar → `string`; float64 → `number`
 * - int32, int64 → `number` (int64 beyond ±2^53 → its decimal digits as a `string`)
 * - decimal(p, s) → the *unscaled* integer, as for int64 (`100.00` → `10000`, scale 2)
 * - date → days since 1970-01-01; timestamp → microseconds since the epoch (`number`)
 * - interval → `{ months, days, micros }`
 * - NULL of any type → `null`
 *
 * @example
 * const price = col(3, 'l_extendedprice', decimal(15, 2));
 * const cheap = call('<', [price, lit(10000, decimal(15, 2))], BOOLEAN); // l_extendedprice < 100.00
 */
import { SkeinError } from '../errors.ts';
import { BOOLEAN, type DataType, INT64, typesEqual } from '../types/data-type.ts';
import type { LogicalPlan } from './plan.ts';

/** A column's identity within one bound statement. */
export type ColumnId = number;

export interface IntervalValue {
  readonly months: number;
  readonly days: number;
  readonly micros: number;
}

export type LiteralValue = null | boolean | number | string | IntervalValue;

export type Expr =
  | ColumnExpr
  | LiteralExpr
  | CallExpr
  | CaseExpr
  | CastExpr
  | InListExpr
  | ScalarSubqueryExpr
  | ExistsExpr
  | InSubqueryExpr;

export interface ColumnExpr {
  readonly kind: 'column';
  readonly id: ColumnId;
  readonly name: string;
  readonly type: DataType;
}

export interface LiteralExpr {
  readonly kind: 'literal';
  readonly value: LiteralValue;
  readonly type: DataType;
}

/** An operator or scalar function (never an aggregate or window function: those live in their nodes). */
export interface CallExpr {
  readonly kind: 'call';
  readonly fn: string;
  readonly args: readonly Expr[];
  readonly type: DataType;
}

/** Searched CASE (a simple `CASE x WHEN v …` is bound as `CASE WHEN x = v …`). */
export interface CaseExpr {
  readonly kind: 'case';
  readonly whens: readonly { readonly condition: Expr; readonly result: Expr }[];
  readonly else: Expr | null;
  readonly type: DataType;
}

export interface CastExpr {
  readonly kind: 'cast';
  readonly expr: Expr;
  readonly type: DataType;
  /** TRY_CAST: NULL instead of an error when the value does not convert. */
  readonly try: boolean;
}

/** `expr IN (list…)`, all items cast to one comparison type; `NOT IN` is `not(in_list)`. */
export interface InListExpr {
  readonly kind: 'in_list';
  readonly expr: Expr;
  readonly list: readonly Expr[];
  readonly type: DataType;
}

/** `(SELECT …)` as a value: the first (only) output column of `plan`. Removed by decorrelation. */
export interface ScalarSubqueryExpr {
  readonly kind: 'subquery';
  readonly plan: LogicalPlan;
  readonly type: DataType;
}

/** `[NOT] EXISTS (SELECT …)`. Removed by decorrelation. */
export interface ExistsExpr {
  readonly kind: 'exists';
  readonly plan: LogicalPlan;
  readonly negated: boolean;
  readonly type: DataType;
}

/** `expr [NOT] IN (SELECT …)`; `expr` is already cast to the comparison type. Removed by decorrelation. */
export interface InSubqueryExpr {
  readonly kind: 'in_subquery';
  readonly expr: Expr;
  readonly plan: LogicalPlan;
  readonly negated: boolean;
  readonly type: DataType;
}

// ───────────────────────────── factories ─────────────────────────────

export function col(id: ColumnId, name: string, type: DataType): ColumnExpr {
  return Object.freeze({ kind: 'column', id, name, type });
}

export function lit(value: LiteralValue, type: DataType): LiteralExpr {
  return Object.freeze({ kind: 'literal', value, type });
}

export function call(fn: string, args: readonly Expr[], type: DataType): CallExpr {
  return Object.freeze({ kind: 'call', fn, args: Object.freeze([...args]), type });
}

export function caseExpr(
  whens: readonly { readonly condition: Expr; readonly result: Expr }[],
  elseExpr: Expr | null,
  type: DataType,
): CaseExpr {
  return Object.freeze({
    kind: 'case',
    whens: Object.freeze(whens.map((w) => Object.freeze({ condition: w.condition, result: w.result }))),
    else: elseExpr,
    type,
  });
}

export function cast(expr: Expr, type: DataType, tryCast = false): CastExpr {
  return Object.freeze({ kind: 'cast', expr, type, try: tryCast });
}

export function inList(expr: Expr, list: readonly Expr[]): InListExpr {
  return Object.freeze({ kind: 'in_list', expr, list: Object.freeze([...list]), type: BOOLEAN });
}

export function scalarSubquery(plan: LogicalPlan, type: DataType): ScalarSubqueryExpr {
  return Object.freeze({ kind: 'subquery', plan, type });
}

export function exists(plan: LogicalPlan, negated: boolean): ExistsExpr {
  return Object.freeze({ kind: 'exists', plan, negated, type: BOOLEAN });
}

export function inSubquery(expr: Expr, plan: LogicalPlan, negated: boolean): InSubqueryExpr {
  return Object.freeze({ kind: 'in_subquery', expr, plan, negated, type: BOOLEAN });
}

export const TRUE: LiteralExpr = lit(true, BOOLEAN);
export const FALSE: LiteralExpr = lit(false, BOOLEAN);

/** `a AND b AND …`, flattening nested ANDs and dropping TRUE; TRUE for an empty list. */
export function and(...terms: readonly Expr[]): Expr {
  const flat = terms.flatMap(splitConjunction).filter((t) => !isTrueLiteral(t));
  if (flat.length === 0) return TRUE;
  if (flat.length === 1) return flat[0]!;
  return call('and', flat, BOOLEAN);
}

/** `a OR b OR …`, flattening nested ORs; FALSE for an empty list. */
export function or(...terms: readonly Expr[]): Expr {
  const flat = terms.flatMap(splitDisjunction);
  if (flat.length === 0) return FALSE;
  if (flat.length === 1) return flat[0]!;
  return call('or', flat, BOOLEAN);
}

export function not(e: Expr): Expr {
  return call('not', [e], BOOLEAN);
}

export function eq(a: Expr, b: Expr): Expr {
  return call('=', [a, b], BOOLEAN);
}

// ───────────────────────────── inspection ─────────────────────────────

/** The conjuncts of a predicate: `a AND (b AND c)` → `[a, b, c]`. */
export function splitConjunction(e: Expr): Expr[] {
  if (e.kind === 'call' && e.fn === 'and') return e.args.flatMap(splitConjunction);
  return [e];
}

export function splitDisjunction(e: Expr): Expr[] {
  if (e.kind === 'call' && e.fn === 'or') return e.args.flatMap(splitDisjunction);
  return [e];
}

export function isTrueLiteral(e: Expr): boolean {
  return e.kind === 'literal' && e.value === true;
}

export function isNullLiteral(e: Expr): boolean {
  return e.kind === 'literal' && e.value === null;
}

/** The direct sub-expressions (not looking into subquery plans). */
export function exprChildren(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'column':
    case 'literal':
    case 'subquery':
    case 'exists':
      return [];
    case 'call':
      return e.args;
    case 'case': {
      const out: Expr[] = [];
      for (const w of e.whens) out.push(w.condition, w.result);
      if (e.else) out.push(e.else);
      return out;
    }
    case 'cast':
      return [e.expr];
    case 'in_list':
      return [e.expr, ...e.list];
    case 'in_subquery':
      return [e.expr];
  }
}

/** Rebuilds `e` with new direct sub-expressions, in {@link exprChildren} order; returns `e` when nothing changed. */
export function withExprChildren(e: Expr, children: readonly Expr[]): Expr {
  const old = exprChildren(e);
  if (old.length === children.length && old.every((c, i) => c === children[i])) return e;
  switch (e.kind) {
    case 'column':
    case 'literal':
    case 'subquery':
    case 'exists':
      return e;
    case 'call':
      return call(e.fn, children, e.type);
    case 'case': {
      const whens = e.whens.map((_, i) => ({ condition: children[2 * i]!, result: children[2 * i + 1]! }));
      return caseExpr(whens, e.else ? children[children.length - 1]! : null, e.type);
    }
    case 'cast':
      return cast(children[0]!, e.type, e.try);
    case 'in_list':
      return inList(children[0]!, children.slice(1));
    case 'in_subquery':
      return inSubquery(children[0]!, e.plan, e.negated);
  }
}

/** Rewrites bottom-up: `fn` sees each node after its children were rewritten. */
export function transformExpr(e: Expr, fn: (e: Expr) => Expr): Expr {
  const kids = exprChildren(e);
  const next =
    kids.length === 0
      ? e
      : withExprChildren(
          e,
          kids.map((k) => transformExpr(k, fn)),
        );
  return fn(next);
}

/**
 * Rewrites top-down: `fn` returns a replacement (not descended into further) or undefined to
 * keep the node and descend into its children.
 */
export function replaceExpr(e: Expr, fn: (e: Expr) => Expr | undefined): Expr {
  const r = fn(e);
  if (r !== undefined) return r;
  const kids = exprChildren(e);
  if (kids.length === 0) return e;
  return withExprChildren(
    e,
    kids.map((k) => replaceExpr(k, fn)),
  );
}

/** Calls `fn` on every node, parents first (not looking into subquery plans). */
export function visitExpr(e: Expr, fn: (e: Expr) => void): void {
  fn(e);
  for (const k of exprChildren(e)) visitExpr(k, fn);
}

export function someExpr(e: Expr, pred: (e: Expr) => boolean): boolean {
  if (pred(e)) return true;
  return exprChildren(e).some((k) => someExpr(k, pred));
}

/** Ids of the columns `e` references directly (not inside subquery plans). */
export function exprColumns(e: Expr, into: Set<ColumnId> = new Set()): Set<ColumnId> {
  visitExpr(e, (x) => {
    if (x.kind === 'column') into.add(x.id);
  });
  return into;
}

export function hasSubquery(e: Expr): boolean {
  return someExpr(e, (x) => x.kind === 'subquery' || x.kind === 'exists' || x.kind === 'in_subquery');
}

/** Functions whose result may differ between calls with equal arguments. */
const VOLATILE = new Set(['random', 'uuid', 'gen_random_uuid', 'nextval']);

export function isVolatile(e: Expr): boolean {
  return someExpr(e, (x) => x.kind === 'call' && VOLATILE.has(x.fn));
}

/** Structural equality (ignores `name` on columns: ids decide). */
export function exprEquals(a: Expr, b: Expr): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind || !typesEqual(a.type, b.type)) return false;
  switch (a.kind) {
    case 'column':
      return a.id === (b as ColumnExpr).id;
    case 'literal':
      return literalKey(a.value) === literalKey((b as LiteralExpr).value);
    case 'call':
      if (a.fn !== (b as CallExpr).fn) return false;
      break;
    case 'cast':
      if (a.try !== (b as CastExpr).try) return false;
      break;
    case 'case':
      if (
        (a.else === null) !== ((b as CaseExpr).else === null) ||
        a.whens.length !== (b as CaseExpr).whens.length
      )
        return false;
      break;
    case 'subquery':
    case 'exists':
    case 'in_subquery':
      return JSON.stringify(a) === JSON.stringify(b);
    case 'in_list':
      break;
  }
  const ka = exprChildren(a);
  const kb = exprChildren(b);
  return ka.length === kb.length && ka.every((k, i) => exprEquals(k, kb[i]!));
}

function literalKey(v: LiteralValue): string {
  return typeof v === 'object' && v !== null
    ? `i${v.months}/${v.days}/${v.micros}`
    : `${typeof v}:${String(v)}`;
}

/** A key for `expr` usable in a Map, equal for {@link exprEquals} expressions. */
export function exprKey(e: Expr): string {
  return JSON.stringify(e, (k, v) => (k === 'name' ? undefined : v));
}

/** Replaces column references by id: `map.get(id)` when present. */
export function substituteColumns(e: Expr, map: ReadonlyMap<ColumnId, Expr>): Expr {
  if (map.size === 0) return e;
  return transformExpr(e, (x) => (x.kind === 'column' ? (map.get(x.id) ?? x) : x));
}

/** The numeric value of an integer-like literal (int32/int64/decimal unscaled), as a bigint. */
export function literalBigInt(v: LiteralValue): bigint {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string') return BigInt(v);
  throw new SkeinError(
    'INTERNAL',
    `internal error (this is a bug in Skein): not an integer literal: ${String(v)}`,
  );
}

/** The JSON value for an integer-like literal: a number when exact, else its digits. */
export function bigIntValue(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v.toString();
}

/** An int64 literal. */
export function int64Lit(v: number): LiteralExpr {
  return lit(v, INT64);
}
