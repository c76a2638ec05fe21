/**
 * avg(): an exact sum (integers, decimals) or a double sum (DOUBLE) plus a count; the result is a
 * DOUBLE: sum / count, scaled down by 10^scale for decimals. Its partial state is (sum, count).
 */
import { type DataType, FLOAT64 } from '../../types/data-type.ts';
import type { Vector } from '../vector.ts';
import { type Accumulator, type BatchShared, GroupCounts, validRows } from './accumulator.ts';
import { ExactSums, FloatSums } from './sum.ts';

export class AvgAccumulator implements Accumulator {
  readonly seesNulls = false;
  readonly resultType: DataType = FLOAT64;
  private readonly exact: ExactSums | null;
  private readonly float: FloatSums | null;
  private readonly counts = new GroupCounts();
  /** 10^scale for decimals, else 1. */
  private readonly divisor: number;

  /** @param sumType the type of the sum state (`sumType(argType)`). */
  constructor(private readonly sumType: DataType) {
    const isFloat = sumType.kind === 'float64';
    this.exact = isFloat ? null : new ExactSums();
    this.float = isFloat ? new FloatSums() : null;
    this.divisor = sumType.kind === 'decimal' ? 10 ** sumType.scale : 1;
  }

  resize(groups: number): void {
    this.exact?.resize(groups);
    this.float?.resize(groups);
    this.counts.resize(groups);
  }

  update(gids: Int32Array, arg: Vector | null, sel: Int32Array | null, n: number, batch?: BatchShared): void {
    if (this.exact !== null) this.exact.add(gids, arg!, sel, n);
    else this.float!.add(gids, arg!, sel, n);
    this.counts.addRows(gids, sel, n, batch);
  }

  merge(gids: Int32Array, states: readonly Vector[], n: number): void {
    const s = states[0]!;
    const sel = validRows(s, n);
    const m = sel === null ? n : sel.length;
    if (this.exact !== null) this.exact.add(gids, s, sel, m);
    else this.float!.add(gids, s, sel, m);
    this.counts.addColumn(gids, states[1]!, n);
  }

  result(start: number, end: number): Vector {
    const n = end - start;
    const out = new Float64Array(n);
    const validity = new Uint8Array((n + 7) >> 3);
    let nulls = false;
    for (let i = 0; i < n; i++) {
      const g = start + i;
      const c = this.counts.get(g);
      if (c === 0) {
        nulls = true;
        continue;
      }
      validity[i >> 3]! |= 1 << (i & 7);
      const sum = this.exact !== null ? this.exact.approx(g) : this.float!.sum[g]!;
      out[i] = sum / c / this.divisor;
    }
    return { kind: 'f64', type: FLOAT64, length: n, validity: nulls ? validity : null, values: out };
  }

  states(start: number, end: number): Vector[] {
    const sum =
      this.exact !== null
        ? this.exact.emit(this.sumType, start, end)
        : this.float!.emit(this.sumType, start, end);
    const count: Vector = {
      kind: 'f64',
      type: { kind: 'int64' },
      length: end - start,
      validity: null,
      values: this.counts.slice(start, end),
    };
    return [sum, count];
  }

  byteSize(): number {
    return (this.exact?.byteSize() ?? 0) + (this.float?.byteSize() ?? 0) + this.counts.byteSize();
  }
}
