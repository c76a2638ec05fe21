/**
 * Physical expressions: what Filter, Project and the nested-loop join evaluate. Plain, frozen,
 * JSON-serializable data (DESIGN §3.1) — a discriminated union on `kind`, bound to the operator's
 * input columns by index, every node carrying its result type. The executor compiles a tree once
 * per operator (`compileExpr` in `src/exec/expr/compile.ts`); nothing here runs anything.
 *
 * Calls use canonical names: the operators `+ - * / // % = <> < <= > >= ||` (`-` with one argument
 * negates) and lower-case function names (`upper`, `date_part`, …) as `resolveFunction` in
 * `src/types/functions.ts` returns them. A call's arguments must already have the types that
 * `resolveFunction` asked for — `call()` below inserts those casts for you.
 *
 * Lowerings the binder does (the evaluator has no node for them):
 * - `x BETWEEN a AND b` → `x >= a AND x <= b` (`between()` does it)
 * - `CASE x WHEN v THEN …` → `CASE WHEN x = v THEN …`
 * - `EXTRACT(f FROM x)` → `date_part('f', x)`
 *
 * @example
 * // l_extendedprice * (1 - l_discount) over columns 5 (DECIMAL(15,2)) and 6 (DECIMAL(15,2))
 * const price = column(5, decimal(15, 2), 'l_extendedprice');
 * const disc = column(6, decimal(15, 2), 'l_discount');
 * const e = call('*', [price, call('-', [literal(1, INT32), disc])]);
 * e.type; // DECIMAL(18,4)
 * // l_shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY
 * const f = call('<=', [column(10, DATE), call('-', [dateLiteral('1998-12-01'), intervalLiteral({ days: 90 })])]);
 */
import { SkeinError } from '../errors.ts';
import {
  BOOLEAN,
  DATE,
  type DataType,
  decimal,
  FLOAT64,
  INT32,
  INT64,
  INTERVAL,
  NULL_TYPE,
  TIMESTAMP,
  typesEqual,
  typeToString,
  VARCHAR,
} from '../types/data-type.ts';
import { type ArgLiteral, canCast, commonTypeOf, resolveFunction } from '../types/functions.ts';

/**
 * A value of some DataType in JSON-safe form (no bigint, no NaN). The encoding depends on the type
 * the value belongs to:
 *
 * | type | encoding | example |
 * |---|---|---|
 * | any, NULL | `null` | `null` |
 * | boolean | boolean | `true` |
 * | int32 | number | `42` |
 * | int64 | decimal digits (string) | `'-9007199254740993'` |
 * | float64 | number, or `'NaN'`, `'Infinity'`, `'-Infinity'` | `0.5` |
 * | decimal(p,s) | the scaled integer's digits (string) | `'1234'` is 12.34 in DECIMAL(p,2) |
 * | varchar | string | `'PROMO%'` |
 * | date | days since 1970-01-01 (number) | `10561` is 1998-12-01 |
 * | timestamp | microseconds since the epoch (string of digits) | `'912470400000000'` |
 * | interval | `{ months, days, micros }` (numbers) | `{ months: 0, days: 90, micros: 0 }` |
 */
export type ScalarValue = null | boolean | number | string | IntervalValue;

export interface IntervalValue {
  readonly months: number;
  readonly days: number;
  readonly micros: number;
}

export type PhysicalExpr =
  | ColumnExpr
  | LiteralExpr
  | CallExpr
  | CastExpr
  | CaseExpr
  | InListExpr
  | IsNullExpr
  | AndExpr
  | OrExpr
  | NotExpr
  | LikeExpr;

/** The input column at `index`. `name` is for EXPLAIN only. */
export interface ColumnExpr {
  readonly kind: 'column';
  readonly index: number;
  readonly type: DataType;
  readonly name?: string;
}

export interface LiteralExpr {
  readonly kind: 'literal';
  readonly type: DataType;
  readonly value: ScalarValue;
}

/** An operator or scalar function by canonical name (see `resolveFunction`). */
export interface CallExpr {
  readonly kind: 'call';
  readonly name: string;
  readonly args: readonly PhysicalExpr[];
  readonly type: DataType;
}

