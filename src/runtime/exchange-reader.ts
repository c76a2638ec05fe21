/**
 * The consumer side of an exchange: a task's planned spool reads as a stream of engine batches.
 * Small record batches (one per bucket section and producer object) are gathered into batches of
 * about `batchSize` rows before they reach the operators, so that 128 buckets × N producers do not
 * become thousands of tiny batches. The reads are one plan (from the TaskSpec), or plans arriving one
 * per committed producer task (an input feed, `input-feed.ts`).
 *
 * @example
 * const stream = exchangeStream(spoolStore, node, spec.inputs[0].read, ctx);
 * for await (const batch of stream) …
 */
import type { RecordBatch } from 'apache-arrow';
import { canConcat, concatBatches } from '../distributed/spool/arrow-batches.ts';
import { readSpool, type SpoolReadPlan } from '../distributed/spool/reader.ts';
import { batchFromArrow } from '../exec/arrow.ts';
import type { BatchStream, ExecContext } from '../exec/context.ts';
import type { Batch } from '../exec/vector.ts';
import { throwIfCanceled } from '../exec/vector-ops.ts';
import type { ExchangeSourceNode } from '../physical/plan.ts';
import type { BlobStore } from '../ports/blob-store.ts';

/** Counts an exchange's reads add to. */
export interface ExchangeCounters {
  rows: number;
}

export function exchangeStream(
  store: BlobStore,
  node: ExchangeSourceNode,
  read: SpoolReadPlan | AsyncIterable<SpoolReadPlan>,
  ctx: Pick<ExecContext, 'batchSize' | 'signal'>,
  counters: ExchangeCounters = { rows: 0 },
): BatchStream {
  const schema = node.schema;
  return {
    schema,
    async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
      let pending: RecordBatch[] = [];
      let pendingRows = 0;
      // Only batches of concatenable schemas (every engine type) are held back and gathered.
      const flush = (): Batch | undefined => {
        if (pending.length === 0) return undefined;
        const rb = pending.length === 1 ? pending[0]! : concatBatches(pending[0]!.schema, pending);
        pending = [];
        pendingRows = 0;
        return batchFromArrow(rb, schema);
      };
      for await (const rb of batchesOf(store, read)) {
        throwIfCanceled(ctx.signal);
        if (rb.numRows === 0) continue;
        counters.rows += rb.numRows;
        if (rb.numRows >= ctx.batchSize && pending.length === 0) {
          yield batchFromArrow(rb, schema);
          continue;
        }
        if (!canConcat(rb.schema)) {
          yield batchFromArrow(rb, schema);
          continue;
        }
        pending.push(rb);
        pendingRows += rb.numRows;
        if (pendingRows >= ctx.batchSize) {
          const b = flush();
          if (b) yield b;
        }
      }
      const b = flush();
      if (b) yield b;
    },
  };
}

async function* batchesOf(
  store: BlobStore,
  read: SpoolReadPlan | AsyncIterable<SpoolReadPlan>,
): AsyncGenerator<RecordBatch> {
  if (!(Symbol.asyncIterator in read)) {
    yield* readSpool(store, read);
    return;
  }
  for await (const plan of read) yield* readSpool(store, plan);
}
