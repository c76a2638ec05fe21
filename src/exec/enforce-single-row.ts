/**
 * EnforceSingleRow: passes its input on, failing once a second row arrives — the value side of an
 * uncorrelated scalar subquery, which SQL allows to return at most one row.
 *
 * @example
 * const one = enforceSingleRow(subquery, ctx);
 */
import { SkeinError } from '../errors.ts';
import type { BatchStream, ExecContext } from './context.ts';
import { throwIfCanceled } from './vector-ops.ts';

export function enforceSingleRow(input: BatchStream, ctx: ExecContext): BatchStream {
  return {
    schema: input.schema,
    async *[Symbol.asyncIterator]() {
      let rows = 0;
      for await (const b of input) {
        throwIfCanceled(ctx.signal);
        rows += b.length;
        if (rows > 1) {
          throw new SkeinError('EXECUTION', 'more than one row returned by a subquery used as an expression');
        }
        if (b.length > 0) yield b;
      }
    },
  };
}
