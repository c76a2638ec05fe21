/**
 * Text → value parsers, working on UTF-8 byte ranges (CSV fields and VARCHAR values are parsed
 * where they lie, without making JS strings on the common path). Each returns the value in its
 * storage form, or `undefined` when the text is not a value of the type; the caller words the
 * error. Grammar follows DuckDB's casts: surrounding spaces are allowed, integers accept a
 * fraction (rounded half away from zero), an exponent, `_` between digits and `0x` hex.
 */
import {
  daysFromCivil,
  daysInMonth,
  MICROS_PER_DAY,
  MICROS_PER_HOUR,
  MICROS_PER_MINUTE,
} from './temporal.ts';

const decoder = new TextDecoder();

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

// Hot parsers trim inline: no tuples or closures per call (allocation, and tsx's keepNames wraps
// every closure creation in a helper call).
function trimStart(b: Uint8Array, s: number, e: number): number {
  while (s < e && isSpace(b[s]!)) s++;
  return s;
}
function trimEnd(b: Uint8Array, s: number, e: number): number {
  while (e > s && isSpace(b[e - 1]!)) e--;
  return e;
}

/** An integer (number when within ±2^53, else bigint), rounding a fraction half away from zero. */
export function parseInteger(b: Uint8Array, start: number, end: number): number | bigint | undefined {
  let s = trimStart(b, start, end);
  const e = trimEnd(b, s, end);
  if (s >= e) return undefined;
  let neg = false;
  const c0 = b[s]!;
  if (c0 === 45 || c0 === 43) {
    neg = c0 === 45;
    s++;
  }
  // Fast path: up to 15 plain digits.
  if (e - s > 0 && e - s <= 15) {
    let v = 0;
    let k = s;
    for (; k < e; k++) {
      const d = b[k]! - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
    }
    if (k === e) return neg ? -v : v;
  }
  return slowInteger(decoder.decode(b.subarray(start, end)));
}

const INT_RE = /^\s*([+-]?)(?:0[xX]([0-9a-fA-F]+)|(\d+(?:_\d+)*)?(?:\.(\d*))?(?:[eE]([+-]?\d+))?)\s*$/;

