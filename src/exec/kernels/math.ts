/**
 * Numeric functions: abs, sign, round, floor, ceil, trunc, and the DOUBLE functions (sqrt, ln,
 * power, …). Rounding is half away from zero, as DuckDB's `round` on both DECIMAL and DOUBLE.
 */
import { SkeinError } from '../../errors.ts';
import { type DataType, FLOAT64, INT32, typeToString } from '../../types/data-type.ts';
import { f64Vector, i32Vector, i64Vector, type Vector } from '../vector.ts';
import { andValidity, isBitSet } from './bitmap.ts';
import { divRoundHalfAway, roundHalfAway } from './cast.ts';

function numbers(v: Vector): Float64Array | Int32Array {
  if (v.kind === 'f64' || v.kind === 'i32') return v.values;
  throw new SkeinError('INTERNAL', `numeric vector expected, got ${v.kind}`);
}

export function abs(v: Vector): Vector {
  const n = v.length;
  if (v.kind === 'i32') {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const x = v.values[i]!;
      if (x === -2147483648 && (v.validity === null || isBitSet(v.validity, i))) {
        throw new SkeinError('INVALID_ARGUMENT', `Overflow in abs of ${typeToString(v.type)} (${x})`);
      }
      out[i] = x < 0 ? -x : x;
    }
    return i32Vector(v.type, out, v.validity);
  }
  if (v.kind === 'i64') {
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      const x = v.values[i]!;
      if (x === -(2n ** 63n) && (v.validity === null || isBitSet(v.validity, i))) {
        throw new SkeinError('INVALID_ARGUMENT', `Overflow in abs of ${typeToString(v.type)} (${x})`);
      }
      out[i] = x < 0n ? -x : x;
    }
    return i64Vector(v.type, out, v.validity);
  }
  const src = numbers(v);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.abs(src[i]!);
  return f64Vector(v.type, out, v.validity);
}

export function sign(v: Vector): Vector {
  const n = v.length;
  const out = new Int32Array(n);
  if (v.kind === 'i64')
    for (let i = 0; i < n; i++) out[i] = v.values[i]! > 0n ? 1 : v.values[i]! < 0n ? -1 : 0;
  else {
    const src = numbers(v);
    for (let i = 0; i < n; i++) {
      const x = src[i]!;
      out[i] = x > 0 ? 1 : x < 0 ? -1 : 0;
    }
  }
  return i32Vector(INT32, out, v.validity);
}

/** Exact integer → f64 storage (BigInt inputs converted when they fit, else kept exact via BigInt). */
function bigMap(v: Vector, type: DataType, fn: (x: bigint) => bigint): Vector {
  if (v.kind !== 'i64') throw new SkeinError('INTERNAL', 'i64 vector expected');
  const out = new BigInt64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = fn(v.values[i]!);
  return i64Vector(type, out, v.validity);
}

function bigDivRound(x: bigint, p: bigint, mode: 'floor' | 'ceil' | 'trunc' | 'round'): bigint {
  const q = x / p;
  const r = x % p;
  if (r === 0n) return q;
  switch (mode) {
    case 'trunc':
      return q;
    case 'floor':
      return x < 0n ? q - 1n : q;
    case 'ceil':
      return x > 0n ? q + 1n : q;
    case 'round':
      return (r < 0n ? -r : r) * 2n >= p ? (x < 0n ? q - 1n : q + 1n) : q;
  }
}

/**
 * floor/ceil/trunc/round-to-`digits` of a DECIMAL of scale `scale`, to scale `toScale`
 * (result scale ≤ scale); negative `digits` round to tens, hundreds, ….
 */
export function roundDecimal(
  v: Vector,
  scale: number,
  toScale: number,
  digits: number,
  mode: 'floor' | 'ceil' | 'trunc' | 'round',
  type: DataType,
): Vector {
  const drop = scale - toScale + (digits < 0 ? -digits : 0);
  const back = digits < 0 ? -digits : 0;
  if (drop === 0) return { ...v, type } as Vector;
  if (v.kind === 'i64') {
    const p = 10n ** BigInt(drop);
    const b = 10n ** BigInt(back);
    return bigMap(v, type, (x) => bigDivRound(x, p, mode) * b);
  }
  const src = numbers(v);
  const n = v.length;
  const out = new Float64Array(n);
  const p = 10 ** drop;
  const b = 10 ** back;
  for (let i = 0; i < n; i++) {
    const x = src[i]!;
    let q: number;
    if (mode === 'round') q = divRoundHalfAway(x, p);
    else {
      const r = x % p;
      q = (x - r) / p;
      if (r !== 0) {
        if (mode === 'floor' && x < 0) q -= 1;
        else if (mode === 'ceil' && x > 0) q += 1;
      }
    }
    out[i] = q * b + 0;
  }
  return f64Vector(type, out, v.validity);
}

/** round(x, digits) on integers: negative digits round to tens, hundreds, … (half away from zero). */
export function roundInteger(v: Vector, digits: number): Vector {
  if (digits >= 0) return v;
  return roundDecimal(v, 0, 0, digits, 'round', v.type);
}

/** round(x[, digits]) on DOUBLE, DuckDB's way: round(x·10^d)/10^d (or round(x/10^-d)·10^-d). */
export function roundDouble(v: Vector, digits: Vector | number): Vector {
  const src = numbers(v);
  const n = v.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = src[i]!;
    const d = typeof digits === 'number' ? digits : numbers(digits)[i]!;
    if (d >= 0) {
      const f = 10 ** d;
      const y = x * f;
      out[i] = Number.isFinite(y) ? roundHalfAway(y) / f : x;
    } else {
      const f = 10 ** -d;
      out[i] = roundHalfAway(x / f) * f;
    }
  }
  return f64Vector(
    v.type,
    out,
    typeof digits === 'number' ? v.validity : andValidity(v.validity, digits.validity, n),
  );
}

/** A DOUBLE → DOUBLE function; `check` may reject an input (an error naming the function). */
export function mapDouble(
  v: Vector,
  fn: (x: number) => number,
  check?: (x: number) => string | undefined,
): Vector {
  const src = numbers(v);
  const n = v.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = src[i]!;
    if (check !== undefined) {
      const why = check(x);
      if (why !== undefined && (v.validity === null || isBitSet(v.validity, i))) {
        throw new SkeinError('INVALID_ARGUMENT', why);
      }
    }
    out[i] = fn(x);
  }
  return f64Vector(FLOAT64, out, v.validity);
}

/** A (DOUBLE, DOUBLE) → DOUBLE function. */
export function mapDouble2(
  a: Vector | number,
  b: Vector | number,
  n: number,
  fn: (x: number, y: number) => number,
): Vector {
  const av = typeof a === 'number' ? null : numbers(a);
  const bv = typeof b === 'number' ? null : numbers(b);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = fn(av === null ? (a as number) : av[i]!, bv === null ? (b as number) : bv[i]!);
  return f64Vector(
    FLOAT64,
    out,
    andValidity(typeof a === 'number' ? null : a.validity, typeof b === 'number' ? null : b.validity, n),
  );
}
