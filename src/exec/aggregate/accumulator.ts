/**
 * The per-group state of one aggregate function, held in typed arrays indexed by group id.
 *
 * The HashAggregate hands each accumulator a batch's group ids plus the rows that count: `sel`
 * lists them (or all of [0, n) when `sel` is null), already stripped of rows whose FILTER is not
 * true and of rows whose argument is NULL (except for `first`, which sees NULLs) — so the update
 * loops stay branch-free in the common case.
 */
import type { DataType } from '../../types/data-type.ts';
import type { Vector } from '../vector.ts';

export interface Accumulator {
  readonly resultType: DataType;
  /** Whether the update wants rows whose argument is NULL too (only `first`). */
  readonly seesNulls: boolean;
  /** Makes room for groups [0, groups). New groups start empty; called once per batch. */
  resize(groups: number): void;
  /**
   * Adds the rows `sel[0..n)` (or [0, n)) of `arg` to the groups `gids[row]`. `batch` offers work
   * shared by the accumulators of one batch.
   */
  update(gids: Int32Array, arg: Vector | null, sel: Int32Array | null, n: number, batch?: BatchShared): void;
  /** Merges partial states (rows [0, n) of the state columns) into the groups `gids[row]`. */
  merge(gids: Int32Array, states: readonly Vector[], n: number): void;
  /** The final values of groups [start, end). */
  result(start: number, end: number): Vector;
  /** The partial state columns of groups [start, end). */
  states(start: number, end: number): Vector[];
  byteSize(): number;
}

/** Per-batch work the accumulators of a HashAggregate share. */
export interface BatchShared {
  /**
   * Rows per group in the whole batch, when there are few groups (then adding these to counts is
   * cheaper than a pass per counting aggregate); null otherwise.
   */
  histogram(): Float64Array | null;
}

/** Computes a batch's histogram once, on first request, when groups are few. */
export class BatchHistogram implements BatchShared {
  private h: Float64Array | null = null;
  private done = false;
  private lanes = new Float64Array(0);
  private gids: Int32Array = new Int32Array(0);
  private n = 0;
  private groups = 0;

  reset(gids: Int32Array, n: number, groups: number): void {
    this.gids = gids;
    this.n = n;
    this.groups = groups;
    this.done = false;
  }

  histogram(): Float64Array | null {
    if (this.done) return this.h;
    this.done = true;
    const groups = this.groups;
    if (groups > LANE_GROUPS || groups * 8 > this.n) {
      this.h = null;
      return null;
    }
    if (this.lanes.length < 4 * groups) this.lanes = new Float64Array(4 * LANE_GROUPS);
    const l = this.lanes;
    l.fill(0, 0, 4 * groups);
    countLanes(l, this.gids, this.n);
    const h = this.h !== null && this.h.length >= groups ? this.h : new Float64Array(LANE_GROUPS);
    for (let g = 0; g < groups; g++) h[g] = l[4 * g]! + l[4 * g + 1]! + l[4 * g + 2]! + l[4 * g + 3]!;
    this.h = h;
    return h;
  }
}

function countLanes(l: Float64Array, gids: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) l[(gids[i]! << 2) | (i & 3)]!++;
}

/** Rows [0, n) whose value in `v` is not NULL, or null when that is every row. */
export function validRows(v: Vector, n: number): Int32Array | null {
  if (v.kind === 'null') return new Int32Array(0);
  const m = v.validity;
  if (m === null) return null;
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) if ((m[i >> 3]! >> (i & 7)) & 1) out[k++] = i;
  return out.subarray(0, k);
}

/** Grows a typed array to at least `n` elements (doubling), keeping its content. */
export function growF64(a: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Float64Array(Math.max(n, a.length * 2, 64));
  b.set(a);
  return b;
}

export function growU8(a: Uint8Array<ArrayBuffer>, n: number): Uint8Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Uint8Array(Math.max(n, a.length * 2, 64));
  b.set(a);
  return b;
}

export function growI32(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  if (n <= a.length) return a;
  const b = new Int32Array(Math.max(n, a.length * 2, 64));
  b.set(a);
  return b;
}

