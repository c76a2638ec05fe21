/**
 * Dates, timestamps and intervals. DATE is days since 1970-01-01 (Int32Array), TIMESTAMP is µs
 * since the epoch (Float64Array: exact within ±2^53 µs, i.e. the years 1685–2255; outside them
 * µs may round), INTERVAL three independent parts (months, days, µs), as in DuckDB.
 *
 * The calendar is the proleptic Gregorian one with a year 0 (astronomical numbering, as DuckDB
 * computes; DuckDB *prints* year 0 as 1 BC). Day ↔ civil date conversions use Howard Hinnant's
 * branch-light algorithms, so vector loops stay simple integer arithmetic.
 */
import { SkeinError } from '../../errors.ts';
import { DATE, type DataType, FLOAT64, INT64, INTERVAL, TIMESTAMP } from '../../types/data-type.ts';
import {
  type F64Vector,
  f64Vector,
  type I32Vector,
  type IntervalVector,
  i32Vector,
  intervalVector,
  type Validity,
  type Vector,
} from '../vector.ts';
import { andValidity } from './bitmap.ts';

export const MICROS_PER_SECOND = 1_000_000;
export const MICROS_PER_MINUTE = 60_000_000;
export const MICROS_PER_HOUR = 3_600_000_000;
export const MICROS_PER_DAY = 86_400_000_000;

/** Days since 1970-01-01 of y-m-d (m 1–12). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Year of a day number. */
export function yearOf(days: number): number {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  return yoe + era * 400 + (mp >= 10 ? 1 : 0);
}

/** Civil date of a day number, written into `out` as [year, month, day]. */
export function civilFromDays(days: number, out: Int32Array | number[] = [0, 0, 0]): Int32Array | number[] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  out[0] = yoe + era * 400 + (m <= 2 ? 1 : 0);
  out[1] = m;
  out[2] = d;
  return out;
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(days: number): number {
  const w = (days + 4) % 7;
  return w < 0 ? w + 7 : w;
}

/** Adds months to a day number, clamping the day to the target month's end (Jan 31 + 1 month = Feb 29/28). */
export function addMonthsToDays(days: number, months: number): number {
  if (months === 0) return days;
  const c = civilFromDays(days);
  const total = c[0]! * 12 + (c[1]! - 1) + months;
  const y = Math.floor(total / 12);
  const m = total - y * 12 + 1;
  const d = Math.min(c[2]!, daysInMonth(y, m));
  return daysFromCivil(y, m, d);
}

/** Splits µs since the epoch into a day number and µs within the day (0 ≤ µs < a day). */
export function splitMicros(us: number): [number, number] {
  const days = Math.floor(us / MICROS_PER_DAY);
  return [days, us - days * MICROS_PER_DAY];
}

/** ISO 8601 week number and week-year of a day number. */
export function isoWeek(days: number): [number, number] {
  const dow = (dayOfWeek(days) + 6) % 7; // Monday = 0
  const thursday = days - dow + 3;
  const y = yearOf(thursday);
  const jan1 = daysFromCivil(y, 1, 1);
  return [Math.floor((thursday - jan1) / 7) + 1, y];
}

// ---------------------------------------------------------------------------------------------
// date_part / extract

