/**
 * Scalars inside the executor: a constant is a one-row Vector (so the same kernels fold
 * constants and evaluate batches), and kernels take a constant operand in its storage form
 * (number, bigint, UTF-8 bytes, interval parts).
 */
import { SkeinError } from '../../errors.ts';
import type { IntervalValue, ScalarValue } from '../../physical/expr.ts';
import { type DataType, typeToString } from '../../types/data-type.ts';
import { isBitSet } from '../kernels/bitmap.ts';
import { strAt, utf8 } from '../kernels/str-builder.ts';
import {
  boolVector,
  f64Vector,
  i32Vector,
  i64Vector,
  intervalVector,
  nullVector,
  storageOf,
  strVector,
  type Vector,
} from '../vector.ts';

const MAX_SAFE = 9007199254740991n;

/** A ScalarValue (the JSON encoding of PhysicalExpr literals) as a one-row vector. */
export function scalarToVector(value: ScalarValue, type: DataType): Vector {
  if (value === null) return nullVector(type, 1);
  const bad = (): never => {
    throw new SkeinError(
      'INTERNAL',
      `literal ${JSON.stringify(value)} does not encode a ${typeToString(type)}`,
    );
  };
  switch (storageOf(type)) {
    case 'null':
      return nullVector(type, 1);
    case 'bool':
      if (typeof value !== 'boolean') bad();
      return boolVector(type, Uint8Array.of(value ? 1 : 0));
    case 'i32':
      if (typeof value !== 'number') bad();
      return i32Vector(type, Int32Array.of(value as number));
    case 'f64': {
      if (type.kind === 'float64') {
        const x = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : bad();
        return f64Vector(type, Float64Array.of(x));
      }
      if (typeof value !== 'string' && typeof value !== 'number') bad();
      const b = BigInt(value as string | number);
      // TIMESTAMP always lives in doubles (µs beyond ±2^53, i.e. outside 1685–2255, may round).
      if (type.kind === 'timestamp') return f64Vector(type, Float64Array.of(Number(b)));
      if (b > MAX_SAFE || b < -MAX_SAFE) return i64Vector(type, BigInt64Array.of(b));
      return f64Vector(type, Float64Array.of(Number(b)));
    }
    case 'str': {
      if (typeof value !== 'string') bad();
      const bytes = utf8(value as string);
      return strVector(type, Int32Array.of(0, bytes.length), bytes);
    }
    case 'interval': {
      if (typeof value !== 'object') bad();
      const iv = value as IntervalValue;
      return intervalVector(
        type,
        Int32Array.of(iv.months),
        Int32Array.of(iv.days),
        Float64Array.of(iv.micros),
      );
    }
    default:
      return bad();
  }
}

/** Value i of a vector in ScalarValue form (the inverse of scalarToVector). */
export function vectorValue(v: Vector, i: number): ScalarValue {
  if (v.kind === 'null' || (v.validity !== null && !isBitSet(v.validity, i))) return null;
  switch (v.kind) {
    case 'bool':
      return v.values[i] !== 0;
    case 'i32':
      return v.values[i]!;
    case 'f64': {
      const x = v.values[i]!;
      if (v.type.kind === 'float64') return Number.isFinite(x) ? x : String(x);
      return BigInt(x).toString();
    }
    case 'i64':
      return v.values[i]!.toString();
    case 'str':
      return strAt(v, i);
    case 'interval':
      return { months: v.months[i]!, days: v.days[i]!, micros: v.micros[i]! };
  }
}

/** A constant operand as kernels take it. */
export type Scalar = number | bigint | Uint8Array | { months: number; days: number; micros: number };

/** The storage-form scalar of row 0 of a one-row constant, or undefined when it is NULL. */
export function scalarOf(v: Vector): Scalar | undefined {
  if (v.kind === 'null' || (v.validity !== null && !isBitSet(v.validity, 0))) return undefined;
  switch (v.kind) {
    case 'bool':
      return v.values[0]!;
    case 'i32':
      return v.values[0]!;
    case 'f64':
      return v.values[0]!;
    case 'i64': {
      const b = v.values[0]!;
      return b > MAX_SAFE || b < -MAX_SAFE ? b : Number(b);
    }
    case 'str':
      return v.bytes.subarray(v.offsets[0]!, v.offsets[1]!);
    case 'interval':
      return { months: v.months[0]!, days: v.days[0]!, micros: v.micros[0]! };
  }
}

/**
 * Value i as a plain JS value, for tests and debugging: numbers (int64/decimal/timestamp as their
 * stored integers — bigint beyond 2^53), strings, booleans, interval objects, null.
 */
export function jsValue(v: Vector, i: number): unknown {
  if (v.kind === 'null' || (v.validity !== null && !isBitSet(v.validity, i))) return null;
  switch (v.kind) {
    case 'bool':
      return v.values[i] !== 0;
    case 'i32':
    case 'f64':
      return v.values[i];
    case 'i64':
      return v.values[i];
    case 'str':
      return strAt(v, i);
    case 'interval':
      return { months: v.months[i], days: v.days[i], micros: v.micros[i] };
  }
}

/** A vector of `type` from values in ScalarValue form (VALUES lists, tests). */
export function vectorFromScalars(type: DataType, values: readonly ScalarValue[]): Vector {
  const n = values.length;
  const validity = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (values[i] === null) nulls++;
    else validity[i >> 3]! |= 1 << (i & 7);
  }
  if (nulls === n && n > 0) return nullVector(type, n);
  const m = nulls === 0 ? null : validity;
  const rows = values.map((v) => (v === null ? null : scalarToVector(v, type)));
  switch (storageOf(type)) {
    case 'null':
      return nullVector(type, n);
    case 'bool':
      return boolVector(
        type,
        Uint8Array.from(rows, (r) => (r === null ? 0 : (r as { values: Uint8Array }).values[0]!)),
        m,
      );
    case 'i32':
      return i32Vector(
        type,
        Int32Array.from(rows, (r) => (r === null ? 0 : (r as { values: Int32Array }).values[0]!)),
        m,
      );
    case 'f64': {
      if (rows.some((r) => r !== null && r.kind === 'i64')) {
        return i64Vector(
          type,
          BigInt64Array.from(rows, (r) =>
            r === null
              ? 0n
              : r.kind === 'i64'
                ? r.values[0]!
                : BigInt((r as { values: Float64Array }).values[0]!),
          ),
          m,
        );
      }
      return f64Vector(
        type,
        Float64Array.from(rows, (r) => (r === null ? 0 : (r as { values: Float64Array }).values[0]!)),
        m,
      );
    }
    case 'str': {
      const parts = rows.map((r) => (r === null ? new Uint8Array(0) : (r as { bytes: Uint8Array }).bytes));
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + parts[i]!.length;
      const bytes = new Uint8Array(offsets[n]!);
      for (let i = 0; i < n; i++) bytes.set(parts[i]!, offsets[i]!);
      return strVector(type, offsets, bytes, m);
    }
    case 'interval': {
      const get = (r: Vector | null, k: 'months' | 'days' | 'micros'): number =>
        r === null ? 0 : (r as unknown as Record<string, ArrayLike<number>>)[k]![0]!;
      return intervalVector(
        type,
        Int32Array.from(rows, (r) => get(r, 'months')),
        Int32Array.from(rows, (r) => get(r, 'days')),
        Float64Array.from(rows, (r) => get(r, 'micros')),
        m,
      );
    }
    default:
      throw new SkeinError('INTERNAL', `no vectors of ${typeToString(type)}`);
  }
}