/** A validity bitmap for groups [start, end) from per-group flags, or null when all are set. */
export function validityFromSeen(seen: Uint8Array, start: number, end: number): Uint8Array | null {
  const n = end - start;
  let all = true;
  for (let g = start; g < end; g++) {
    if (seen[g] === 0) {
      all = false;
      break;
    }
  }
  if (all) return null;
  const m = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (seen[start + i] !== 0) m[i >> 3]! |= 1 << (i & 7);
  return m;
}

/**
 * Up to this many groups, per-row updates go to 4 interleaved lanes per group (row i to lane
 * i & 3), folded together when read. With few groups, consecutive rows mostly hit the same slot
 * and each add waits for the previous store (a store-to-load chain); four lanes cut the chain.
 * Measured on Q1's 4 skewed groups: 3.2 → 1.5 ns per row and aggregate.
 */
export const LANE_GROUPS = 256;

/** Row counts per group (count(*), count(x), avg's count). */
export class GroupCounts {
  private counts = new Float64Array(0);
  private lanes: Float64Array | null = new Float64Array(4 * 16);
  private dirty = false;

  resize(groups: number): void {
    this.counts = growF64(this.counts, groups);
    if (this.lanes !== null) {
      if (groups > LANE_GROUPS) {
        this.fold();
        this.lanes = null;
      } else if (this.lanes.length < 4 * groups) {
        const l = new Float64Array(4 * Math.max(groups, (this.lanes.length / 4) * 2));
        l.set(this.lanes);
        this.lanes = l;
      }
    }
  }

  /** Counts the rows `sel[0..n)` (or [0, n)) into their groups. */
  addRows(gids: Int32Array, sel: Int32Array | null, n: number, batch?: BatchShared): void {
    if (sel === null && batch !== undefined) {
      const h = batch.histogram();
      if (h !== null) {
        const c = this.counts;
        const groups = Math.min(c.length, h.length);
        for (let g = 0; g < groups; g++) c[g]! += h[g]!;
        return;
      }
    }
    const l = this.lanes;
    if (l !== null) {
      this.dirty = true;
      if (sel === null) for (let i = 0; i < n; i++) l[(gids[i]! << 2) | (i & 3)]!++;
      else for (let k = 0; k < n; k++) l[(gids[sel[k]!]! << 2) | (k & 3)]!++;
      return;
    }
    const c = this.counts;
    if (sel === null) for (let i = 0; i < n; i++) c[gids[i]!]!++;
    else for (let k = 0; k < n; k++) c[gids[sel[k]!]!]!++;
  }

  /** Adds a partial count column (BIGINT, never NULL). */
  addColumn(gids: Int32Array, v: Vector, n: number): void {
    this.fold();
    const counts = this.counts;
    if (v.kind === 'f64') {
      const a = v.values;
      for (let i = 0; i < n; i++) counts[gids[i]!]! += a[i]!;
    } else if (v.kind === 'i64') {
      const a = v.values;
      for (let i = 0; i < n; i++) counts[gids[i]!]! += Number(a[i]!);
    } else if (v.kind === 'i32') {
      const a = v.values;
      for (let i = 0; i < n; i++) counts[gids[i]!]! += a[i]!;
    }
  }

  private fold(): void {
    if (!this.dirty || this.lanes === null) return;
    const l = this.lanes;
    const c = this.counts;
    const groups = Math.min(c.length, l.length >> 2);
    for (let g = 0; g < groups; g++) {
      const s = l[4 * g]! + l[4 * g + 1]! + l[4 * g + 2]! + l[4 * g + 3]!;
      if (s !== 0) {
        c[g]! += s;
        l[4 * g] = l[4 * g + 1] = l[4 * g + 2] = l[4 * g + 3] = 0;
      }
    }
    this.dirty = false;
  }

  get(g: number): number {
    this.fold();
    return this.counts[g]!;
  }

  /** Counts of groups [start, end) as a copy. */
  slice(start: number, end: number): Float64Array<ArrayBuffer> {
    this.fold();
    return this.counts.slice(start, end);
  }

  byteSize(): number {
    return this.counts.byteLength + (this.lanes?.byteLength ?? 0);
  }
}