/** A date part's value from a day number and µs within the day. */
function partOf(part: string, days: number, us: number): number {
  switch (part) {
    case 'year':
      return yearOf(days);
    case 'month':
      return civilFromDays(days)[1]!;
    case 'day':
      return civilFromDays(days)[2]!;
    case 'quarter':
      return Math.floor((civilFromDays(days)[1]! - 1) / 3) + 1;
    case 'dow':
      return dayOfWeek(days);
    case 'isodow':
      return dayOfWeek(days) || 7;
    case 'doy':
      return days - daysFromCivil(yearOf(days), 1, 1) + 1;
    case 'week':
      return isoWeek(days)[0];
    case 'yearweek': {
      const [w, y] = isoWeek(days);
      return y * 100 + w;
    }
    case 'decade':
      return Math.floor(yearOf(days) / 10);
    case 'century': {
      const y = yearOf(days);
      return y > 0 ? Math.floor((y - 1) / 100) + 1 : -(Math.floor(-y / 100) + 1);
    }
    case 'millennium': {
      const y = yearOf(days);
      return y > 0 ? Math.floor((y - 1) / 1000) + 1 : -(Math.floor(-y / 1000) + 1);
    }
    case 'hour':
      return Math.floor(us / MICROS_PER_HOUR);
    case 'minute':
      return Math.floor(us / MICROS_PER_MINUTE) % 60;
    case 'second':
      return Math.floor(us / MICROS_PER_SECOND) % 60;
    case 'millisecond':
      return Math.floor(us / 1000) % 60_000;
    case 'microsecond':
      return us % 60_000_000;
    case 'epoch':
      return (days * MICROS_PER_DAY + us) / MICROS_PER_SECOND;
    default:
      throw new SkeinError('INTERNAL', `unknown date part '${part}'`);
  }
}

/** `date_part(part, x)` over a DATE (i32) or TIMESTAMP (f64) vector; BIGINT (DOUBLE for epoch) in f64 storage. */
export function datePart(part: string, v: Vector): F64Vector {
  const n = v.length;
  const out = new Float64Array(n);
  const resultType = part === 'epoch' ? FLOAT64 : INT64;
  if (v.kind === 'i32') {
    const src = v.values;
    // The hot parts get their own loops; the rest go through partOf.
    if (part === 'year') for (let i = 0; i < n; i++) out[i] = yearOf(src[i]!);
    else if (part === 'month' || part === 'day' || part === 'quarter') {
      const c = [0, 0, 0];
      for (let i = 0; i < n; i++) {
        civilFromDays(src[i]!, c);
        out[i] = part === 'month' ? c[1]! : part === 'day' ? c[2]! : Math.floor((c[1]! - 1) / 3) + 1;
      }
    } else for (let i = 0; i < n; i++) out[i] = partOf(part, src[i]!, 0);
    return f64Vector(resultType, out, v.validity);
  }
  if (v.kind === 'f64') {
    const src = v.values;
    for (let i = 0; i < n; i++) {
      const us = src[i]!;
      const days = Math.floor(us / MICROS_PER_DAY);
      out[i] = partOf(part, days, us - days * MICROS_PER_DAY);
    }
    return f64Vector(resultType, out, v.validity);
  }
  if (v.kind === 'interval') {
    for (let i = 0; i < n; i++) out[i] = intervalPart(part, v.months[i]!, v.days[i]!, v.micros[i]!);
    return f64Vector(resultType, out, v.validity);
  }
  throw new SkeinError('INTERNAL', `date_part on a ${v.kind} vector`);
}

function intervalPart(part: string, months: number, days: number, us: number): number {
  const t = Math.trunc;
  switch (part) {
    case 'year':
      return t(months / 12);
    case 'month':
      return months % 12;
    case 'quarter':
      return t((months % 12) / 3) + 1;
    case 'decade':
      return t(months / 120);
    case 'century':
      return t(months / 1200);
    case 'millennium':
      return t(months / 12000);
    case 'day':
      return days;
    case 'hour':
      return t(us / MICROS_PER_HOUR);
    case 'minute':
      return t(us / MICROS_PER_MINUTE) % 60;
    case 'second':
      return t(us / MICROS_PER_SECOND) % 60;
    case 'millisecond':
      return t(us / 1000) % 60_000;
    case 'microsecond':
      return us % 60_000_000;
    case 'epoch': {
      // DuckDB counts a year as 365.25 days and a remaining month as 30.
      const years = t(months / 12);
      const dayCount = years * 365.25 + (months - years * 12) * 30 + days;
      return (dayCount * MICROS_PER_DAY + us) / MICROS_PER_SECOND;
    }
    default:
      throw new SkeinError('INTERNAL', `an INTERVAL has no '${part}' part`);
  }
}

