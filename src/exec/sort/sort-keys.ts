/**
 * Sorting rows by keys: a stable argsort over key vectors, and vectorized comparison against one
 * row (TopK's threshold).
 *
 * The argsort normalizes each key into unsigned 32-bit words whose unsigned order is the key's
 * order (integers with the sign bit flipped, doubles by their IEEE bits made monotone, strings of
 * at most 8 bytes as two big-endian words plus their length, DESC by inverting the words, NULLs as
 * a leading 0/1 word placed first or last), then LSD-radix-sorts row indices by those words with
 * 16-bit digits (8-bit for small inputs), skipping digits that are equal everywhere. LSD radix is
 * stable, so equal keys keep their input order — the sort is stable as SQL engines' usually are.
 *
 * A string key with longer values contributes only its first 8 bytes; it ends the word list, and
 * each run of rows equal in all words is then finished by a comparator over all the keys. Order:
 * strings by UTF-8 bytes (DuckDB's default collation), DOUBLE with NaN above +∞ and -0 = 0,
 * intervals by their length with 30-day months.
 */
import type { Vector } from '../vector.ts';

/** One ORDER BY key: an input column, its direction, and where its NULLs go. */
export interface SortKey {
  readonly column: number;
  /** DESC; default ascending. */
  readonly descending?: boolean;
  /**
   * NULLS FIRST; default false (NULLS LAST), DuckDB's default for both directions. The planner
   * spells out the SQL dialect's default (PostgreSQL and Trino: NULLS FIRST for DESC).
   */
  readonly nullsFirst?: boolean;
}

/** A key's vector with how to order it. */
export interface KeyVector {
  readonly vector: Vector;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

export function keyVectors(columns: readonly Vector[], keys: readonly SortKey[]): KeyVector[] {
  return keys.map((k) => ({
    vector: columns[k.column]!,
    descending: k.descending === true,
    nullsFirst: k.nullsFirst === true,
  }));
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Normalized words of one key, most significant first; `complete` when no comparator is needed. */
interface KeyWords {
  words: Uint32Array[];
  complete: boolean;
}

function isNullAt(m: Uint8Array | null, i: number): boolean {
  return m !== null && ((m[i >> 3]! >> (i & 7)) & 1) === 0;
}

function normalize(k: KeyVector, n: number): KeyWords {
  const v = k.vector;
  const words: Uint32Array[] = [];
  let complete = true;
  const m = v.kind === 'null' ? null : v.validity;
  const allNull = v.kind === 'null';
  if (m !== null || allNull) {
    const w = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const isNull = allNull || isNullAt(m, i);
      w[i] = isNull === k.nullsFirst ? 0 : 1;
    }
    words.push(w);
  }
  switch (v.kind) {
    case 'null':
      break;
    case 'bool':
    case 'i32': {
      const a = v.values;
      const w = new Uint32Array(n);
      if (v.kind === 'i32') for (let i = 0; i < n; i++) w[i] = (a[i]! ^ 0x80000000) >>> 0;
      else for (let i = 0; i < n; i++) w[i] = a[i]!;
      words.push(w);
      break;
    }
    case 'f64':
    case 'interval': {
      const hi = new Uint32Array(n);
      const lo = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        let x: number;
        if (v.kind === 'f64') x = v.values[i]!;
        else x = (v.months[i]! * 30 + v.days[i]!) * 86_400_000_000 + v.micros[i]!;
        if (x === 0) x = 0;
        else if (Number.isNaN(x)) x = Number.NaN;
        f64[0] = x;
        let h = u32[1]!;
        let l = u32[0]!;
        if (h & 0x80000000) {
          h = ~h >>> 0;
          l = ~l >>> 0;
        } else h = (h | 0x80000000) >>> 0;
        hi[i] = h;
        lo[i] = l;
      }
      words.push(hi, lo);
      break;
    }
    case 'i64': {
      const halves = new Int32Array(v.values.buffer, v.values.byteOffset, n * 2);
      const hi = new Uint32Array(n);
      const lo = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        hi[i] = (halves[2 * i + 1]! ^ 0x80000000) >>> 0;
        lo[i] = halves[2 * i]! >>> 0;
      }
      words.push(hi, lo);
      break;
    }
    case 'str': {
      const o = v.offsets;
      const b = v.bytes;
      const w0 = new Uint32Array(n);
      const w1 = new Uint32Array(n);
      const len = new Uint32Array(n);
      let longest = 0;
      for (let i = 0; i < n; i++) {
        const s = o[i]!;
        const l = o[i + 1]! - s;
        if (m !== null && isNullAt(m, i)) continue;
        if (l > longest) longest = l;
        let x = 0;
        let y = 0;
        for (let p = 0; p < 4; p++) x = (x << 8) | (p < l ? b[s + p]! : 0);
        for (let p = 4; p < 8; p++) y = (y << 8) | (p < l ? b[s + p]! : 0);
        w0[i] = x >>> 0;
        w1[i] = y >>> 0;
        len[i] = l;
      }
      words.push(w0, w1);
      if (longest <= 8) words.push(len);
      else complete = false;
      break;
    }
  }
  // NULL rows: zero value words, so they tie among themselves.
  if (m !== null)
    for (let i = 0; i < n; i++) if (isNullAt(m, i)) for (let w = 1; w < words.length; w++) words[w]![i] = 0;
  if (k.descending) {
    // Invert the value words, not the NULL word: NULLS FIRST/LAST holds in both directions.
    const from = m !== null || allNull ? 1 : 0;
    for (let w = from; w < words.length; w++) {
      const a = words[w]!;
      for (let i = 0; i < n; i++) a[i] = ~a[i]! >>> 0;
    }
  }
  return { words, complete };
}

