/**
 * Vectorized hashing of key columns: one pass per column over a whole vector, writing (or
 * combining into) a Uint32Array of row hashes.
 *
 * The hash of a value depends on its SQL value, never on its storage: an int64 hashes the same in
 * f64 and in i64 storage (both as the lo/hi 32-bit halves of the integer), and int32, date and
 * boolean hash as that integer too — so join keys of different integer widths could still meet.
 * float64 hashes its bits, with -0 folded into 0 and every NaN into one NaN (grouping and joins
 * treat them as equal, like DuckDB). Strings hash their UTF-8 bytes. NULL hashes to a fixed value
 * (GROUP BY puts NULLs together; joins drop NULL keys before hashing matters).
 *
 * Multi-column keys chain: each column's hash of a row is seeded with the previous columns' hash.
 * The `seed` lets two users of the same keys get independent hashes — the exchange partitioner
 * and the hash tables below it must not use the same bits, or each partition's table would see
 * only a fraction of its slots.
 *
 * @example
 * const h = hashColumns([batch.columns[0]!, batch.columns[3]!], batch.length);
 */
import type { Vector } from '../vector.ts';
import { isIntLike } from '../vector-ops.ts';

/** The hash of a NULL key value (before mixing with the seed). */
const NULL_LO = 0x6b43a9b5;
const NULL_HI = 0x1f2e3d4c;

/** Mixes a 64-bit value given as two 32-bit halves into a 32-bit hash (MurmurHash3-style). */
export function mix64(lo: number, hi: number, seed: number): number {
  let k = Math.imul(lo, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  let h = seed ^ Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  k = Math.imul(hi, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The hash of an integer value held in a double (|v| ≤ 2^53), consistent with `mix64` on halves. */
export function hashIntDouble(v: number, seed: number): number {
  return mix64(v | 0, Math.floor(v / 4294967296) | 0, seed);
}

const f64Scratch = new Float64Array(1);
const i32Scratch = new Int32Array(f64Scratch.buffer);

/**
 * Hashes rows [0, n) of every column into `out` (allocated when not given).
 *
 * @param seed distinguishes independent uses of the same keys (see the module comment)
 */
export function hashColumns(
  columns: readonly Vector[],
  n: number,
  out: Uint32Array = new Uint32Array(n),
  seed = 0,
): Uint32Array {
  if (columns.length === 0) {
    out.fill(seed >>> 0, 0, n);
    return out;
  }
  for (let c = 0; c < columns.length; c++) hashVector(columns[c]!, n, out, c === 0, seed);
  return out;
}

/**
 * Hashes rows [0, n) of one vector. With `first`, row i's hash is seeded by `seed`; otherwise by
 * `out[i]` (the hash of the previous columns), which it replaces.
 */
export function hashVector(v: Vector, n: number, out: Uint32Array, first: boolean, seed = 0): void {
  const m = v.kind === 'null' ? null : v.validity;
  // NULL slots hold meaningless values; their hash is redone below from the previous columns'.
  const prev = m !== null && !first ? out.slice(0, n) : null;
  switch (v.kind) {
    case 'null':
      for (let i = 0; i < n; i++) out[i] = mix64(NULL_LO, NULL_HI, first ? seed : out[i]!);
      return;
    case 'bool':
    case 'i32': {
      const a = v.values;
      if (first) for (let i = 0; i < n; i++) out[i] = mix64(a[i]!, a[i]! >> 31, seed);
      else for (let i = 0; i < n; i++) out[i] = mix64(a[i]!, a[i]! >> 31, out[i]!);
      break;
    }
    case 'f64': {
      const a = v.values;
      if (isIntLike(v.type)) {
        if (first)
          for (let i = 0; i < n; i++) out[i] = mix64(a[i]! | 0, Math.floor(a[i]! / 4294967296) | 0, seed);
        else
          for (let i = 0; i < n; i++) out[i] = mix64(a[i]! | 0, Math.floor(a[i]! / 4294967296) | 0, out[i]!);
      } else {
        for (let i = 0; i < n; i++) {
          let x = a[i]!;
          if (x === 0)
            x = 0; // folds -0
          else if (Number.isNaN(x)) x = Number.NaN;
          f64Scratch[0] = x;
          out[i] = mix64(i32Scratch[0]!, i32Scratch[1]!, first ? seed : out[i]!);
        }
      }
      break;
    }
    case 'i64': {
      const halves = new Int32Array(v.values.buffer, v.values.byteOffset, n * 2);
      if (first) for (let i = 0; i < n; i++) out[i] = mix64(halves[2 * i]!, halves[2 * i + 1]!, seed);
      else for (let i = 0; i < n; i++) out[i] = mix64(halves[2 * i]!, halves[2 * i + 1]!, out[i]!);
      break;
    }
    case 'str':
      hashStrings(v.offsets, v.bytes, n, out, first, seed);
      break;
    case 'interval': {
      for (let i = 0; i < n; i++) {
        const h = mix64(v.months[i]!, v.days[i]!, first ? seed : out[i]!);
        const us = v.micros[i]!;
        out[i] = mix64(us | 0, Math.floor(us / 4294967296) | 0, h);
      }
      break;
    }
  }
  if (m !== null) {
    for (let i = 0; i < n; i++) {
      if (((m[i >> 3]! >> (i & 7)) & 1) === 0)
        out[i] = mix64(NULL_LO, NULL_HI, prev === null ? seed : prev[i]!);
    }
  }
}

/** Hashes UTF-8 strings [offsets[i], offsets[i+1]) four bytes at a time. */
function hashStrings(
  offsets: Int32Array,
  bytes: Uint8Array,
  n: number,
  out: Uint32Array,
  first: boolean,
  seed: number,
): void {
  for (let i = 0; i < n; i++) {
    const s = offsets[i]!;
    const e = offsets[i + 1]!;
    let h = first ? seed : out[i]!;
    let k = s;
    for (; k + 4 <= e; k += 4) {
      let w = bytes[k]! | (bytes[k + 1]! << 8) | (bytes[k + 2]! << 16) | (bytes[k + 3]! << 24);
      w = Math.imul(w, 0xcc9e2d51);
      w = (w << 15) | (w >>> 17);
      h ^= Math.imul(w, 0x1b873593);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    let tail = 0;
    for (let j = 0; k < e; k++, j += 8) tail |= bytes[k]! << j;
    out[i] = mix64(tail, e - s, h);
  }
}
