/**
 * VALUES: rows of constant expressions as a stream (also how a FROM-less SELECT gets its one row).
 * Each expression is folded once; rows are cut into batches of `ctx.batchSize`.
 *
 * @example
 * valuesStream([{ name: 'x', type: INT32, nullable: true }], [[int32Literal(1)], [int32Literal(2)]], ctx);
 */
import { SkeinError } from '../errors.ts';
import type { PhysicalExpr } from '../physical/expr.ts';
import { type Schema, typesEqual } from '../types/data-type.ts';
import type { BatchStream, ExecContext } from './context.ts';
import { compileExpr } from './expr/compile.ts';
import { ONE_ROW } from './expr/node.ts';
import { castVector } from './kernels/cast.ts';
import { concatVectors } from './kernels/take.ts';
import type { Batch, Vector } from './vector.ts';

export function valuesStream(
  schema: Schema,
  rows: readonly (readonly PhysicalExpr[])[],
  ctx: ExecContext,
): BatchStream {
  for (const [r, row] of rows.entries()) {
    if (row.length !== schema.length) {
      throw new SkeinError('PLAN', `VALUES row ${r + 1} has ${row.length} values, expected ${schema.length}`);
    }
  }
  return {
    schema,
    async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
      for (let start = 0; start < rows.length; start += ctx.batchSize) {
        const chunk = rows.slice(start, start + ctx.batchSize);
        const columns = schema.map((f, c) =>
          concatVectors(
            f.type,
            chunk.map((row): Vector => {
              // The binder gives each value its column's type; a cast covers literal widths (DECIMAL(2,1) in DECIMAL(5,1)).
              const v = compileExpr(row[c]!, [])(ONE_ROW);
              return typesEqual(v.type, f.type) ? v : castVector(v, f.type);
            }),
          ),
        );
        yield { schema, length: chunk.length, columns };
      }
    },
  };
}
