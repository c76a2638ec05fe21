/**
 * Evaluation of operators on constants, for constant folding. Covers what plans commonly hold
 * (arithmetic, comparisons, CAST, COALESCE, IS NULL, date ± interval); anything else, and anything
 * that would raise an error at run time (overflow, division by zero, a bad cast), is left unfolded
 * so the executor reports it as the query runs.
 */

import {
  bigIntValue,
  type Expr,
  type IntervalValue,
  type LiteralExpr,
  type LiteralValue,
  lit,
  literalBigInt,
} from '../logical/expr.ts';
import { castLiteral } from '../logical/literal.ts';
import { type DataType, MAX_DECIMAL_PRECISION } from '../types/data-type.ts';

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Folds a call whose arguments are all literals; undefined when it cannot (or should not). */
export function evaluateCall(
  fn: string,
  args: readonly LiteralExpr[],
  type: DataType,
): LiteralExpr | undefined {
  const vals = args.map((a) => a.value);
  switch (fn) {
    case 'is_null':
      return lit(vals[0] === null, type);
    case 'is_not_null':
      return lit(vals[0] !== null, type);
    case 'coalesce': {
      const first = args.find((a) => a.value !== null);
      return first ? lit(first.value, type) : lit(null, type);
    }
    case 'is_distinct_from':
    case 'is_not_distinct_from': {
      const [a, b] = args as [LiteralExpr, LiteralExpr];
      const same = a.value === null || b.value === null ? a.value === b.value : compare(a, b) === 0;
      if (same === undefined) return undefined;
      return lit(fn === 'is_distinct_from' ? !same : same, type);
    }
  }
  if (vals.some((v) => v === null)) {
    // Every remaining operator returns NULL for a NULL argument.
    if (
      [
        '+',
        '-',
        '*',
        '/',
        '%',
        '=',
        '<>',
        '<',
        '<=',
        '>',
        '>=',
        '||',
        'like',
        'not_like',
        'upper',
        'lower',
      ].includes(fn)
    ) {
      return lit(null, type);
    }
    return undefined;
  }
  switch (fn) {
    case '=':
    case '<>':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const c = compare(args[0]!, args[1]!);
      if (c === undefined) return undefined;
      const r =
        fn === '='
          ? c === 0
          : fn === '<>'
            ? c !== 0
            : fn === '<'
              ? c < 0
              : fn === '<='
                ? c <= 0
                : fn === '>'
                  ? c > 0
                  : c >= 0;
      return lit(r, type);
    }
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return args.length === 1 ? negate(args[0]!, fn, type) : arithmetic(fn, args[0]!, args[1]!, type);
    case '||':
      return typeof vals[0] === 'string' && typeof vals[1] === 'string'
        ? lit(vals[0] + vals[1], type)
        : undefined;
    case 'upper':
      return typeof vals[0] === 'string' ? lit(vals[0].toUpperCase(), type) : undefined;
    case 'lower':
      return typeof vals[0] === 'string' ? lit(vals[0].toLowerCase(), type) : undefined;
    default:
      return undefined;
  }
}

/** Folds CAST of a constant; undefined when the value does not convert (the executor will say so). */
export function evaluateCast(value: LiteralValue, from: DataType, to: DataType): LiteralExpr | undefined {
  try {
    return lit(castLiteral(value, from, to), to);
  } catch {
    return undefined;
  }
}

/** Orders two constants of one type; undefined when they are not comparable here. */
export function compare(a: LiteralExpr, b: LiteralExpr): number | undefined {
  const x = a.value;
  const y = b.value;
  if (a.type.kind !== b.type.kind) return undefined;
  if (a.type.kind === 'decimal' && b.type.kind === 'decimal' && a.type.scale !== b.type.scale)
    return undefined;
  if (typeof x === 'boolean' && typeof y === 'boolean') return Number(x) - Number(y);
  if (a.type.kind === 'int64' || a.type.kind === 'decimal') {
    const bx = literalBigInt(x);
    const by = literalBigInt(y);
    return bx < by ? -1 : bx > by ? 1 : 0;
  }
  if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'string' && typeof y === 'string') {
    const ex = utf8(x);
    const ey = utf8(y);
    const n = Math.min(ex.length, ey.length);
    for (let i = 0; i < n; i++) if (ex[i] !== ey[i]) return ex[i]! - ey[i]!;
    return ex.length - ey.length;
  }
  return undefined;
}

const encoder = new TextEncoder();
function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

