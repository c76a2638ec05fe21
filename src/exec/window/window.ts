/**
 * Window: window functions over (PARTITION BY …, ORDER BY …) with ROWS and RANGE frames.
 *
 * Buffers the input (reserving memory), sorts it by the partition keys and then the order keys
 * (a stable argsort), finds partitions and peer groups by comparing neighbours, and evaluates each
 * function over the sorted positions: ranks from the group boundaries; count, sum and avg from
 * prefix sums (exact two-part sums for integers and decimals, so any frame's sum is a difference
 * of two prefixes); min, max and sums of doubles from segment trees; lag/lead and
 * first/last_value by position. Rows come out in sorted order, with the function columns after
 * the input columns.
 *
 * @example
 * const out = window(input, {
 *   partitionBy: [0],
 *   orderBy: [{ column: 1 }],
 *   functions: [{ func: 'row_number', name: 'rn' }, { func: 'sum', arg: 2, name: 'running' }],
 * }, ctx);
 */
import { SkeinError } from '../../errors.ts';
import { type DataType, typeToString } from '../../types/data-type.ts';
import type { BatchStream, ExecContext } from '../context.ts';
import { batchBytes, concatBatches, concatVectors, gather } from '../gather.ts';
import { argsort, type KeyVector, keyVectors, valueComparator } from '../sort/sort-keys.ts';
import type { Batch, Vector } from '../vector.ts';
import { sliceVector, TWO_32, throwIfCanceled } from '../vector-ops.ts';
import { type Frames, framesOf, type Groups, groupsOf, type RangeKey, rangeKey } from './frames.ts';
import { ArgTree, SumTree } from './segment-tree.ts';
import {
  DEFAULT_FRAME,
  type WindowConfig,
  type WindowFrame,
  type WindowFunctionSpec,
  windowResultType,
  windowSchema,
} from './window-spec.ts';

export type { WindowConfig, WindowFunctionSpec };

const OPERATOR = 'Window';
const WHOLE_PARTITION: WindowFrame = {
  mode: 'rows',
  start: { kind: 'unbounded_preceding' },
  end: { kind: 'unbounded_following' },
};

export function window(input: BatchStream, config: WindowConfig, ctx: ExecContext): BatchStream {
  const schema = windowSchema(input.schema, config);
  for (const c of [...config.partitionBy, ...config.orderBy.map((k) => k.column)])
    if (input.schema[c] === undefined) throw new SkeinError('PLAN', `Window: key column ${c} does not exist`);
  return {
    schema,
    async *[Symbol.asyncIterator]() {
      const reservation = ctx.memory.reserve(OPERATOR);
      try {
        const parts: Batch[] = [];
        let bytes = 0;
        for await (const b of input) {
          throwIfCanceled(ctx.signal);
          if (b.length === 0) continue;
          parts.push(b);
          bytes += batchBytes(b);
          reservation.resize(bytes);
        }
        if (parts.length === 0) return;
        const all = concatBatches(input.schema, parts);
        const n = all.length;
        // Sorted copy of the input, permutation, group arrays and per-function columns.
        reservation.resize(2 * bytes + n * (40 + 24 * config.functions.length));
        parts.length = 0;
        const keys: KeyVector[] = [
          ...config.partitionBy.map((c) => ({
            vector: all.columns[c]!,
            descending: false,
            nullsFirst: false,
          })),
          ...keyVectors(all.columns, config.orderBy),
        ];
        const perm = argsort(keys, n);
        const partitions = groupsOf(
          config.partitionBy.map((c) => all.columns[c]!),
          perm,
          n,
          null,
        );
        const peers = groupsOf(
          config.orderBy.map((k) => all.columns[k.column]!),
          perm,
          n,
          partitions,
        );
        const only = config.orderBy.length === 1 ? config.orderBy[0]! : null;
        let range: RangeKey | null | undefined;
        const env: Env = {
          all,
          perm,
          n,
          partitions,
          peers,
          hasOrder: config.orderBy.length > 0,
          rangeKey: () => {
            if (range === undefined)
              range =
                only === null ? null : rangeKey(all.columns[only.column]!, perm, n, only.descending === true);
            return range;
          },
        };
        const results = config.functions.map((f, i) =>
          evaluate(f, env, schema[input.schema.length + i]!.type),
        );
        for (let s = 0; s < n; s += ctx.batchSize) {
          throwIfCanceled(ctx.signal);
          const e = Math.min(n, s + ctx.batchSize);
          const idx = perm.subarray(s, e);
          const columns: Vector[] = all.columns.map((c) => gather(c, idx, e - s));
          for (const r of results) columns.push(sliceVector(r, s, e));
          yield { schema, columns, length: e - s };
        }
      } finally {
        reservation.release();
      }
    },
  };
}

