/**
 * min, max, any_value and first: one value slot per group, in the argument's storage.
 *
 * - min/max: DOUBLE follows DuckDB's total order (NaN above +∞); strings compare by UTF-8 bytes;
 *   intervals by their normalized length (a month = 30 days).
 * - any_value: the first non-NULL value of the group.
 * - first: the group's first value, NULL included; its partial state carries a `seen` flag so a
 *   final can tell "first value was NULL" from "no rows".
 */
import { BOOLEAN, type DataType } from '../../types/data-type.ts';
import type { Vector } from '../vector.ts';
import { narrowI64, widenToI64 } from '../vector-ops.ts';
import { type Accumulator, growF64, growI32, growU8, validityFromSeen } from './accumulator.ts';

export type SlotPolicy = 'min' | 'max' | 'any' | 'first';

export class MinMaxAccumulator implements Accumulator {
  readonly seesNulls: boolean;
  /** Group has a state (first: saw a row; others: saw a non-NULL value). */
  private seen = new Uint8Array(0);
  /** Group's value is not NULL (differs from `seen` only for first). */
  private valid = new Uint8Array(0);
  private i32 = new Int32Array(0);
  private f64 = new Float64Array(0);
  private big: BigInt64Array | null = null;
  private u8 = new Uint8Array(0);
  private strs: (Uint8Array | null)[] = [];
  private days = new Int32Array(0);
  private groups = 0;
  private readonly storage: Vector['kind'];

  constructor(
    readonly resultType: DataType,
    private readonly policy: SlotPolicy,
  ) {
    this.seesNulls = policy === 'first';
    this.storage = storageFor(resultType);
  }

  resize(groups: number): void {
    this.seen = growU8(this.seen, groups);
    this.valid = growU8(this.valid, groups);
    switch (this.storage) {
      case 'i32':
        this.i32 = growI32(this.i32, groups);
        break;
      case 'f64':
        if (this.big !== null && this.big.length < groups) {
          const b = new BigInt64Array(Math.max(groups, this.big.length * 2));
          b.set(this.big);
          this.big = b;
        } else if (this.big === null) this.f64 = growF64(this.f64, groups);
        break;
      case 'bool':
        this.u8 = growU8(this.u8, groups);
        break;
      case 'str':
        while (this.strs.length < groups) this.strs.push(null);
        break;
      case 'interval':
        this.i32 = growI32(this.i32, groups);
        this.days = growI32(this.days, groups);
        this.f64 = growF64(this.f64, groups);
        break;
      default:
        break;
    }
    this.groups = groups;
  }