/** CAST, or TRY_CAST (`try: true`: NULL where the value does not convert, instead of an error). */
export interface CastExpr {
  readonly kind: 'cast';
  readonly input: PhysicalExpr;
  readonly type: DataType;
  readonly try: boolean;
}

/** Searched CASE; branches are evaluated only for the rows that reach them. */
export interface CaseExpr {
  readonly kind: 'case';
  readonly whens: readonly { readonly condition: PhysicalExpr; readonly result: PhysicalExpr }[];
  /** Absent means ELSE NULL. */
  readonly else?: PhysicalExpr;
  readonly type: DataType;
}

/** `input [NOT] IN (list…)` with SQL's NULL rules; list items have the input's type. */
export interface InListExpr {
  readonly kind: 'in';
  readonly input: PhysicalExpr;
  readonly list: readonly PhysicalExpr[];
  readonly negated: boolean;
  readonly type: DataType;
}

export interface IsNullExpr {
  readonly kind: 'is_null';
  readonly input: PhysicalExpr;
  readonly negated: boolean;
  readonly type: DataType;
}

/** N-ary AND with three-valued logic (FALSE wins over NULL). */
export interface AndExpr {
  readonly kind: 'and';
  readonly args: readonly PhysicalExpr[];
  readonly type: DataType;
}

/** N-ary OR with three-valued logic (TRUE wins over NULL). */
export interface OrExpr {
  readonly kind: 'or';
  readonly args: readonly PhysicalExpr[];
  readonly type: DataType;
}

export interface NotExpr {
  readonly kind: 'not';
  readonly input: PhysicalExpr;
  readonly type: DataType;
}

/**
 * `input [NOT] [I]LIKE pattern [ESCAPE escape]` on varchar. `%` matches any run of characters,
 * `_` one character (a Unicode code point); there is no escape character unless `escape` is set.
 */
export interface LikeExpr {
  readonly kind: 'like';
  readonly input: PhysicalExpr;
  readonly pattern: PhysicalExpr;
  readonly escape: string | null;
  readonly caseInsensitive: boolean;
  readonly negated: boolean;
  readonly type: DataType;
}

// ---------------------------------------------------------------------------------------------
// Factories

function freeze<T extends object>(o: T): T {
  return Object.freeze(o);
}

export function column(index: number, type: DataType, name?: string): ColumnExpr {
  if (!Number.isInteger(index) || index < 0) {
    throw new SkeinError('INTERNAL', `column index must be a non-negative integer, got ${index}`);
  }
  return freeze(name === undefined ? { kind: 'column', index, type } : { kind: 'column', index, type, name });
}

/** A literal in its JSON encoding (see ScalarValue); checked against the type. */
export function literal(value: ScalarValue, type: DataType): LiteralExpr {
  checkScalar(value, type);
  return freeze({
    kind: 'literal',
    type,
    value: typeof value === 'object' && value !== null ? freeze({ ...value }) : value,
  });
}

export function nullLiteral(type: DataType = NULL_TYPE): LiteralExpr {
  return literal(null, type);
}

export function booleanLiteral(v: boolean): LiteralExpr {
  return literal(v, BOOLEAN);
}

export function int32Literal(v: number): LiteralExpr {
  return literal(v, INT32);
}

export function int64Literal(v: number | bigint): LiteralExpr {
  return literal(BigInt(v).toString(), INT64);
}

export function float64Literal(v: number): LiteralExpr {
  return literal(Number.isFinite(v) ? v : String(v), FLOAT64);
}

/** A DECIMAL literal from its text: `decimalLiteral('12.50')` is DECIMAL(4,2) unless p/s are given. */
export function decimalLiteral(text: string, precision?: number, scale?: number): LiteralExpr {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new SkeinError('INVALID_ARGUMENT', `'${text}' is not a decimal number`);
  }
  const intPart = m[2]!;
  let frac = m[3] ?? '';
  const s = scale ?? frac.length;
  if (frac.length > s) {
    // Round half away from zero to the requested scale.
    const keep = frac.slice(0, s);
    const up = frac.charCodeAt(s) >= 53;
    let digits = BigInt((intPart || '0') + keep);
    if (up) digits += 1n;
    const v = m[1] === '-' ? -digits : digits;
    const p = precision ?? Math.max(1, intPart.length + s);
    return literal(v.toString(), decimal(p, s));
  }
  frac = frac.padEnd(s, '0');
  const digits = BigInt((intPart || '0') + frac);
  const v = m[1] === '-' ? -digits : digits;
  // As SQL types a literal: the digits as written (DuckDB: 0.05 is DECIMAL(3,2), .5 DECIMAL(1,1)).
  const p = precision ?? Math.max(1, intPart.length + s);
  return literal(v.toString(), decimal(p, s));
}