interface Env {
  all: Batch;
  perm: Int32Array;
  n: number;
  partitions: Groups;
  peers: Groups;
  hasOrder: boolean;
  rangeKey: () => RangeKey | null;
}

function evaluate(spec: WindowFunctionSpec, env: Env, type: DataType): Vector {
  const { perm, n, partitions: parts, peers } = env;
  const arg = spec.arg === undefined ? null : env.all.columns[spec.arg]!;
  const int64 = (values: Float64Array): Vector => ({ kind: 'f64', type, length: n, validity: null, values });
  switch (spec.func) {
    case 'row_number': {
      const out = new Float64Array(n);
      for (let j = 0; j < n; j++) out[j] = j - parts.start[j]! + 1;
      return int64(out);
    }
    case 'rank': {
      const out = new Float64Array(n);
      for (let j = 0; j < n; j++) out[j] = peers.start[j]! - parts.start[j]! + 1;
      return int64(out);
    }
    case 'dense_rank': {
      const out = new Float64Array(n);
      let r = 0;
      for (let j = 0; j < n; j++) {
        if (parts.start[j] === j) r = 0;
        if (peers.start[j] === j) r++;
        out[j] = r;
      }
      return int64(out);
    }
    case 'percent_rank': {
      const out = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const rows = parts.end[j]! - parts.start[j]!;
        out[j] = rows <= 1 ? 0 : (peers.start[j]! - parts.start[j]!) / (rows - 1);
      }
      return { kind: 'f64', type, length: n, validity: null, values: out };
    }
    case 'cume_dist': {
      const out = new Float64Array(n);
      for (let j = 0; j < n; j++)
        out[j] = (peers.end[j]! - parts.start[j]!) / (parts.end[j]! - parts.start[j]!);
      return { kind: 'f64', type, length: n, validity: null, values: out };
    }
    case 'ntile': {
      const buckets = spec.offset ?? 1;
      if (!(buckets >= 1))
        throw new SkeinError('INVALID_ARGUMENT', 'ntile: the number of buckets must be positive');
      const out = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        const rows = parts.end[j]! - parts.start[j]!;
        const r = j - parts.start[j]!;
        const q = Math.floor(rows / buckets);
        const extra = rows % buckets;
        const big = extra * (q + 1);
        out[j] =
          q === 0 ? r + 1 : r < big ? Math.floor(r / (q + 1)) + 1 : Math.floor((r - big) / q) + extra + 1;
      }
      return int64(out);
    }
    case 'lag':
    case 'lead': {
      const v = arg!;
      const off = (spec.offset ?? 1) * (spec.func === 'lag' ? -1 : 1);
      const dflt = spec.defaultArg === undefined ? null : env.all.columns[spec.defaultArg]!;
      // Gather from [argument, default] so a missing row can take the current row's default.
      const src = dflt === null ? v : concatVectors(v.type, [v, dflt]);
      const idx = new Int32Array(n);
      for (let j = 0; j < n; j++) {
        const p = j + off;
        if (p >= parts.start[j]! && p < parts.end[j]!) idx[j] = perm[p]!;
        else idx[j] = dflt === null ? -1 : n + perm[j]!;
      }
      return gather(src, idx, n, true);
    }
    default:
      return frameFunction(spec, env, arg, type);
  }
}

