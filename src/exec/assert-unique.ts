/**
 * AssertUnique: passes its input on, failing with `message` when a value of a dense, non-negative
 * BIGINT column (a RowNumber) shows up twice. A bitmap over the values seen keeps it cheap.
 *
 * @example
 * const checked = assertUnique(joined, 3, 'more than one row returned by a subquery', ctx);
 */
import { SkeinError } from '../errors.ts';
import type { BatchStream, ExecContext } from './context.ts';
import { bigIntAt, throwIfCanceled } from './vector-ops.ts';

export function assertUnique(
  input: BatchStream,
  column: number,
  message: string,
  ctx: ExecContext,
): BatchStream {
  return {
    schema: input.schema,
    async *[Symbol.asyncIterator]() {
      let seen = new Uint8Array(1024);
      for await (const b of input) {
        throwIfCanceled(ctx.signal);
        const v = b.columns[column]!;
        for (let i = 0; i < b.length; i++) {
          let id: number;
          if (v.kind === 'f64') id = v.values[i]!;
          else if (v.kind === 'i64') id = Number(bigIntAt(v, i));
          else if (v.kind === 'i32') id = v.values[i]!;
          else continue;
          if (v.validity !== null && ((v.validity[i >> 3]! >> (i & 7)) & 1) === 0) continue;
          const byte = id >> 3;
          if (byte >= seen.length) {
            const grown = new Uint8Array(Math.max(seen.length * 2, byte + 1));
            grown.set(seen);
            seen = grown;
          }
          const bit = 1 << (id & 7);
          if (seen[byte]! & bit) throw new SkeinError('EXECUTION', message);
          seen[byte]! |= bit;
        }
        yield b;
      }
    },
  };
}