export function varcharLiteral(v: string): LiteralExpr {
  return literal(v, VARCHAR);
}

/** A DATE literal from 'YYYY-MM-DD'. */
export function dateLiteral(text: string): LiteralExpr {
  const m = /^\s*(-?\d{1,6})-(\d{1,2})-(\d{1,2})\s*$/.exec(text);
  if (!m) throw new SkeinError('INVALID_ARGUMENT', `'${text}' is not a date (expected YYYY-MM-DD)`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) {
    throw new SkeinError('INVALID_ARGUMENT', `date field value out of range: '${text}'`);
  }
  return literal(daysFromCivil(y, mo, d), DATE);
}

/** A TIMESTAMP literal from 'YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]'. */
export function timestampLiteral(text: string): LiteralExpr {
  const m =
    /^\s*(-?\d{1,6})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*$/.exec(
      text,
    );
  if (!m) throw new SkeinError('INVALID_ARGUMENT', `'${text}' is not a timestamp`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const sec = Number(m[6] ?? 0);
  const frac = Number((m[7] ?? '').padEnd(6, '0'));
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 24 || mi > 59 || sec > 59) {
    throw new SkeinError('INVALID_ARGUMENT', `timestamp field value out of range: '${text}'`);
  }
  const days = BigInt(daysFromCivil(y, mo, d));
  const micros = days * 86_400_000_000n + BigInt(((h * 60 + mi) * 60 + sec) * 1_000_000 + frac);
  return literal(micros.toString(), TIMESTAMP);
}

/** An INTERVAL literal; missing parts are 0. */
export function intervalLiteral(parts: Partial<IntervalValue>): LiteralExpr {
  return literal({ months: parts.months ?? 0, days: parts.days ?? 0, micros: parts.micros ?? 0 }, INTERVAL);
}

/**
 * A call, typed by `resolveFunction`: implicit casts are inserted where the function wants other
 * argument types. Literal arguments are passed on as hints (a string literal converts to whatever
 * the other side needs, as in DuckDB; `round(x, 2)`'s result scale depends on the 2).
 * Throws SkeinError PLAN for an unknown function and TYPE when no signature fits.
 */
export function call(name: string, args: readonly PhysicalExpr[]): CallExpr {
  const resolved = resolveFunction(
    name,
    args.map((a) => a.type),
    args.map(literalHint),
  );
  return freeze({
    kind: 'call',
    name: resolved.name,
    args: freeze(args.map((a, i) => coerce(a, resolved.argTypes[i]!))),
    type: resolved.returnType,
  });
}

/** A call whose types the caller has already resolved (no checks; for planners and tests). */
export function rawCall(name: string, args: readonly PhysicalExpr[], type: DataType): CallExpr {
  return freeze({ kind: 'call', name, args: freeze([...args]), type });
}

/** Casts `e` to `type` unless it already has it. */
export function coerce(e: PhysicalExpr, type: DataType): PhysicalExpr {
  return typesEqual(e.type, type) ? e : cast(e, type);
}

export function cast(input: PhysicalExpr, type: DataType): CastExpr {
  if (!canCast(input.type, type)) {
    throw new SkeinError('TYPE', `cannot cast ${typeToString(input.type)} to ${typeToString(type)}`);
  }
  return freeze({ kind: 'cast', input, type, try: false });
}

export function tryCast(input: PhysicalExpr, type: DataType): CastExpr {
  if (!canCast(input.type, type)) {
    throw new SkeinError('TYPE', `cannot cast ${typeToString(input.type)} to ${typeToString(type)}`);
  }
  return freeze({ kind: 'cast', input, type, try: true });
}

/**
 * Searched CASE. The result type is the common type of the branches (DuckDB's rule); the branches
 * are cast to it.
 */
