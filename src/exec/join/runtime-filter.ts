/**
 * Runtime filters: once a hash join has built its table, the set of its build keys (a bitmap over
 * their range) is handed to the Parquet scan below its probe side, which then drops probe rows
 * that cannot match while it converts them — before converting their other columns. A join of
 * lineitem with 204 parts (TPC-H Q17) converts l_partkey for 6M rows and the rest for ~6,000.
 *
 * Only where a probe row without a match can never reach the output (inner and semi joins, the
 * non-preserved side of outer joins; never NOT IN or mark joins, whose NULL semantics need every
 * row), only for integer keys (i32 storage, or f64 holding integers) whose range is small enough
 * for a bitmap, and only while it pays: a filter that lets most rows through turns itself off.
 *
 * @example
 * const slot = new RuntimeFilterSlot();            // given to the scan
 * slot.add(keyFilterOf(table.keys[0], 3));         // by the join, after its build
 * const k = selectByKeyFilter(column, slot.active()[0], null, n, out);
 */
import type { Vector } from '../vector.ts';

/** The build keys of one join key column, as a bitmap over [base, base + range). */
export interface KeyFilter {
  /** The scan's column (in its full schema) the keys are compared with. */
  readonly column: number;
  readonly base: number;
  readonly range: number;
  readonly bits: Uint8Array;
}

/** Largest key range a bitmap covers (2^25 bits: 4 MiB). */
const MAX_RANGE = 1 << 25;
/** A bitmap with more than this share of its range set filters too little to be worth it. */
const MAX_DENSITY = 0.5;
/** Rows a filter sees before it judges whether it pays. */
const JUDGE_AFTER_ROWS = 1 << 18;
/** A filter passing more than this share of rows turns itself off. */
const MAX_PASS = 0.8;

/** Where a join hands its filters to a scan; the scan reads them at every slice. */
export class RuntimeFilterSlot {
  private filters: KeyFilter[] = [];
  private rowsIn = 0;
  private rowsOut = 0;
  private off = false;

  add(filter: KeyFilter | null): void {
    if (filter !== null) this.filters.push(filter);
  }

  /** The filters to apply now (none once they proved not to pay). */
  active(): readonly KeyFilter[] {
    return this.off ? [] : this.filters;
  }

  /** Records how many of `rowsIn` rows the filters let through. */
  record(rowsIn: number, rowsOut: number): void {
    this.rowsIn += rowsIn;
    this.rowsOut += rowsOut;
    if (this.rowsIn >= JUDGE_AFTER_ROWS && this.rowsOut > MAX_PASS * this.rowsIn) this.off = true;
  }
}

/**
 * A filter of the non-NULL integer values of `keys` (a build key column), for scan column
 * `column`; null when the keys are not integers, span too wide a range, or fill it too densely.
 */
export function keyFilterOf(keys: Vector, column: number): KeyFilter | null {
  if (!(keys.kind === 'i32' || (keys.kind === 'f64' && keys.type.kind !== 'float64'))) return null;
  const v = keys.values;
  const m = keys.validity;
  const n = keys.length;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (m !== null && ((m[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    const x = v[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
    count++;
  }
  if (count === 0) {
    // No key can match: an empty range rejects every row.
    return { column, base: 0, range: 0, bits: new Uint8Array(0) };
  }
  if (!Number.isInteger(min) || !Number.isInteger(max)) return null;
  const range = max - min + 1;
  if (range > MAX_RANGE || count > MAX_DENSITY * range) return null;
  const bits = new Uint8Array((range + 7) >> 3);
  for (let i = 0; i < n; i++) {
    if (m !== null && ((m[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    const b = v[i]! - min;
    bits[b >> 3]! |= 1 << (b & 7);
  }
  return { column, base: min, range, bits };
}

/**
 * Rows of `sel[0..n)` (of 0..n-1 when null) whose value in `col` may match a build key: in range,
 * bit set, not NULL. Writes them to `out` (which may be `sel`); returns their count.
 */
export function selectByKeyFilter(
  col: Vector,
  f: KeyFilter,
  sel: Uint32Array | null,
  n: number,
  out: Uint32Array,
): number {
  if (col.kind !== 'i32' && col.kind !== 'f64') return copySelection(sel, n, out);
  const v = col.values;
  const m = col.validity;
  const bits = f.bits;
  const base = f.base;
  const range = f.range;
  let k = 0;
  for (let j = 0; j < n; j++) {
    const i = sel === null ? j : sel[j]!;
    // Non-integers (a DOUBLE never gets here) and values out of range fail `b < range` or the bit.
    const b = v[i]! - base;
    if (!(b >= 0 && b < range)) continue;
    if (((bits[b >> 3]! >> (b & 7)) & 1) === 0) continue;
    if (m !== null && ((m[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    out[k++] = i;
  }
  return k;
}

function copySelection(sel: Uint32Array | null, n: number, out: Uint32Array): number {
  for (let j = 0; j < n; j++) out[j] = sel === null ? j : sel[j]!;
  return n;
}
