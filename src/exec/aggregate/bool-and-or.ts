/** bool_and / bool_or: one byte of state per group plus whether any non-NULL value was seen. */
import { BOOLEAN, type DataType } from '../../types/data-type.ts';
import type { Vector } from '../vector.ts';
import { type Accumulator, growU8, validityFromSeen, validRows } from './accumulator.ts';

export class BoolAndOrAccumulator implements Accumulator {
  readonly seesNulls = false;
  readonly resultType: DataType = BOOLEAN;
  private value = new Uint8Array(0);
  private seen = new Uint8Array(0);

  constructor(private readonly isAnd: boolean) {}

  resize(groups: number): void {
    const old = this.value.length;
    this.value = growU8(this.value, groups);
    if (this.isAnd) this.value.fill(1, old);
    this.seen = growU8(this.seen, groups);
  }

  update(gids: Int32Array, arg: Vector | null, sel: Int32Array | null, n: number): void {
    if (arg === null || arg.kind !== 'bool') return;
    const a = arg.values;
    const value = this.value;
    const seen = this.seen;
    for (let k = 0; k < n; k++) {
      const i = sel === null ? k : sel[k]!;
      const g = gids[i]!;
      seen[g] = 1;
      if (this.isAnd) value[g]! &= a[i]!;
      else value[g]! |= a[i]!;
    }
  }

  merge(gids: Int32Array, states: readonly Vector[], n: number): void {
    const s = states[0]!;
    const sel = validRows(s, n);
    this.update(gids, s, sel, sel === null ? n : sel.length);
  }

  result(start: number, end: number): Vector {
    return {
      kind: 'bool',
      type: BOOLEAN,
      length: end - start,
      validity: validityFromSeen(this.seen, start, end),
      values: this.value.slice(start, end),
    };
  }

  states(start: number, end: number): Vector[] {
    return [this.result(start, end)];
  }

  byteSize(): number {
    return this.value.byteLength * 2;
  }
}