export function caseWhen(
  whens: readonly { condition: PhysicalExpr; result: PhysicalExpr }[],
  otherwise?: PhysicalExpr,
): CaseExpr {
  const branches = [...whens.map((w) => w.result), ...(otherwise ? [otherwise] : [])];
  const type = commonTypeOf(
    branches.map((b) => b.type),
    branches.map(literalHint),
    'CASE',
  );
  const ws = whens.map((w) =>
    freeze({ condition: coerce(w.condition, BOOLEAN), result: coerce(w.result, type) }),
  );
  return freeze(
    otherwise
      ? { kind: 'case', whens: freeze(ws), else: coerce(otherwise, type), type }
      : { kind: 'case', whens: freeze(ws), type },
  );
}

/** `input [NOT] IN (list)`; input and items are cast to their common type. */
export function inList(input: PhysicalExpr, list: readonly PhysicalExpr[], negated = false): InListExpr {
  const all = [input, ...list];
  const t = commonTypeOf(
    all.map((a) => a.type),
    all.map(literalHint),
    'IN',
  );
  return freeze({
    kind: 'in',
    input: coerce(input, t),
    list: freeze(list.map((e) => coerce(e, t))),
    negated,
    type: BOOLEAN,
  });
}

export function isNull(input: PhysicalExpr, negated = false): IsNullExpr {
  return freeze({ kind: 'is_null', input, negated, type: BOOLEAN });
}

export function isNotNull(input: PhysicalExpr): IsNullExpr {
  return isNull(input, true);
}

/** AND of the arguments (nested ANDs are flattened); `and()` alone is TRUE. */
export function and(...args: PhysicalExpr[]): PhysicalExpr {
  const flat = args.flatMap((a) => (a.kind === 'and' ? a.args : [coerce(a, BOOLEAN)]));
  if (flat.length === 0) return booleanLiteral(true);
  if (flat.length === 1) return flat[0]!;
  return freeze({ kind: 'and', args: freeze(flat), type: BOOLEAN });
}

/** OR of the arguments (nested ORs are flattened); `or()` alone is FALSE. */
export function or(...args: PhysicalExpr[]): PhysicalExpr {
  const flat = args.flatMap((a) => (a.kind === 'or' ? a.args : [coerce(a, BOOLEAN)]));
  if (flat.length === 0) return booleanLiteral(false);
  if (flat.length === 1) return flat[0]!;
  return freeze({ kind: 'or', args: freeze(flat), type: BOOLEAN });
}

export function not(input: PhysicalExpr): NotExpr {
  return freeze({ kind: 'not', input: coerce(input, BOOLEAN), type: BOOLEAN });
}

export interface LikeOptions {
  readonly escape?: string | null;
  readonly caseInsensitive?: boolean;
  readonly negated?: boolean;
}

export function like(input: PhysicalExpr, pattern: PhysicalExpr, options: LikeOptions = {}): LikeExpr {
  const escapeChar = options.escape ?? null;
  if (escapeChar !== null && [...escapeChar].length !== 1) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `the ESCAPE of LIKE must be a single character, got '${escapeChar}'`,
    );
  }
  return freeze({
    kind: 'like',
    input: coerce(input, VARCHAR),
    pattern: coerce(pattern, VARCHAR),
    escape: escapeChar,
    caseInsensitive: options.caseInsensitive ?? false,
    negated: options.negated ?? false,
    type: BOOLEAN,
  });
}

