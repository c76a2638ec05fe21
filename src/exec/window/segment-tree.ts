/**
 * Segment trees over sorted positions, answering one frame [l, r) in O(log n): which position
 * holds the smallest/largest value (min/max of any type), and sums of doubles.
 */

/** Best position per node (-1: none), chosen by `better(a, b)`: true when a beats b. */
export class ArgTree {
  private readonly size: number;
  private readonly tree: Int32Array;

  /** @param present position j takes part (its value is not NULL) */
  constructor(
    n: number,
    present: (j: number) => boolean,
    private readonly better: (a: number, b: number) => boolean,
  ) {
    let size = 1;
    while (size < n) size *= 2;
    this.size = size;
    const tree = new Int32Array(2 * size).fill(-1);
    for (let j = 0; j < n; j++) if (present(j)) tree[size + j] = j;
    for (let k = size - 1; k >= 1; k--) tree[k] = this.pick(tree[2 * k]!, tree[2 * k + 1]!);
    this.tree = tree;
  }

  private pick(a: number, b: number): number {
    if (a < 0) return b;
    if (b < 0) return a;
    return this.better(b, a) ? b : a;
  }

  /** The best position in [l, r), or -1. */
  query(l: number, r: number): number {
    let best = -1;
    let lo = l + this.size;
    let hi = r + this.size;
    while (lo < hi) {
      if (lo & 1) best = this.pick(best, this.tree[lo++]!);
      if (hi & 1) best = this.pick(best, this.tree[--hi]!);
      lo >>= 1;
      hi >>= 1;
    }
    return best;
  }
}

/** Sums of doubles over position ranges. */
export class SumTree {
  private readonly size: number;
  private readonly tree: Float64Array;

  constructor(values: Float64Array, n: number) {
    let size = 1;
    while (size < n) size *= 2;
    this.size = size;
    const tree = new Float64Array(2 * size);
    tree.set(values.subarray(0, n), size);
    for (let k = size - 1; k >= 1; k--) tree[k] = tree[2 * k]! + tree[2 * k + 1]!;
    this.tree = tree;
  }

  query(l: number, r: number): number {
    let left = 0;
    let right = 0;
    let lo = l + this.size;
    let hi = r + this.size;
    while (lo < hi) {
      if (lo & 1) left += this.tree[lo++]!;
      if (hi & 1) right = this.tree[--hi]! + right;
      lo >>= 1;
      hi >>= 1;
    }
    return left + right;
  }
}