  update(gids: Int32Array, arg: Vector | null, sel: Int32Array | null, n: number): void {
    let v = arg!;
    if (this.policy === 'first') {
      this.updateFirst(gids, v, sel, n);
      return;
    }
    if (v.kind === 'i64') v = this.toBigMode(v);
    else if (v.kind === 'f64' && this.big !== null && v.type.kind !== 'float64') v = widenToI64(v);
    const seen = this.seen;
    const valid = this.valid;
    const pol = this.policy;
    switch (v.kind) {
      case 'i32': {
        const a = v.values;
        const cur = this.i32;
        for (let k = 0; k < n; k++) {
          const i = sel === null ? k : sel[k]!;
          const g = gids[i]!;
          const x = a[i]!;
          if (seen[g] === 0 || (pol === 'min' ? x < cur[g]! : pol === 'max' ? x > cur[g]! : false)) {
            cur[g] = x;
            seen[g] = 1;
            valid[g] = 1;
          }
        }
        return;
      }
      case 'f64': {
        const a = v.values;
        const cur = this.f64;
        for (let k = 0; k < n; k++) {
          const i = sel === null ? k : sel[k]!;
          const g = gids[i]!;
          const x = a[i]!;
          if (seen[g] === 0) {
            cur[g] = x;
            seen[g] = 1;
            valid[g] = 1;
          } else if (pol === 'min') {
            const c = cur[g]!;
            if (x < c || (Number.isNaN(c) && !Number.isNaN(x))) cur[g] = x;
          } else if (pol === 'max') {
            const c = cur[g]!;
            if (x > c || (Number.isNaN(x) && !Number.isNaN(c))) cur[g] = x;
          }
        }
        return;
      }
      case 'i64': {
        const a = v.values;
        const cur = this.big!;
        for (let k = 0; k < n; k++) {
          const i = sel === null ? k : sel[k]!;
          const g = gids[i]!;
          const x = a[i]!;
          if (seen[g] === 0 || (pol === 'min' ? x < cur[g]! : pol === 'max' ? x > cur[g]! : false)) {
            cur[g] = x;
            seen[g] = 1;
            valid[g] = 1;
          }
        }
        return;
      }
      case 'bool': {
        const a = v.values;
        const cur = this.u8;
        for (let k = 0; k < n; k++) {
          const i = sel === null ? k : sel[k]!;
          const g = gids[i]!;
          const x = a[i]!;
          if (seen[g] === 0 || (pol === 'min' ? x < cur[g]! : pol === 'max' ? x > cur[g]! : false)) {
            cur[g] = x;
            seen[g] = 1;
            valid[g] = 1;
          }
        }
        return;
      }
      case 'str': {
        const o = v.offsets;
        const b = v.bytes;
        const strs = this.strs;
        for (let k = 0; k < n; k++) {
          const i = sel === null ? k : sel[k]!;
          const g = gids[i]!;
          const s = o[i]!;
          const e = o[i + 1]!;
          if (seen[g] === 0) {
            strs[g] = b.slice(s, e);
            seen[g] = 1;
            valid[g] = 1;
          } else if (pol === 'min' || pol === 'max') {
            const c = compareBytes(b, s, e, strs[g]!);
            if (pol === 'min' ? c < 0 : c > 0) strs[g] = b.slice(s, e);
          }
        }
        return;
      }
      case 'interval': {
        for (let k = 0; k < n; k++) {
          const i = sel === null ? k : sel[k]!;
          const g = gids[i]!;
          let take = seen[g] === 0;
          if (!take && pol !== 'any') {
            const x = intervalMicros(v.months[i]!, v.days[i]!, v.micros[i]!);
            const c = intervalMicros(this.i32[g]!, this.days[g]!, this.f64[g]!);
            take = pol === 'min' ? x < c : x > c;
          }
          if (take) {
            this.i32[g] = v.months[i]!;
            this.days[g] = v.days[i]!;
            this.f64[g] = v.micros[i]!;
            seen[g] = 1;
            valid[g] = 1;
          }
        }
        return;
      }
      case 'null':
        return;
    }
  }

  /** first: the first row of each group decides, NULL or not. */
  private updateFirst(gids: Int32Array, v: Vector, sel: Int32Array | null, n: number): void {
    const seen = this.seen;
    for (let k = 0; k < n; k++) {
      const i = sel === null ? k : sel[k]!;
      const g = gids[i]!;
      if (seen[g] !== 0) continue;
      seen[g] = 1;
      const m = v.kind === 'null' ? null : v.validity;
      if (v.kind === 'null' || (m !== null && ((m[i >> 3]! >> (i & 7)) & 1) === 0)) continue;
      this.setValue(g, v, i);
    }
  }

  private setValue(g: number, v: Vector, i: number): void {
    this.valid[g] = 1;
    switch (v.kind) {
      case 'i32':
        this.i32[g] = v.values[i]!;
        return;
      case 'f64':
        if (this.big !== null) this.big[g] = Number.isSafeInteger(v.values[i]!) ? BigInt(v.values[i]!) : 0n;
        else this.f64[g] = v.values[i]!;
        return;
      case 'i64': {
        const x = v.values[i]!;
        if (this.big === null && x >= -(2n ** 53n) && x <= 2n ** 53n) this.f64[g] = Number(x);
        else {
          this.toBigMode(v);
          this.big![g] = x;
        }
        return;
      }
      case 'bool':
        this.u8[g] = v.values[i]!;
        return;
      case 'str':
        this.strs[g] = v.bytes.slice(v.offsets[i]!, v.offsets[i + 1]!);
        return;
      case 'interval':
        this.i32[g] = v.months[i]!;
        this.days[g] = v.days[i]!;
        this.f64[g] = v.micros[i]!;
        return;
      case 'null':
        return;
    }
  }

  /** An i64 argument: narrowed when exact, else the slots move to BigInt64Array for good. */
  private toBigMode(v: Vector & { kind: 'i64' }): Vector {
    if (this.big === null) {
      const narrowed = narrowI64(v);
      if (narrowed.kind === 'f64') return narrowed;
      const b = new BigInt64Array(Math.max(this.f64.length, this.groups));
      for (let g = 0; g < this.groups; g++) b[g] = this.valid[g] ? BigInt(this.f64[g]!) : 0n;
      this.big = b;
      this.f64 = new Float64Array(0);
    }
    return v;
  }

