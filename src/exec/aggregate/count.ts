/** count(*) and count(x): a double per group (exact to 2^53 rows), emitted as BIGINT. */
import type { DataType } from '../../types/data-type.ts';
import type { Vector } from '../vector.ts';
import { type Accumulator, type BatchShared, GroupCounts } from './accumulator.ts';

export class CountAccumulator implements Accumulator {
  readonly seesNulls = false;
  private readonly counts = new GroupCounts();
  constructor(readonly resultType: DataType) {}

  resize(groups: number): void {
    this.counts.resize(groups);
  }

  /** Counts the selected rows (the HashAggregate already dropped NULL arguments for count(x)). */
  update(
    gids: Int32Array,
    _arg: Vector | null,
    sel: Int32Array | null,
    n: number,
    batch?: BatchShared,
  ): void {
    this.counts.addRows(gids, sel, n, batch);
  }

  merge(gids: Int32Array, states: readonly Vector[], n: number): void {
    this.counts.addColumn(gids, states[0]!, n);
  }

  result(start: number, end: number): Vector {
    return {
      kind: 'f64',
      type: this.resultType,
      length: end - start,
      validity: null,
      values: this.counts.slice(start, end),
    };
  }

  states(start: number, end: number): Vector[] {
    return [this.result(start, end)];
  }

  byteSize(): number {
    return this.counts.byteSize();
  }
}
