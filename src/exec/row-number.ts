/**
 * RowNumber: appends a BIGINT column numbering the rows 0, 1, 2, … in the order they arrive.
 * With AssertUnique above a join it checks that each row of this input matched at most once.
 *
 * @example
 * const numbered = rowNumber(input, 'row_number', ctx);
 */
import { INT64 } from '../types/data-type.ts';
import type { BatchStream, ExecContext } from './context.ts';
import { type Batch, f64Vector } from './vector.ts';
import { throwIfCanceled } from './vector-ops.ts';

export function rowNumber(input: BatchStream, name: string, ctx: ExecContext): BatchStream {
  const schema = [...input.schema, { name, type: INT64, nullable: false }];
  return {
    schema,
    async *[Symbol.asyncIterator]() {
      let next = 0;
      for await (const b of input) {
        throwIfCanceled(ctx.signal);
        const ids = new Float64Array(b.length);
        for (let i = 0; i < b.length; i++) ids[i] = next++;
        const out: Batch = { schema, length: b.length, columns: [...b.columns, f64Vector(INT64, ids)] };
        yield out;
      }
    },
  };
}
