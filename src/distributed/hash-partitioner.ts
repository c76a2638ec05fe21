/**
 * The producer side of a hash exchange: each row's bucket is the hash of its key columns modulo
 * B, with the engine's own key hash (`exec/hash/hash.ts`), so that both inputs of a partitioned
 * join — and every hash input of a stage — bucket equal keys alike. The seed differs from the one
 * the hash tables use: a consumer's tables then see well-spread hashes, not only the few values
 * that fall in its buckets.
 *
 * A batch is reordered by bucket with a counting sort (one gather of every column), which is what
 * `SpoolWriter.writeRuns` takes: the batch plus the first row of each bucket.
 *
 * @example
 * const { batch: sorted, starts } = partitionBatch(batch, [0, 2], 128);
 * await writer.writeRuns(batchToArrow(sorted), starts); // rows [starts[b], starts[b+1]) are bucket b
 */
import { gather, gatherBatch } from '../exec/gather.ts';
import { hashColumns } from '../exec/hash/hash.ts';
import type { Batch } from '../exec/vector.ts';

/** The hash seed of exchange buckets (hash tables use 0). */
export const PARTITION_SEED = 0x2f6b9a1d;

/** The bucket of every row: hash(keys) mod `buckets`. */
export function bucketsOf(
  batch: Batch,
  keys: readonly number[],
  buckets: number,
  out?: Uint32Array,
): Uint32Array {
  const n = batch.length;
  const h = hashColumns(
    keys.map((k) => batch.columns[k]!),
    n,
    out && out.length >= n ? out : new Uint32Array(n),
    PARTITION_SEED,
  );
  for (let i = 0; i < n; i++) h[i] = h[i]! % buckets;
  return h;
}

/**
 * The batch's rows ordered by bucket, and `starts` (B + 1 entries): bucket b is rows
 * [starts[b], starts[b + 1]). Rows keep their relative order within a bucket.
 */
export function partitionBatch(
  batch: Batch,
  keys: readonly number[],
  buckets: number,
  /** Only these columns are reordered (the others are left as they are: not to be read). */
  columns?: readonly number[],
): { batch: Batch; starts: Int32Array } {
  const n = batch.length;
  const starts = new Int32Array(buckets + 1);
  if (buckets === 1) {
    starts[1] = n;
    return { batch, starts };
  }
  const bucket = bucketsOf(batch, keys, buckets);
  const counts = new Int32Array(buckets);
  for (let i = 0; i < n; i++) counts[bucket[i]!]!++;
  let sum = 0;
  let nonEmpty = 0;
  for (let b = 0; b < buckets; b++) {
    starts[b] = sum;
    if (counts[b]! > 0) nonEmpty++;
    sum += counts[b]!;
  }
  starts[buckets] = sum;
  if (nonEmpty <= 1) return { batch, starts };
  const next = starts.slice(0, buckets);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[next[bucket[i]!]!++] = i;
  if (columns === undefined) return { batch: gatherBatch(batch, order, n), starts };
  const keep = new Set(columns);
  return {
    batch: {
      schema: batch.schema,
      length: n,
      columns: batch.columns.map((c, i) => (keep.has(i) ? gather(c, order, n) : c)),
    },
    starts,
  };
}