function slowInteger(text: string): number | bigint | undefined {
  const m = INT_RE.exec(text);
  if (!m) return undefined;
  const neg = m[1] === '-';
  let v: bigint;
  if (m[2] !== undefined) v = BigInt(`0x${m[2]}`);
  else {
    const intDigits = (m[3] ?? '').replaceAll('_', '');
    const frac = m[4] ?? '';
    if (intDigits === '' && frac === '') return undefined;
    const exp = m[5] === undefined ? 0 : Number(m[5]);
    if (Math.abs(exp) > 400) return undefined;
    const scaled = scaleDigits(intDigits + frac, exp - frac.length);
    if (scaled === undefined) return undefined;
    v = scaled;
  }
  if (neg) v = -v;
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** digits × 10^shift, rounded half away from zero (digits non-negative). */
function scaleDigits(digits: string, shift: number): bigint | undefined {
  if (digits === '') return 0n;
  const d = BigInt(digits);
  if (shift >= 0) {
    if (shift > 400) return undefined;
    return d * 10n ** BigInt(shift);
  }
  if (-shift > digits.length + 1) return 0n;
  const p = 10n ** BigInt(-shift);
  const q = d / p;
  const r = d % p;
  return r * 2n >= p ? q + 1n : q;
}

/**
 * A DECIMAL of `scale` as its scaled integer (number within ±2^53, else bigint), rounded half away
 * from zero; 'range' when it has more than `precision` digits.
 */
export function parseDecimal(
  b: Uint8Array,
  start: number,
  end: number,
  precision: number,
  scale: number,
): number | bigint | 'range' | undefined {
  let s = trimStart(b, start, end);
  const e = trimEnd(b, s, end);
  if (s >= e) return undefined;
  let neg = false;
  const c0 = b[s]!;
  if (c0 === 45 || c0 === 43) {
    neg = c0 === 45;
    s++;
  }
  // Fast path: digits [. digits] with few enough digits for a double.
  let intPart = 0;
  let k = s;
  let nInt = 0;
  for (; k < e; k++) {
    const d = b[k]! - 48;
    if (d < 0 || d > 9) break;
    intPart = intPart * 10 + d;
    nInt++;
  }
  let frac = 0;
  let nFrac = 0;
  let roundUp = false;
  let ok = k === e;
  if (!ok && b[k] === 46) {
    k++;
    for (; k < e; k++) {
      const d = b[k]! - 48;
      if (d < 0 || d > 9) break;
      if (nFrac < scale) {
        frac = frac * 10 + d;
        nFrac++;
      } else if (nFrac === scale) {
        roundUp = d >= 5;
        nFrac++;
      }
    }
    ok = k === e && (nInt > 0 || nFrac > 0);
  }
  if (ok && nInt + scale <= 15) {
    const fracDigits = Math.min(nFrac, scale);
    let v = intPart * POW10[scale]! + frac * POW10[scale - fracDigits]!;
    if (roundUp) v += 1;
    if (precision <= 15 && v >= POW10[precision]!) return 'range';
    return neg ? -v : v;
  }
  return slowDecimal(decoder.decode(b.subarray(start, end)), neg, precision, scale);
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** The general decimal grammar (exponents, long digit strings), exactly, through BigInt. */
function slowDecimal(
  text: string,
  neg: boolean,
  precision: number,
  scale: number,
): number | bigint | 'range' | undefined {
  const m = /^\s*[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m || ((m[1] ?? '') === '' && (m[2] ?? '') === '')) return undefined;
  const fracText = m[2] ?? '';
  const exp = m[3] === undefined ? 0 : Number(m[3]);
  if (Math.abs(exp) > 400) return undefined;
  const v = scaleDigits((m[1] ?? '') + fracText, exp - fracText.length + scale);
  if (v === undefined) return undefined;
  if (v >= 10n ** BigInt(precision)) return 'range';
  const signed = neg ? -v : v;
  return signed >= -9007199254740991n && signed <= 9007199254740991n ? Number(signed) : signed;
}

const DOUBLE_RE = /^\s*[+-]?(?:(?:\d+(?:_\d+)*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)\s*$/i;

/** A DOUBLE; accepts `inf`, `infinity`, `nan` (any case, signed). */
export function parseDouble(b: Uint8Array, start: number, end: number): number | undefined {
  const s = trimStart(b, start, end);
  const e = trimEnd(b, s, end);
  if (s >= e) return undefined;
  // Fast path: [-]digits[.digits] of modest length.
  if (e - s <= 15) {
    let k = s;
    let neg = false;
    if (b[k] === 45) {
      neg = true;
      k++;
    }
    let v = 0;
    let digits = 0;
    for (; k < e; k++) {
      const d = b[k]! - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      digits++;
    }
    if (k === e && digits > 0) return neg ? -v : v;
    if (b[k] === 46 && digits > 0) {
      k++;
      let f = 0;
      let nf = 0;
      for (; k < e; k++) {
        const d = b[k]! - 48;
        if (d < 0 || d > 9) break;
        f = f * 10 + d;
        nf++;
      }
      // digits + fraction ≤ 15 significant digits: both exact, and one division rounds correctly.
      if (k === e) {
        const r = (v * POW10[nf]! + f) / POW10[nf]!;
        return neg ? -r : r;
      }
    }
  }
  return slowDouble(decoder.decode(b.subarray(s, e)));
}

function slowDouble(text: string): number | undefined {
  if (!DOUBLE_RE.test(text)) return undefined;
  const t = text.toLowerCase().replaceAll('_', '');
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[+-]/, '');
  if (body === 'inf' || body === 'infinity') return sign * Number.POSITIVE_INFINITY;
  if (body === 'nan') return Number.NaN;
  return Number(t);
}

/** BOOLEAN from true/false/t/f/yes/no/y/n/1/0/on/off (any case). */
export function parseBoolean(b: Uint8Array, start: number, end: number): 0 | 1 | undefined {
  const s = trimStart(b, start, end);
  const e = trimEnd(b, s, end);
  const t = decoder.decode(b.subarray(s, e)).toLowerCase();
  switch (t) {
    case 'true':
    case 't':
    case 'yes':
    case 'y':
    case '1':
    case 'on':
      return 1;
    case 'false':
    case 'f':
    case 'no':
    case 'n':
    case '0':
    case 'off':
      return 0;
    default:
      return undefined;
  }
}

/** Reads up to `max` digits at k; returns [value, next k] or undefined when none. */
function digitsAt(b: Uint8Array, k: number, e: number, max: number): [number, number] | undefined {
  let v = 0;
  const s = k;
  while (k < e && k - s < max) {
    const d = b[k]! - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    k++;
  }
  return k === s ? undefined : [v, k];
}

/** Parses Y-M-D at k (a leading '-' for negative years); returns [days, next k]. */
function dateAt(b: Uint8Array, k: number, e: number): [number, number] | 'range' | undefined {
  let neg = false;
  if (b[k] === 45) {
    neg = true;
    k++;
  }
  const y = digitsAt(b, k, e, 7);
  const sep = y ? b[y[1]] : undefined;
  if (!y || (sep !== 45 && sep !== 47)) return undefined;
  const m = digitsAt(b, y[1] + 1, e, 2);
  if (!m || b[m[1]] !== sep) return undefined;
  const d = digitsAt(b, m[1] + 1, e, 2);
  if (!d) return undefined;
  const year = neg ? -y[0] : y[0];
  if (m[0] < 1 || m[0] > 12 || d[0] < 1 || d[0] > daysInMonth(year, m[0])) return 'range';
  const next = d[1];
  // " (BC)" as DuckDB prints years before 1.
  if (e - next >= 5 && decoder.decode(b.subarray(next, next + 5)) === ' (BC)') {
    return [daysFromCivil(1 - year, m[0], d[0]), next + 5];
  }
  if (next < e && b[next]! >= 48 && b[next]! <= 57) return undefined;
  return [daysFromCivil(year, m[0], d[0]), next];
}

/** A DATE (days since the epoch) from `YYYY-MM-DD`. 'range' for an impossible date. */
export function parseDate(b: Uint8Array, start: number, end: number): number | 'range' | undefined {
  const s = trimStart(b, start, end);
  const e = trimEnd(b, s, end);
  // Fast path: exactly YYYY-MM-DD.
  if (e - s === 10 && b[s + 4] === 45 && b[s + 7] === 45) {
    const d0 = b[s]! - 48;
    const d1 = b[s + 1]! - 48;
    const d2 = b[s + 2]! - 48;
    const d3 = b[s + 3]! - 48;
    const m0 = b[s + 5]! - 48;
    const m1 = b[s + 6]! - 48;
    const a0 = b[s + 8]! - 48;
    const a1 = b[s + 9]! - 48;
    if (
      (d0 | d1 | d2 | d3 | m0 | m1 | a0 | a1) >= 0 &&
      d0 <= 9 &&
      d1 <= 9 &&
      d2 <= 9 &&
      d3 <= 9 &&
      m0 <= 9 &&
      m1 <= 9 &&
      a0 <= 9 &&
      a1 <= 9
    ) {
      const y = d0 * 1000 + d1 * 100 + d2 * 10 + d3;
      const m = m0 * 10 + m1;
      const d = a0 * 10 + a1;
      if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return 'range';
      return daysFromCivil(y, m, d);
    }
  }
  const r = dateAt(b, s, e);
  if (r === undefined || r === 'range') return r;
  if (r[1] === e) return r[0];
  // A timestamp's text casts to its date.
  const ts = parseTimestamp(b, s, e);
  if (ts === undefined || ts === 'range') return ts;
  return Math.floor(ts / MICROS_PER_DAY);
}

/**
 * A TIMESTAMP (µs since the epoch) from `YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z|±HH[:MM]]`; an
 * offset is converted to UTC.
 */
export function parseTimestamp(b: Uint8Array, start: number, end: number): number | 'range' | undefined {
  const s = trimStart(b, start, end);
  const e = trimEnd(b, s, end);
  const r = dateAt(b, s, e);
  if (r === undefined || r === 'range') return r;
  let [days, k] = r;
  let us = 0;
  if (k < e && (b[k] === 32 || b[k] === 84)) {
    k++;
    const h = digitsAt(b, k, e, 2);
    if (!h || b[h[1]] !== 58) return undefined;
    const mi = digitsAt(b, h[1] + 1, e, 2);
    if (!mi) return undefined;
    k = mi[1];
    let sec = 0;
    let frac = 0;
    if (b[k] === 58) {
      const sc = digitsAt(b, k + 1, e, 2);
      if (!sc) return undefined;
      sec = sc[0];
      k = sc[1];
      if (b[k] === 46) {
        k++;
        let digits = 0;
        while (k < e && b[k]! >= 48 && b[k]! <= 57) {
          if (digits < 6) {
            frac = frac * 10 + (b[k]! - 48);
            digits++;
          }
          k++;
        }
        frac *= 10 ** (6 - digits);
      }
    }
    if (h[0] > 24 || mi[0] > 59 || sec > 60 || (h[0] === 24 && (mi[0] > 0 || sec > 0 || frac > 0)))
      return 'range';
    us = h[0] * MICROS_PER_HOUR + mi[0] * MICROS_PER_MINUTE + sec * 1_000_000 + frac;
    // Offset.
    if (k < e && b[k] === 90) k++;
    else if (k < e && (b[k] === 43 || b[k] === 45)) {
      const sign = b[k] === 45 ? -1 : 1;
      const oh = digitsAt(b, k + 1, e, 2);
      if (!oh) return undefined;
      k = oh[1];
      let om = 0;
      if (b[k] === 58) {
        const m2 = digitsAt(b, k + 1, e, 2);
        if (!m2) return undefined;
        om = m2[0];
        k = m2[1];
      }
      us -= sign * (oh[0] * MICROS_PER_HOUR + om * MICROS_PER_MINUTE);
    }
  }
  if (k !== e) return undefined;
  return days * MICROS_PER_DAY + us;
}

const UNITS: Record<string, [part: 'months' | 'days' | 'micros', factor: number]> = {
  millennium: ['months', 12000],
  millennia: ['months', 12000],
  century: ['months', 1200],
  centuries: ['months', 1200],
  decade: ['months', 120],
  decades: ['months', 120],
  year: ['months', 12],
  years: ['months', 12],
  y: ['months', 12],
  yr: ['months', 12],
  yrs: ['months', 12],
  quarter: ['months', 3],
  quarters: ['months', 3],
  month: ['months', 1],
  months: ['months', 1],
  mon: ['months', 1],
  mons: ['months', 1],
  week: ['days', 7],
  weeks: ['days', 7],
  w: ['days', 7],
  day: ['days', 1],
  days: ['days', 1],
  d: ['days', 1],
  hour: ['micros', MICROS_PER_HOUR],
  hours: ['micros', MICROS_PER_HOUR],
  h: ['micros', MICROS_PER_HOUR],
  hr: ['micros', MICROS_PER_HOUR],
  hrs: ['micros', MICROS_PER_HOUR],
  minute: ['micros', MICROS_PER_MINUTE],
  minutes: ['micros', MICROS_PER_MINUTE],
  min: ['micros', MICROS_PER_MINUTE],
  mins: ['micros', MICROS_PER_MINUTE],
  m: ['micros', MICROS_PER_MINUTE],
  second: ['micros', 1_000_000],
  seconds: ['micros', 1_000_000],
  sec: ['micros', 1_000_000],
  secs: ['micros', 1_000_000],
  s: ['micros', 1_000_000],
  millisecond: ['micros', 1000],
  milliseconds: ['micros', 1000],
  ms: ['micros', 1000],
  microsecond: ['micros', 1],
  microseconds: ['micros', 1],
  us: ['micros', 1],
};

/** An INTERVAL from text like `1 year 2 months 3 days 04:05:06.5`, `-1 day`, `90 days`, `36 hours`. */
export function parseInterval(text: string): { months: number; days: number; micros: number } | undefined {
  let t = text.trim().toLowerCase();
  if (t === '') return undefined;
  let ago = false;
  if (t.endsWith(' ago')) {
    ago = true;
    t = t.slice(0, -4).trim();
  }
  const out = { months: 0, days: 0, micros: 0 };
  const re = /\s*(?:([+-]?\d+(?:\.\d+)?)\s*([a-z]+)|([+-]?)(\d+):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)/y;
  let pos = 0;
  while (pos < t.length) {
    re.lastIndex = pos;
    const m = re.exec(t);
    if (!m) return undefined;
    pos = re.lastIndex;
    if (m[2] !== undefined) {
      const unit = UNITS[m[2]];
      if (!unit) return undefined;
      const v = Number(m[1]);
      const [part, factor] = unit;
      if (part === 'micros') out.micros += Math.round(v * factor);
      else if (Number.isInteger(v)) out[part] += v * factor;
      else if (part === 'days') {
        const whole = Math.trunc(v * factor);
        out.days += whole;
        out.micros += Math.round((v * factor - whole) * MICROS_PER_DAY);
      } else {
        const whole = Math.trunc(v * factor);
        out.months += whole;
        out.days += Math.round((v * factor - whole) * 30);
      }
    } else {
      const sign = m[3] === '-' ? -1 : 1;
      const us =
        Number(m[4]) * MICROS_PER_HOUR +
        Number(m[5]) * MICROS_PER_MINUTE +
        Number(m[6] ?? 0) * 1_000_000 +
        Number((m[7] ?? '').padEnd(6, '0'));
      out.micros += sign * us;
    }
  }
  if (ago) {
    out.months = -out.months;
    out.days = -out.days;
    out.micros = -out.micros;
  }
  return out;
}
