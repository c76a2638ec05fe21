/**
 * Literal values: reading them from SQL text, converting them between types (what CAST does to a
 * constant), and printing them back as SQL. Shared by the binder (implicit casts of constants are
 * applied at once, so `l_shipdate < '1998-01-01'` compares with a DATE) and constant folding.
 *
 * Values follow the representation documented in `expr.ts` (decimals as unscaled integers, dates
 * as days, timestamps as microseconds).
 *
 * @example
 * castLiteral('1995-03-15', VARCHAR, DATE); // 9204
 * castLiteral(11, INT32, decimal(15, 2));  // 1100
 * literalToSql(9204, DATE);                 // "DATE '1995-03-15'"
 */
import { type DataType, MAX_DECIMAL_PRECISION, typeToString } from '../types/data-type.ts';
import { bigIntValue, type IntervalValue, type LiteralValue, literalBigInt } from './expr.ts';

/** Why a constant does not convert; the binder turns it into a TYPE error with a position. */
export class LiteralCastError extends Error {}

const DAY_MS = 86_400_000;
const DAY_US = 86_400_000_000;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Days since 1970-01-01 of `YYYY-MM-DD` (also `YYYY-M-D`); undefined when it is not a valid date. */
export function parseDate(text: string): number | undefined {
  const m = /^\s*(-?\d{1,6})-(\d{1,2})-(\d{1,2})\s*$/.exec(text);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return Math.floor(date.getTime() / DAY_MS);
}

