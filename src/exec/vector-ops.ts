/**
 * Generic vector utilities the stateful operators share: storage choice per SQL type, validity
 * bitmap helpers, zero-copy slices, all-NULL vectors and the int64/decimal storage switch
 * (Float64Array while exact, BigInt64Array beyond 2^53).
 *
 * Gathers and concatenation live in `gather.ts`.
 */
import { SkeinError } from '../errors.ts';
import type { DataType, Field, Schema } from '../types/data-type.ts';
import type { Batch, F64Vector, I64Vector, Validity, Vector } from './vector.ts';

/** The storage (`Vector['kind']`) a value of `type` normally takes. */
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

/**
 * Whether values of `type` are integers held in f64 storage (switching to i64 storage beyond
 * 2^53): int64, decimal (scaled) and timestamp. Their hashing, equality and sums are exact.
 */
export function isIntLike(type: DataType): boolean {
  return type.kind === 'int64' || type.kind === 'decimal' || type.kind === 'timestamp';
}

/** 2^53: doubles hold every integer of smaller magnitude exactly. */
export const TWO_53 = 9007199254740992;
export const TWO_32 = 4294967296;

// ---------------------------------------------------------------------------------------------
// validity bitmaps

/** Reads bit i of a validity bitmap (callers check for `null` first). */
export function bit(m: Uint8Array, i: number): number {
  return (m[i >> 3]! >> (i & 7)) & 1;
}

/** A bitmap with every bit cleared: `length` NULLs. */
export function noneValid(length: number): Uint8Array {
  return new Uint8Array((length + 7) >> 3);
}

/** Turns one-byte-per-value flags (1 = valid) into a bitmap, or `null` when all are valid. */
export function bitmapFromFlags(flags: Uint8Array, length: number): Validity {
  let all = true;
  for (let i = 0; i < length; i++) {
    if (flags[i] === 0) {
      all = false;
      break;
    }
  }
  if (all) return null;
  const m = new Uint8Array((length + 7) >> 3);
  for (let i = 0; i < length; i++) if (flags[i] !== 0) m[i >> 3]! |= 1 << (i & 7);
  return m;
}

/** The validity of a vector as a bitmap, or `null` when every value is valid. */
export function validityOf(v: Vector): Validity {
  return v.kind === 'null' ? noneValid(v.length) : v.validity;
}

