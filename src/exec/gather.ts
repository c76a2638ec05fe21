/**
 * Take (gather) and concatenation of vectors and batches: the copy kernels behind joins, sorts,
 * filters by selection and buffering operators.
 *
 * @example
 * const idx = Int32Array.of(2, 0, -1);
 * const v = gather(col, idx, 3, true); // rows 2 and 0 of col, then a NULL
 */
import type { DataType, Schema } from '../types/data-type.ts';
import type { Batch, F64Vector, I64Vector, StrVector, Vector } from './vector.ts';
import { allNullVector, isIntLike, narrowI64, storageOf, widenToI64 } from './vector-ops.ts';

/**
 * Rows `idx[0..n)` of `v`, in that order. With `withNulls`, an index of -1 gives a NULL (outer-join
 * padding); without it every index must be a valid row.
 */
export function gather(v: Vector, idx: Int32Array, n: number = idx.length, withNulls = false): Vector {
  const type = v.type;
  if (v.kind === 'null') return { kind: 'null', type, length: n, validity: null };
  const validity = gatherValidity(v.validity, idx, n, withNulls);
  switch (v.kind) {
    case 'bool': {
      const src = v.values;
      const out = new Uint8Array(n);
      if (withNulls) for (let i = 0; i < n; i++) out[i] = idx[i]! < 0 ? 0 : src[idx[i]!]!;
      else for (let i = 0; i < n; i++) out[i] = src[idx[i]!]!;
      return { kind: 'bool', type, length: n, validity, values: out };
    }
    case 'i32': {
      const src = v.values;
      const out = new Int32Array(n);
      if (withNulls) for (let i = 0; i < n; i++) out[i] = idx[i]! < 0 ? 0 : src[idx[i]!]!;
      else for (let i = 0; i < n; i++) out[i] = src[idx[i]!]!;
      return { kind: 'i32', type, length: n, validity, values: out };
    }
    case 'f64': {
      const src = v.values;
      const out = new Float64Array(n);
      if (withNulls) for (let i = 0; i < n; i++) out[i] = idx[i]! < 0 ? 0 : src[idx[i]!]!;
      else for (let i = 0; i < n; i++) out[i] = src[idx[i]!]!;
      return { kind: 'f64', type, length: n, validity, values: out };
    }
    case 'i64': {
      const src = v.values;
      const out = new BigInt64Array(n);
      if (withNulls) for (let i = 0; i < n; i++) out[i] = idx[i]! < 0 ? 0n : src[idx[i]!]!;
      else for (let i = 0; i < n; i++) out[i] = src[idx[i]!]!;
      return { kind: 'i64', type, length: n, validity, values: out };
    }
    case 'str':
      return gatherStr(v, idx, n, withNulls, validity);
    case 'interval': {
      const months = new Int32Array(n);
      const days = new Int32Array(n);
      const micros = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const j = idx[i]!;
        if (j < 0) continue;
        months[i] = v.months[j]!;
        days[i] = v.days[j]!;
        micros[i] = v.micros[j]!;
      }
      return { kind: 'interval', type, length: n, validity, months, days, micros };
    }
  }
}

function gatherValidity(
  m: Uint8Array | null,
  idx: Int32Array,
  n: number,
  withNulls: boolean,
): Uint8Array | null {
  if (m === null && !withNulls) return null;
  const out = new Uint8Array((n + 7) >> 3);
  let allSet = true;
  if (m === null) {
    for (let i = 0; i < n; i++) {
      if (idx[i]! >= 0) out[i >> 3]! |= 1 << (i & 7);
      else allSet = false;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const j = idx[i]!;
      if (j >= 0 && (m[j >> 3]! >> (j & 7)) & 1) out[i >> 3]! |= 1 << (i & 7);
      else allSet = false;
    }
  }
  return allSet ? null : out;
}

function gatherStr(
  v: StrVector,
  idx: Int32Array,
  n: number,
  withNulls: boolean,
  validity: Uint8Array | null,
): Vector {
  const offs = v.offsets;
  const src = v.bytes;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const j = idx[i]!;
    if (!withNulls || j >= 0) total += offs[j + 1]! - offs[j]!;
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const j = idx[i]!;
    if (withNulls && j < 0) continue;
    const s = offs[j]!;
    const e = offs[j + 1]!;
    if (e - s > 24) {
      bytes.set(src.subarray(s, e), pos);
      pos += e - s;
    } else {
      for (let k = s; k < e; k++) bytes[pos++] = src[k]!;
    }
  }
  return { kind: 'str', type: v.type, length: n, validity, offsets, bytes };
}

/** Rows `idx[0..n)` of every column of `b`. */
export function gatherBatch(b: Batch, idx: Int32Array, n: number = idx.length, withNulls = false): Batch {
  return { schema: b.schema, columns: b.columns.map((c) => gather(c, idx, n, withNulls)), length: n };
}

/**
 * The vectors one after another, as one vector of `type`. Int-like vectors mixing f64 and i64
 * storage come out in f64 storage when every value fits in 2^53, else in i64 storage.
 */
