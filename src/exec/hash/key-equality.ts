/**
 * Vectorized key equality for hash tables: after a hash match, the candidate pairs (row of the
 * incoming vector, row of the stored keys) are checked one key column at a time, each in a tight
 * loop over the pairs.
 *
 * Equality here is grouping equality: NULL equals NULL, NaN equals NaN and -0 equals 0 (DuckDB's
 * GROUP BY / DISTINCT semantics). Joins drop rows with NULL keys before they reach these kernels.
 */
import type { StrVector, Vector } from '../vector.ts';
import { isIntLike } from '../vector-ops.ts';

/**
 * For k in [0, n): clears `match[k]` unless value `ai[k]` of `a` equals value `bi[k]` of `b`.
 * Both vectors are of the same SQL type; int-like values may come in different storages.
 */
export function equalPairs(
  a: Vector,
  ai: Int32Array,
  b: Vector,
  bi: Int32Array,
  n: number,
  match: Uint8Array,
): void {
  if (a.kind === 'null' || b.kind === 'null') {
    nullPairs(a, ai, b, bi, n, match);
    return;
  }
  const ma = a.validity;
  const mb = b.validity;
  if (ma !== null || mb !== null) {
    // Settle the pairs with a NULL on either side; only pairs of two valid values go on.
    for (let k = 0; k < n; k++) {
      if (match[k] === 0) continue;
      const x = ai[k]!;
      const y = bi[k]!;
      const va = ma === null ? 1 : (ma[x >> 3]! >> (x & 7)) & 1;
      const vb = mb === null ? 1 : (mb[y >> 3]! >> (y & 7)) & 1;
      if (va !== vb) match[k] = 0;
      else if (va === 0) match[k] = 2; // both NULL: equal; marked so the value loops skip it
    }
    valuePairs(a, ai, b, bi, n, match);
    for (let k = 0; k < n; k++) if (match[k] === 2) match[k] = 1;
    return;
  }
  valuePairs(a, ai, b, bi, n, match);
}

/** Compares the values of pairs whose `match` is 1 (pairs marked 2 are settled as equal). */
function valuePairs(
  a: Vector,
  ai: Int32Array,
  b: Vector,
  bi: Int32Array,
  n: number,
  match: Uint8Array,
): void {
  if (a.kind === b.kind) {
    switch (a.kind) {
      case 'bool':
      case 'i32': {
        const x = a.values;
        const y = (b as typeof a).values;
        for (let k = 0; k < n; k++) if (match[k] === 1 && x[ai[k]!] !== y[bi[k]!]) match[k] = 0;
        return;
      }
      case 'f64': {
        const x = a.values;
        const y = (b as typeof a).values;
        if (isIntLike(a.type)) {
          for (let k = 0; k < n; k++) if (match[k] === 1 && x[ai[k]!] !== y[bi[k]!]) match[k] = 0;
        } else {
          for (let k = 0; k < n; k++) {
            if (match[k] !== 1) continue;
            const p = x[ai[k]!]!;
            const q = y[bi[k]!]!;
            if (p !== q && !(Number.isNaN(p) && Number.isNaN(q))) match[k] = 0;
          }
        }
        return;
      }
      case 'i64': {
        const x = a.values;
        const y = (b as typeof a).values;
        for (let k = 0; k < n; k++) if (match[k] === 1 && x[ai[k]!] !== y[bi[k]!]) match[k] = 0;
        return;
      }
      case 'str':
        strPairs(a, ai, b as StrVector, bi, n, match);
        return;
      case 'interval': {
        const c = b as typeof a;
        for (let k = 0; k < n; k++) {
          if (match[k] !== 1) continue;
          const x = ai[k]!;
          const y = bi[k]!;
          if (a.months[x] !== c.months[y] || a.days[x] !== c.days[y] || a.micros[x] !== c.micros[y])
            match[k] = 0;
        }
        return;
      }
      case 'null':
        return;
    }
  }
  // Mixed storages of numbers: int-like f64 against i64, or integers of different widths.
  for (let k = 0; k < n; k++) {
    if (match[k] !== 1) continue;
    if (!sameNumber(a, ai[k]!, b, bi[k]!)) match[k] = 0;
  }
}

function sameNumber(a: Vector, i: number, b: Vector, j: number): boolean {
  const x = numberAt(a, i);
  const y = numberAt(b, j);
  if (typeof x === 'bigint' || typeof y === 'bigint') {
    const bx = typeof x === 'bigint' ? x : Number.isSafeInteger(x) ? BigInt(x) : null;
    const by = typeof y === 'bigint' ? y : Number.isSafeInteger(y) ? BigInt(y) : null;
    return bx !== null && bx === by;
  }
  return x === y || (Number.isNaN(x) && Number.isNaN(y));
}

function numberAt(v: Vector, i: number): number | bigint {
  switch (v.kind) {
    case 'bool':
    case 'i32':
    case 'f64':
      return v.values[i]!;
    case 'i64':
      return v.values[i]!;
    default:
      return Number.NaN;
  }
}

function strPairs(
  a: StrVector,
  ai: Int32Array,
  b: StrVector,
  bi: Int32Array,
  n: number,
  match: Uint8Array,
): void {
  const ao = a.offsets;
  const bo = b.offsets;
  const ab = a.bytes;
  const bb = b.bytes;
  for (let k = 0; k < n; k++) {
    if (match[k] !== 1) continue;
    const x = ai[k]!;
    const y = bi[k]!;
    const s = ao[x]!;
    const len = ao[x + 1]! - s;
    const t = bo[y]!;
    if (bo[y + 1]! - t !== len) {
      match[k] = 0;
      continue;
    }
    for (let p = 0; p < len; p++) {
      if (ab[s + p] !== bb[t + p]) {
        match[k] = 0;
        break;
      }
    }
  }
}

/** One side is all NULL: a pair is equal when the other side's value is NULL too. */
function nullPairs(a: Vector, ai: Int32Array, b: Vector, bi: Int32Array, n: number, match: Uint8Array): void {
  for (let k = 0; k < n; k++) {
    if (match[k] === 0) continue;
    if (isNullAt(a, ai[k]!) !== isNullAt(b, bi[k]!)) match[k] = 0;
  }
}

function isNullAt(v: Vector, i: number): boolean {
  if (v.kind === 'null') return true;
  const m = v.validity;
  return m !== null && ((m[i >> 3]! >> (i & 7)) & 1) === 0;
}

/** Whether row i of `a` equals row j of `b` on every column (grouping equality; slow path). */
export function rowsEqual(a: readonly Vector[], i: number, b: readonly Vector[], j: number): boolean {
  scratchA[0] = i;
  scratchB[0] = j;
  scratchMatch[0] = 1;
  for (let c = 0; c < a.length; c++) {
    equalPairs(a[c]!, scratchA, b[c]!, scratchB, 1, scratchMatch);
    if (scratchMatch[0] === 0) return false;
  }
  return true;
}

const scratchA = new Int32Array(1);
const scratchB = new Int32Array(1);
const scratchMatch = new Uint8Array(1);