function frameFunction(spec: WindowFunctionSpec, env: Env, arg: Vector | null, type: DataType): Vector {
  const { perm, n } = env;
  const frame = spec.frame ?? (env.hasOrder ? DEFAULT_FRAME : WHOLE_PARTITION);
  const needsKey =
    frame.mode === 'range' &&
    (frame.start.kind === 'preceding' ||
      frame.start.kind === 'following' ||
      frame.end.kind === 'preceding' ||
      frame.end.kind === 'following');
  const frames = framesOf(frame, n, env.partitions, env.peers, needsKey ? env.rangeKey() : null);
  switch (spec.func) {
    case 'first_value':
    case 'last_value': {
      const idx = new Int32Array(n);
      for (let j = 0; j < n; j++) {
        const s = frames.start[j]!;
        const e = frames.end[j]!;
        idx[j] = s >= e ? -1 : perm[spec.func === 'first_value' ? s : e - 1]!;
      }
      return gather(arg!, idx, n, true);
    }
    case 'count_star': {
      const out = new Float64Array(n);
      for (let j = 0; j < n; j++) out[j] = Math.max(0, frames.end[j]! - frames.start[j]!);
      return { kind: 'f64', type, length: n, validity: null, values: out };
    }
    case 'count': {
      const pc = prefixCounts(arg!, perm, n);
      const out = new Float64Array(n);
      for (let j = 0; j < n; j++) out[j] = rangeCount(pc, frames, j);
      return { kind: 'f64', type, length: n, validity: null, values: out };
    }
    case 'sum':
    case 'avg':
      return frameSum(spec.func === 'avg', arg!, env, frames, type);
    case 'min':
    case 'max': {
      const v = arg!;
      const m = v.kind === 'null' ? null : v.validity;
      const present = (j: number) => {
        const r = perm[j]!;
        return v.kind !== 'null' && (m === null || ((m[r >> 3]! >> (r & 7)) & 1) === 1);
      };
      const cmp = valueComparator(v, v, { descending: spec.func === 'max', nullsFirst: false });
      const tree = new ArgTree(n, present, (a, b) => cmp(perm[a]!, perm[b]!) < 0);
      const idx = new Int32Array(n);
      for (let j = 0; j < n; j++) {
        const s = frames.start[j]!;
        const e = frames.end[j]!;
        const best = s >= e ? -1 : tree.query(s, e);
        idx[j] = best < 0 ? -1 : perm[best]!;
      }
      return gather(v, idx, n, true);
    }
    default:
      throw new SkeinError(
        'INTERNAL',
        `internal error (this is a bug in Skein): window function ${spec.func}`,
      );
  }
}

/** pc[j] = number of non-NULL argument values at sorted positions [0, j). */
function prefixCounts(v: Vector, perm: Int32Array, n: number): Float64Array {
  const pc = new Float64Array(n + 1);
  const m = v.kind === 'null' ? null : v.validity;
  for (let j = 0; j < n; j++) {
    const r = perm[j]!;
    const ok = v.kind !== 'null' && (m === null || ((m[r >> 3]! >> (r & 7)) & 1) === 1);
    pc[j + 1] = pc[j]! + (ok ? 1 : 0);
  }
  return pc;
}

function rangeCount(pc: Float64Array, f: Frames, j: number): number {
  const s = f.start[j]!;
  const e = f.end[j]!;
  return s >= e ? 0 : pc[e]! - pc[s]!;
}

