/**
 * Window geometry over rows already sorted by (partition keys, order keys): where each partition
 * and each peer group (rows equal in the order keys) starts and ends, and each row's frame as a
 * half-open range [start, end) of sorted positions.
 */
import { SkeinError } from '../../errors.ts';
import { equalPairs } from '../hash/key-equality.ts';
import type { Vector } from '../vector.ts';
import type { FrameBound, WindowFrame } from './window-spec.ts';

/** Start and end (exclusive) position of the group each sorted position belongs to. */
export interface Groups {
  readonly start: Int32Array;
  readonly end: Int32Array;
}

/**
 * Groups of consecutive sorted positions whose rows are equal in `columns` (NULL equal to NULL),
 * refining `within` (a new group starts wherever an enclosing one does).
 */
export function groupsOf(
  columns: readonly Vector[],
  perm: Int32Array,
  n: number,
  within: Groups | null,
): Groups {
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  if (n === 0) return { start, end };
  const same = new Uint8Array(n); // same[j]: position j continues the group of j - 1
  if (n > 1) {
    const match = new Uint8Array(n - 1).fill(1);
    const cur = perm.subarray(1, n);
    const prev = perm.subarray(0, n - 1);
    for (const c of columns) equalPairs(c, cur, c, prev, n - 1, match);
    for (let j = 1; j < n; j++) same[j] = match[j - 1]!;
  }
  if (within !== null) for (let j = 1; j < n; j++) if (within.start[j] === j) same[j] = 0;
  for (let j = 0; j < n; j++) start[j] = j > 0 && same[j] === 1 ? start[j - 1]! : j;
  for (let j = n - 1; j >= 0; j--) end[j] = j < n - 1 && same[j + 1] === 1 ? end[j + 1]! : j + 1;
  return { start, end };
}

/**
 * The single ORDER BY key as numbers that never decrease along each partition (negated for DESC),
 * with its NULL rows flagged — what RANGE frames with offsets search.
 */
export interface RangeKey {
  readonly values: Float64Array;
  readonly isNull: Uint8Array;
}

export function rangeKey(v: Vector, perm: Int32Array, n: number, descending: boolean): RangeKey {
  const values = new Float64Array(n);
  const isNull = new Uint8Array(n);
  const sign = descending ? -1 : 1;
  const m = v.kind === 'null' ? null : v.validity;
  for (let j = 0; j < n; j++) {
    const r = perm[j]!;
    if (v.kind === 'null' || (m !== null && ((m[r >> 3]! >> (r & 7)) & 1) === 0)) {
      isNull[j] = 1;
      continue;
    }
    switch (v.kind) {
      case 'i32':
      case 'f64':
        values[j] = sign * v.values[r]!;
        break;
      case 'i64':
        values[j] = sign * Number(v.values[r]!);
        break;
      default:
        throw new SkeinError(
          'PLAN',
          'Window: a RANGE frame with an offset needs a numeric, date or timestamp ORDER BY key',
        );
    }
  }
  return { values, isNull };
}

/** Each position's frame [start, end); empty when start ≥ end. */
export interface Frames {
  readonly start: Int32Array;
  readonly end: Int32Array;
}

export function framesOf(
  frame: WindowFrame,
  n: number,
  parts: Groups,
  peers: Groups,
  key: RangeKey | null,
): Frames {
  if (frame.mode === 'range' && (hasOffset(frame.start) || hasOffset(frame.end)) && key === null)
    throw new SkeinError('PLAN', 'Window: a RANGE frame with an offset needs exactly one ORDER BY key');
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  const rows = frame.mode === 'rows';
  const nn = key === null ? null : nonNullRegions(key, parts, n);
  for (let j = 0; j < n; j++) {
    const ps = parts.start[j]!;
    const pe = parts.end[j]!;
    start[j] = bound(frame.start, false, j, ps, pe, rows, peers, key, nn);
    end[j] = bound(frame.end, true, j, ps, pe, rows, peers, key, nn);
  }
  return { start, end };
}

function hasOffset(b: FrameBound): boolean {
  return b.kind === 'preceding' || b.kind === 'following';
}

/** Per position, the [start, end) of the non-NULL key rows of its partition. */
function nonNullRegions(key: RangeKey, parts: Groups, n: number): Groups {
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  let j = 0;
  while (j < n) {
    const ps = parts.start[j]!;
    const pe = parts.end[j]!;
    let s = ps;
    while (s < pe && key.isNull[s] === 1) s++;
    let e = pe;
    while (e > s && key.isNull[e - 1] === 1) e--;
    for (let p = ps; p < pe; p++) {
      start[p] = s;
      end[p] = e;
    }
    j = pe;
  }
  return { start, end };
}

function bound(
  b: FrameBound,
  isEnd: boolean,
  j: number,
  ps: number,
  pe: number,
  rows: boolean,
  peers: Groups,
  key: RangeKey | null,
  nn: Groups | null,
): number {
  switch (b.kind) {
    case 'unbounded_preceding':
      return ps;
    case 'unbounded_following':
      return pe;
    case 'current_row':
      if (rows) return isEnd ? j + 1 : j;
      return isEnd ? peers.end[j]! : peers.start[j]!;
    case 'preceding':
    case 'following': {
      const d = b.kind === 'preceding' ? -b.offset : b.offset;
      if (rows) {
        const p = isEnd ? j + d + 1 : j + d;
        return p < ps ? ps : Math.min(p, pe);
      }
      // RANGE: NULL keys are peers only of each other.
      if (key!.isNull[j] === 1) return isEnd ? peers.end[j]! : peers.start[j]!;
      const target = key!.values[j]! + d;
      const lo = nn!.start[j]!;
      const hi = nn!.end[j]!;
      return isEnd ? firstAbove(key!.values, lo, hi, target) : firstAtLeast(key!.values, lo, hi, target);
    }
  }
}

function firstAtLeast(a: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function firstAbove(a: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
