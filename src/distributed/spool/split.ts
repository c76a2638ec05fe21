import { SkeinError } from '../../errors.ts';
import type { SpoolManifest } from './format.ts';
import { type BucketRange, checkManifests } from './reader.ts';

/** What balancing counts per bucket: in-memory Arrow bytes (default), rows, or stored bytes. */
export type BucketMeasure = 'bytes' | 'rows' | 'stored';

/** Per-bucket totals over the manifests of a producer stage. */
export function bucketWeights(
  manifests: readonly SpoolManifest[],
  measure: BucketMeasure = 'bytes',
): number[] {
  const B = checkManifests(manifests);
  const w = new Array<number>(B).fill(0);
  for (const m of manifests) {
    for (const o of m.objects) {
      for (let b = 0; b < B; b++) {
        w[b]! +=
          measure === 'rows'
            ? o.rows[b]!
            : measure === 'bytes'
              ? o.bytes[b]!
              : o.offsets[b + 1]! - o.offsets[b]!;
      }
    }
  }
  return w;
}

/**
 * Splits buckets 0 … B−1 into `n` contiguous, non-empty ranges (1 ≤ n ≤ B) so that the heaviest
 * range is as light as possible: the optimum of the "linear partition" problem, found by a binary
 * search on the largest range weight. A single bucket heavier than total / n makes its range the
 * heaviest — a range never splits a bucket. With no weight at all, buckets are shared out evenly.
 *
 * @example
 * splitBucketRanges([5, 1, 1, 1, 1, 1], 2) // → [{lo: 0, hi: 1}, {lo: 1, hi: 6}]
 */
export function splitBucketRanges(weights: readonly number[], n: number): BucketRange[] {
  const B = weights.length;
  if (!Number.isInteger(n) || n < 1 || n > B) {
    throw new SkeinError(
      'INTERNAL',
      `cannot split ${B} buckets into ${n} ranges (need 1 ≤ ranges ≤ buckets)`,
    );
  }
  let total = 0;
  let heaviest = 0;
  for (const w of weights) {
    if (!(w >= 0)) throw new SkeinError('INTERNAL', `bucket weights must be numbers from 0 up, got ${w}`);
    total += w;
    heaviest = Math.max(heaviest, w);
  }
  if (total === 0) {
    return Array.from({ length: n }, (_, i) => ({
      lo: Math.floor((i * B) / n),
      hi: Math.floor(((i + 1) * B) / n),
    }));
  }
  // Smallest cap such that greedy packing needs at most n ranges. Weights are byte or row counts
  // (integers) in practice; the search stops at a precision of one unit.
  let lo = Math.max(heaviest, total / n);
  let hi = total;
  if (!fits(weights, n, lo)) {
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (fits(weights, n, mid)) hi = mid;
      else lo = mid;
    }
  } else {
    hi = lo;
  }
  return pack(weights, n, hi);
}

/** Splits an exchange's buckets into `n` ranges balanced by {@link bucketWeights}. */
export function balancedBucketRanges(
  manifests: readonly SpoolManifest[],
  n: number,
  measure: BucketMeasure = 'bytes',
): BucketRange[] {
  return splitBucketRanges(bucketWeights(manifests, measure), n);
}

/** Whether buckets [from, B) pack greedily into at most n ranges of weight ≤ cap. */
function fits(w: readonly number[], n: number, cap: number, from = 0): boolean {
  if (from >= w.length) return true;
  let ranges = 1;
  let sum = 0;
  for (let i = from; i < w.length; i++) {
    const x = w[i]!;
    if (sum + x > cap) {
      ranges++;
      sum = x;
      if (ranges > n) return false;
    } else sum += x;
  }
  return true;
}

/**
 * Cuts exactly n non-empty ranges of weight ≤ cap (cap must be feasible). Each range aims at a
 * fair share of the weight still to place — so the slack is spread rather than left to the last
 * ranges — and extends as far as the cap allows when stopping at the fair share would leave the
 * rest unplaceable. Invariant: the buckets from `start` fit the remaining ranges under the cap.
 */
function pack(w: readonly number[], n: number, cap: number): BucketRange[] {
  const B = w.length;
  let remaining = 0;
  for (const x of w) remaining += x;
  const out: BucketRange[] = [];
  let start = 0;
  for (let r = 0; r < n; r++) {
    const left = n - r;
    if (left === 1) {
      out.push({ lo: start, hi: B });
      break;
    }
    const maxEnd = B - (left - 1);
    const fair = remaining / left;
    let end = start + 1;
    let sum = w[start]!;
    while (end < maxEnd && sum + w[end]! <= cap && sum + w[end]! / 2 < fair) sum += w[end++]!;
    if (!fits(w, left - 1, cap, end)) {
      while (end < maxEnd && sum + w[end]! <= cap) sum += w[end++]!;
    }
    out.push({ lo: start, hi: end });
    remaining -= sum;
    start = end;
  }
  return out;
}