/** `x [NOT] BETWEEN lo AND hi`, lowered to comparisons. */
export function between(x: PhysicalExpr, lo: PhysicalExpr, hi: PhysicalExpr, negated = false): PhysicalExpr {
  const e = and(call('>=', [x, lo]), call('<=', [x, hi]));
  return negated ? not(e) : e;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** What `resolveFunction` may know about a literal argument. */
function literalHint(e: PhysicalExpr): ArgLiteral | undefined {
  if (e.kind !== 'literal') return undefined;
  const v = e.value;
  if (v === null) return null;
  if (e.type.kind === 'varchar' && typeof v === 'string') return v;
  if (e.type.kind === 'int32' && typeof v === 'number') return v;
  if (e.type.kind === 'int64' && typeof v === 'string') return Number(v);
  return undefined;
}

/** Throws INTERNAL when `value` is not a valid encoding for `type`. */
export function checkScalar(value: ScalarValue, type: DataType): void {
  if (value === null) return;
  const bad = (): never => {
    throw new SkeinError(
      'INTERNAL',
      `literal ${JSON.stringify(value)} is not a valid ${typeToString(type)} value encoding`,
    );
  };
  switch (type.kind) {
    case 'null':
      bad();
      return;
    case 'boolean':
      if (typeof value !== 'boolean') bad();
      return;
    case 'int32':
      if (typeof value !== 'number' || !Number.isInteger(value) || (value | 0) !== value) bad();
      return;
    case 'date':
      if (typeof value !== 'number' || !Number.isInteger(value)) bad();
      return;
    case 'int64':
    case 'timestamp':
    case 'decimal':
      if (typeof value !== 'string' || !/^-?\d+$/.test(value)) bad();
      return;
    case 'float64':
      if (typeof value === 'number') return;
      if (value !== 'NaN' && value !== 'Infinity' && value !== '-Infinity') bad();
      return;
    case 'varchar':
      if (typeof value !== 'string') bad();
      return;
    case 'interval':
      if (
        typeof value !== 'object' ||
        !Number.isInteger(value.months) ||
        !Number.isInteger(value.days) ||
        !Number.isFinite(value.micros)
      ) {
        bad();
      }
      return;
  }
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** A short SQL-ish rendering, for EXPLAIN and messages. */
export function exprToString(e: PhysicalExpr): string {
  switch (e.kind) {
    case 'column':
      return e.name ?? `#${e.index}`;
    case 'literal':
      return e.value === null
        ? 'NULL'
        : e.type.kind === 'varchar'
          ? `'${String(e.value).replaceAll("'", "''")}'`
          : typeof e.value === 'object'
            ? `INTERVAL ${JSON.stringify(e.value)}`
            : `${typeToString(e.type)} ${String(e.value)}`;
    case 'call': {
      const a = e.args.map(exprToString);
      if (/^[^a-z]/.test(e.name)) {
        return a.length === 1 ? `(${e.name}${a[0]})` : `(${a.join(` ${e.name} `)})`;
      }
      return `${e.name}(${a.join(', ')})`;
    }
    case 'cast':
      return `${e.try ? 'TRY_CAST' : 'CAST'}(${exprToString(e.input)} AS ${typeToString(e.type)})`;
    case 'case':
      return `CASE ${e.whens.map((w) => `WHEN ${exprToString(w.condition)} THEN ${exprToString(w.result)}`).join(' ')}${
        e.else ? ` ELSE ${exprToString(e.else)}` : ''
      } END`;
    case 'in':
      return `(${exprToString(e.input)} ${e.negated ? 'NOT IN' : 'IN'} (${e.list.map(exprToString).join(', ')}))`;
    case 'is_null':
      return `(${exprToString(e.input)} IS ${e.negated ? 'NOT NULL' : 'NULL'})`;
    case 'and':
    case 'or':
      return `(${e.args.map(exprToString).join(e.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT ${exprToString(e.input)})`;
    case 'like':
      return `(${exprToString(e.input)} ${e.negated ? 'NOT ' : ''}${e.caseInsensitive ? 'ILIKE' : 'LIKE'} ${exprToString(
        e.pattern,
      )}${e.escape === null ? '' : ` ESCAPE '${e.escape}'`})`;
  }
}

/** The input columns an expression reads. */
export function physicalExprColumns(e: PhysicalExpr, out: Set<number> = new Set()): Set<number> {
  switch (e.kind) {
    case 'column':
      out.add(e.index);
      break;
    case 'literal':
      break;
    case 'call':
    case 'and':
    case 'or':
      for (const a of e.args) physicalExprColumns(a, out);
      break;
    case 'cast':
    case 'not':
    case 'is_null':
      physicalExprColumns(e.input, out);
      break;
    case 'case':
      for (const w of e.whens) {
        physicalExprColumns(w.condition, out);
        physicalExprColumns(w.result, out);
      }
      if (e.else) physicalExprColumns(e.else, out);
      break;
    case 'in':
      physicalExprColumns(e.input, out);
      for (const x of e.list) physicalExprColumns(x, out);
      break;
    case 'like':
      physicalExprColumns(e.input, out);
      physicalExprColumns(e.pattern, out);
      break;
  }
  return out;
}
