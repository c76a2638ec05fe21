/**
 * TopK: `ORDER BY … LIMIT k [OFFSET m]` without sorting the whole input. It keeps the best
 * `k + m` rows seen so far, sorted; each incoming batch is first compared with the worst kept row
 * (vectorized, key by key) and only rows that beat it are buffered. When the buffer reaches
 * max(k + m, batchSize) rows it is merged with the kept rows by one argsort and cut back. Rows
 * that tie with the worst kept row lose to it, as they would in a stable sort, so the result is
 * exactly `Sort` + `Limit`.
 *
 * @example
 * // ORDER BY revenue DESC LIMIT 10
 * const out = topK(input, { keys: [{ column: 1, descending: true }], limit: 10 }, ctx);
 */
import type { Schema } from '../../types/data-type.ts';
import type { BatchStream, ExecContext } from '../context.ts';
import { batchBytes, concatBatches, gatherBatch } from '../gather.ts';
import type { Batch } from '../vector.ts';
import { sliceBatch, throwIfCanceled } from '../vector-ops.ts';
import { validateSortKeys } from './sort.ts';
import { argsort, compareWithRow, keyVectors, type SortKey } from './sort-keys.ts';

/** A TopK node's configuration (plain data). */
export interface TopKConfig {
  readonly keys: readonly SortKey[];
  readonly limit: number;
  /** Rows to skip before the `limit` rows (default 0). */
  readonly offset?: number;
}

const OPERATOR = 'TopK';

export function topK(input: BatchStream, config: TopKConfig, ctx: ExecContext): BatchStream {
  validateSortKeys(OPERATOR, input.schema, config.keys);
  const schema = input.schema;
  const offset = config.offset ?? 0;
  return {
    schema,
    async *[Symbol.asyncIterator]() {
      if (config.limit <= 0) return;
      const reservation = ctx.memory.reserve(OPERATOR);
      try {
        const top = new TopRows(schema, config.keys, config.limit + offset, ctx.batchSize);
        for await (const b of input) {
          throwIfCanceled(ctx.signal);
          top.offer(b);
          reservation.resize(top.byteSize());
        }
        const result = top.finish();
        for (let s = offset; s < result.length; s += ctx.batchSize) {
          yield sliceBatch(result, s, Math.min(result.length, s + ctx.batchSize));
        }
      } finally {
        reservation.release();
      }
    },
  };
}

/** The best `keep` rows seen so far, in order, plus candidates not merged in yet. */
class TopRows {
  private best: Batch | null = null;
  private pending: Batch[] = [];
  private pendingRows = 0;

  constructor(
    private readonly schema: Schema,
    private readonly keys: readonly SortKey[],
    private readonly keep: number,
    private readonly batchSize: number,
  ) {}

  /** Buffers the rows of `b` that beat the worst kept row (all of them until `keep` are kept). */
  offer(b: Batch): void {
    if (b.length === 0) return;
    let rows = b;
    const best = this.best;
    if (best !== null && best.length === this.keep) {
      const refKeys = this.keys.map((k) => best.columns[k.column]!);
      const cmp = compareWithRow(keyVectors(b.columns, this.keys), b.length, refKeys, best.length - 1);
      let count = 0;
      for (let i = 0; i < b.length; i++) if (cmp[i]! < 0) count++;
      if (count === 0) return;
      if (count < b.length) {
        const sel = new Int32Array(count);
        let w = 0;
        for (let i = 0; i < b.length; i++) if (cmp[i]! < 0) sel[w++] = i;
        rows = gatherBatch(b, sel, count);
      }
    }
    this.pending.push(rows);
    this.pendingRows += rows.length;
    if (this.pendingRows >= Math.max(this.keep, this.batchSize)) this.merge();
  }

  /** The kept rows, sorted (at most `keep`). */
  finish(): Batch {
    if (this.pendingRows > 0) this.merge();
    return this.best ?? { schema: this.schema, columns: [], length: 0 };
  }

  byteSize(): number {
    let n = this.best === null ? 0 : batchBytes(this.best);
    for (const p of this.pending) n += batchBytes(p);
    return n;
  }

  /** One stable argsort of kept + pending rows (kept first: ties keep arrival order). */
  private merge(): void {
    const parts = this.best === null ? this.pending : [this.best, ...this.pending];
    const all = concatBatches(this.schema, parts);
    const perm = argsort(keyVectors(all.columns, this.keys), all.length);
    this.best = gatherBatch(all, perm, Math.min(this.keep, all.length));
    this.pending = [];
    this.pendingRows = 0;
  }
}
