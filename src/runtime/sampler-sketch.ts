/**
 * A HyperLogLog distinct-value sketch over 32-bit hashes (Flajolet et al. 2007, with the
 * small-range correction by linear counting): 2^p one-byte registers, a standard error of about
 * 1.04 ÷ √(2^p) — 2.3 % at the default p = 11, in 2 KiB whatever the number of values. The
 * Sampler feeds it a column's hashes as a typed array (the engine's key hash, another seed), so
 * the per-row work is a shift, a count of leading zeros and a max.
 *
 * @example
 * const s = new DistinctSketch();
 * s.addHashes(hashColumns([column], n, new Uint32Array(n), SKETCH_SEED), n, column.validity);
 * s.estimate(); // ≈ distinct non-NULL values seen
 */
import type { Validity } from '../exec/vector.ts';

/** Hash seed of sketches (distinct from hash tables' and exchange buckets'). */
export const SKETCH_SEED = 0x5bd1e995;

export class DistinctSketch {
  private readonly registers: Uint8Array;
  private readonly p: number;

  constructor(precision = 11) {
    if (!Number.isInteger(precision) || precision < 4 || precision > 16) {
      throw new RangeError(`sketch precision must be a whole number in [4, 16], got ${precision}`);
    }
    this.p = precision;
    this.registers = new Uint8Array(1 << precision);
  }

  /** Adds hashes [0, n); rows `validity` marks NULL are skipped. */
  addHashes(hashes: Uint32Array, n: number, validity: Validity = null): void {
    const p = this.p;
    const r = this.registers;
    const rest = 32 - p;
    for (let i = 0; i < n; i++) {
      if (validity !== null && ((validity[i >> 3]! >> (i & 7)) & 1) === 0) continue;
      const h = hashes[i]!;
      const idx = h >>> rest;
      // Position of the first 1 bit in the remaining bits (rest + 1 when they are all 0).
      const w = (h << p) >>> 0;
      const rank = w === 0 ? rest + 1 : Math.clz32(w) + 1;
      if (rank > r[idx]!) r[idx] = rank;
    }
  }

  /** The estimated number of distinct hashes added. */
  estimate(): number {
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (let j = 0; j < m; j++) {
      const v = this.registers[j]!;
      sum += 2 ** -v;
      if (v === 0) zeros++;
    }
    const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
    const raw = (alpha * m * m) / sum;
    if (raw <= 2.5 * m && zeros > 0) return m * Math.log(m / zeros);
    // Large-range correction for 32-bit hashes (collisions near 2^32).
    const two32 = 2 ** 32;
    if (raw > two32 / 30) return -two32 * Math.log(1 - raw / two32);
    return raw;
  }
}