  merge(gids: Int32Array, states: readonly Vector[], n: number): void {
    const v = states[0]!;
    if (this.policy === 'first') {
      const seenState = states[1]!;
      if (seenState.kind !== 'bool') return;
      for (let i = 0; i < n; i++) {
        const g = gids[i]!;
        if (seenState.values[i] === 0 || this.seen[g] !== 0) continue;
        this.seen[g] = 1;
        const m = v.kind === 'null' ? null : v.validity;
        if (v.kind !== 'null' && (m === null || ((m[i >> 3]! >> (i & 7)) & 1) === 1)) this.setValue(g, v, i);
      }
      return;
    }
    const m = v.kind === 'null' ? new Uint8Array((n + 7) >> 3) : v.validity;
    if (m === null) {
      this.update(gids, v, null, n);
      return;
    }
    const sel = new Int32Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) if ((m[i >> 3]! >> (i & 7)) & 1) sel[k++] = i;
    this.update(gids, v, sel, k);
  }

  result(start: number, end: number): Vector {
    const type = this.resultType;
    const length = end - start;
    const validity = validityFromSeen(this.valid, start, end);
    switch (this.storage) {
      case 'i32':
        return { kind: 'i32', type, length, validity, values: this.i32.slice(start, end) };
      case 'f64':
        if (this.big !== null)
          return { kind: 'i64', type, length, validity, values: this.big.slice(start, end) };
        return { kind: 'f64', type, length, validity, values: this.f64.slice(start, end) };
      case 'bool':
        return { kind: 'bool', type, length, validity, values: this.u8.slice(start, end) };
      case 'str': {
        let total = 0;
        for (let g = start; g < end; g++) total += this.strs[g]?.length ?? 0;
        const bytes = new Uint8Array(total);
        const offsets = new Int32Array(length + 1);
        let p = 0;
        for (let g = start; g < end; g++) {
          const s = this.strs[g];
          if (s != null && this.valid[g] !== 0) {
            bytes.set(s, p);
            p += s.length;
          }
          offsets[g - start + 1] = p;
        }
        return { kind: 'str', type, length, validity, offsets, bytes };
      }
      case 'interval':
        return {
          kind: 'interval',
          type,
          length,
          validity,
          months: this.i32.slice(start, end),
          days: this.days.slice(start, end),
          micros: this.f64.slice(start, end),
        };
      default:
        return { kind: 'null', type, length, validity: null };
    }
  }

  states(start: number, end: number): Vector[] {
    const value = this.result(start, end);
    if (this.policy !== 'first') return [value];
    return [
      value,
      {
        kind: 'bool',
        type: BOOLEAN,
        length: end - start,
        validity: null,
        values: this.seen.slice(start, end),
      },
    ];
  }

  byteSize(): number {
    let strBytes = 0;
    if (this.storage === 'str') for (const s of this.strs) strBytes += s === null ? 8 : s.length + 64;
    return (
      this.seen.byteLength * 2 +
      this.i32.byteLength +
      this.f64.byteLength +
      (this.big?.byteLength ?? 0) +
      this.u8.byteLength +
      this.days.byteLength +
      strBytes
    );
  }
}

function storageFor(t: DataType): Vector['kind'] {
  switch (t.kind) {
    case 'boolean':
      return 'bool';
    case 'int32':
    case 'date':
      return 'i32';
    case 'int64':
    case 'decimal':
    case 'timestamp':
    case 'float64':
      return 'f64';
    case 'varchar':
      return 'str';
    case 'interval':
      return 'interval';
    case 'null':
      return 'null';
  }
}

/** Compares bytes [s, e) of `a` with `b`: negative, zero or positive (UTF-8 byte order). */
export function compareBytes(a: Uint8Array, s: number, e: number, b: Uint8Array): number {
  const la = e - s;
  const lb = b.length;
  const n = Math.min(la, lb);
  for (let k = 0; k < n; k++) {
    const d = a[s + k]! - b[k]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

/** An interval's length in microseconds for ordering (30-day months, as DuckDB orders them). */
export function intervalMicros(months: number, days: number, micros: number): number {
  return (months * 30 + days) * 86_400_000_000 + micros;
}
