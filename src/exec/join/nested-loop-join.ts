/**
 * NestedLoopJoin: joins on an arbitrary condition (or none: a cross join). The right input is
 * read whole; each left batch is paired with it in blocks of at most `batchSize` (left row, right
 * row) pairs, the condition is evaluated over each block as one combined batch, and the passing
 * pairs are emitted. Left match flags live per left batch; right match flags (for right and full
 * joins) for the whole right side, whose unmatched rows come out at the end.
 *
 * @example
 * // SELECT … FROM a JOIN b ON a.x < b.y
 * const out = nestedLoopJoin(a, b, { joinType: 'inner' }, ctx, (batch) => lessThan(batch, 0, 3));
 */
import { SkeinError } from '../../errors.ts';
import type { Schema } from '../../types/data-type.ts';
import type { BatchStream, ExecContext } from '../context.ts';
import { batchBytes, concatBatches, gatherBatch } from '../gather.ts';
import type { Batch } from '../vector.ts';
import { eventLoopTurn, throwIfCanceled, turnDue } from '../vector-ops.ts';
import {
  conditionSchema,
  indicesWhere,
  type JoinCondition,
  joinOutputSchema,
  PairAssembler,
  truthMask,
} from './join-type.ts';

/** A NestedLoopJoin node's configuration (plain data). `cross` takes no condition. */
export interface NestedLoopJoinConfig {
  readonly joinType: 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti' | 'cross';
}

const OPERATOR = 'NestedLoopJoin';

export function nestedLoopJoinSchema(left: Schema, right: Schema, config: NestedLoopJoinConfig): Schema {
  return joinOutputSchema(left, right, config.joinType === 'cross' ? 'inner' : config.joinType);
}

/** Runs a NestedLoopJoin; without `condition` every pair qualifies. */
export function nestedLoopJoin(
  left: BatchStream,
  right: BatchStream,
  config: NestedLoopJoinConfig,
  ctx: ExecContext,
  condition?: JoinCondition,
): BatchStream {
  if (config.joinType === 'cross' && condition !== undefined)
    throw new SkeinError('PLAN', 'NestedLoopJoin: a cross join takes no condition (use an inner join)');
  const schema = nestedLoopJoinSchema(left.schema, right.schema, config);
  return {
    schema,
    [Symbol.asyncIterator]: () => run(left, right, config, ctx, schema, condition)[Symbol.asyncIterator](),
  };
}

async function* run(
  leftIn: BatchStream,
  rightIn: BatchStream,
  config: NestedLoopJoinConfig,
  ctx: ExecContext,
  schema: Schema,
  condition: JoinCondition | undefined,
): AsyncGenerator<Batch> {
  const type = config.joinType;
  const leftWidth = leftIn.schema.length;
  const out = new PairAssembler(schema, leftWidth);
  const cond = new PairAssembler(conditionSchema(leftIn.schema, rightIn.schema), leftWidth);
  const cap = ctx.batchSize;
  const reservation = ctx.memory.reserve(OPERATOR);
  try {
    const parts: Batch[] = [];
    let bytes = 0;
    for await (const b of rightIn) {
      throwIfCanceled(ctx.signal);
      if (b.length === 0) continue;
      parts.push(b);
      bytes += batchBytes(b);
      reservation.resize(bytes);
    }
    const right =
      parts.length === 0
        ? { schema: rightIn.schema, columns: [], length: 0 }
        : concatBatches(rightIn.schema, parts);
    parts.length = 0;
    reservation.resize(batchBytes(right) + right.length);
    const nr = right.length;
    const semiAnti = type === 'semi' || type === 'anti';
    const pairsOut = !semiAnti;
    const preserveLeft = type === 'left' || type === 'full';
    const preserveRight = type === 'right' || type === 'full';
    const rightMatched = preserveRight ? new Uint8Array(nr) : null;
    if (nr === 0 && !preserveLeft && type !== 'anti') return;

    const li = new Int32Array(cap);
    const ri = new Int32Array(cap);
    for await (const lb of leftIn) {
      throwIfCanceled(ctx.signal);
      const n = lb.length;
      if (n === 0) continue;
      const leftMatched = new Uint8Array(n);
      let i = 0;
      let j = 0;
      while (i < n && nr > 0) {
        // Next block of pairs, row-major; semi/anti skip left rows already matched.
        let m = 0;
        while (m < cap && i < n) {
          if (semiAnti && leftMatched[i] === 1) {
            i++;
            j = 0;
            continue;
          }
          const take = Math.min(cap - m, nr - j);
          for (let k = 0; k < take; k++) {
            li[m] = i;
            ri[m++] = j + k;
          }
          j += take;
          if (j === nr) {
            i++;
            j = 0;
          }
        }
        if (m === 0) continue;
        // A block can pass no pair on (a selective condition): check in here, not only per batch out.
        if (turnDue()) await eventLoopTurn(ctx.signal);
        let combined = cond.pairs(lb, li, right, ri, m, false, false);
        let kept = m;
        if (condition !== undefined) {
          const sel = indicesWhere(truthMask(condition(combined), m), m, 1);
          kept = sel.length;
          if (kept < m) {
            for (let k = 0; k < kept; k++) {
              li[k] = li[sel[k]!]!;
              ri[k] = ri[sel[k]!]!;
            }
            if (pairsOut && kept > 0) combined = gatherBatch(combined, sel);
          }
        }
        for (let k = 0; k < kept; k++) leftMatched[li[k]!] = 1;
        if (rightMatched !== null) for (let k = 0; k < kept; k++) rightMatched[ri[k]!] = 1;
        if (pairsOut && kept > 0) yield { schema, columns: combined.columns, length: kept };
      }
      if (preserveLeft) {
        const rows = indicesWhere(leftMatched, n, 0);
        for (let s = 0; s < rows.length; s += cap) {
          const chunk = rows.subarray(s, Math.min(rows.length, s + cap));
          yield out.leftPadded(lb, chunk, chunk.length);
        }
      } else if (semiAnti) {
        const rows = indicesWhere(leftMatched, n, type === 'semi' ? 1 : 0);
        for (let s = 0; s < rows.length; s += cap) {
          const chunk = rows.subarray(s, Math.min(rows.length, s + cap));
          yield out.leftRows(lb, chunk, chunk.length);
        }
      }
    }
    if (rightMatched !== null) {
      const rows = indicesWhere(rightMatched, nr, 0);
      for (let s = 0; s < rows.length; s += cap) {
        const chunk = rows.subarray(s, Math.min(rows.length, s + cap));
        yield out.rightPadded(right, chunk, chunk.length);
      }
    }
  } finally {
    reservation.release();
  }
}
