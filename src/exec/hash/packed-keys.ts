/**
 * Row-key encoding: packs a row's whole multi-column key into one exact integer held in a double,
 * when the key columns' values come from small enough domains — integers within a range, booleans,
 * short strings (≤ 6 bytes). Each column gets a field of `size + 1` codes (code 0 is NULL), and the
 * packed key is the mixed-radix number of the fields, below 2^53. Hash tables then work on one
 * number per row: a direct array lookup when the whole domain is small (a perfect hash: Q1's two
 * one-letter flags pack into 263,169 codes), or a single-double open-addressing table otherwise.
 *
 * A layout is chosen from the first batch's statistics with slack around each integer range; a
 * later batch outside the layout asks for a wider one (the table re-encodes its stored keys), and
 * keys that cannot be packed at all (floats, long strings, intervals, ranges beyond 2^53) send the
 * table to its generic path for good.
 */
import type { DataType } from '../../types/data-type.ts';
import type { Vector } from '../vector.ts';
import { isIntLike, TWO_53 } from '../vector-ops.ts';

/** The longest string a packed field holds (256^6 · 7 codes stays far below 2^53). */
const MAX_PACKED_STR = 6;

export type PackedField =
  /** rank = value − base, in [0, size) */
  | { readonly kind: 'int'; readonly base: number; readonly size: number }
  /** rank = length + (maxLen + 1) · (bytes as a little-endian number) */
  | { readonly kind: 'str'; readonly maxLen: number; readonly size: number };

export interface PackedLayout {
  readonly fields: readonly PackedField[];
  /** Multiplier of each field's code. */
  readonly mults: readonly number[];
  /** Number of distinct packed keys (product of the fields' `size + 1`). */
  readonly domain: number;
}

/** What one batch's key column needs from a layout. */
export interface KeyStats {
  readonly packable: boolean;
  /** Smallest and largest valid integer value (+∞/−∞ when none); strings: longest length. */
  readonly min: number;
  readonly max: number;
  readonly maxLen: number;
}

const UNPACKABLE: KeyStats = { packable: false, min: 0, max: 0, maxLen: 0 };

/** Statistics of rows [0, n) of a key column (already normalized to its builder's storage). */
export function keyStats(v: Vector, n: number): KeyStats {
  switch (v.kind) {
    case 'null':
      return { packable: true, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, maxLen: 0 };
    case 'bool':
    case 'i32':
    case 'f64': {
      if (v.kind === 'f64' && !isIntLike(v.type)) return UNPACKABLE;
      const a = v.values;
      const m = v.validity;
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      if (m === null) {
        for (let i = 0; i < n; i++) {
          const x = a[i]!;
          if (x < lo) lo = x;
          if (x > hi) hi = x;
        }
      } else {
        for (let i = 0; i < n; i++) {
          if (((m[i >> 3]! >> (i & 7)) & 1) === 0) continue;
          const x = a[i]!;
          if (x < lo) lo = x;
          if (x > hi) hi = x;
        }
      }
      return { packable: true, min: lo, max: hi, maxLen: 0 };
    }
    case 'str': {
      const o = v.offsets;
      const m = v.validity;
      let longest = 0;
      for (let i = 0; i < n; i++) {
        const len = o[i + 1]! - o[i]!;
        if (len > longest && (m === null || ((m[i >> 3]! >> (i & 7)) & 1) === 1)) longest = len;
      }
      if (longest > MAX_PACKED_STR) return UNPACKABLE;
      return { packable: true, min: 0, max: 0, maxLen: longest };
    }
    case 'i64':
    case 'interval':
      return UNPACKABLE;
  }
}

/** Whether a batch with these statistics encodes within `layout`. */
export function fitsLayout(layout: PackedLayout, stats: readonly KeyStats[]): boolean {
  for (let c = 0; c < stats.length; c++) {
    const s = stats[c]!;
    const f = layout.fields[c]!;
    if (!s.packable) return false;
    if (f.kind === 'int') {
      if (s.min < f.base || s.max > f.base + f.size - 1) {
        if (s.min <= s.max) return false; // (no valid values: min = +∞ > max)
      }
    } else if (s.maxLen > f.maxLen) return false;
  }
  return true;
}

/**
 * A layout covering both `prev` (the current one, if any) and a batch's statistics, or `null` when
 * the keys cannot be packed below 2^53.
 */