// ---------------------------------------------------------------------------------------------
// date_trunc

/** The first µs of the `part` period containing (days, µs); week starts on Monday. */
export function truncTo(part: string, days: number, us: number): number {
  switch (part) {
    case 'microsecond':
      return days * MICROS_PER_DAY + us;
    case 'millisecond':
      return days * MICROS_PER_DAY + Math.floor(us / 1000) * 1000;
    case 'second':
      return days * MICROS_PER_DAY + Math.floor(us / MICROS_PER_SECOND) * MICROS_PER_SECOND;
    case 'minute':
      return days * MICROS_PER_DAY + Math.floor(us / MICROS_PER_MINUTE) * MICROS_PER_MINUTE;
    case 'hour':
      return days * MICROS_PER_DAY + Math.floor(us / MICROS_PER_HOUR) * MICROS_PER_HOUR;
    case 'day':
      return days * MICROS_PER_DAY;
    case 'week':
      return (days - ((dayOfWeek(days) + 6) % 7)) * MICROS_PER_DAY;
    default: {
      const c = civilFromDays(days);
      const y = c[0]!;
      let first: number;
      switch (part) {
        case 'month':
          first = daysFromCivil(y, c[1]!, 1);
          break;
        case 'quarter':
          first = daysFromCivil(y, Math.floor((c[1]! - 1) / 3) * 3 + 1, 1);
          break;
        case 'year':
          first = daysFromCivil(y, 1, 1);
          break;
        case 'decade':
          first = daysFromCivil(Math.floor(y / 10) * 10, 1, 1);
          break;
        case 'century':
          first = daysFromCivil(Math.floor(y / 100) * 100, 1, 1);
          break;
        case 'millennium':
          first = daysFromCivil(Math.floor(y / 1000) * 1000, 1, 1);
          break;
        default:
          throw new SkeinError('INTERNAL', `unknown date_trunc part '${part}'`);
      }
      return first * MICROS_PER_DAY;
    }
  }
}

