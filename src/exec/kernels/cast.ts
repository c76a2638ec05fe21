/**
 * CAST and TRY_CAST between all types, DuckDB's way: DOUBLE → integer rounds half to even,
 * DECIMAL → integer and anything → DECIMAL round half away from zero, out-of-range values and
 * unparsable text are errors naming the value (`cannot cast 'abc' to INTEGER`) — or NULL under
 * TRY_CAST.
 */
import { SkeinError } from '../../errors.ts';
import { type DataType, typeToString } from '../../types/data-type.ts';
import {
  boolVector,
  f64Vector,
  i32Vector,
  i64Vector,
  intervalVector,
  nullVector,
  type StrVector,
  type Validity,
  type Vector,
} from '../vector.ts';
import { isBitSet } from './bitmap.ts';
import { formatDate, formatDecimal, formatDouble, formatInterval, formatTimestamp } from './format.ts';
import {
  parseBoolean,
  parseDate,
  parseDecimal,
  parseDouble,
  parseInteger,
  parseInterval,
  parseTimestamp,
} from './parse.ts';
import { StrBuilder, strAt } from './str-builder.ts';
import { MICROS_PER_DAY } from './temporal.ts';

const MAX_SAFE = 9007199254740991;
const TWO_63 = 2 ** 63;

/** Failures of one cast over a batch: throws on the first, or (TRY_CAST) makes the row NULL. */
class Failures {
  validity: Uint8Array | null = null;
  constructor(
    private readonly base: Validity,
    private readonly n: number,
    private readonly tryCast: boolean,
    private readonly to: DataType,
  ) {}

  fail(i: number, shown: string, why?: string): void {
    if (!this.tryCast) {
      throw new SkeinError(
        'INVALID_ARGUMENT',
        `cannot cast ${shown} to ${typeToString(this.to)}${why ? `: ${why}` : ''}`,
      );
    }
    if (this.validity === null) {
      this.validity = this.base === null ? new Uint8Array((this.n + 7) >> 3).fill(0xff) : this.base.slice();
    }
    this.validity[i >> 3]! &= ~(1 << (i & 7));
  }

  result(): Validity {
    return this.validity ?? this.base;
  }
}

function valid(v: Validity, i: number): boolean {
  return v === null || isBitSet(v, i);
}

/** `CAST(v AS to)`, or `TRY_CAST` when `tryCast`. */
export function castVector(v: Vector, to: DataType, tryCast = false): Vector {
  const from = v.type;
  const n = v.length;
  if (v.kind === 'null' || to.kind === 'null') return nullVector(to, n);
  if (from.kind === to.kind && (from.kind !== 'decimal' || sameDecimal(from, to))) {
    return from === to ? v : retype(v, to);
  }
  if (to.kind === 'varchar') return toVarchar(v);
  if (v.kind === 'str') return fromVarchar(v, to, tryCast);
  const f = new Failures(v.validity, n, tryCast, to);
  switch (to.kind) {
    case 'boolean':
      return toBoolean(v, to, f);
    case 'int32':
    case 'int64':
    case 'float64':
    case 'decimal':
      return toNumber(v, to, f);
    case 'date':
      if (v.kind === 'f64' && from.kind === 'timestamp') {
        const out = new Int32Array(n);
        const src = v.values;
        for (let i = 0; i < n; i++) out[i] = Math.floor(src[i]! / MICROS_PER_DAY);
        return i32Vector(to, out, v.validity);
      }
      break;
    case 'timestamp':
      if (v.kind === 'i32' && from.kind === 'date') {
        const out = new Float64Array(n);
        const src = v.values;
        for (let i = 0; i < n; i++) out[i] = src[i]! * MICROS_PER_DAY;
        return f64Vector(to, out, v.validity);
      }
      break;
    default:
      break;
  }
  throw new SkeinError('TYPE', `cannot cast ${typeToString(from)} to ${typeToString(to)}`);
}

function sameDecimal(a: DataType, b: DataType): boolean {
  return a.kind === 'decimal' && b.kind === 'decimal' && a.precision === b.precision && a.scale === b.scale;
}

