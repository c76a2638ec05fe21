/**
 * HashAggregate: GROUP BY with aggregate functions, in one step (`single`) or split for the
 * distributed runtime into `partial` (per task, emits intermediate states) and `final` (merges
 * the states of equal keys after a hash exchange). See `HashAggregateConfig` for the contract.
 *
 * Per batch: the group table maps the key columns to group ids (`GroupTable`: a direct array for
 * small packed domains, else hashing); then each aggregate updates its typed-array state for the
 * rows that count, one tight loop per aggregate. The table and states reserve memory as they grow;
 * over the budget the query fails with RESOURCES_EXHAUSTED naming HashAggregate.
 *
 * @example
 * const out = hashAggregate(scan, {
 *   mode: 'single',
 *   groupBy: [0, 1],
 *   aggregates: [{ func: 'sum', arg: 2, name: 'sum_qty' }, { func: 'count_star', name: 'count_order' }],
 * }, ctx);
 * for await (const batch of out) { … }
 */
import { SkeinError } from '../../errors.ts';
import { type DataType, type Field, INT32, type Schema } from '../../types/data-type.ts';
import type { BatchStream, ExecContext } from '../context.ts';
import { gather } from '../gather.ts';
import { GroupTable } from '../hash/group-table.ts';
import type { Batch, I32Vector, Vector } from '../vector.ts';
import { throwIfCanceled } from '../vector-ops.ts';
import { type Accumulator, BatchHistogram } from './accumulator.ts';
import {
  type AggregateFunction,
  type AggregateSpec,
  aggregateResultType,
  aggregateStateFields,
  type HashAggregateConfig,
  stateWidth,
  sumType,
} from './aggregate-spec.ts';
import { AvgAccumulator } from './avg.ts';
import { BoolAndOrAccumulator } from './bool-and-or.ts';
import { CountAccumulator } from './count.ts';
import { MinMaxAccumulator } from './min-max.ts';
import { FloatSumAccumulator, IntSumAccumulator } from './sum.ts';
import { VarianceAccumulator } from './variance.ts';

export type { AggregateFunction, AggregateSpec, HashAggregateConfig };

const OPERATOR = 'HashAggregate';

/** Where each aggregate's argument type comes from, per mode, and where its states sit. */
interface Layout {
  keyColumns: number[];
  keyFields: Field[];
  /** Argument type (single/partial) or first state type (final); null for count(*). */
  argTypes: (DataType | null)[];
  /** final: index of each aggregate's first state column. */
  stateStart: number[];
}

function layoutOf(input: Schema, config: HashAggregateConfig): Layout {
  const k = config.groupBy.length;
  if (config.mode === 'final') {
    const stateStart: number[] = [];
    let pos = k;
    const argTypes = config.aggregates.map((a) => {
      stateStart.push(pos);
      const t = input[pos]?.type;
      pos += stateWidth(a.func);
      if (t === undefined)
        throw planError(`its input has ${input.length} columns, fewer than the partial states need`);
      return a.func === 'count_star' || a.func === 'count' ? null : t;
    });
    if (pos !== input.length)
      throw planError(`its input has ${input.length} columns but the keys and partial states make ${pos}`);
    const keyColumns = Array.from({ length: k }, (_, i) => i);
    return { keyColumns, keyFields: keyColumns.map((c) => input[c]!), argTypes, stateStart };
  }
  const keyColumns = [...config.groupBy];
  for (const c of keyColumns)
    if (input[c] === undefined) throw planError(`group key column ${c} does not exist`);
  const argTypes = config.aggregates.map((a) => {
    if (a.func === 'count_star') return null;
    if (a.arg === undefined) throw planError(`aggregate ${a.func} (${a.name}) has no argument column`);
    const f = input[a.arg];
    if (f === undefined) throw planError(`argument column ${a.arg} of ${a.name} does not exist`);
    if (a.filter !== undefined && input[a.filter]?.type.kind !== 'boolean')
      throw planError(`FILTER column ${a.filter} of ${a.name} is not a boolean column`);
    return f.type;
  });
  return { keyColumns, keyFields: keyColumns.map((c) => input[c]!), argTypes, stateStart: [] };
}