/**
 * The permutation of rows [0, n) that orders them by the keys (stable).
 *
 * @example
 * const perm = argsort(keyVectors(batch.columns, [{ column: 2, descending: true }]), batch.length);
 * const sorted = gatherBatch(batch, perm);
 */
export function argsort(keys: readonly KeyVector[], n: number): Int32Array {
  let perm: Int32Array = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  if (n < 2 || keys.length === 0) return perm;
  const words: Uint32Array[] = [];
  let incomplete = -1;
  for (const [i, k] of keys.entries()) {
    const kw = normalize(k, n);
    words.push(...kw.words);
    if (!kw.complete) {
      incomplete = i;
      break;
    }
  }
  perm = radixSort(words, perm, n);
  // Rows of a run tie on every key before the incomplete one: compare from that one on.
  if (incomplete >= 0) finishRuns(perm, words, compareRows(keys.slice(incomplete)), n);
  return perm;
}

/** LSD radix sort of `perm` by the words (most significant first). */
function radixSort(words: readonly Uint32Array[], perm: Int32Array, n: number): Int32Array {
  const bits = n < 1 << 16 ? 8 : 16;
  const buckets = 1 << bits;
  const dmask = buckets - 1;
  const count = new Int32Array(buckets);
  const digits = bits === 8 ? new Uint8Array(n) : new Uint16Array(n);
  let other: Int32Array = new Int32Array(n);
  for (let w = words.length - 1; w >= 0; w--) {
    const word = words[w]!;
    for (let shift = 0; shift < 32; shift += bits) {
      count.fill(0);
      for (let i = 0; i < n; i++) {
        const d = (word[perm[i]!]! >>> shift) & dmask;
        digits[i] = d;
        count[d]!++;
      }
      if (count[digits[0]!] === n) continue; // this digit is the same everywhere
      let sum = 0;
      for (let d = 0; d < buckets; d++) {
        const c = count[d]!;
        count[d] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) other[count[digits[i]!]!++] = perm[i]!;
      const t = perm;
      perm = other;
      other = t;
    }
  }
  return perm;
}

/** Sorts each run of rows that tie on all words with the full comparator (stable). */
function finishRuns(
  perm: Int32Array,
  words: readonly Uint32Array[],
  cmp: (a: number, b: number) => number,
  n: number,
): void {
  let start = 0;
  while (start < n) {
    let end = start + 1;
    const a = perm[start]!;
    while (end < n) {
      const b = perm[end]!;
      let same = true;
      for (const w of words) {
        if (w[a] !== w[b]) {
          same = false;
          break;
        }
      }
      if (!same) break;
      end++;
    }
    if (end - start > 16) {
      const run = Array.from(perm.subarray(start, end));
      run.sort(cmp);
      perm.set(run, start);
    } else if (end - start > 1) {
      // Short runs (most): insertion sort in place, stable.
      for (let i = start + 1; i < end; i++) {
        const x = perm[i]!;
        let j = i - 1;
        while (j >= start && cmp(perm[j]!, x) > 0) {
          perm[j + 1] = perm[j]!;
          j--;
        }
        perm[j + 1] = x;
      }
    }
    start = end;
  }
}