/** The same storage under another type (e.g. DECIMAL(15,2) → DECIMAL(18,2)). */
function retype(v: Vector, to: DataType): Vector {
  return { ...v, type: to } as Vector;
}

// ---------------------------------------------------------------------------------------------
// To VARCHAR

/** Text of value i of `v` as CAST(… AS VARCHAR) gives it. */
export function valueToText(v: Vector, i: number): string {
  const t = v.type;
  switch (v.kind) {
    case 'null':
      return 'NULL';
    case 'bool':
      return v.values[i] ? 'true' : 'false';
    case 'i32':
      return t.kind === 'date' ? formatDate(v.values[i]!) : String(v.values[i]!);
    case 'f64': {
      const x = v.values[i]!;
      if (t.kind === 'float64') return formatDouble(x);
      if (t.kind === 'decimal') return formatDecimal(x, t.precision, t.scale);
      if (t.kind === 'timestamp') return formatTimestamp(x);
      return String(x);
    }
    case 'i64': {
      const x = v.values[i]!;
      if (t.kind === 'decimal') return formatDecimal(x, t.precision, t.scale);
      if (t.kind === 'timestamp') return formatTimestamp(Number(x));
      return x.toString();
    }
    case 'str':
      return strAt(v, i);
    case 'interval':
      return formatInterval(v.months[i]!, v.days[i]!, v.micros[i]!);
  }
}

function toVarchar(v: Vector): StrVector {
  const n = v.length;
  const b = new StrBuilder(n, n * 12);
  const m = v.validity;
  if (v.kind === 'i32' && v.type.kind === 'int32') {
    // Integers are common enough to skip the per-row string.
    const src = v.values;
    for (let i = 0; i < n; i++) {
      if (!valid(m, i)) {
        b.endNull();
        continue;
      }
      b.appendString(String(src[i]!));
      b.endRow();
    }
    return b.finish();
  }
  for (let i = 0; i < n; i++) {
    if (!valid(m, i)) b.endNull();
    else {
      b.appendString(valueToText(v, i));
      b.endRow();
    }
  }
  return b.finish();
}

// ---------------------------------------------------------------------------------------------
// From VARCHAR

function quoted(v: StrVector, i: number): string {
  return `'${strAt(v, i)}'`;
}