/** `date_trunc(part, x)` on DATE or TIMESTAMP → TIMESTAMP. */
export function dateTrunc(part: string, v: Vector): F64Vector {
  const n = v.length;
  const out = new Float64Array(n);
  if (v.kind === 'i32') {
    const src = v.values;
    for (let i = 0; i < n; i++) out[i] = truncTo(part, src[i]!, 0);
  } else if (v.kind === 'f64') {
    const src = v.values;
    for (let i = 0; i < n; i++) {
      const us = src[i]!;
      const days = Math.floor(us / MICROS_PER_DAY);
      out[i] = truncTo(part, days, us - days * MICROS_PER_DAY);
    }
  } else throw new SkeinError('INTERNAL', `date_trunc on a ${v.kind} vector`);
  return f64Vector(TIMESTAMP, out, v.validity);
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

export interface IntervalParts {
  months: number;
  days: number;
  micros: number;
}

/** Timestamp µs of a DATE or TIMESTAMP vector's value i. */
function microsAt(v: I32Vector | F64Vector, i: number): number {
  return v.kind === 'i32' ? v.values[i]! * MICROS_PER_DAY : v.values[i]!;
}

/**
 * `x + sign * interval` for a DATE or TIMESTAMP vector `x` → TIMESTAMP: months first (clamped
 * to the month's end), then days, then µs — DuckDB's order.
 */
export function addInterval(x: Vector, iv: IntervalVector | IntervalParts, sign: 1 | -1): F64Vector {
  if (x.kind !== 'i32' && x.kind !== 'f64')
    throw new SkeinError('INTERNAL', `date/timestamp vector expected, got ${x.kind}`);
  const n = x.length;
  const out = new Float64Array(n);
  if (!('kind' in iv)) {
    const months = sign * iv.months;
    const shift = sign * (iv.days * MICROS_PER_DAY + iv.micros);
    if (months === 0) {
      if (x.kind === 'i32') {
        const src = x.values;
        for (let i = 0; i < n; i++) out[i] = src[i]! * MICROS_PER_DAY + shift;
      } else {
        const src = x.values;
        for (let i = 0; i < n; i++) out[i] = src[i]! + shift;
      }
    } else {
      for (let i = 0; i < n; i++) out[i] = addMonthsToMicros(microsAt(x, i), months) + shift;
    }
    return f64Vector(TIMESTAMP, out, x.validity);
  }
  for (let i = 0; i < n; i++) {
    const us = addMonthsToMicros(microsAt(x, i), sign * iv.months[i]!);
    out[i] = us + sign * (iv.days[i]! * MICROS_PER_DAY + iv.micros[i]!);
  }
  return f64Vector(TIMESTAMP, out, andValidity(x.validity, iv.validity, n));
}

function addMonthsToMicros(us: number, months: number): number {
  if (months === 0) return us;
  const days = Math.floor(us / MICROS_PER_DAY);
  return addMonthsToDays(days, months) * MICROS_PER_DAY + (us - days * MICROS_PER_DAY);
}

/** DATE ± INTEGER days → DATE. */
export function addDays(x: I32Vector, d: I32Vector | number, sign: 1 | -1): I32Vector {
  const n = x.length;
  const out = new Int32Array(n);
  const src = x.values;
  if (typeof d === 'number') {
    const k = sign * d;
    for (let i = 0; i < n; i++) out[i] = src[i]! + k;
    return i32Vector(DATE, out, x.validity);
  }
  const dv = d.values;
  for (let i = 0; i < n; i++) out[i] = src[i]! + sign * dv[i]!;
  return i32Vector(DATE, out, andValidity(x.validity, d.validity, n));
}

/** DATE - DATE → BIGINT days. */
export function subtractDates(a: I32Vector, b: I32Vector): F64Vector {
  const n = a.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = a.values[i]! - b.values[i]!;
  return f64Vector(INT64, out, andValidity(a.validity, b.validity, n));
}

/** TIMESTAMP - TIMESTAMP → INTERVAL of days and µs (same sign), as DuckDB. */
export function subtractTimestamps(a: F64Vector, b: F64Vector): IntervalVector {
  const n = a.length;
  const months = new Int32Array(n);
  const days = new Int32Array(n);
  const micros = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const diff = a.values[i]! - b.values[i]!;
    const d = Math.trunc(diff / MICROS_PER_DAY);
    days[i] = d;
    micros[i] = diff - d * MICROS_PER_DAY;
  }
  return intervalVector(INTERVAL, months, days, micros, andValidity(a.validity, b.validity, n));
}

/** INTERVAL ± INTERVAL, part by part. */
export function addIntervals(a: IntervalVector, b: IntervalVector, sign: 1 | -1): IntervalVector {
  const n = a.length;
  const m = new Int32Array(n);
  const d = new Int32Array(n);
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    m[i] = a.months[i]! + sign * b.months[i]!;
    d[i] = a.days[i]! + sign * b.days[i]!;
    u[i] = a.micros[i]! + sign * b.micros[i]!;
  }
  return intervalVector(INTERVAL, m, d, u, andValidity(a.validity, b.validity, n));
}

/** INTERVAL * integer, part by part. */
export function multiplyInterval(
  a: IntervalVector,
  k: Float64Array | number,
  kValidity: Validity,
): IntervalVector {
  const n = a.length;
  const m = new Int32Array(n);
  const d = new Int32Array(n);
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = typeof k === 'number' ? k : k[i]!;
    m[i] = a.months[i]! * f;
    d[i] = a.days[i]! * f;
    u[i] = a.micros[i]! * f;
  }
  return intervalVector(INTERVAL, m, d, u, andValidity(a.validity, kValidity, n));
}

export function negateInterval(a: IntervalVector): IntervalVector {
  const n = a.length;
  const m = new Int32Array(n);
  const d = new Int32Array(n);
  const u = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    m[i] = -a.months[i]! | 0;
    d[i] = -a.days[i]! | 0;
    u[i] = 0 - a.micros[i]!;
  }
  return intervalVector(INTERVAL, m, d, u, a.validity);
}

