import type { DataType, Schema } from '../types/data-type.ts';

/**
 * Validity of a vector's values: Arrow's bitmap layout (bit i, least significant bit first, set
 * when value i is not NULL), or `null` when no value is NULL — the common case, which kernels
 * check once per batch to take their fast path.
 */
export type Validity = Uint8Array | null;

/**
 * A column of values inside the engine: typed arrays, never per-row objects.
 *
 * `kind` names the storage, `type` the SQL type (see `src/types/data-type.ts` for which types use
 * which storage). Vectors are immutable once built; operators share them freely between batches.
 */
export type Vector =
  /** boolean: one byte per value, 0 or 1. */
  | BoolVector
  /** int32 and date. */
  | I32Vector
  /** int64, decimal (scaled integers), timestamp (µs) and float64, while exact in a double. */
  | F64Vector
  /** int64 and decimal values that outgrew 2^53 (results of sums and products). */
  | I64Vector
  /** varchar: value i is the UTF-8 bytes [offsets[i], offsets[i + 1]). */
  | StrVector
  /** interval: three independent parts per value. */
  | IntervalVector
  /** Every value NULL (the NULL literal, or an all-null column of any type). */
  | NullVector;

interface VectorBase {
  readonly type: DataType;
  readonly length: number;
  readonly validity: Validity;
}

export interface BoolVector extends VectorBase {
  readonly kind: 'bool';
  readonly values: Uint8Array;
}
export interface I32Vector extends VectorBase {
  readonly kind: 'i32';
  readonly values: Int32Array;
}
export interface F64Vector extends VectorBase {
  readonly kind: 'f64';
  readonly values: Float64Array;
}
export interface I64Vector extends VectorBase {
  readonly kind: 'i64';
  readonly values: BigInt64Array;
}
export interface StrVector extends VectorBase {
  readonly kind: 'str';
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
}
export interface IntervalVector extends VectorBase {
  readonly kind: 'interval';
  readonly months: Int32Array;
  readonly days: Int32Array;
  readonly micros: Float64Array;
}
export interface NullVector extends VectorBase {
  readonly kind: 'null';
}

/** Rows flowing between operators: equal-length vectors, one per field of the schema. */
export interface Batch {
  readonly schema: Schema;
  readonly columns: readonly Vector[];
  readonly length: number;
}

/** Whether value i is not NULL. */
export function isValid(v: Vector, i: number): boolean {
  if (v.kind === 'null') return false;
  const m = v.validity;
  return m === null || ((m[i >> 3]! >> (i & 7)) & 1) === 1;
}

/** Number of NULL values. */
export function nullCount(v: Vector): number {
  if (v.kind === 'null') return v.length;
  const m = v.validity;
  if (m === null) return 0;
  let valid = 0;
  const full = v.length >> 3;
  for (let b = 0; b < full; b++) valid += POPCOUNT[m[b]!]!;
  for (let i = full << 3; i < v.length; i++) valid += (m[i >> 3]! >> (i & 7)) & 1;
  return v.length - valid;
}

const POPCOUNT = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = (i & 1) + t[i >> 1]!;
  return t;
})();

/** A validity bitmap for `length` values, all valid. */
export function allValid(length: number): Uint8Array {
  return new Uint8Array((length + 7) >> 3).fill(0xff);
}

export function setValid(m: Uint8Array, i: number, valid: boolean): void {
  if (valid) m[i >> 3]! |= 1 << (i & 7);
  else m[i >> 3]! &= ~(1 << (i & 7));
}

// ---------------------------------------------------------------------------------------------
// Constructors. Building vectors through these keeps one object shape per storage kind, so the
// kernels that read them stay monomorphic.

export function boolVector(type: DataType, values: Uint8Array, validity: Validity = null): BoolVector {
  return { kind: 'bool', type, length: values.length, validity, values };
}

export function i32Vector(type: DataType, values: Int32Array, validity: Validity = null): I32Vector {
  return { kind: 'i32', type, length: values.length, validity, values };
}

export function f64Vector(type: DataType, values: Float64Array, validity: Validity = null): F64Vector {
  return { kind: 'f64', type, length: values.length, validity, values };
}

export function i64Vector(type: DataType, values: BigInt64Array, validity: Validity = null): I64Vector {
  return { kind: 'i64', type, length: values.length, validity, values };
}

/** `offsets` has length + 1 entries. */
export function strVector(
  type: DataType,
  offsets: Int32Array,
  bytes: Uint8Array,
  validity: Validity = null,
): StrVector {
  return { kind: 'str', type, length: offsets.length - 1, validity, offsets, bytes };
}

export function intervalVector(
  type: DataType,
  months: Int32Array,
  days: Int32Array,
  micros: Float64Array,
  validity: Validity = null,
): IntervalVector {
  return { kind: 'interval', type, length: months.length, validity, months, days, micros };
}

export function nullVector(type: DataType, length: number): NullVector {
  return { kind: 'null', type, length, validity: null };
}

/** Which storage a SQL type's vectors use (`f64` types may also come as `i64`; see DataType). */
export function storageOf(type: DataType): Vector['kind'] {
  switch (type.kind) {
    case 'null':
      return 'null';
    case 'boolean':
      return 'bool';
    case 'int32':
    case 'date':
      return 'i32';
    case 'int64':
    case 'decimal':
    case 'timestamp':
    case 'float64':
      return 'f64';
    case 'varchar':
      return 'str';
    case 'interval':
      return 'interval';
  }
}
