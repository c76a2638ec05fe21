/**
 * A growable, append-only column of values of one SQL type: the key storage of hash tables
 * (group keys by group id) and of buffering operators. Values are copied in from vectors; `view()`
 * gives the content as a vector without copying (arrays only ever grow by reallocation, so a view
 * stays valid after later appends).
 *
 * Int-like types (int64, decimal, timestamp) are held in f64 storage until a value beyond 2^53
 * arrives; the builder then switches to i64 storage for good. `normalize()` brings an incoming
 * vector to the builder's storage so that kernels comparing the two see one storage.
 *
 * @example
 * const b = new ColumnBuilder(VARCHAR);
 * b.appendRow(batch.columns[0]!, 5);
 * const v = b.view(); // a StrVector of 1 value
 */
import type { DataType } from '../../types/data-type.ts';
import type { I64Vector, Vector } from '../vector.ts';
import { isIntLike, narrowI64, storageOf, widenToI64 } from '../vector-ops.ts';

export class ColumnBuilder {
  readonly type: DataType;
  /** Current storage; int-like columns may move from f64 to i64. */
  storage: Vector['kind'];
  length = 0;
  private capacity: number;
  private validity: Uint8Array;
  private nulls = 0;
  private u8: Uint8Array = new Uint8Array(0);
  private i32: Int32Array = new Int32Array(0);
  private f64: Float64Array = new Float64Array(0);
  private i64: BigInt64Array = new BigInt64Array(0);
  private offsets: Int32Array = new Int32Array(1);
  private bytes: Uint8Array = new Uint8Array(0);
  private byteLen = 0;
  private days: Int32Array = new Int32Array(0);

  constructor(type: DataType, capacity = 1024) {
    this.type = type;
    this.storage = storageOf(type);
    this.capacity = 0;
    this.validity = new Uint8Array(0);
    this.reserve(capacity);
  }

  /** Makes room for `capacity` values in total. */
  reserve(capacity: number): void {
    if (capacity <= this.capacity) return;
    const cap = Math.max(capacity, this.capacity * 2, 16);
    this.validity = grow8(this.validity, (cap + 7) >> 3);
    switch (this.storage) {
      case 'bool':
        this.u8 = grow8(this.u8, cap);
        break;
      case 'i32':
        this.i32 = growI32(this.i32, cap);
        break;
      case 'f64':
        this.f64 = growF64(this.f64, cap);
        break;
      case 'i64': {
        const a = new BigInt64Array(cap);
        a.set(this.i64.subarray(0, this.length));
        this.i64 = a;
        break;
      }
      case 'str':
        this.offsets = growI32(this.offsets, cap + 1);
        break;
      case 'interval':
        this.i32 = growI32(this.i32, cap);
        this.days = growI32(this.days, cap);
        this.f64 = growF64(this.f64, cap);
        break;
      case 'null':
        break;
    }
    this.capacity = cap;
  }

  /**
   * `v` in this builder's storage (int-like i64 vectors narrowed to f64 when exact, or the builder
   * switched to i64 when not).
   */
  normalize(v: Vector): Vector {
    if (v.kind === 'i64') {
      if (this.storage === 'i64') return v;
      const narrowed = narrowI64(v);
      if (narrowed.kind === 'f64') return narrowed;
      this.switchToI64();
      return v;
    }
    if (v.kind === 'f64' && this.storage === 'i64' && isIntLike(v.type)) return widenToI64(v);
    return v;
  }

  private switchToI64(): void {
    const a = new BigInt64Array(this.capacity);
    for (let i = 0; i < this.length; i++) {
      const x = this.f64[i]!;
      a[i] = Number.isSafeInteger(x) ? BigInt(x) : 0n;
    }
    this.i64 = a;
    this.f64 = new Float64Array(0);
    this.storage = 'i64';
  }