function fromVarchar(v: StrVector, to: DataType, tryCast: boolean): Vector {
  const n = v.length;
  const f = new Failures(v.validity, n, tryCast, to);
  const o = v.offsets;
  const bytes = v.bytes;
  const m = v.validity;
  switch (to.kind) {
    case 'boolean': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        if (!valid(m, i)) continue;
        const r = parseBoolean(bytes, o[i]!, o[i + 1]!);
        if (r === undefined) f.fail(i, quoted(v, i));
        else out[i] = r;
      }
      return boolVector(to, out, f.result());
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        if (!valid(m, i)) continue;
        const r = parseInteger(bytes, o[i]!, o[i + 1]!);
        if (typeof r === 'number' && (r | 0) === r) out[i] = r;
        else f.fail(i, quoted(v, i), r === undefined ? undefined : 'out of range');
      }
      return i32Vector(to, out, f.result());
    }
    case 'int64': {
      const out = new Float64Array(n);
      let big: BigInt64Array | null = null;
      for (let i = 0; i < n; i++) {
        if (!valid(m, i)) continue;
        const r = parseInteger(bytes, o[i]!, o[i + 1]!);
        if (typeof r === 'number') {
          out[i] = r;
          if (big !== null) big[i] = BigInt(r);
        } else if (typeof r === 'bigint' && r >= -(2n ** 63n) && r < 2n ** 63n) {
          if (big === null) {
            big = new BigInt64Array(n);
            for (let k = 0; k < i; k++) big[k] = BigInt(out[k]!);
          }
          big[i] = r;
        } else f.fail(i, quoted(v, i), r === undefined ? undefined : 'out of range');
      }
      return big === null ? f64Vector(to, out, f.result()) : i64Vector(to, big, f.result());
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (!valid(m, i)) continue;
        const r = parseDouble(bytes, o[i]!, o[i + 1]!);
        if (r === undefined) f.fail(i, quoted(v, i));
        else out[i] = r;
      }
      return f64Vector(to, out, f.result());
    }
    case 'decimal': {
      const out = new Float64Array(n);
      let big: BigInt64Array | null = null;
      for (let i = 0; i < n; i++) {
        if (!valid(m, i)) continue;
        const r = parseDecimal(bytes, o[i]!, o[i + 1]!, to.precision, to.scale);
        if (typeof r === 'number') {
          out[i] = r;
          if (big !== null) big[i] = BigInt(r);
        } else if (typeof r === 'bigint') {
          if (r < -(2n ** 63n) || r >= 2n ** 63n) {
            f.fail(i, quoted(v, i), 'out of the range Skein keeps decimals in (64 bits)');
            continue;
          }
          if (big === null) {
            big = new BigInt64Array(n);
            for (let k = 0; k < i; k++) big[k] = BigInt(out[k]!);
          }
          big[i] = r;
        } else f.fail(i, quoted(v, i), r === 'range' ? 'out of range' : undefined);
      }
      return big === null ? f64Vector(to, out, f.result()) : i64Vector(to, big, f.result());
    }
    case 'date': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        if (!valid(m, i)) continue;
        const r = parseDate(bytes, o[i]!, o[i + 1]!);
        if (typeof r === 'number') out[i] = r;
        else f.fail(i, quoted(v, i), r === 'range' ? 'date field value out of range' : 'expected YYYY-MM-DD');
      }
      return i32Vector(to, out, f.result());
    }
    case 'timestamp': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (!valid(m, i)) continue;
        const r = parseTimestamp(bytes, o[i]!, o[i + 1]!);
        if (typeof r === 'number') out[i] = r;
        else {
          f.fail(
            i,
            quoted(v, i),
            r === 'range' ? 'timestamp field value out of range' : 'expected YYYY-MM-DD[ HH:MM:SS[.ffffff]]',
          );
        }
      }
      return f64Vector(to, out, f.result());
    }
    case 'interval': {
      const months = new Int32Array(n);
      const days = new Int32Array(n);
      const micros = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (!valid(m, i)) continue;
        const r = parseInterval(strAt(v, i));
        if (r === undefined) f.fail(i, quoted(v, i));
        else {
          months[i] = r.months;
          days[i] = r.days;
          micros[i] = r.micros;
        }
      }
      return intervalVector(to, months, days, micros, f.result());
    }
    default:
      throw new SkeinError('TYPE', `cannot cast VARCHAR to ${typeToString(to)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Between numbers and booleans

function toBoolean(v: Vector, to: DataType, f: Failures): Vector {
  const n = v.length;
  const out = new Uint8Array(n);
  switch (v.kind) {
    case 'i32':
    case 'f64':
      for (let i = 0; i < n; i++) out[i] = v.values[i] !== 0 ? 1 : 0;
      break;
    case 'i64':
      for (let i = 0; i < n; i++) out[i] = v.values[i] !== 0n ? 1 : 0;
      break;
    default:
      throw new SkeinError('TYPE', `cannot cast ${typeToString(v.type)} to BOOLEAN`);
  }
  return boolVector(to, out, f.result());
}

/** Rounds half to even (C's nearbyint), as DuckDB casts DOUBLE to integers. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Rounds half away from zero. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** x / 10^k for an exact integer x (|x| ≤ 2^53), rounded half away from zero, exactly. */
export function divRoundHalfAway(x: number, p: number): number {
  const r = x % p;
  const q = (x - r) / p;
  if (2 * Math.abs(r) >= p) return x < 0 ? q - 1 : q + 1;
  return q + 0; // no -0
}

function bigDivRoundHalfAway(x: bigint, p: bigint): bigint {
  const q = x / p;
  const r = x % p;
  const r2 = (r < 0n ? -r : r) * 2n;
  if (r2 >= p) return x < 0n ? q - 1n : q + 1n;
  return q;
}

function scaleOf(t: DataType): number {
  return t.kind === 'decimal' ? t.scale : 0;
}

/** Numeric/boolean → INTEGER, BIGINT, DOUBLE or DECIMAL. */
function toNumber(v: Vector, to: DataType, f: Failures): Vector {
  const n = v.length;
  const from = v.type;
  const m = v.validity;
  const shown = (i: number): string => valueToText(v, i);

  if (v.kind === 'bool') {
    const s = scaleOf(to);
    if (to.kind === 'int32') return i32Vector(to, Int32Array.from(v.values), m);
    const factor = 10 ** s;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = v.values[i]! * factor;
    if (to.kind === 'decimal' && to.precision - to.scale < 1) {
      for (let i = 0; i < n; i++) if (valid(m, i) && v.values[i]) f.fail(i, 'true', 'out of range');
    }
    return f64Vector(to, out, f.result());
  }

  if (v.kind === 'i64') return bigToNumber(v.values, from, to, m, f, shown);
  if (v.kind !== 'i32' && v.kind !== 'f64') {
    throw new SkeinError('TYPE', `cannot cast ${typeToString(from)} to ${typeToString(to)}`);
  }
  const src = v.values;

  // DOUBLE source.
  if (from.kind === 'float64') {
    switch (to.kind) {
      case 'int32': {
        const out = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const r = roundHalfEven(src[i]!);
          if ((r | 0) === r) out[i] = r;
          else if (valid(m, i)) f.fail(i, shown(i), 'out of range');
        }
        return i32Vector(to, out, f.result());
      }
      case 'int64': {
        const out = new Float64Array(n);
        let big: BigInt64Array | null = null;
        for (let i = 0; i < n; i++) {
          const r = roundHalfEven(src[i]!);
          if (!(r >= -TWO_63 && r < TWO_63)) {
            if (valid(m, i)) f.fail(i, shown(i), 'out of range');
            continue;
          }
          out[i] = r;
          if (Math.abs(r) > MAX_SAFE && big === null) big = new BigInt64Array(n);
        }
        if (big !== null) {
          for (let i = 0; i < n; i++) big[i] = Number.isFinite(out[i]!) ? BigInt(out[i]!) : 0n;
          return i64Vector(to, big, f.result());
        }
        return f64Vector(to, out, f.result());
      }
      case 'decimal': {
        const factor = 10 ** to.scale;
        const limit = 10 ** to.precision;
        const out = new Float64Array(n);
        let bigRows = false;
        for (let i = 0; i < n; i++) {
          const r = roundHalfAway(src[i]! * factor);
          if (!(Math.abs(r) < limit)) {
            if (valid(m, i)) f.fail(i, shown(i), 'out of range');
            continue;
          }
          if (Math.abs(r) > MAX_SAFE) bigRows = true;
          out[i] = r;
        }
        if (bigRows) return toBigStorage(out, to, f.result(), (i) => shown(i), f);
        return f64Vector(to, out, f.result());
      }
      default:
        break;
    }
  }

  // Integer or DECIMAL source, exact in doubles.
  const sFrom = scaleOf(from);
  if (to.kind === 'float64') {
    const out = new Float64Array(n);
    if (sFrom === 0) for (let i = 0; i < n; i++) out[i] = src[i]!;
    else {
      const p = 10 ** sFrom;
      for (let i = 0; i < n; i++) out[i] = src[i]! / p;
    }
    return f64Vector(to, out, m);
  }
  const sTo = scaleOf(to);
  if (to.kind === 'int32') {
    const out = new Int32Array(n);
    const p = 10 ** sFrom;
    for (let i = 0; i < n; i++) {
      const r = sFrom === 0 ? src[i]! : divRoundHalfAway(src[i]!, p);
      if ((r | 0) === r) out[i] = r;
      else if (valid(m, i)) f.fail(i, shown(i), 'out of range');
    }
    return i32Vector(to, out, f.result());
  }
  if (sTo >= sFrom) {
    const factor = 10 ** (sTo - sFrom);
    const limit = to.kind === 'decimal' && to.precision <= 15 ? 10 ** to.precision : Number.POSITIVE_INFINITY;
    const out = new Float64Array(n);
    let inexact = false;
    for (let i = 0; i < n; i++) {
      const r = src[i]! * factor;
      out[i] = r;
      if (!(Math.abs(r) < limit)) {
        if (valid(m, i)) f.fail(i, shown(i), 'out of range');
      } else if (Math.abs(r) > MAX_SAFE) inexact = true;
    }
    if (inexact)
      return bigToNumber(
        BigInt64Array.from(src, (x) => BigInt(x)),
        from,
        to,
        f.result(),
        f,
        shown,
      );
    return f64Vector(to, out, f.result());
  }
  // Scale down (DECIMAL → fewer digits, DECIMAL → BIGINT): exact division with rounding.
  const p = 10 ** (sFrom - sTo);
  const limit = to.kind === 'decimal' && to.precision <= 15 ? 10 ** to.precision : Number.POSITIVE_INFINITY;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = divRoundHalfAway(src[i]!, p);
    out[i] = r;
    if (!(Math.abs(r) < limit) && valid(m, i)) f.fail(i, shown(i), 'out of range');
  }
  return f64Vector(to, out, f.result());
}

/** Values that do not fit a double exactly, converted from (rounded) doubles to BigInt storage. */
function toBigStorage(
  out: Float64Array,
  to: DataType,
  validity: Validity,
  shown: (i: number) => string,
  f: Failures,
): Vector {
  const big = new BigInt64Array(out.length);
  for (let i = 0; i < out.length; i++) {
    const x = out[i]!;
    if (!(Math.abs(x) < TWO_63)) {
      if (valid(validity, i)) f.fail(i, shown(i), 'out of the range Skein keeps decimals in (64 bits)');
      continue;
    }
    big[i] = BigInt(x);
  }
  return i64Vector(to, big, f.result());
}

/** The exact path for BigInt sources (and scale-ups that outgrow doubles). */
function bigToNumber(
  src: BigInt64Array,
  from: DataType,
  to: DataType,
  m: Validity,
  f: Failures,
  shown: (i: number) => string,
): Vector {
  const n = src.length;
  const sFrom = scaleOf(from);
  if (to.kind === 'float64') {
    const out = new Float64Array(n);
    const p = 10 ** sFrom;
    for (let i = 0; i < n; i++) out[i] = sFrom === 0 ? Number(src[i]!) : Number(src[i]!) / p;
    return f64Vector(to, out, m);
  }
  const sTo = scaleOf(to);
  const min = to.kind === 'int32' ? -(2n ** 31n) : -(2n ** 63n);
  const max = to.kind === 'int32' ? 2n ** 31n - 1n : 2n ** 63n - 1n;
  const limit = to.kind === 'decimal' ? 10n ** BigInt(to.precision) : null;
  const out = new BigInt64Array(n);
  let fits = true;
  for (let i = 0; i < n; i++) {
    if (!valid(m, i)) continue;
    const x = src[i]!;
    const r =
      sTo >= sFrom ? x * 10n ** BigInt(sTo - sFrom) : bigDivRoundHalfAway(x, 10n ** BigInt(sFrom - sTo));
    if (r < min || r > max || (limit !== null && (r >= limit || r <= -limit))) {
      f.fail(i, shown(i), 'out of range');
      continue;
    }
    if (r > BigInt(MAX_SAFE) || r < -BigInt(MAX_SAFE)) fits = false;
    out[i] = r;
  }
  const validity = f.result();
  if (to.kind === 'int32')
    return i32Vector(
      to,
      Int32Array.from(out, (x) => Number(x)),
      validity,
    );
  if (fits)
    return f64Vector(
      to,
      Float64Array.from(out, (x) => Number(x)),
      validity,
    );
  return i64Vector(to, out, validity);
}

/** Whether a cast from `from` to `to` changes nothing but the type (no kernel needed). */
export function isStorageOnlyCast(from: DataType, to: DataType): boolean {
  if (from.kind === 'decimal' && to.kind === 'decimal') {
    return from.scale === to.scale && to.precision >= from.precision;
  }
  return from.kind === to.kind;
}
