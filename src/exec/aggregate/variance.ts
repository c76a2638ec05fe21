/**
 * var_samp, var_pop, stddev_samp, stddev_pop: Welford's running (count, mean, M2) per group,
 * merged across partial states with Chan et al.'s pairwise formula. Decimals are read as doubles
 * (value / 10^scale), as DuckDB does.
 */
import { type DataType, FLOAT64, INT64 } from '../../types/data-type.ts';
import type { Vector } from '../vector.ts';
import { type Accumulator, growF64 } from './accumulator.ts';

export type VarianceKind = 'var_samp' | 'var_pop' | 'stddev_samp' | 'stddev_pop';

export class VarianceAccumulator implements Accumulator {
  readonly seesNulls = false;
  readonly resultType: DataType = FLOAT64;
  private count = new Float64Array(0);
  private mean = new Float64Array(0);
  private m2 = new Float64Array(0);
  private readonly scale: number;

  constructor(
    private readonly kind: VarianceKind,
    argType: DataType,
  ) {
    this.scale = argType.kind === 'decimal' ? 10 ** argType.scale : 1;
  }

  resize(groups: number): void {
    this.count = growF64(this.count, groups);
    this.mean = growF64(this.mean, groups);
    this.m2 = growF64(this.m2, groups);
  }

  update(gids: Int32Array, arg: Vector | null, sel: Int32Array | null, n: number): void {
    const v = arg!;
    if (v.kind === 'null' || v.kind === 'str' || v.kind === 'interval') return;
    const count = this.count;
    const mean = this.mean;
    const m2 = this.m2;
    const scale = this.scale;
    const big = v.kind === 'i64' ? v.values : null;
    const a = v.kind === 'i64' ? null : v.values;
    for (let k = 0; k < n; k++) {
      const i = sel === null ? k : sel[k]!;
      const x = (a !== null ? a[i]! : Number(big![i]!)) / scale;
      const g = gids[i]!;
      const c = count[g]! + 1;
      count[g] = c;
      const d = x - mean[g]!;
      const m = mean[g]! + d / c;
      mean[g] = m;
      m2[g]! += d * (x - m);
    }
  }

  merge(gids: Int32Array, states: readonly Vector[], n: number): void {
    const [cv, mv, qv] = states as [Vector, Vector, Vector];
    if (mv.kind !== 'f64' || qv.kind !== 'f64') return;
    const cs = cv.kind === 'f64' ? cv.values : null;
    const count = this.count;
    const mean = this.mean;
    const m2 = this.m2;
    for (let i = 0; i < n; i++) {
      const nb = cs !== null ? cs[i]! : cv.kind === 'i64' ? Number(cv.values[i]!) : 0;
      if (nb === 0) continue;
      const g = gids[i]!;
      const na = count[g]!;
      const total = na + nb;
      const d = mv.values[i]! - mean[g]!;
      mean[g]! += (d * nb) / total;
      m2[g]! += qv.values[i]! + (d * d * na * nb) / total;
      count[g] = total;
    }
  }

  result(start: number, end: number): Vector {
    const n = end - start;
    const out = new Float64Array(n);
    const validity = new Uint8Array((n + 7) >> 3);
    let nulls = false;
    const samp = this.kind === 'var_samp' || this.kind === 'stddev_samp';
    const sqrt = this.kind === 'stddev_samp' || this.kind === 'stddev_pop';
    for (let i = 0; i < n; i++) {
      const g = start + i;
      const c = this.count[g]!;
      if (c === 0 || (samp && c < 2)) {
        nulls = true;
        continue;
      }
      validity[i >> 3]! |= 1 << (i & 7);
      const v = this.m2[g]! / (samp ? c - 1 : c);
      out[i] = sqrt ? Math.sqrt(v) : v;
    }
    return { kind: 'f64', type: FLOAT64, length: n, validity: nulls ? validity : null, values: out };
  }

  states(start: number, end: number): Vector[] {
    const n = end - start;
    return [
      { kind: 'f64', type: INT64, length: n, validity: null, values: this.count.slice(start, end) },
      { kind: 'f64', type: FLOAT64, length: n, validity: null, values: this.mean.slice(start, end) },
      { kind: 'f64', type: FLOAT64, length: n, validity: null, values: this.m2.slice(start, end) },
    ];
  }

  byteSize(): number {
    return this.count.byteLength * 3;
  }
}