/** A comparator of row indices over the keys (for ties the radix words cannot settle). */
export function compareRows(keys: readonly KeyVector[]): (a: number, b: number) => number {
  const cmps = keys.map((k) => valueComparator(k.vector, k.vector, k));
  return (a, b) => {
    for (const c of cmps) {
      const r = c(a, b);
      if (r !== 0) return r;
    }
    return 0;
  };
}

/**
 * Compares value i of `x` with value j of `y` (same SQL type) in the key's order, NULL placement
 * included: negative when i sorts first.
 */
export function valueComparator(
  x: Vector,
  y: Vector,
  k: { descending: boolean; nullsFirst: boolean },
): (i: number, j: number) => number {
  const mx = x.kind === 'null' ? null : x.validity;
  const my = y.kind === 'null' ? null : y.validity;
  const xNull = x.kind === 'null';
  const yNull = y.kind === 'null';
  const sign = k.descending ? -1 : 1;
  const nullCmp = k.nullsFirst ? -1 : 1;
  const values = rawComparator(x, y);
  return (i, j) => {
    const ni = xNull || isNullAt(mx, i);
    const nj = yNull || isNullAt(my, j);
    if (ni || nj) return ni && nj ? 0 : ni ? nullCmp : -nullCmp;
    return sign * values(i, j);
  };
}

function rawComparator(x: Vector, y: Vector): (i: number, j: number) => number {
  if (x.kind === 'str' && y.kind === 'str') {
    return (i, j) => {
      const s = x.offsets[i]!;
      const la = x.offsets[i + 1]! - s;
      const t = y.offsets[j]!;
      const lb = y.offsets[j + 1]! - t;
      const l = Math.min(la, lb);
      for (let p = 0; p < l; p++) {
        const d = x.bytes[s + p]! - y.bytes[t + p]!;
        if (d !== 0) return d;
      }
      return la - lb;
    };
  }
  if (x.kind === 'interval' && y.kind === 'interval') {
    return (i, j) =>
      compareNumbers(
        (x.months[i]! * 30 + x.days[i]!) * 86_400_000_000 + x.micros[i]!,
        (y.months[j]! * 30 + y.days[j]!) * 86_400_000_000 + y.micros[j]!,
      );
  }
  if (x.kind === 'i64' || y.kind === 'i64') {
    const bx = x.kind === 'i64' ? x.values : null;
    const by = y.kind === 'i64' ? y.values : null;
    const nx = x.kind === 'f64' ? x.values : null;
    const ny = y.kind === 'f64' ? y.values : null;
    return (i, j) => {
      const a = bx !== null ? bx[i]! : BigInt(nx![i]!);
      const b = by !== null ? by[j]! : BigInt(ny![j]!);
      return a < b ? -1 : a > b ? 1 : 0;
    };
  }
  if (
    (x.kind === 'f64' || x.kind === 'i32' || x.kind === 'bool') &&
    (y.kind === 'f64' || y.kind === 'i32' || y.kind === 'bool')
  ) {
    const a = x.values;
    const b = y.values;
    return (i, j) => compareNumbers(a[i]!, b[j]!);
  }
  return () => 0;
}

/** Numbers in DuckDB's order: NaN above everything, -0 equal to 0. */
function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const na = Number.isNaN(a);
  const nb = Number.isNaN(b);
  return na === nb ? 0 : na ? 1 : -1;
}

/**
 * For rows [0, n) of `keys` (vectors of one batch), the sign of comparing each row with row `r` of
 * `ref` (vectors of another batch, same key types), key by key: -1 where the row sorts before it.
 */
export function compareWithRow(
  keys: readonly KeyVector[],
  n: number,
  ref: readonly Vector[],
  r: number,
): Int8Array {
  const out = new Int8Array(n);
  let undecided = n;
  for (let c = 0; c < keys.length && undecided > 0; c++) {
    const k = keys[c]!;
    const cmp = valueComparator(k.vector, ref[c]!, k);
    undecided = 0;
    for (let i = 0; i < n; i++) {
      if (out[i] !== 0) continue;
      const d = cmp(i, r);
      if (d === 0) undecided++;
      else out[i] = d < 0 ? -1 : 1;
    }
  }
  return out;
}