export function chooseLayout(
  types: readonly DataType[],
  stats: readonly KeyStats[],
  prev: PackedLayout | null,
): PackedLayout | null {
  const fields: PackedField[] = [];
  const mults: number[] = [];
  let domain = 1;
  for (let c = 0; c < types.length; c++) {
    const s = stats[c]!;
    if (!s.packable) return null;
    const p = prev?.fields[c];
    let f: PackedField;
    if (types[c]!.kind === 'varchar') {
      const maxLen = Math.max(s.maxLen, p?.kind === 'str' ? p.maxLen : 0);
      f = { kind: 'str', maxLen, size: (maxLen + 1) * 256 ** maxLen };
    } else if (types[c]!.kind === 'boolean') {
      f = { kind: 'int', base: 0, size: 2 };
    } else {
      let lo = s.min;
      let hi = s.max;
      if (!(lo <= hi)) lo = hi = p?.kind === 'int' ? p.base : 0;
      let base: number;
      let size: number;
      if (p?.kind === 'int') {
        // Widen toward the side the keys outgrew, by the whole current range — keys that grow
        // (sequential ids, dates) need only log(range) widenings, and no slack goes unused below.
        const top = p.base + p.size - 1;
        const range = Math.max(hi, top) - Math.min(lo, p.base) + 1;
        base = lo < p.base ? Math.min(lo, p.base) - range : p.base;
        const newTop = hi > top ? Math.max(hi, top) + range : top;
        size = newTop - base + 1;
      } else {
        // First layout: half the batch's range as slack on each side.
        const range = hi - lo + 1;
        const slack = Math.floor(range / 2);
        base = lo - slack;
        size = range + 2 * slack;
      }
      f = { kind: 'int', base, size };
      if (!(f.size < TWO_53) || !Number.isSafeInteger(base)) return null;
    }
    mults.push(domain);
    domain *= f.size + 1;
    if (domain > TWO_53) return null;
    fields.push(f);
  }
  return { fields, mults, domain };
}

/**
 * Packs rows [0, n) of the key columns into `out`; false (with `out` partly written) as soon as a
 * value does not fit the layout — the caller then widens the layout from `keyStats` and retries.
 * Checking while encoding spares a separate statistics pass over every batch.
 */
export function encodeKeys(
  layout: PackedLayout,
  columns: readonly Vector[],
  n: number,
  out: Float64Array,
): boolean {
  for (let c = 0; c < columns.length; c++) {
    const v = columns[c]!;
    const f = layout.fields[c]!;
    const mult = layout.mults[c]!;
    const first = c === 0;
    if (v.kind === 'null') {
      if (first) out.fill(0, 0, n); // code 0 everywhere
      continue;
    }
    const m = v.validity;
    if (f.kind === 'int') {
      if (v.kind !== 'bool' && v.kind !== 'i32' && v.kind !== 'f64') return false;
      if (v.kind === 'f64' && !isIntLike(v.type)) return false;
      const a = v.values;
      const off = 1 - f.base;
      const top = f.size; // codes 1..size
      if (m === null) {
        for (let i = 0; i < n; i++) {
          const code = a[i]! + off;
          if (!(code >= 1 && code <= top)) return false;
          out[i] = first ? code * mult : out[i]! + code * mult;
        }
      } else {
        for (let i = 0; i < n; i++) {
          let code = 0;
          if ((m[i >> 3]! >> (i & 7)) & 1) {
            code = a[i]! + off;
            if (!(code >= 1 && code <= top)) return false;
          }
          out[i] = first ? code * mult : out[i]! + code * mult;
        }
      }
    } else {
      if (v.kind !== 'str') return false;
      const o = v.offsets;
      const b = v.bytes;
      const maxLen = f.maxLen;
      const bytesMult = mult * (maxLen + 1);
      for (let i = 0; i < n; i++) {
        let code = 0;
        if (m === null || (m[i >> 3]! >> (i & 7)) & 1) {
          const s = o[i]!;
          const len = o[i + 1]! - s;
          if (len > maxLen) return false;
          let x = 0;
          if (len === 1) x = b[s]!;
          else for (let k = s + len - 1; k >= s; k--) x = x * 256 + b[k]!;
          code = (1 + len) * mult + x * bytesMult;
        }
        out[i] = first ? code : out[i]! + code;
      }
    }
  }
  return true;
}