export function concatVectors(type: DataType, vs: readonly Vector[]): Vector {
  if (vs.length === 1) return vs[0]!;
  let length = 0;
  for (const v of vs) length += v.length;
  if (vs.length === 0 || vs.every((v) => v.kind === 'null'))
    return { kind: 'null', type, length, validity: null };
  const parts = vs.map((v) => (v.kind === 'null' ? allNullVector(type, v.length) : v));
  let storage = storageOf(type);
  if (isIntLike(type) && parts.some((v) => v.kind === 'i64')) {
    const narrowed = parts.map((v) => (v.kind === 'i64' ? narrowI64(v) : v));
    if (narrowed.some((v) => v.kind === 'i64')) {
      storage = 'i64';
      for (let k = 0; k < parts.length; k++) parts[k] = widenToI64(narrowed[k] as F64Vector | I64Vector);
    } else {
      for (let k = 0; k < parts.length; k++) parts[k] = narrowed[k]!;
    }
  }
  const validity = concatValidity(parts, length);
  switch (storage) {
    case 'null':
      return { kind: 'null', type, length, validity: null };
    case 'bool': {
      const values = new Uint8Array(length);
      let pos = 0;
      for (const p of parts) {
        values.set((p as { values: Uint8Array }).values.subarray(0, p.length), pos);
        pos += p.length;
      }
      return { kind: 'bool', type, length, validity, values };
    }
    case 'i32': {
      const values = new Int32Array(length);
      let pos = 0;
      for (const p of parts) {
        values.set((p as { values: Int32Array }).values.subarray(0, p.length), pos);
        pos += p.length;
      }
      return { kind: 'i32', type, length, validity, values };
    }
    case 'f64': {
      const values = new Float64Array(length);
      let pos = 0;
      for (const p of parts) {
        values.set((p as { values: Float64Array }).values.subarray(0, p.length), pos);
        pos += p.length;
      }
      return { kind: 'f64', type, length, validity, values };
    }
    case 'i64': {
      const values = new BigInt64Array(length);
      let pos = 0;
      for (const p of parts) {
        values.set((p as { values: BigInt64Array }).values.subarray(0, p.length), pos);
        pos += p.length;
      }
      return { kind: 'i64', type, length, validity, values };
    }
    case 'str': {
      let total = 0;
      for (const p of parts) {
        const s = p as StrVector;
        total += s.offsets[s.length]! - s.offsets[0]!;
      }
      const bytes = new Uint8Array(total);
      const offsets = new Int32Array(length + 1);
      let row = 0;
      let pos = 0;
      for (const p of parts) {
        const s = p as StrVector;
        const base = s.offsets[0]!;
        bytes.set(s.bytes.subarray(base, s.offsets[s.length]!), pos);
        for (let i = 1; i <= s.length; i++) offsets[row + i] = pos + s.offsets[i]! - base;
        row += s.length;
        pos += s.offsets[s.length]! - base;
      }
      return { kind: 'str', type, length, validity, offsets, bytes };
    }
    case 'interval': {
      const months = new Int32Array(length);
      const days = new Int32Array(length);
      const micros = new Float64Array(length);
      let pos = 0;
      for (const p of parts) {
        if (p.kind !== 'interval') continue;
        months.set(p.months.subarray(0, p.length), pos);
        days.set(p.days.subarray(0, p.length), pos);
        micros.set(p.micros.subarray(0, p.length), pos);
        pos += p.length;
      }
      return { kind: 'interval', type, length, validity, months, days, micros };
    }
  }
}

function concatValidity(parts: readonly Vector[], length: number): Uint8Array | null {
  if (parts.every((p) => p.validity === null)) return null;
  const out = new Uint8Array((length + 7) >> 3);
  let row = 0;
  for (const p of parts) {
    const m = p.validity;
    const n = p.length;
    if (m === null) {
      for (let i = 0; i < n; i++, row++) out[row >> 3]! |= 1 << (row & 7);
    } else if ((row & 7) === 0) {
      out.set(m.subarray(0, (n + 7) >> 3), row >> 3);
      // The last byte may carry bits past n; clear them so later parts can OR their bits in.
      const end = row + n;
      if ((end & 7) !== 0) out[end >> 3]! &= (1 << (end & 7)) - 1;
      row = end;
    } else {
      for (let i = 0; i < n; i++, row++) if ((m[i >> 3]! >> (i & 7)) & 1) out[row >> 3]! |= 1 << (row & 7);
    }
  }
  return out;
}

/** The batches' rows one after another as one batch of `schema`. */
export function concatBatches(schema: Schema, batches: readonly Batch[]): Batch {
  if (batches.length === 1) return batches[0]!;
  let length = 0;
  for (const b of batches) length += b.length;
  const columns = schema.map((f, c) =>
    concatVectors(
      f.type,
      batches.map((b) => b.columns[c]!),
    ),
  );
  return { schema, columns, length };
}

/** The approximate number of bytes a vector's buffers hold (for memory reservations). */
export function vectorBytes(v: Vector): number {
  const validity = v.validity === null ? 0 : v.validity.byteLength;
  switch (v.kind) {
    case 'null':
      return 0;
    case 'bool':
    case 'i32':
    case 'f64':
    case 'i64':
      return v.values.byteLength + validity;
    case 'str':
      return v.offsets.byteLength + (v.offsets[v.length]! - v.offsets[0]!) + validity;
    case 'interval':
      return v.months.byteLength * 4 + validity;
  }
}

/** The approximate number of bytes a batch's buffers hold. */
export function batchBytes(b: Batch): number {
  let n = 0;
  for (const c of b.columns) n += vectorBytes(c);
  return n;
}
