/**
 * Moving rows between vectors: gather by a selection (Filter, CASE branches, join outputs),
 * zero-copy slices, broadcasting a constant, and scattering branch results back together.
 */
import { SkeinError } from '../../errors.ts';
import type { DataType } from '../../types/data-type.ts';
import {
  type Batch,
  boolVector,
  f64Vector,
  i32Vector,
  i64Vector,
  intervalVector,
  nullVector,
  type StrVector,
  storageOf,
  strVector,
  type Validity,
  type Vector,
} from '../vector.ts';
import { isBitSet, shiftBits, takeBits } from './bitmap.ts';

/** The rows `indices[0..n)` of `v`, in that order. */
export function takeVector(v: Vector, indices: Uint32Array, n = indices.length): Vector {
  const validity = takeBits(v.validity, indices, n);
  switch (v.kind) {
    case 'null':
      return nullVector(v.type, n);
    case 'bool':
      return boolVector(v.type, takeU8(v.values, indices, n), validity);
    case 'i32':
      return i32Vector(v.type, takeI32(v.values, indices, n), validity);
    case 'f64':
      return f64Vector(v.type, takeF64(v.values, indices, n), validity);
    case 'i64':
      return i64Vector(v.type, takeBig(v.values, indices, n), validity);
    case 'str':
      return takeStrings(v, indices, n, validity);
    case 'interval': {
      const m = new Int32Array(n);
      const d = new Int32Array(n);
      const u = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const i = indices[j]!;
        m[j] = v.months[i]!;
        d[j] = v.days[i]!;
        u[j] = v.micros[i]!;
      }
      return intervalVector(v.type, m, d, u, validity);
    }
  }
}

// One loop per function, BigInt code apart (it slows the function holding it).

function takeU8(src: Uint8Array, indices: Uint32Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let j = 0; j < n; j++) out[j] = src[indices[j]!]!;
  return out;
}

function takeI32(src: Int32Array, indices: Uint32Array, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let j = 0; j < n; j++) out[j] = src[indices[j]!]!;
  return out;
}

function takeF64(src: Float64Array, indices: Uint32Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) out[j] = src[indices[j]!]!;
  return out;
}

function takeBig(src: BigInt64Array, indices: Uint32Array, n: number): BigInt64Array {
  const out = new BigInt64Array(n);
  for (let j = 0; j < n; j++) out[j] = src[indices[j]!]!;
  return out;
}

function takeStrings(v: StrVector, indices: Uint32Array, n: number, validity: Validity): StrVector {
  const so = v.offsets;
  const sb = v.bytes;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  let notOne = 0;
  for (let j = 0; j < n; j++) {
    const i = indices[j]!;
    const len = so[i + 1]! - so[i]!;
    notOne |= len ^ 1;
    total += len;
    offsets[j + 1] = total;
  }
  // One-byte strings (flags, status codes) are gathered like numbers.
  if (notOne === 0) return strVector(v.type, offsets, takeFirstBytes(so, sb, indices, n), validity);
  const bytes = new Uint8Array(total);
  for (let j = 0; j < n; j++) {
    const i = indices[j]!;
    const s = so[i]!;
    const e = so[i + 1]!;
    const at = offsets[j]!;
    if (e - s < 16) for (let k = s; k < e; k++) bytes[at + k - s] = sb[k]!;
    else bytes.set(sb.subarray(s, e), at);
  }
  return strVector(v.type, offsets, bytes, validity);
}

/** Byte `so[indices[j]]` of `sb` for each j: the gather of strings all one byte long. */
function takeFirstBytes(so: Int32Array, sb: Uint8Array, indices: Uint32Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let j = 0; j < n; j++) out[j] = sb[so[indices[j]!]!]!;
  return out;
}