  /** Appends row `row` of `v` (already normalized). */
  appendRow(v: Vector, row: number): void {
    const i = this.length;
    if (i === this.capacity) this.reserve(i + 1);
    const valid =
      v.kind !== 'null' && (v.validity === null || ((v.validity[row >> 3]! >> (row & 7)) & 1) === 1);
    if (valid) this.validity[i >> 3]! |= 1 << (i & 7);
    else this.nulls++;
    this.length = i + 1;
    switch (v.kind) {
      case 'null':
        if (this.storage === 'str') this.offsets[i + 1] = this.byteLen;
        return;
      case 'bool':
        this.u8[i] = v.values[row]!;
        return;
      case 'i32':
        this.i32[i] = v.values[row]!;
        return;
      case 'f64':
        this.f64[i] = v.values[row]!;
        return;
      case 'i64':
        this.i64[i] = v.values[row]!;
        return;
      case 'str': {
        const s = v.offsets[row]!;
        const e = v.offsets[row + 1]!;
        const len = valid ? e - s : 0;
        if (this.byteLen + len > this.bytes.length)
          this.bytes = grow8(this.bytes, Math.max(this.bytes.length * 2, this.byteLen + len, 256));
        const out = this.bytes;
        let p = this.byteLen;
        for (let k = s; k < s + len; k++) out[p++] = v.bytes[k]!;
        this.byteLen = p;
        this.offsets[i + 1] = p;
        return;
      }
      case 'interval':
        this.i32[i] = v.months[row]!;
        this.days[i] = v.days[row]!;
        this.f64[i] = v.micros[row]!;
        return;
    }
  }

  /** Appends rows `rows[0..n)` of `v` (already normalized). */
  appendRows(v: Vector, rows: Int32Array, n: number): void {
    this.reserve(this.length + n);
    for (let k = 0; k < n; k++) this.appendRow(v, rows[k]!);
  }

  /** The values [0, length) as a vector, without copying. */
  view(): Vector {
    return this.slice(0, this.length);
  }

  /** Values [start, end) as a vector, without copying. */
  slice(start: number, end: number): Vector {
    const type = this.type;
    const length = end - start;
    let validity: Uint8Array | null = null;
    if (this.nulls > 0) {
      if ((start & 7) === 0) validity = this.validity.subarray(start >> 3, (end + 7) >> 3);
      else {
        validity = new Uint8Array((length + 7) >> 3);
        for (let i = 0; i < length; i++) {
          const j = start + i;
          if ((this.validity[j >> 3]! >> (j & 7)) & 1) validity[i >> 3]! |= 1 << (i & 7);
        }
      }
    }
    switch (this.storage) {
      case 'null':
        return { kind: 'null', type, length, validity: null };
      case 'bool':
        return { kind: 'bool', type, length, validity, values: this.u8.subarray(start, end) };
      case 'i32':
        return { kind: 'i32', type, length, validity, values: this.i32.subarray(start, end) };
      case 'f64':
        return { kind: 'f64', type, length, validity, values: this.f64.subarray(start, end) };
      case 'i64':
        return {
          kind: 'i64',
          type,
          length,
          validity,
          values: this.i64.subarray(start, end),
        } satisfies I64Vector;
      case 'str':
        return {
          kind: 'str',
          type,
          length,
          validity,
          offsets: this.offsets.subarray(start, end + 1),
          bytes: this.bytes,
        };
      case 'interval':
        return {
          kind: 'interval',
          type,
          length,
          validity,
          months: this.i32.subarray(start, end),
          days: this.days.subarray(start, end),
          micros: this.f64.subarray(start, end),
        };
    }
  }

  /** Bytes held (capacity, not length: that is what the process holds). */
  byteSize(): number {
    return (
      this.validity.byteLength +
      this.u8.byteLength +
      this.i32.byteLength +
      this.f64.byteLength +
      this.i64.byteLength +
      this.offsets.byteLength +
      this.bytes.byteLength +
      this.days.byteLength
    );
  }
}

function grow8(a: Uint8Array, n: number): Uint8Array {
  if (n <= a.length) return a;
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}
function growI32(a: Int32Array, n: number): Int32Array {
  if (n <= a.length) return a;
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
function growF64(a: Float64Array, n: number): Float64Array {
  if (n <= a.length) return a;
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
