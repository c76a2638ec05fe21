/**
 * Arrow IPC stream scan: an object in a BlobStore (a spool object, or a whole byte range of one)
 * read in chunks of ranged GETs and decoded incrementally by apache-arrow's async stream reader;
 * each record batch becomes a Batch over the same buffers (`batchFromArrow`), optionally projected.
 * Record batches larger than `ctx.batchSize` are sliced (zero-copy).
 *
 * The schema is known only once the stream's first message is read, hence `openIpcScan` is async.
 *
 * @example
 * const scan = await openIpcScan({ store, key: 'spool/ab/q1/s2/t0/a0', columns: ['l_orderkey'] }, ctx);
 * for await (const batch of scan) …
 */
import { RecordBatchReader } from 'apache-arrow';
import { SkeinError } from '../../errors.ts';
import type { BlobStore, ByteRange } from '../../ports/blob-store.ts';
import type { Schema } from '../../types/data-type.ts';
import { batchFromArrow, schemaFromArrow } from '../arrow.ts';
import type { BatchStream, ExecContext } from '../context.ts';
import { checkCancelled } from '../filter.ts';
import { sliceBatch } from '../kernels/take.ts';
import type { Batch } from '../vector.ts';

export interface IpcScanOptions {
  readonly store: BlobStore;
  readonly key: string;
  /** Only these bytes of the object (a bucket range of a spool object). */
  readonly range?: ByteRange;
  /** Columns to produce, in output order (all when absent). */
  readonly columns?: readonly string[];
  /** Bytes per GET (default 8 MiB). */
  readonly chunkBytes?: number;
}

async function* chunks(options: IpcScanOptions, size: number): AsyncGenerator<Uint8Array> {
  const step = options.chunkBytes ?? 8 << 20;
  const start = options.range?.offset ?? 0;
  const end =
    options.range === undefined ? size : Math.min(size, options.range.offset + options.range.length);
  for (let at = start; at < end; at += step) {
    const len = Math.min(step, end - at);
    const bytes = await options.store.get(options.key, { offset: at, length: len });
    if (bytes.length !== len) {
      throw new SkeinError('EXTERNAL', `${options.store.describe(options.key)} changed while being read`);
    }
    yield bytes;
  }
}

/** Opens the stream and reads its schema. A missing object is NOT_FOUND; a damaged one INVALID_ARGUMENT. */
export async function openIpcScan(options: IpcScanOptions, ctx: ExecContext): Promise<BatchStream> {
  const name = options.store.describe(options.key);
  const info = await options.store.head(options.key);
  if (info === undefined) throw new SkeinError('NOT_FOUND', `no such Arrow IPC object: ${name}`);
  const corrupt = (err: unknown): SkeinError =>
    err instanceof SkeinError
      ? err
      : new SkeinError(
          'INVALID_ARGUMENT',
          `${name} is not a valid Arrow IPC stream: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
  let reader: Awaited<ReturnType<typeof RecordBatchReader.from>>;
  try {
    reader = await RecordBatchReader.from(chunks(options, info.size));
    await reader.open();
  } catch (err) {
    throw corrupt(err);
  }
  if (reader.schema === undefined || reader.schema === null) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `${name} is not a valid Arrow IPC stream: it has no schema message`,
    );
  }
  const full = schemaFromArrow(reader.schema);
  const index = (options.columns ?? full.map((f) => f.name)).map((c) => {
    const i = full.findIndex((f) => f.name === c);
    if (i < 0) {
      throw new SkeinError(
        'NOT_FOUND',
        `column '${c}' is not in ${name} (its columns: ${full.map((f) => f.name).join(', ')})`,
      );
    }
    return i;
  });
  const schema: Schema = index.map((i) => full[i]!);
  const open = reader;
  return {
    schema,
    async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
      const it = open[Symbol.asyncIterator]();
      for (;;) {
        let r: IteratorResult<unknown>;
        try {
          r = await it.next();
        } catch (err) {
          throw corrupt(err);
        }
        if (r.done) return;
        checkCancelled(ctx);
        const all = batchFromArrow(r.value as Parameters<typeof batchFromArrow>[0], full);
        const b: Batch = { schema, length: all.length, columns: index.map((i) => all.columns[i]!) };
        for (let s = 0; s < b.length; s += ctx.batchSize)
          yield sliceBatch(b, s, Math.min(b.length, s + ctx.batchSize));
      }
    },
  };
}
