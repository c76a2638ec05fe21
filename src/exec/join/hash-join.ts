/**
 * HashJoin: an equi-join on key columns, with an optional residual condition, for every join type
 * of `JoinType`. One input (the config's `buildSide`, which the planner picks as the smaller) is
 * read whole into a `JoinHashTable`; the other streams through it batch by batch.
 *
 * Probing a batch produces (probe row, build row) pairs in chunks of at most `batchSize`, which are
 * gathered into output batches — a join that multiplies rows still emits bounded batches. Outer,
 * semi, anti and mark joins keep match flags: per probe batch for the probe side, and for the
 * whole build side (its unmatched or matched rows are emitted after the probe input ends).
 * NULL keys never match. The distributed runtime runs one HashJoin per hash partition of both
 * inputs (or broadcasts the build side); nothing here depends on which.
 *
 * @example
 * // SELECT … FROM lineitem l JOIN orders o ON l.l_orderkey = o.o_orderkey
 * const out = hashJoin(lineitem, orders, {
 *   joinType: 'inner', leftKeys: [0], rightKeys: [0], buildSide: 'right',
 * }, ctx);
 */
import { SkeinError } from '../../errors.ts';
import type { Schema } from '../../types/data-type.ts';
import type { BatchStream, ExecContext } from '../context.ts';
import { batchBytes, concatBatches, gatherBatch } from '../gather.ts';
import { JoinHashTable, JoinProbe } from '../hash/join-table.ts';
import type { Batch, BoolVector, Vector } from '../vector.ts';
import { throwIfCanceled } from '../vector-ops.ts';
import {
  conditionSchema,
  indicesWhere,
  type JoinCondition,
  type JoinType,
  joinOutputSchema,
  leftOnly,
  PairAssembler,
  truthMask,
} from './join-type.ts';

export type { JoinCondition, JoinType };

/** A HashJoin node's configuration (plain data). */
export interface HashJoinConfig {
  readonly joinType: JoinType;
  /** Key columns of the left input; pairwise equal to `rightKeys`. */
  readonly leftKeys: readonly number[];
  readonly rightKeys: readonly number[];
  /** The input loaded into the hash table; the other one streams. */
  readonly buildSide: 'left' | 'right';
  /** mark join: the mark column's name (default `mark`). */
  readonly markName?: string;
  /** mark join: `IN` semantics (NULL rather than false when NULL keys are involved). */
  readonly markNullAware?: boolean;
  /**
   * The columns to emit, as indices into the full output (left columns, then right columns or the
   * mark); all when absent. Columns a plan no longer needs (join keys, mostly) are then never
   * gathered.
   */
  readonly projection?: readonly number[];
  /**
   * The columns (of the left columns followed by the right ones) the residual condition reads;
   * with a projection, only these and the projected ones are gathered for key-matching pairs.
   */
  readonly residualColumns?: readonly number[];
}

const OPERATOR = 'HashJoin';

/** The schema a HashJoin emits. */
export function hashJoinSchema(left: Schema, right: Schema, config: HashJoinConfig): Schema {
  const full = joinOutputSchema(left, right, config.joinType, config.markName);
  return config.projection === undefined ? full : config.projection.map((i) => full[i]!);
}

/**
 * Runs a HashJoin of `left` and `right`. `residual`, when given, is the non-equi part of the join
 * condition, evaluated over (left columns, right columns) batches of key-matching pairs.
 * `onBuild`, when given, is called with the build side's key columns (in `buildKeys` order) once
 * the table is built and before the probe side is read — only when probe rows without a match
 * cannot affect the output, so that a runtime filter may drop them (`runtime-filter.ts`).
 */
export function hashJoin(
  left: BatchStream,
  right: BatchStream,
  config: HashJoinConfig,
  ctx: ExecContext,
  residual?: JoinCondition,
  onBuild?: (keys: readonly Vector[]) => void,
): BatchStream {
  validate(left.schema, right.schema, config, residual);
  const schema = hashJoinSchema(left.schema, right.schema, config);
  return {
    schema,
    [Symbol.asyncIterator]: () =>
      run(left, right, config, ctx, schema, residual, onBuild)[Symbol.asyncIterator](),
  };
}