/** The schema a HashAggregate with this config emits over an input of schema `input`. */
export function hashAggregateSchema(input: Schema, config: HashAggregateConfig): Schema {
  const layout = layoutOf(input, config);
  const fields: Field[] = [...layout.keyFields];
  config.aggregates.forEach((a, i) => {
    const t = layout.argTypes[i]!;
    if (config.mode === 'partial') fields.push(...aggregateStateFields(a, t));
    else {
      const countLike = a.func === 'count_star' || a.func === 'count';
      fields.push({ name: a.name, type: aggregateResultType(a.func, t), nullable: !countLike });
    }
  });
  return fields;
}

/** Creates the accumulator of `func` for an argument (or, in final mode, first state) type. */
export function createAccumulator(func: AggregateFunction, argType: DataType | null): Accumulator {
  const result = aggregateResultType(func, argType);
  switch (func) {
    case 'count_star':
    case 'count':
      return new CountAccumulator(result);
    case 'sum':
      return result.kind === 'float64' ? new FloatSumAccumulator(result) : new IntSumAccumulator(result);
    case 'avg':
      return new AvgAccumulator(sumType(argType!));
    case 'var_samp':
    case 'var_pop':
    case 'stddev_samp':
    case 'stddev_pop':
      return new VarianceAccumulator(func, argType!);
    case 'bool_and':
    case 'bool_or':
      return new BoolAndOrAccumulator(func === 'bool_and');
    case 'min':
    case 'max':
      return new MinMaxAccumulator(result, func);
    case 'any_value':
      return new MinMaxAccumulator(result, 'any');
    case 'first':
      return new MinMaxAccumulator(result, 'first');
  }
}

/** Runs a HashAggregate over `input`. */
export function hashAggregate(
  input: BatchStream,
  config: HashAggregateConfig,
  ctx: ExecContext,
): BatchStream {
  const layout = layoutOf(input.schema, config);
  const schema = hashAggregateSchema(input.schema, config);
  if (config.mode !== 'single') {
    const d = config.aggregates.find((a) => a.distinct);
    if (d !== undefined)
      throw new SkeinError(
        'NOT_IMPLEMENTED',
        `${d.func}(DISTINCT …) (${d.name}) cannot be split into partial and final aggregates; ` +
          'plan it as a single aggregate, or aggregate the distinct values by (keys, argument) first',
      );
  }
  return {
    schema,
    [Symbol.asyncIterator]: () => run(input, config, ctx, layout, schema)[Symbol.asyncIterator](),
  };
}

async function* run(
  input: BatchStream,
  config: HashAggregateConfig,
  ctx: ExecContext,
  layout: Layout,
  schema: Schema,
): AsyncGenerator<Batch> {
  const reservation = ctx.memory.reserve(OPERATOR);
  try {
    const table = new GroupTable(layout.keyFields.map((f) => f.type));
    const specs = config.aggregates;
    const accs = specs.map((a, i) => createAccumulator(a.func, layout.argTypes[i]!));
    const distinct = specs.map((a, i) => (a.distinct ? new GroupTable([INT32, layout.argTypes[i]!]) : null));
    let gids = new Int32Array(0);
    const final = config.mode === 'final';
    const shared = new BatchHistogram();
    for await (const batch of input) {
      throwIfCanceled(ctx.signal);
      const n = batch.length;
      if (n === 0) continue;
      if (gids.length < n) gids = new Int32Array(Math.max(n, ctx.batchSize));
      table.findOrInsert(
        layout.keyColumns.map((c) => batch.columns[c]!),
        n,
        gids,
      );
      const groups = table.groupCount;
      for (const acc of accs) acc.resize(groups);
      shared.reset(gids, n, groups);
      if (final) {
        specs.forEach((a, i) => {
          const start = layout.stateStart[i]!;
          accs[i]!.merge(gids, batch.columns.slice(start, start + stateWidth(a.func)), n);
        });
      } else {
        const selections = new Map<string, Int32Array | null>();
        specs.forEach((a, i) => {
          const acc = accs[i]!;
          const arg = a.func === 'count_star' ? null : batch.columns[a.arg!]!;
          const cacheKey = `${a.func === 'count_star' ? -1 : a.arg}|${a.filter ?? -1}|${acc.seesNulls}`;
          let sel = selections.get(cacheKey);
          if (sel === undefined) {
            sel = selectRows(batch, arg !== null && !acc.seesNulls ? arg : null, a.filter);
            selections.set(cacheKey, sel);
          }
          if (a.distinct && arg !== null) sel = firstOccurrences(distinct[i]!, gids, arg, sel, n);
          acc.update(gids, arg, sel, sel === null ? n : sel.length, shared);
        });
      }
      let bytes = table.byteSize();
      for (const acc of accs) bytes += acc.byteSize();
      for (const d of distinct) if (d !== null) bytes += d.byteSize();
      reservation.resize(bytes);
    }
    table.ensureGlobalGroup();
    const groups = table.groupCount;
    for (const acc of accs) acc.resize(groups);
    const partial = config.mode === 'partial';
    for (let start = 0; start < groups; start += ctx.batchSize) {
      throwIfCanceled(ctx.signal);
      const end = Math.min(groups, start + ctx.batchSize);
      const columns: Vector[] = table.keyColumns(start, end);
      for (const acc of accs) {
        if (partial) columns.push(...acc.states(start, end));
        else columns.push(acc.result(start, end));
      }
      yield { schema, columns, length: end - start };
    }
  } finally {
    reservation.release();
  }
}