/** Gathers the rows `sel[0..n)` of every column (only those in `columns` when given; others become placeholders). */
export function takeBatch(batch: Batch, sel: Uint32Array, n: number, columns?: ReadonlySet<number>): Batch {
  return {
    schema: batch.schema,
    length: n,
    columns: batch.columns.map((c, i) =>
      columns === undefined || columns.has(i) ? takeVector(c, sel, n) : nullVector(c.type, n),
    ),
  };
}

/** Rows [start, end) of `v`, sharing its buffers (the validity bitmap is copied unless start is a multiple of 8). */
export function sliceVector(v: Vector, start: number, end: number): Vector {
  if (start === 0 && end === v.length) return v;
  const n = end - start;
  const validity = v.validity === null ? null : shiftBits(v.validity, start, n);
  switch (v.kind) {
    case 'null':
      return nullVector(v.type, n);
    case 'bool':
      return boolVector(v.type, v.values.subarray(start, end), validity);
    case 'i32':
      return i32Vector(v.type, v.values.subarray(start, end), validity);
    case 'f64':
      return f64Vector(v.type, v.values.subarray(start, end), validity);
    case 'i64':
      return i64Vector(v.type, v.values.subarray(start, end), validity);
    case 'str':
      return strVector(v.type, v.offsets.subarray(start, end + 1), v.bytes, validity);
    case 'interval':
      return intervalVector(
        v.type,
        v.months.subarray(start, end),
        v.days.subarray(start, end),
        v.micros.subarray(start, end),
        validity,
      );
  }
}

export function sliceBatch(batch: Batch, start: number, end: number): Batch {
  if (start === 0 && end === batch.length) return batch;
  return {
    schema: batch.schema,
    length: end - start,
    columns: batch.columns.map((c) => sliceVector(c, start, end)),
  };
}

/** A vector of `n` copies of value 0 of `v` (a constant's one-row vector). */
export function broadcast(v: Vector, n: number): Vector {
  if (v.length === n && n <= 1) return v;
  if (v.kind === 'null' || (v.validity !== null && !isBitSet(v.validity, 0))) return nullVector(v.type, n);
  switch (v.kind) {
    case 'bool':
      return boolVector(v.type, new Uint8Array(n).fill(v.values[0]!));
    case 'i32':
      return i32Vector(v.type, new Int32Array(n).fill(v.values[0]!));
    case 'f64':
      return f64Vector(v.type, new Float64Array(n).fill(v.values[0]!));
    case 'i64':
      return i64Vector(v.type, new BigInt64Array(n).fill(v.values[0]!));
    case 'str': {
      const s = v.bytes.subarray(v.offsets[0]!, v.offsets[1]!);
      const len = s.length;
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i <= n; i++) offsets[i] = i * len;
      const bytes = new Uint8Array(len * n);
      if (len > 0) for (let i = 0; i < n; i++) bytes.set(s, i * len);
      return strVector(v.type, offsets, bytes);
    }
    case 'interval':
      return intervalVector(
        v.type,
        new Int32Array(n).fill(v.months[0]!),
        new Int32Array(n).fill(v.days[0]!),
        new Float64Array(n).fill(v.micros[0]!),
      );
  }
}

/** One piece of a scattered result: `vector[j]` belongs at row `rows[j]`, for j < count. */
export interface ScatterPart {
  readonly rows: Uint32Array;
  readonly count: number;
  readonly vector: Vector;
}

/**
 * Builds a vector of `n` rows of `type` from pieces that cover disjoint rows; rows no piece covers
 * are NULL. Pieces of one storage may mix f64 and i64 (then the result is i64).
 */