function validate(
  left: Schema,
  right: Schema,
  config: HashJoinConfig,
  residual: JoinCondition | undefined,
): void {
  const fail = (what: string) => new SkeinError('PLAN', `HashJoin: ${what}`);
  if (config.leftKeys.length !== config.rightKeys.length || config.leftKeys.length === 0)
    throw fail('needs the same number (at least one) of left and right key columns');
  for (const c of config.leftKeys)
    if (left[c] === undefined) throw fail(`left key column ${c} does not exist`);
  for (const c of config.rightKeys)
    if (right[c] === undefined) throw fail(`right key column ${c} does not exist`);
  const width = joinOutputSchema(left, right, config.joinType, config.markName).length;
  for (const c of config.projection ?? [])
    if (!Number.isInteger(c) || c < 0 || c >= width) throw fail(`projected column ${c} does not exist`);
  if (config.joinType === 'null_aware_anti' && (config.leftKeys.length !== 1 || residual !== undefined))
    throw new SkeinError(
      'NOT_IMPLEMENTED',
      'NOT IN with several columns or a correlated condition is not supported yet (null-aware anti join of one key only)',
    );
}

async function* run(
  leftIn: BatchStream,
  rightIn: BatchStream,
  config: HashJoinConfig,
  ctx: ExecContext,
  schema: Schema,
  residual: JoinCondition | undefined,
  onBuild: ((keys: readonly Vector[]) => void) | undefined,
): AsyncGenerator<Batch> {
  const type = config.joinType;
  const buildLeft = config.buildSide === 'left';
  const buildIn = buildLeft ? leftIn : rightIn;
  const probeIn = buildLeft ? rightIn : leftIn;
  const buildKeys = buildLeft ? config.leftKeys : config.rightKeys;
  const probeKeys = buildLeft ? config.rightKeys : config.leftKeys;
  const leftWidth = leftIn.schema.length;
  const out = new PairAssembler(schema, leftWidth, config.projection);
  const cond =
    residual === undefined
      ? null
      : new PairAssembler(
          conditionSchema(leftIn.schema, rightIn.schema),
          leftWidth,
          undefined,
          config.projection !== undefined &&
            config.residualColumns !== undefined &&
            leftOnly(config.joinType) === false
            ? new Set([...config.residualColumns, ...config.projection])
            : config.residualColumns !== undefined && leftOnly(config.joinType)
              ? new Set(config.residualColumns)
              : undefined,
        );
  const cap = ctx.batchSize;
  const reservation = ctx.memory.reserve(OPERATOR);
  try {
    // ---- build
    const parts: Batch[] = [];
    let bytes = 0;
    for await (const b of buildIn) {
      throwIfCanceled(ctx.signal);
      if (b.length === 0) continue;
      parts.push(b);
      bytes += batchBytes(b);
      reservation.resize(bytes);
    }
    let input: Batch | null =
      parts.length === 0 ? emptyOf(buildIn.schema) : concatBatches(buildIn.schema, parts);
    if (parts.length > 1) reservation.resize(bytes + batchBytes(input));
    parts.length = 0;
    // A direct table may reorder the build rows into key order: from here on, rows of table.batch.
    // A sparse direct table only within the memory the query has left (the hashed layouts fit less).
    const table = new JoinHashTable(
      input,
      buildKeys,
      Math.max(0, ctx.memory.limit - ctx.memory.reserved) / 2,
    );
    input = null; // (let the unordered copy go)
    const build = table.batch;
    reservation.resize(batchBytes(build) + table.byteSize() + build.length);

    // What each side needs tracked.
    const leftIsProbe = !buildLeft;
    const pairsOut = !leftOnly(type);
    const preserveProbe = leftIsProbe
      ? type === 'left' || type === 'full'
      : type === 'right' || type === 'full';
    const preserveBuild = leftIsProbe
      ? type === 'right' || type === 'full'
      : type === 'left' || type === 'full';
    const leftRowsFromProbe = leftIsProbe && leftOnly(type);
    const leftRowsFromBuild = !leftIsProbe && leftOnly(type);
    const trackBuild = preserveBuild || leftRowsFromBuild;
    const buildMatched = trackBuild ? new Uint8Array(build.length) : null;
    const firstOnly = leftRowsFromProbe && cond === null;

    // Inputs whose output can only come from matches end early on an empty build side.
    const onlyMatches = !preserveProbe && !(leftRowsFromProbe && type !== 'semi');
    if (build.length === 0 && onlyMatches) return;
    // Probe rows that match nothing cannot matter: the probe side may drop them (NOT IN and mark
    // joins excepted: NULL keys on either side change their results).
    if (onBuild !== undefined && onlyMatches && type !== 'null_aware_anti' && type !== 'mark')
      onBuild(table.keys);
    if (type === 'null_aware_anti' && leftIsProbe && table.hasNullKey) return;

    // ---- probe
    const pIdx = new Int32Array(cap);
    const bIdx = new Int32Array(cap);
    let probeRows = 0;
    let probeHasNullKey = false;
    for await (const pb of probeIn) {
      throwIfCanceled(ctx.signal);
      const n = pb.length;
      if (n === 0) continue;
      probeRows += n;
      const probe = new JoinProbe(
        table,
        probeKeys.map((c) => pb.columns[c]!),
        n,
      );
      const probeMatched = preserveProbe || leftRowsFromProbe ? new Uint8Array(n) : null;
      while (!probe.done) {
        let m = probe.next(pIdx, bIdx, cap, firstOnly);
        if (m === 0) continue;
        let combined: Batch | null = null;
        if (cond !== null) {
          combined = buildLeft
            ? cond.pairs(build, bIdx, pb, pIdx, m, false, false)
            : cond.pairs(pb, pIdx, build, bIdx, m, false, false);
          const keep = truthMask(residual!(combined), m);
          const sel = indicesWhere(keep, m, 1);
          if (sel.length < m) {
            for (let k = 0; k < sel.length; k++) {
              pIdx[k] = pIdx[sel[k]!]!;
              bIdx[k] = bIdx[sel[k]!]!;
            }
            if (pairsOut && sel.length > 0) combined = gatherBatch(combined, sel);
            m = sel.length;
          }
          if (m === 0) continue;
        }
        if (probeMatched !== null) for (let k = 0; k < m; k++) probeMatched[pIdx[k]!] = 1;
        if (buildMatched !== null) for (let k = 0; k < m; k++) buildMatched[bIdx[k]!] = 1;
        if (pairsOut) {
          if (combined !== null) yield out.select(combined);
          else
            yield buildLeft
              ? out.pairs(build, bIdx, pb, pIdx, m, false, false)
              : out.pairs(pb, pIdx, build, bIdx, m, false, false);
        }
      }
      if (!leftIsProbe && type === 'null_aware_anti') {
        for (let i = 0; i < n && !probeHasNullKey; i++) if (probe.isNullKey(i)) probeHasNullKey = true;
      }
      if (!leftIsProbe && type === 'mark' && config.markNullAware) {
        for (let i = 0; i < n && !probeHasNullKey; i++) if (probe.isNullKey(i)) probeHasNullKey = true;
      }
      // Probe rows decided by this batch alone.
      if (preserveProbe) {
        const rows = indicesWhere(probeMatched!, n, 0);
        for (let s = 0; s < rows.length; s += cap) {
          const chunk = rows.subarray(s, Math.min(rows.length, s + cap));
          yield buildLeft
            ? out.rightPadded(pb, chunk, chunk.length)
            : out.leftPadded(pb, chunk, chunk.length);
        }
      } else if (leftRowsFromProbe) {
        yield* probeLeftRows(pb, probeMatched!, probe, table, build.length, type, config, out, cap);
      }
    }

    // ---- build rows decided once the probe input has ended
    if (preserveBuild) {
      const rows = indicesWhere(buildMatched!, build.length, 0);
      for (let s = 0; s < rows.length; s += cap) {
        const chunk = rows.subarray(s, Math.min(rows.length, s + cap));
        yield buildLeft
          ? out.leftPadded(build, chunk, chunk.length)
          : out.rightPadded(build, chunk, chunk.length);
      }
    } else if (leftRowsFromBuild) {
      const keyNull = nullKeyFlags(build, buildKeys);
      let rows: Int32Array;
      let mark: Uint8Array | null = null;
      let markValid: Uint8Array | null = null;
      if (type === 'semi') rows = indicesWhere(buildMatched!, build.length, 1);
      else if (type === 'anti') rows = indicesWhere(buildMatched!, build.length, 0);
      else if (type === 'null_aware_anti') {
        if (probeRows === 0) rows = allRows(build.length);
        else if (probeHasNullKey) rows = new Int32Array(0);
        else {
          const keep = new Uint8Array(build.length);
          for (let i = 0; i < build.length; i++) keep[i] = buildMatched![i] === 0 && keyNull[i] === 0 ? 1 : 0;
          rows = indicesWhere(keep, build.length, 1);
        }
      } else {
        rows = allRows(build.length);
        mark = buildMatched!;
        markValid = new Uint8Array(build.length).fill(1);
        if (config.markNullAware) {
          for (let i = 0; i < build.length; i++) {
            if (mark[i] === 1) continue;
            if ((keyNull[i] === 1 && probeRows > 0) || probeHasNullKey) markValid[i] = 0;
          }
        }
      }
      for (let s = 0; s < rows.length; s += cap) {
        const e = Math.min(rows.length, s + cap);
        const chunk = rows.subarray(s, e);
        yield out.leftRows(
          build,
          chunk,
          chunk.length,
          mark === null ? undefined : markVector(mark.subarray(s, e), markValid!.subarray(s, e)),
        );
      }
    }
  } finally {
    reservation.release();
  }
}