/**
 * The rows of a batch an aggregate takes: FILTER true and argument not NULL. Null when that is
 * every row (the accumulators' fastest loops).
 */
function selectRows(batch: Batch, arg: Vector | null, filter: number | undefined): Int32Array | null {
  const n = batch.length;
  const f = filter === undefined ? null : batch.columns[filter]!;
  const am = arg === null ? null : arg.kind === 'null' ? new Uint8Array((n + 7) >> 3) : arg.validity;
  if (f === null && am === null) return null;
  const out = new Int32Array(n);
  let k = 0;
  if (f === null) {
    for (let i = 0; i < n; i++) if ((am![i >> 3]! >> (i & 7)) & 1) out[k++] = i;
  } else {
    const fv = f.kind === 'bool' ? f.values : null;
    const fm = f.kind === 'null' ? null : f.validity;
    for (let i = 0; i < n; i++) {
      if (fv === null || fv[i] === 0) continue;
      if (fm !== null && ((fm[i >> 3]! >> (i & 7)) & 1) === 0) continue;
      if (am !== null && ((am[i >> 3]! >> (i & 7)) & 1) === 0) continue;
      out[k++] = i;
    }
  }
  return out.subarray(0, k);
}

/** Of the selected rows, those bringing a (group, value) pair not seen before (for DISTINCT). */
function firstOccurrences(
  seen: GroupTable,
  gids: Int32Array,
  arg: Vector,
  sel: Int32Array | null,
  n: number,
): Int32Array {
  const rows = sel ?? identity(n);
  const m = rows.length;
  const g: I32Vector = { kind: 'i32', type: INT32, length: m, validity: null, values: new Int32Array(m) };
  for (let k = 0; k < m; k++) g.values[k] = gids[rows[k]!]!;
  const v = sel === null ? arg : gather(arg, rows, m);
  const before = seen.groupCount;
  const ids = new Int32Array(m);
  seen.findOrInsert([g, v], m, ids);
  // A pair is new when its id is at least `before`; its first row is the one that counts. (Ids
  // are not assigned in row order when hash collisions are resolved, so mark rather than count.)
  const first = new Int32Array(seen.groupCount - before).fill(-1);
  for (let k = 0; k < m; k++) {
    const id = ids[k]! - before;
    if (id >= 0 && first[id] === -1) first[id] = k;
  }
  const out = new Int32Array(m);
  let w = 0;
  for (let k = 0; k < m; k++) {
    const id = ids[k]! - before;
    if (id >= 0 && first[id] === k) out[w++] = rows[k]!;
  }
  return out.subarray(0, w);
}

function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

function planError(what: string): SkeinError {
  return new SkeinError('PLAN', `HashAggregate: ${what}`);
}
