/**
 * Project: one output column per expression, evaluated batch by batch. Column references pass
 * their vectors through untouched; everything else is compiled once (`compileExpr`).
 *
 * @example
 * const stream = projectStream(input, [
 *   { name: 'l_returnflag', expr: column(8, VARCHAR) },
 *   { name: 'disc_price', expr: call('*', [price, call('-', [int32Literal(1), disc])]) },
 * ], ctx);
 */
import type { PhysicalExpr } from '../physical/expr.ts';
import type { Field, Schema } from '../types/data-type.ts';
import type { BatchStream, ExecContext } from './context.ts';
import { compileExpr } from './expr/compile.ts';
import { checkCancelled } from './filter.ts';
import type { Batch } from './vector.ts';

export interface Projection {
  readonly name: string;
  readonly expr: PhysicalExpr;
}

/** The schema a projection produces. */
export function projectionSchema(input: Schema, projections: readonly Projection[]): Schema {
  return projections.map(
    (p): Field => ({
      name: p.name,
      type: p.expr.type,
      nullable: p.expr.kind === 'column' ? (input[p.expr.index]?.nullable ?? true) : true,
    }),
  );
}

export function projectStream(
  input: BatchStream,
  projections: readonly Projection[],
  ctx: ExecContext,
): BatchStream {
  const schema = projectionSchema(input.schema, projections);
  const evals = projections.map((p) => compileExpr(p.expr, input.schema));
  return {
    schema,
    async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
      for await (const batch of input) {
        checkCancelled(ctx);
        yield { schema, length: batch.length, columns: evals.map((e) => e(batch)) };
      }
    },
  };
}