/** semi / anti / null-aware anti / mark output for one probe batch whose rows are the left rows. */
function* probeLeftRows(
  pb: Batch,
  matched: Uint8Array,
  probe: JoinProbe,
  table: JoinHashTable,
  buildRows: number,
  type: JoinType,
  config: HashJoinConfig,
  out: PairAssembler,
  cap: number,
): Generator<Batch> {
  const n = pb.length;
  if (type === 'mark') {
    const valid = new Uint8Array(n).fill(1);
    if (config.markNullAware) {
      for (let i = 0; i < n; i++) {
        if (matched[i] === 1) continue;
        if ((probe.isNullKey(i) && buildRows > 0) || table.hasNullKey) valid[i] = 0;
      }
    }
    for (let s = 0; s < n; s += cap) {
      const e = Math.min(n, s + cap);
      yield out.leftRows(
        pb,
        allRows(e - s, s),
        e - s,
        markVector(matched.subarray(s, e), valid.subarray(s, e)),
      );
    }
    return;
  }
  let rows: Int32Array;
  if (type === 'semi') rows = indicesWhere(matched, n, 1);
  else if (type === 'anti') rows = indicesWhere(matched, n, 0);
  else {
    // null-aware anti (the build side has no NULL key here: that case ended the join early)
    if (buildRows === 0) rows = allRows(n);
    else {
      const keep = new Uint8Array(n);
      for (let i = 0; i < n; i++) keep[i] = matched[i] === 0 && !probe.isNullKey(i) ? 1 : 0;
      rows = indicesWhere(keep, n, 1);
    }
  }
  for (let s = 0; s < rows.length; s += cap) {
    const chunk = rows.subarray(s, Math.min(rows.length, s + cap));
    yield out.leftRows(pb, chunk, chunk.length);
  }
}

function markVector(values: Uint8Array, valid: Uint8Array): BoolVector {
  const n = values.length;
  let validity: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    if (valid[i] === 0) {
      validity ??= new Uint8Array((n + 7) >> 3).fill(0xff);
      validity[i >> 3]! &= ~(1 << (i & 7));
    }
  }
  return { kind: 'bool', type: { kind: 'boolean' }, length: n, validity, values: values.slice() };
}

function nullKeyFlags(b: Batch, keys: readonly number[]): Uint8Array {
  const flags = new Uint8Array(b.length);
  for (const c of keys) {
    const v = b.columns[c]!;
    if (v.kind === 'null') flags.fill(1);
    else if (v.validity !== null) {
      const m = v.validity;
      for (let i = 0; i < b.length; i++) if (((m[i >> 3]! >> (i & 7)) & 1) === 0) flags[i] = 1;
    }
  }
  return flags;
}

function allRows(n: number, from = 0): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = from + i;
  return a;
}

function emptyOf(schema: Schema): Batch {
  return {
    schema,
    columns: schema.map((f) => ({ kind: 'null', type: f.type, length: 0, validity: null })),
    length: 0,
  };
}
