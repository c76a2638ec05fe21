/**
 * Filter: the rows of its input where a predicate is TRUE.
 *
 * The predicate runs in selection form (`compilePredicate`): passing row indices, no boolean
 * vector. A batch where every row passes goes through untouched; otherwise the rows are gathered.
 * Small results of selective filters are coalesced until about half a batch, so downstream
 * operators do not pay per-batch costs for a handful of rows. With `keep`, only those input
 * columns are passed on (in that order): columns read only for the predicate are never gathered.
 *
 * @example
 * const stream = filterStream(scan, call('<=', [column(10, DATE), dateLiteral('1998-09-02')]), ctx);
 * for await (const batch of stream) …
 */
import { SkeinError } from '../errors.ts';
import type { PhysicalExpr } from '../physical/expr.ts';
import type { BatchStream, ExecContext } from './context.ts';
import { compilePredicate } from './expr/compile.ts';
import { concatBatches, takeBatch } from './kernels/take.ts';
import type { Batch } from './vector.ts';

export function filterStream(
  input: BatchStream,
  predicate: PhysicalExpr,
  ctx: ExecContext,
  keep?: readonly number[],
): BatchStream {
  const pass = compilePredicate(predicate, input.schema);
  const schema = keep === undefined ? input.schema : keep.map((i) => input.schema[i]!);
  const needed = keep === undefined ? undefined : new Set(keep);
  const project = (b: Batch): Batch =>
    keep === undefined ? b : { schema, length: b.length, columns: keep.map((i) => b.columns[i]!) };
  async function* filtered(): AsyncIterable<Batch> {
    for await (const batch of input) {
      checkCancelled(ctx);
      const sel = pass(batch);
      if (sel.length === 0) continue;
      yield project(sel.length === batch.length ? batch : takeBatch(batch, sel, sel.length, needed));
    }
  }
  return { schema, [Symbol.asyncIterator]: () => coalesceSmall(filtered(), ctx)[Symbol.asyncIterator]() };
}

/**
 * Passes batches on, coalescing small ones (a selective filter's) until about half a batch, so
 * downstream operators do not pay per-batch costs for a handful of rows. Order is kept.
 */
export async function* coalesceSmall(input: AsyncIterable<Batch>, ctx: ExecContext): AsyncIterable<Batch> {
  const target = Math.max(1, ctx.batchSize >> 1);
  let pending: Batch[] = [];
  let pendingRows = 0;
  for await (const out of input) {
    if (out.length >= target) {
      // A large result goes out as it is; small ones gathered so far go first, to keep order.
      if (pendingRows > 0) {
        yield concatBatches(pending);
        pending = [];
        pendingRows = 0;
      }
      yield out;
      continue;
    }
    pending.push(out);
    pendingRows += out.length;
    if (pendingRows >= target) {
      yield concatBatches(pending);
      pending = [];
      pendingRows = 0;
    }
  }
  if (pendingRows > 0) yield concatBatches(pending);
}

/** Throws USER_CANCELED once the query's signal is aborted (checked between batches). */
export function checkCancelled(ctx: ExecContext): void {
  if (ctx.signal?.aborted) throw new SkeinError('USER_CANCELED', 'the query was cancelled');
}