export function scatter(type: DataType, n: number, parts: readonly ScatterPart[]): Vector {
  const validity = new Uint8Array((n + 7) >> 3);
  let covered = 0;
  for (const p of parts) {
    const pv = p.vector.kind === 'null' ? null : p.vector.validity;
    for (let j = 0; j < p.count; j++) {
      if (p.vector.kind === 'null') continue;
      if (pv === null || isBitSet(pv, j)) {
        const i = p.rows[j]!;
        validity[i >> 3]! |= 1 << (i & 7);
        covered++;
      }
    }
  }
  const finalValidity = covered === n ? null : validity;
  const storage = storageOf(type);
  const live = parts.filter((p) => p.vector.kind !== 'null');
  switch (storage) {
    case 'null':
      return nullVector(type, n);
    case 'bool': {
      const out = new Uint8Array(n);
      for (const p of live) {
        const src = (p.vector as { values: Uint8Array }).values;
        for (let j = 0; j < p.count; j++) out[p.rows[j]!] = src[j]!;
      }
      return boolVector(type, out, finalValidity);
    }
    case 'i32': {
      const out = new Int32Array(n);
      for (const p of live) {
        const src = (p.vector as { values: Int32Array }).values;
        for (let j = 0; j < p.count; j++) out[p.rows[j]!] = src[j]!;
      }
      return i32Vector(type, out, finalValidity);
    }
    case 'f64': {
      if (live.some((p) => p.vector.kind === 'i64')) {
        const out = new BigInt64Array(n);
        for (const p of live) {
          const v = p.vector;
          if (v.kind === 'i64') for (let j = 0; j < p.count; j++) out[p.rows[j]!] = v.values[j]!;
          else if (v.kind === 'f64') for (let j = 0; j < p.count; j++) out[p.rows[j]!] = BigInt(v.values[j]!);
        }
        return i64Vector(type, out, finalValidity);
      }
      const out = new Float64Array(n);
      for (const p of live) {
        const src = (p.vector as { values: Float64Array }).values;
        for (let j = 0; j < p.count; j++) out[p.rows[j]!] = src[j]!;
      }
      return f64Vector(type, out, finalValidity);
    }
    case 'str': {
      const lens = new Int32Array(n);
      let total = 0;
      for (const p of live) {
        const v = p.vector as StrVector;
        for (let j = 0; j < p.count; j++) {
          const l = v.offsets[j + 1]! - v.offsets[j]!;
          lens[p.rows[j]!] = l;
          total += l;
        }
      }
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + lens[i]!;
      const bytes = new Uint8Array(total);
      for (const p of live) {
        const v = p.vector as StrVector;
        for (let j = 0; j < p.count; j++) {
          bytes.set(v.bytes.subarray(v.offsets[j]!, v.offsets[j + 1]!), offsets[p.rows[j]!]!);
        }
      }
      return strVector(type, offsets, bytes, finalValidity);
    }
    case 'interval': {
      const m = new Int32Array(n);
      const d = new Int32Array(n);
      const u = new Float64Array(n);
      for (const p of live) {
        const v = p.vector;
        if (v.kind !== 'interval') throw new SkeinError('INTERNAL', `interval expected, got ${v.kind}`);
        for (let j = 0; j < p.count; j++) {
          const i = p.rows[j]!;
          m[i] = v.months[j]!;
          d[i] = v.days[j]!;
          u[i] = v.micros[j]!;
        }
      }
      return intervalVector(type, m, d, u, finalValidity);
    }
    default:
      throw new SkeinError('INTERNAL', `cannot scatter ${storage} vectors`);
  }
}