function negate(a: LiteralExpr, fn: string, type: DataType): LiteralExpr | undefined {
  if (fn === '+') return lit(a.value, type);
  if (fn !== '-') return undefined;
  if (type.kind === 'float64') return lit(-(a.value as number), type);
  if (type.kind === 'interval') {
    const v = a.value as IntervalValue;
    return lit({ months: -v.months, days: -v.days, micros: -v.micros }, type);
  }
  return integral(-literalBigInt(a.value), type);
}

function integral(v: bigint, type: DataType): LiteralExpr | undefined {
  if (type.kind === 'int32' && (v < INT32_MIN || v > INT32_MAX)) return undefined;
  if (type.kind === 'int64' && (v < INT64_MIN || v > INT64_MAX)) return undefined;
  if (type.kind === 'decimal') {
    const limit = 10n ** BigInt(Math.min(type.precision, MAX_DECIMAL_PRECISION));
    if (v >= limit || v <= -limit) return undefined;
  }
  return lit(bigIntValue(v), type);
}

function arithmetic(fn: string, a: LiteralExpr, b: LiteralExpr, type: DataType): LiteralExpr | undefined {
  const ta = a.type;
  const tb = b.type;
  // date/timestamp ± interval, date ± integer.
  if (
    (ta.kind === 'date' || ta.kind === 'timestamp') &&
    tb.kind === 'interval' &&
    type.kind === 'timestamp'
  ) {
    const micros = ta.kind === 'date' ? (a.value as number) * 86_400_000_000 : (a.value as number);
    const iv = b.value as IntervalValue;
    const sign = fn === '-' ? -1 : fn === '+' ? 1 : 0;
    if (sign === 0) return undefined;
    return lit(addInterval(micros, iv, sign), type);
  }
  if (ta.kind === 'date' && (tb.kind === 'int32' || tb.kind === 'int64') && type.kind === 'date') {
    const d =
      fn === '+'
        ? (a.value as number) + Number(b.value)
        : fn === '-'
          ? (a.value as number) - Number(b.value)
          : undefined;
    return d === undefined ? undefined : lit(d, type);
  }
  if (type.kind === 'float64') {
    const x = toNumber(a);
    const y = toNumber(b);
    if (x === undefined || y === undefined) return undefined;
    if ((fn === '/' || fn === '%') && y === 0) return undefined;
    const r = fn === '+' ? x + y : fn === '-' ? x - y : fn === '*' ? x * y : fn === '/' ? x / y : x % y;
    return lit(r, type);
  }
  if (type.kind === 'int32' || type.kind === 'int64') {
    if (ta.kind !== type.kind || tb.kind !== type.kind) return undefined;
    const x = literalBigInt(a.value);
    const y = literalBigInt(b.value);
    if ((fn === '/' || fn === '%') && y === 0n) return undefined;
    const r = fn === '+' ? x + y : fn === '-' ? x - y : fn === '*' ? x * y : fn === '%' ? x % y : undefined;
    return r === undefined ? undefined : integral(r, type);
  }
  if (type.kind === 'decimal' && ta.kind === 'decimal' && tb.kind === 'decimal') {
    const x = literalBigInt(a.value);
    const y = literalBigInt(b.value);
    if (fn === '*') {
      if (ta.scale + tb.scale !== type.scale) return undefined;
      return integral(x * y, type);
    }
    if (fn === '+' || fn === '-') {
      const xs = x * 10n ** BigInt(type.scale - ta.scale);
      const ys = y * 10n ** BigInt(type.scale - tb.scale);
      if (type.scale < ta.scale || type.scale < tb.scale) return undefined;
      return integral(fn === '+' ? xs + ys : xs - ys, type);
    }
  }
  return undefined;
}

function toNumber(a: LiteralExpr): number | undefined {
  const v = a.value;
  if (a.type.kind === 'decimal') return Number(literalBigInt(v)) / 10 ** a.type.scale;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && a.type.kind === 'int64') return Number(v);
  return undefined;
}

function addInterval(micros: number, iv: IntervalValue, sign: number): number {
  const day = 86_400_000_000;
  let days = Math.floor(micros / day);
  const rest = micros - days * day;
  if (iv.months) {
    const d = new Date(days * 86_400_000);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + sign * iv.months;
    const dom = d.getUTCDate();
    const target = new Date(Date.UTC(y, m, 1));
    const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
    target.setUTCDate(Math.min(dom, lastDay));
    days = Math.floor(target.getTime() / 86_400_000);
  }
  days += sign * iv.days;
  return days * day + rest + sign * iv.micros;
}

export function isLiteral(e: Expr): e is LiteralExpr {
  return e.kind === 'literal';
}