/** sum / avg over each frame: exact two-part prefix sums for integers and decimals. */
function frameSum(isAvg: boolean, v: Vector, env: Env, frames: Frames, type: DataType): Vector {
  const { perm, n } = env;
  const pc = prefixCounts(v, perm, n);
  const m = v.kind === 'null' ? null : v.validity;
  const validity = new Uint8Array((n + 7) >> 3);
  let nulls = false;
  const out = new Float64Array(n);
  const valid = (r: number) => v.kind !== 'null' && (m === null || ((m[r >> 3]! >> (r & 7)) & 1) === 1);

  if (v.type.kind === 'float64') {
    const vals = new Float64Array(n);
    if (v.kind === 'f64') for (let j = 0; j < n; j++) if (valid(perm[j]!)) vals[j] = v.values[perm[j]!]!;
    const tree = new SumTree(vals, n);
    for (let j = 0; j < n; j++) {
      const c = rangeCount(pc, frames, j);
      if (c === 0) {
        nulls = true;
        continue;
      }
      validity[j >> 3]! |= 1 << (j & 7);
      const s = tree.query(frames.start[j]!, frames.end[j]!);
      out[j] = isAvg ? s / c : s;
    }
    return { kind: 'f64', type, length: n, validity: nulls ? validity : null, values: out };
  }

  if (v.kind === 'str' || v.kind === 'interval' || v.kind === 'bool')
    throw new SkeinError('TYPE', `Window: ${isAvg ? 'avg' : 'sum'} does not accept ${typeToString(v.type)}`);
  // Exact prefix sums: pre = hi·2^32 + lo with lo kept in [0, 2^32).
  const preHi = new Float64Array(n + 1);
  const preLo = new Float64Array(n + 1);
  const halves = v.kind === 'i64' ? new Int32Array(v.values.buffer, v.values.byteOffset, v.length * 2) : null;
  for (let j = 0; j < n; j++) {
    const r = perm[j]!;
    let h = 0;
    let l = 0;
    if (valid(r)) {
      if (halves !== null) {
        h = halves[2 * r + 1]!;
        l = halves[2 * r]! >>> 0;
      } else if (v.kind === 'i32' || v.kind === 'f64') {
        const x = v.values[r]!;
        h = Math.floor(x / TWO_32);
        l = x - h * TWO_32;
      }
    }
    let lo = preLo[j]! + l;
    let hi = preHi[j]! + h;
    if (lo >= TWO_32) {
      lo -= TWO_32;
      hi += 1;
    }
    preLo[j + 1] = lo;
    preHi[j + 1] = hi;
  }
  const scale = v.type.kind === 'decimal' ? 10 ** v.type.scale : 1;
  let big: BigInt64Array | null = null;
  for (let j = 0; j < n; j++) {
    const c = rangeCount(pc, frames, j);
    if (c === 0) {
      nulls = true;
      continue;
    }
    validity[j >> 3]! |= 1 << (j & 7);
    const s = frames.start[j]!;
    const e = frames.end[j]!;
    const hi = preHi[e]! - preHi[s]!;
    const lo = preLo[e]! - preLo[s]!;
    const total = hi * TWO_32 + lo;
    if (isAvg) out[j] = total / c / scale;
    else if (Math.abs(total) < 2 ** 52) out[j] = total;
    else {
      const exact = BigInt(hi) * 4294967296n + BigInt(lo);
      if (exact > 2n ** 63n - 1n || exact < -(2n ** 63n))
        throw new SkeinError(
          'EXECUTION',
          `sum out of range: the total exceeds the range of ${typeToString(type)}`,
        );
      big ??= BigInt64Array.from(out, (x) => BigInt(x));
      big[j] = exact;
      out[j] = Number(exact);
      continue;
    }
    if (big !== null) big[j] = BigInt(out[j]!);
  }
  const vm = nulls ? validity : null;
  if (big !== null) return { kind: 'i64', type, length: n, validity: vm, values: big };
  return { kind: 'f64', type, length: n, validity: vm, values: out };
}

export { windowResultType, windowSchema };