/** The vectors one after another (all of `type`; f64 and i64 storage may mix, giving i64). */
export function concatVectors(type: DataType, parts: readonly Vector[]): Vector {
  if (parts.length === 1) return parts[0]!;
  const n = parts.reduce((s, p) => s + p.length, 0);
  const live = parts.filter((p) => p.length > 0);
  const kinds = new Set(live.map((p) => p.kind));
  // Validity: copied bit by bit only when some part has NULLs.
  let validity: Uint8Array | null = null;
  if (live.some((p) => p.kind === 'null' || p.validity !== null)) {
    validity = new Uint8Array((n + 7) >> 3);
    let at = 0;
    for (const p of parts) {
      const m = p.kind === 'null' ? null : p.validity;
      if (p.kind !== 'null') {
        for (let j = 0; j < p.length; j++) {
          if (m === null || ((m[j >> 3]! >> (j & 7)) & 1) === 1)
            validity[(at + j) >> 3]! |= 1 << ((at + j) & 7);
        }
      }
      at += p.length;
    }
  }
  const kind = [...kinds].find((k) => k !== 'null');
  if (kind === undefined) return nullVector(type, n);
  if (kinds.size > 1 && !(kinds.size === 2 && kinds.has('null'))) {
    // Mixed f64/i64 storage: the general path.
    let at = 0;
    const rows: ScatterPart[] = parts.map((p) => {
      const idx = new Uint32Array(p.length);
      for (let j = 0; j < p.length; j++) idx[j] = at + j;
      at += p.length;
      return { rows: idx, count: p.length, vector: p };
    });
    return scatter(type, n, rows);
  }
  const copy = <T extends Uint8Array | Int32Array | Float64Array | BigInt64Array>(
    make: (n: number) => T,
    get: (p: Vector) => T,
  ) => {
    const out = make(n);
    let at = 0;
    for (const p of parts) {
      if (p.kind !== 'null') out.set(get(p) as never, at);
      at += p.length;
    }
    return out;
  };
  switch (kind) {
    case 'bool':
      return boolVector(
        type,
        copy(
          (k) => new Uint8Array(k),
          (p) => (p as { values: Uint8Array }).values,
        ),
        validity,
      );
    case 'i32':
      return i32Vector(
        type,
        copy(
          (k) => new Int32Array(k),
          (p) => (p as { values: Int32Array }).values,
        ),
        validity,
      );
    case 'f64':
      return f64Vector(
        type,
        copy(
          (k) => new Float64Array(k),
          (p) => (p as { values: Float64Array }).values,
        ),
        validity,
      );
    case 'i64':
      return i64Vector(
        type,
        copy(
          (k) => new BigInt64Array(k),
          (p) => (p as { values: BigInt64Array }).values,
        ),
        validity,
      );
    case 'str': {
      const strs = parts as StrVector[];
      let total = 0;
      for (const p of strs) if (p.kind === 'str') total += p.offsets[p.length]! - p.offsets[0]!;
      const offsets = new Int32Array(n + 1);
      const bytes = new Uint8Array(total);
      let at = 0;
      let pos = 0;
      for (const p of parts) {
        if (p.kind === 'str') {
          const base = p.offsets[0]!;
          for (let j = 1; j <= p.length; j++) offsets[at + j] = pos + p.offsets[j]! - base;
          bytes.set(p.bytes.subarray(base, p.offsets[p.length]!), pos);
          pos += p.offsets[p.length]! - base;
        } else for (let j = 1; j <= p.length; j++) offsets[at + j] = pos;
        at += p.length;
      }
      return strVector(type, offsets, bytes, validity);
    }
    case 'interval': {
      const m = new Int32Array(n);
      const d = new Int32Array(n);
      const u = new Float64Array(n);
      let at = 0;
      for (const p of parts) {
        if (p.kind === 'interval') {
          m.set(p.months, at);
          d.set(p.days, at);
          u.set(p.micros, at);
        }
        at += p.length;
      }
      return intervalVector(type, m, d, u, validity);
    }
    default:
      throw new SkeinError('INTERNAL', `cannot concatenate ${kind} vectors`);
  }
}

/** Batches of one schema, one after another. */
export function concatBatches(batches: readonly Batch[]): Batch {
  if (batches.length === 1) return batches[0]!;
  const first = batches[0]!;
  return {
    schema: first.schema,
    length: batches.reduce((s, b) => s + b.length, 0),
    columns: first.schema.map((f, i) =>
      concatVectors(
        f.type,
        batches.map((b) => b.columns[i]!),
      ),
    ),
  };
}
