/**
 * Limit: `LIMIT n OFFSET m`. Skips `offset` rows, passes `limit` rows (slicing batches without
 * copying), and then stops pulling its input — ending the iteration closes the input stream, so
 * scans below stop reading.
 *
 * @example
 * const out = limit(input, { limit: 10, offset: 20 }, ctx);
 */
import { SkeinError } from '../errors.ts';
import type { BatchStream, ExecContext } from './context.ts';
import { sliceBatch, throwIfCanceled } from './vector-ops.ts';

/** A Limit node's configuration (plain data); `limit: null` means no limit (OFFSET only). */
export interface LimitConfig {
  readonly limit: number | null;
  readonly offset?: number;
}

export function limit(input: BatchStream, config: LimitConfig, ctx: ExecContext): BatchStream {
  const offset = config.offset ?? 0;
  if (offset < 0 || (config.limit !== null && config.limit < 0))
    throw new SkeinError('INVALID_ARGUMENT', 'LIMIT and OFFSET must not be negative');
  return {
    schema: input.schema,
    async *[Symbol.asyncIterator]() {
      let toSkip = offset;
      let left = config.limit ?? Number.POSITIVE_INFINITY;
      if (left === 0) return;
      for await (const b of input) {
        throwIfCanceled(ctx.signal);
        let start = 0;
        if (toSkip > 0) {
          const skip = Math.min(toSkip, b.length);
          toSkip -= skip;
          start = skip;
        }
        const take = Math.min(b.length - start, left);
        if (take > 0) {
          yield sliceBatch(b, start, start + take);
          left -= take;
        }
        if (left === 0) return;
      }
    },
  };
}
