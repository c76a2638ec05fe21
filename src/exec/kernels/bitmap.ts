/**
 * Validity bitmaps (Arrow layout: bit i set = value i is not NULL; `null` = no NULLs) and
 * selection vectors (ascending Uint32Array row indices). Kernels combine these per batch, 8 rows
 * per byte, so the no-NULL case costs nothing.
 */
import type { Validity, Vector } from '../vector.ts';

/** Validity of a value computed from two inputs that is NULL when either is (shared when possible). */
export function andValidity(a: Validity, b: Validity, length: number): Validity {
  if (a === null) return b;
  if (b === null || a === b) return a;
  const n = (length + 7) >> 3;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i]! & b[i]!;
  return out;
}

/** AND of any number of validities. */
export function andValidities(vs: readonly Validity[], length: number): Validity {
  let acc: Validity = null;
  for (const v of vs) acc = andValidity(acc, v, length);
  return acc;
}

/** The validity of a vector as a bitmap, treating the all-NULL vector as all clear. */
export function validityOf(v: Vector): Validity {
  if (v.kind === 'null') return new Uint8Array((v.length + 7) >> 3);
  return v.validity;
}

export function isBitSet(m: Uint8Array, i: number): boolean {
  return ((m[i >> 3]! >> (i & 7)) & 1) === 1;
}

/** Packs a byte-per-row mask (non-zero = set) into a bitmap. */
export function packBits(mask: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array((length + 7) >> 3);
  const full = length >> 3;
  for (let b = 0; b < full; b++) {
    const i = b << 3;
    out[b] =
      (mask[i]! !== 0 ? 1 : 0) |
      (mask[i + 1]! !== 0 ? 2 : 0) |
      (mask[i + 2]! !== 0 ? 4 : 0) |
      (mask[i + 3]! !== 0 ? 8 : 0) |
      (mask[i + 4]! !== 0 ? 16 : 0) |
      (mask[i + 5]! !== 0 ? 32 : 0) |
      (mask[i + 6]! !== 0 ? 64 : 0) |
      (mask[i + 7]! !== 0 ? 128 : 0);
  }
  for (let i = full << 3; i < length; i++) if (mask[i] !== 0) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

/** Unpacks a bitmap into one byte (0/1) per row. */
export function unpackBits(m: Uint8Array, length: number, offset = 0): Uint8Array {
  const out = new Uint8Array(length);
  if ((offset & 7) === 0) {
    const base = offset >> 3;
    for (let i = 0; i < length; i++) out[i] = (m[base + (i >> 3)]! >> (i & 7)) & 1;
  } else {
    for (let i = 0; i < length; i++) {
      const j = i + offset;
      out[i] = (m[j >> 3]! >> (j & 7)) & 1;
    }
  }
  return out;
}

/** A bitmap copied from bit `offset` of `m` (for Arrow slices whose offset is not a byte boundary). */
export function shiftBits(m: Uint8Array, offset: number, length: number): Uint8Array {
  if ((offset & 7) === 0) return m.slice(offset >> 3, (offset >> 3) + ((length + 7) >> 3));
  const out = new Uint8Array((length + 7) >> 3);
  for (let i = 0; i < length; i++) {
    const j = i + offset;
    if ((m[j >> 3]! >> (j & 7)) & 1) out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}

/** Whether every bit in [0, length) is set (then the bitmap can be dropped). */
export function allSet(m: Uint8Array, length: number): boolean {
  const full = length >> 3;
  for (let b = 0; b < full; b++) if (m[b] !== 0xff) return false;
  for (let i = full << 3; i < length; i++) if (((m[i >> 3]! >> (i & 7)) & 1) === 0) return false;
  return true;
}

/** Drops a bitmap that marks nothing NULL. */
export function normalizeValidity(m: Validity, length: number): Validity {
  return m !== null && allSet(m, length) ? null : m;
}

/** Clears bit i. */
export function clearBit(m: Uint8Array, i: number): void {
  m[i >> 3]! &= ~(1 << (i & 7));
}

export function setBit(m: Uint8Array, i: number): void {
  m[i >> 3]! |= 1 << (i & 7);
}

/** A bitmap with the first `length` bits set. */
export function allValidBits(length: number): Uint8Array {
  const out = new Uint8Array((length + 7) >> 3).fill(0xff);
  if (length & 7) out[out.length - 1] = (1 << (length & 7)) - 1;
  return out;
}

/** Gathers bits: bit j of the result is bit indices[j] of `m`. */
export function takeBits(m: Validity, indices: Uint32Array, n: number): Validity {
  if (m === null) return null;
  const out = new Uint8Array((n + 7) >> 3);
  let anyNull = false;
  for (let j = 0; j < n; j++) {
    const i = indices[j]!;
    if ((m[i >> 3]! >> (i & 7)) & 1) out[j >> 3]! |= 1 << (j & 7);
    else anyNull = true;
  }
  return anyNull ? out : null;
}

/** Selection of the rows in `sel` (or all `length` rows when null) whose byte in `values` is non-zero and valid. */
export function selectTrue(
  values: Uint8Array,
  validity: Validity,
  sel: Uint32Array | null,
  n: number,
  out: Uint32Array,
): number {
  let k = 0;
  if (sel === null) {
    if (validity === null) {
      for (let i = 0; i < n; i++) {
        out[k] = i;
        k += values[i]! & 1;
      }
    } else {
      for (let i = 0; i < n; i++) {
        out[k] = i;
        k += values[i]! & (validity[i >> 3]! >> (i & 7)) & 1;
      }
    }
  } else if (validity === null) {
    for (let j = 0; j < n; j++) {
      const i = sel[j]!;
      out[k] = i;
      k += values[i]! & 1;
    }
  } else {
    for (let j = 0; j < n; j++) {
      const i = sel[j]!;
      out[k] = i;
      k += values[i]! & (validity[i >> 3]! >> (i & 7)) & 1;
    }
  }
  return k;
}

/** The identity selection 0..n-1. */
export function identitySelection(n: number): Uint32Array {
  const s = new Uint32Array(n);
  for (let i = 0; i < n; i++) s[i] = i;
  return s;
}

/** Rows of `all` (ascending) that are not in `sub` (ascending, a subset of `all`). */
export function selectionMinus(
  all: Uint32Array,
  allN: number,
  sub: Uint32Array,
  subN: number,
  out: Uint32Array,
): number {
  let k = 0;
  let j = 0;
  for (let i = 0; i < allN; i++) {
    const r = all[i]!;
    if (j < subN && sub[j] === r) j++;
    else out[k++] = r;
  }
  return k;
}

/** Union of two ascending selections. */
export function selectionUnion(
  a: Uint32Array,
  an: number,
  b: Uint32Array,
  bn: number,
  out: Uint32Array,
): number {
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < an && j < bn) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) {
      out[k++] = x;
      i++;
    } else if (y < x) {
      out[k++] = y;
      j++;
    } else {
      out[k++] = x;
      i++;
      j++;
    }
  }
  while (i < an) out[k++] = a[i++]!;
  while (j < bn) out[k++] = b[j++]!;
  return k;
}