/** Microseconds since the epoch of `YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]`; undefined when invalid. */
export function parseTimestamp(text: string): number | undefined {
  const m =
    /^\s*(-?\d{1,6}-\d{1,2}-\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(?:Z|[+-]00(?::?00)?)?\s*$/.exec(
      text,
    );
  if (!m) return undefined;
  const days = parseDate(m[1]!);
  if (days === undefined) return undefined;
  const h = Number(m[2] ?? 0);
  const mi = Number(m[3] ?? 0);
  const s = Number(m[4] ?? 0);
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const frac = m[5] ? Math.round(Number(`0.${m[5]}`) * 1e6) : 0;
  return days * DAY_US + ((h * 60 + mi) * 60 + s) * 1e6 + frac;
}

export function formatDate(days: number): string {
  const d = new Date(days * DAY_MS);
  const y = d.getUTCFullYear();
  const ys = y < 0 ? `-${String(-y).padStart(4, '0')}` : String(y).padStart(4, '0');
  return `${ys}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

export function formatTimestamp(micros: number): string {
  const days = Math.floor(micros / DAY_US);
  let rest = micros - days * DAY_US;
  const h = Math.floor(rest / 3_600_000_000);
  rest -= h * 3_600_000_000;
  const mi = Math.floor(rest / 60_000_000);
  rest -= mi * 60_000_000;
  const s = Math.floor(rest / 1_000_000);
  const us = rest - s * 1_000_000;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${formatDate(days)} ${p(h)}:${p(mi)}:${p(s)}${us ? `.${String(us).padStart(6, '0').replace(/0+$/, '')}` : ''}`;
}

const UNIT_ALIASES: Record<string, string> = {
  year: 'year',
  years: 'year',
  y: 'year',
  yr: 'year',
  yrs: 'year',
  quarter: 'quarter',
  quarters: 'quarter',
  month: 'month',
  months: 'month',
  mon: 'month',
  mons: 'month',
  week: 'week',
  weeks: 'week',
  w: 'week',
  day: 'day',
  days: 'day',
  d: 'day',
  hour: 'hour',
  hours: 'hour',
  h: 'hour',
  hr: 'hour',
  hrs: 'hour',
  minute: 'minute',
  minutes: 'minute',
  min: 'minute',
  mins: 'minute',
  m: 'minute',
  second: 'second',
  seconds: 'second',
  sec: 'second',
  secs: 'second',
  s: 'second',
  millisecond: 'millisecond',
  milliseconds: 'millisecond',
  ms: 'millisecond',
  microsecond: 'microsecond',
  microseconds: 'microsecond',
  us: 'microsecond',
};

/** Adds `n` of `unit` to an interval. */
function addUnit(iv: { months: number; days: number; micros: number }, n: number, unit: string): boolean {
  switch (UNIT_ALIASES[unit.toLowerCase()]) {
    case 'year':
      iv.months += Math.round(n * 12);
      return true;
    case 'quarter':
      iv.months += Math.round(n * 3);
      return true;
    case 'month':
      iv.months += n;
      return true;
    case 'week':
      iv.days += n * 7;
      return true;
    case 'day':
      iv.days += n;
      return true;
    case 'hour':
      iv.micros += n * 3_600_000_000;
      return true;
    case 'minute':
      iv.micros += n * 60_000_000;
      return true;
    case 'second':
      iv.micros += Math.round(n * 1_000_000);
      return true;
    case 'millisecond':
      iv.micros += Math.round(n * 1000);
      return true;
    case 'microsecond':
      iv.micros += n;
      return true;
    default:
      return false;
  }
}

/**
 * Reads an interval: `'90'` with unit `day`; `'1-2'` YEAR TO MONTH; `'1 year 2 months'`;
 * `'3 days 04:05:06'`. Undefined when the text does not read as one.
 */
export function parseInterval(
  text: string,
  unit: string | null = null,
  toUnit: string | null = null,
): IntervalValue | undefined {
  const iv = { months: 0, days: 0, micros: 0 };
  const t = text.trim();
  if (unit !== null) {
    if (toUnit !== null && unit === 'year' && toUnit === 'month') {
      const m = /^(-?)(\d+)-(\d+)$/.exec(t);
      if (!m) return undefined;
      const sign = m[1] ? -1 : 1;
      iv.months = sign * (Number(m[2]) * 12 + Number(m[3]));
      return iv;
    }
    if (/^[-+]?\d+(\.\d+)?$/.test(t)) {
      const n = Number(t);
      if (!Number.isInteger(n) && !['second', 'millisecond', 'year', 'quarter'].includes(unit))
        return undefined;
      return addUnit(iv, n, unit) ? iv : undefined;
    }
    if (toUnit === null) return undefined;
  }
  const re = /([-+]?\d+(?:\.\d+)?)\s*([a-z]+)|([-+]?)(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?/gi;
  let consumed = '';
  for (let m = re.exec(t); m; m = re.exec(t)) {
    consumed += m[0];
    if (m[1] !== undefined) {
      if (!addUnit(iv, Number(m[1]), m[2]!)) return undefined;
    } else {
      const sign = m[3] === '-' ? -1 : 1;
      iv.micros += sign * ((Number(m[4]) * 60 + Number(m[5])) * 60 + Number(m[6] ?? 0)) * 1_000_000;
    }
  }
  if (consumed.replace(/\s+/g, '') !== t.replace(/\s+/g, '') || consumed === '') return undefined;
  return iv;
}

export function formatInterval(v: IntervalValue): string {
  const parts: string[] = [];
  const years = Math.trunc(v.months / 12);
  const months = v.months - years * 12;
  if (years) parts.push(`${years} year${Math.abs(years) === 1 ? '' : 's'}`);
  if (months) parts.push(`${months} month${Math.abs(months) === 1 ? '' : 's'}`);
  if (v.days) parts.push(`${v.days} day${Math.abs(v.days) === 1 ? '' : 's'}`);
  if (v.micros || parts.length === 0) {
    const neg = v.micros < 0;
    let us = Math.abs(v.micros);
    const h = Math.floor(us / 3_600_000_000);
    us -= h * 3_600_000_000;
    const mi = Math.floor(us / 60_000_000);
    us -= mi * 60_000_000;
    const s = us / 1_000_000;
    const p = (n: number) => String(n).padStart(2, '0');
    parts.push(`${neg ? '-' : ''}${p(h)}:${p(mi)}:${s < 10 ? '0' : ''}${s}`);
  }
  return parts.join(' ');
}

/** Type of a numeric literal written in SQL, and its value: `100.00` → DECIMAL(5,2) 10000. */
export function numberLiteral(
  text: string,
  form: 'integer' | 'decimal' | 'exponent',
): { value: LiteralValue; type: DataType } {
  if (form === 'exponent') return { value: Number(text), type: { kind: 'float64' } };
  if (form === 'integer') {
    const v = BigInt(text);
    if (v >= BigInt(INT32_MIN) && v <= BigInt(INT32_MAX))
      return { value: Number(v), type: { kind: 'int32' } };
    if (v >= INT64_MIN && v <= INT64_MAX) return { value: bigIntValue(v), type: { kind: 'int64' } };
    if (text.replace(/^0+/, '').length <= MAX_DECIMAL_PRECISION) {
      return { value: bigIntValue(v), type: { kind: 'decimal', precision: MAX_DECIMAL_PRECISION, scale: 0 } };
    }
    return { value: Number(text), type: { kind: 'float64' } };
  }
  const [intPart = '', fracPart = ''] = text.split('.');
  const whole = intPart.replace(/^0+/, '');
  const scale = fracPart.length;
  const precision = Math.max(whole.length, 1) + scale;
  if (precision > MAX_DECIMAL_PRECISION) return { value: Number(text), type: { kind: 'float64' } };
  const unscaled = BigInt((whole || '0') + fracPart);
  return {
    value: bigIntValue(unscaled),
    type: { kind: 'decimal', precision, scale },
  };
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Divides rounding half away from zero. */
function divRound(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r = a % b;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= (b < 0n ? -b : b)) return q + (a < 0n !== b < 0n ? -1n : 1n);
  return q;
}

function checkDecimal(v: bigint, t: { precision: number; scale: number }): bigint {
  const limit = pow10(t.precision);
  if (v >= limit || v <= -limit) {
    throw new LiteralCastError(
      `value ${decimalText(v, t.scale)} does not fit ${typeToString({ kind: 'decimal', ...t })}`,
    );
  }
  return v;
}

export function decimalText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  let digits = (neg ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return neg ? `-${digits}` : digits;
}

function parseDecimalText(text: string, scale: number): bigint | undefined {
  const m = /^\s*([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?\s*$/.exec(text);
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) return undefined;
  const sign = m[1] === '-' ? -1n : 1n;
  const digits = `${m[2] ?? ''}${m[3] ?? ''}`;
  let exp = Number(m[4] ?? 0) - (m[3]?.length ?? 0);
  let v = BigInt(digits || '0');
  exp += scale;
  if (exp >= 0) v *= pow10(exp);
  else v = divRound(v, pow10(-exp));
  return sign * v;
}

function intRange(v: bigint, to: DataType): number | string {
  if (to.kind === 'int32' && (v < BigInt(INT32_MIN) || v > BigInt(INT32_MAX))) {
    throw new LiteralCastError(`value ${v} is out of range for INTEGER`);
  }
  if (v < INT64_MIN || v > INT64_MAX) throw new LiteralCastError(`value ${v} is out of range for BIGINT`);
  return bigIntValue(v);
}

/**
 * CAST of a constant. Throws {@link LiteralCastError} when the value does not convert (out of
 * range, unparsable text) or the types do not convert at all.
 */
export function castLiteral(value: LiteralValue, from: DataType, to: DataType): LiteralValue {
  if (value === null) return null;
  if (
    from.kind === to.kind &&
    (from.kind !== 'decimal' ||
      (to.kind === 'decimal' && from.precision === to.precision && from.scale === to.scale))
  ) {
    return value;
  }
  const fail = (): never => {
    throw new LiteralCastError(
      `cannot cast ${typeToString(from)} ${literalToSql(value, from)} to ${typeToString(to)}`,
    );
  };
  // Integral view of from (exact), when it is one.
  const exact = (): bigint => {
    switch (from.kind) {
      case 'int32':
      case 'int64':
        return literalBigInt(value);
      case 'boolean':
        return value ? 1n : 0n;
      default:
        return fail();
    }
  };
  switch (to.kind) {
    case 'varchar':
      return literalToText(value, from);
    case 'boolean':
      if (from.kind === 'varchar') {
        const s = String(value).trim().toLowerCase();
        if (['true', 't', '1', 'yes', 'y', 'on'].includes(s)) return true;
        if (['false', 'f', '0', 'no', 'n', 'off'].includes(s)) return false;
        return fail();
      }
      if (from.kind === 'int32' || from.kind === 'int64') return literalBigInt(value) !== 0n;
      if (from.kind === 'decimal') return literalBigInt(value) !== 0n;
      if (from.kind === 'float64') return value !== 0;
      return fail();
    case 'int32':
    case 'int64': {
      switch (from.kind) {
        case 'int32':
        case 'int64':
        case 'boolean':
          return intRange(exact(), to);
        case 'decimal':
          return intRange(divRound(literalBigInt(value), pow10(from.scale)), to);
        case 'float64': {
          const n = value as number;
          if (!Number.isFinite(n)) return fail();
          return intRange(BigInt(Math.round(n)), to);
        }
        case 'varchar': {
          const s = String(value).trim();
          if (!/^[-+]?\d+$/.test(s)) return fail();
          return intRange(BigInt(s), to);
        }
        default:
          return fail();
      }
    }
    case 'decimal': {
      switch (from.kind) {
        case 'int32':
        case 'int64':
        case 'boolean':
          return bigIntValue(checkDecimal(exact() * pow10(to.scale), to));
        case 'decimal': {
          const v = literalBigInt(value);
          const d = to.scale - from.scale;
          const scaled = d >= 0 ? v * pow10(d) : divRound(v, pow10(-d));
          return bigIntValue(checkDecimal(scaled, to));
        }
        case 'float64': {
          const n = value as number;
          if (!Number.isFinite(n)) return fail();
          const v = parseDecimalText(n.toString(), to.scale);
          if (v === undefined) return fail();
          return bigIntValue(checkDecimal(v, to));
        }
        case 'varchar': {
          const v = parseDecimalText(String(value), to.scale);
          if (v === undefined) return fail();
          return bigIntValue(checkDecimal(v, to));
        }
        default:
          return fail();
      }
    }
    case 'float64':
      switch (from.kind) {
        case 'int32':
        case 'int64':
          return Number(value);
        case 'boolean':
          return value ? 1 : 0;
        case 'decimal':
          return Number(literalBigInt(value)) / 10 ** from.scale;
        case 'varchar': {
          const s = String(value).trim();
          const n = /^[-+]?(inf|infinity)$/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : Number(s);
          if (s === '' || Number.isNaN(n)) return /^nan$/i.test(s) ? Number.NaN : fail();
          return n;
        }
        default:
          return fail();
      }
    case 'date':
      if (from.kind === 'varchar')
        return parseDate(String(value)) ?? parseTimestampDate(String(value)) ?? fail();
      if (from.kind === 'timestamp') return Math.floor((value as number) / DAY_US);
      return fail();
    case 'timestamp':
      if (from.kind === 'varchar') return parseTimestamp(String(value)) ?? fail();
      if (from.kind === 'date') return (value as number) * DAY_US;
      return fail();
    case 'interval':
      if (from.kind === 'varchar') return parseInterval(String(value)) ?? fail();
      return fail();
    case 'null':
      return fail();
  }
}

function parseTimestampDate(text: string): number | undefined {
  const us = parseTimestamp(text);
  return us === undefined ? undefined : Math.floor(us / DAY_US);
}

/** The text a value casts to VARCHAR as. */
export function literalToText(value: LiteralValue, type: DataType): string {
  if (value === null) return 'NULL';
  switch (type.kind) {
    case 'decimal':
      return decimalText(literalBigInt(value), type.scale);
    case 'date':
      return formatDate(value as number);
    case 'timestamp':
      return formatTimestamp(value as number);
    case 'interval':
      return formatInterval(value as IntervalValue);
    case 'float64': {
      const n = value as number;
      return Number.isInteger(n) && Math.abs(n) < 1e15 ? `${n}.0` : String(n);
    }
    default:
      return String(value);
  }
}

/** A literal as SQL text: `'it''s'`, `DATE '1995-03-15'`, `0.05`, `NULL`, `INTERVAL '3 months'`. */
export function literalToSql(value: LiteralValue, type: DataType): string {
  if (value === null) return 'NULL';
  switch (type.kind) {
    case 'varchar':
      return `'${String(value).replaceAll("'", "''")}'`;
    case 'date':
      return `DATE '${formatDate(value as number)}'`;
    case 'timestamp':
      return `TIMESTAMP '${formatTimestamp(value as number)}'`;
    case 'interval':
      return `INTERVAL '${formatInterval(value as IntervalValue)}'`;
    case 'boolean':
      return value ? 'TRUE' : 'FALSE';
    case 'int64':
    case 'int32':
      return String(value);
    default:
      return literalToText(value, type);
  }
}