/** Copies bits [start, start + length) of `m` into a new bitmap starting at bit 0. */
export function sliceBitmap(m: Uint8Array, start: number, length: number): Uint8Array {
  if ((start & 7) === 0) return m.subarray(start >> 3, (start + length + 7) >> 3);
  const out = new Uint8Array((length + 7) >> 3);
  for (let i = 0; i < length; i++) {
    const j = start + i;
    if ((m[j >> 3]! >> (j & 7)) & 1) out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}

/** Whether any value of `v` is NULL (cheap: stops at the first clear bit). */
export function hasNulls(v: Vector): boolean {
  if (v.kind === 'null') return v.length > 0;
  const m = v.validity;
  if (m === null) return false;
  const full = v.length >> 3;
  for (let b = 0; b < full; b++) if (m[b] !== 0xff) return true;
  for (let i = full << 3; i < v.length; i++) if (((m[i >> 3]! >> (i & 7)) & 1) === 0) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// construction

/** A vector of `length` NULLs of `type`, in the type's normal storage (not the `null` kind). */
export function allNullVector(type: DataType, length: number): Vector {
  const validity = noneValid(length);
  switch (storageOf(type)) {
    case 'null':
      return { kind: 'null', type, length, validity: null };
    case 'bool':
      return { kind: 'bool', type, length, validity, values: new Uint8Array(length) };
    case 'i32':
      return { kind: 'i32', type, length, validity, values: new Int32Array(length) };
    case 'f64':
    case 'i64':
      return { kind: 'f64', type, length, validity, values: new Float64Array(length) };
    case 'str':
      return {
        kind: 'str',
        type,
        length,
        validity,
        offsets: new Int32Array(length + 1),
        bytes: new Uint8Array(0),
      };
    case 'interval':
      return {
        kind: 'interval',
        type,
        length,
        validity,
        months: new Int32Array(length),
        days: new Int32Array(length),
        micros: new Float64Array(length),
      };
  }
}

/** A batch with no rows. */
export function emptyBatch(schema: Schema): Batch {
  return { schema, columns: schema.map((f) => allNullVector(f.type, 0)), length: 0 };
}

/** A field of `type`; NULLs allowed unless said otherwise. */
export function field(name: string, type: DataType, nullable = true): Field {
  return { name, type, nullable };
}

// ---------------------------------------------------------------------------------------------
// slices

/** Rows [start, end) of `v`; zero-copy except for a validity bitmap not starting on a byte. */
export function sliceVector(v: Vector, start: number, end: number): Vector {
  if (start === 0 && end === v.length) return v;
  const length = end - start;
  const validity = v.validity === null ? null : sliceBitmap(v.validity, start, length);
  switch (v.kind) {
    case 'null':
      return { kind: 'null', type: v.type, length, validity: null };
    case 'bool':
      return { kind: 'bool', type: v.type, length, validity, values: v.values.subarray(start, end) };
    case 'i32':
      return { kind: 'i32', type: v.type, length, validity, values: v.values.subarray(start, end) };
    case 'f64':
      return { kind: 'f64', type: v.type, length, validity, values: v.values.subarray(start, end) };
    case 'i64':
      return { kind: 'i64', type: v.type, length, validity, values: v.values.subarray(start, end) };
    case 'str':
      return {
        kind: 'str',
        type: v.type,
        length,
        validity,
        offsets: v.offsets.subarray(start, end + 1),
        bytes: v.bytes,
      };
    case 'interval':
      return {
        kind: 'interval',
        type: v.type,
        length,
        validity,
        months: v.months.subarray(start, end),
        days: v.days.subarray(start, end),
        micros: v.micros.subarray(start, end),
      };
  }
}

/** Rows [start, end) of a batch (zero-copy where the vectors allow). */
export function sliceBatch(b: Batch, start: number, end: number): Batch {
  if (start === 0 && end === b.length) return b;
  return { schema: b.schema, columns: b.columns.map((c) => sliceVector(c, start, end)), length: end - start };
}

// ---------------------------------------------------------------------------------------------
// int64 / decimal storage

/**
 * Int-like values in i64 storage as f64 storage when every value fits in ±2^53 (exact), else the
 * vector unchanged. Kernels call this once per batch so their loops see one storage.
 */
export function narrowI64(v: I64Vector): F64Vector | I64Vector {
  const src = v.values;
  const n = v.length;
  const out = new Float64Array(n);
  const lim = BigInt(TWO_53);
  for (let i = 0; i < n; i++) {
    const x = src[i]!;
    if (x > lim || x < -lim) return v;
    out[i] = Number(x);
  }
  return { kind: 'f64', type: v.type, length: n, validity: v.validity, values: out };
}

/** Int-like values in f64 storage as i64 storage (for comparisons with values beyond 2^53). */
export function widenToI64(v: F64Vector | I64Vector): I64Vector {
  if (v.kind === 'i64') return v;
  const n = v.length;
  const out = new BigInt64Array(n);
  const src = v.values;
  for (let i = 0; i < n; i++) {
    const x = src[i]!;
    // NULL slots may hold anything, including non-integers: BigInt() would throw on them.
    out[i] = Number.isSafeInteger(x) ? BigInt(x) : 0n;
  }
  return { kind: 'i64', type: v.type, length: n, validity: v.validity, values: out };
}

/**
 * An int-like f64 or i64 vector as f64 storage, converting values beyond 2^53 to the nearest
 * double (for aggregates whose result is a double anyway: avg, variance).
 */
export function asF64(v: F64Vector | I64Vector): F64Vector {
  if (v.kind === 'f64') return v;
  const n = v.length;
  const out = new Float64Array(n);
  const src = v.values;
  for (let i = 0; i < n; i++) out[i] = Number(src[i]!);
  return { kind: 'f64', type: v.type, length: n, validity: v.validity, values: out };
}

/** The integer value of row i of an int-like vector as a bigint (slow path helper). */
export function bigIntAt(v: F64Vector | I64Vector, i: number): bigint {
  return v.kind === 'i64' ? v.values[i]! : BigInt(v.values[i]!);
}

/** Builds an exact integer from a `hi * 2^32 + lo` pair of doubles (both integers). */
export function bigIntFromParts(hi: number, lo: number): bigint {
  return BigInt(hi) * 4294967296n + BigInt(lo);
}

/** 10^scale as a double (decimal scaling). */
export function pow10(scale: number): number {
  return 10 ** scale;
}

// ---------------------------------------------------------------------------------------------
// operator plumbing

/**
 * Throws USER_CANCELED when the query was cancelled; operators call it between batches.
 * (Belongs next to ExecContext; kept here until context.ts grows one.)
 */
export function throwIfCanceled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new SkeinError('USER_CANCELED', 'the query was canceled');
}

/** How long a thread may compute without giving the event loop a turn (see {@link turnDue}). */
const TURN_EVERY_MS = 100;
let lastTurn = performance.now();

/**
 * True when this thread has computed for ~100 ms without a turn of the event loop. Batches passed
 * between operators are promises that settle at once (microtasks), so a pipeline over data already
 * in memory — a nested-loop join, a sort's output, an exchange already read — never lets timers
 * run: a task's heartbeats (which also check for a cancel) would stop, and the coordinator would
 * take it for lost. Long-running loops check this and then await {@link eventLoopTurn}.
 */
export function turnDue(): boolean {
  return performance.now() - lastTurn >= TURN_EVERY_MS;
}

/** Lets timers and I/O callbacks run, then goes on; throws USER_CANCELED if cancelled meanwhile. */
export async function eventLoopTurn(signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  lastTurn = performance.now();
  throwIfCanceled(signal);
}
