/**
 * Union: UNION ALL of several inputs, read one after another. (UNION DISTINCT is a HashAggregate
 * grouping by every column above this.) Column names come from the first input; every input must
 * have the same column count and types — the planner casts them to the common types first.
 *
 * @example
 * const out = union([a, b, c], {}, ctx);
 */
import { SkeinError } from '../errors.ts';
import { type Schema, typesEqual, typeToString } from '../types/data-type.ts';
import type { BatchStream, ExecContext } from './context.ts';
import { throwIfCanceled } from './vector-ops.ts';

/** A Union node's configuration (plain data; nothing to configure yet). */
export type UnionConfig = Readonly<Record<string, never>>;

/** The schema of a union: the first input's names; nullable where any input is. */
export function unionSchema(inputs: readonly Schema[]): Schema {
  if (inputs.length === 0) throw new SkeinError('PLAN', 'Union needs at least one input');
  const first = inputs[0]!;
  inputs.forEach((s, k) => {
    if (s.length !== first.length)
      throw new SkeinError(
        'PLAN',
        `Union: input ${k + 1} has ${s.length} columns, the first has ${first.length}`,
      );
    s.forEach((f, c) => {
      if (!typesEqual(f.type, first[c]!.type))
        throw new SkeinError(
          'PLAN',
          `Union: column ${c + 1} is ${typeToString(f.type)} in input ${k + 1} but ${typeToString(first[c]!.type)} in the first`,
        );
    });
  });
  return first.map((f, c) => ({ ...f, nullable: inputs.some((s) => s[c]!.nullable) }));
}

export function union(inputs: readonly BatchStream[], _config: UnionConfig, ctx: ExecContext): BatchStream {
  const schema = unionSchema(inputs.map((i) => i.schema));
  return {
    schema,
    async *[Symbol.asyncIterator]() {
      for (const input of inputs) {
        for await (const b of input) {
          throwIfCanceled(ctx.signal);
          if (b.length === 0) continue;
          yield b.schema === schema ? b : { schema, columns: b.columns, length: b.length };
        }
      }
    },
  };
}