/** `date_diff(part, a, b)`: the number of `part` boundaries between a and b (DuckDB's definition). */
export function dateDiff(part: string, a: Vector, b: Vector): F64Vector {
  const n = a.length;
  const out = new Float64Array(n);
  const us = (v: Vector, i: number): number => microsAt(v as I32Vector | F64Vector, i);
  for (let i = 0; i < n; i++) {
    const x = us(a, i);
    const y = us(b, i);
    out[i] = diffOne(part, x, y);
  }
  return f64Vector(INT64, out, andValidity(a.validity, b.validity, n));
}

function diffOne(part: string, x: number, y: number): number {
  const dx = Math.floor(x / MICROS_PER_DAY);
  const dy = Math.floor(y / MICROS_PER_DAY);
  switch (part) {
    case 'year':
      return yearOf(dy) - yearOf(dx);
    case 'quarter':
    case 'month': {
      const cx = civilFromDays(dx);
      const cy = civilFromDays(dy);
      const mx = cx[0]! * 12 + cx[1]! - 1;
      const my = cy[0]! * 12 + cy[1]! - 1;
      return part === 'month' ? my - mx : Math.floor(my / 3) - Math.floor(mx / 3);
    }
    case 'decade':
      return Math.floor(yearOf(dy) / 10) - Math.floor(yearOf(dx) / 10);
    case 'century':
      return Math.floor(yearOf(dy) / 100) - Math.floor(yearOf(dx) / 100);
    case 'millennium':
      return Math.floor(yearOf(dy) / 1000) - Math.floor(yearOf(dx) / 1000);
    case 'week':
      return Math.trunc((dy - dx) / 7);
    case 'day':
      return dy - dx;
    case 'hour':
      return Math.floor(y / MICROS_PER_HOUR) - Math.floor(x / MICROS_PER_HOUR);
    case 'minute':
      return Math.floor(y / MICROS_PER_MINUTE) - Math.floor(x / MICROS_PER_MINUTE);
    case 'second':
      return Math.floor(y / MICROS_PER_SECOND) - Math.floor(x / MICROS_PER_SECOND);
    case 'millisecond':
      return Math.floor(y / 1000) - Math.floor(x / 1000);
    case 'microsecond':
      return y - x;
    default:
      throw new SkeinError('INTERNAL', `unknown date_diff part '${part}'`);
  }
}

/** last_day(DATE|TIMESTAMP) → DATE. */
export function lastDay(v: Vector): I32Vector {
  const n = v.length;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const days = v.kind === 'i32' ? v.values[i]! : Math.floor((v as F64Vector).values[i]! / MICROS_PER_DAY);
    const c = civilFromDays(days);
    out[i] = daysFromCivil(c[0]!, c[1]!, daysInMonth(c[0]!, c[1]!));
  }
  return i32Vector(DATE, out, v.validity);
}

/** make_date(y, m, d); an impossible date is an error naming it. */
export function makeDate(y: F64Vector, m: F64Vector, d: F64Vector, type: DataType = DATE): I32Vector {
  const n = y.length;
  const out = new Int32Array(n);
  const validity = andValidity(andValidity(y.validity, m.validity, n), d.validity, n);
  for (let i = 0; i < n; i++) {
    if (validity !== null && !((validity[i >> 3]! >> (i & 7)) & 1)) continue;
    const yy = y.values[i]!;
    const mm = m.values[i]!;
    const dd = d.values[i]!;
    if (mm < 1 || mm > 12 || dd < 1 || dd > daysInMonth(yy, mm)) {
      throw new SkeinError('INVALID_ARGUMENT', `date out of range: ${yy}-${mm}-${dd}`);
    }
    out[i] = daysFromCivil(yy, mm, dd);
  }
  return i32Vector(type, out, validity);
}
