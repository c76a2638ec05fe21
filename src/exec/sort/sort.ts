/**
 * Sort: ORDER BY over the whole input. Buffers every batch (reserving memory), concatenates them,
 * computes a stable argsort of the key columns (`sort-keys.ts`: radix sort on normalized keys) and
 * emits the rows gathered in that order, `batchSize` at a time.
 *
 * @example
 * // ORDER BY o_totalprice DESC, o_orderdate
 * const out = sort(orders, { keys: [{ column: 3, descending: true }, { column: 4 }] }, ctx);
 */
import { SkeinError } from '../../errors.ts';
import type { Schema } from '../../types/data-type.ts';
import type { BatchStream, ExecContext } from '../context.ts';
import { batchBytes, concatBatches, gatherBatch } from '../gather.ts';
import type { Batch } from '../vector.ts';
import { throwIfCanceled } from '../vector-ops.ts';
import { argsort, keyVectors, type SortKey } from './sort-keys.ts';

export type { SortKey };

/** A Sort node's configuration (plain data). */
export interface SortConfig {
  readonly keys: readonly SortKey[];
}

const OPERATOR = 'Sort';

/** Checks that the keys name columns of the schema. */
export function validateSortKeys(operator: string, schema: Schema, keys: readonly SortKey[]): void {
  for (const k of keys)
    if (schema[k.column] === undefined)
      throw new SkeinError(
        'PLAN',
        `${operator}: sort key column ${k.column} does not exist (the input has ${schema.length})`,
      );
}

export function sort(input: BatchStream, config: SortConfig, ctx: ExecContext): BatchStream {
  validateSortKeys(OPERATOR, input.schema, config.keys);
  const schema = input.schema;
  return {
    schema,
    async *[Symbol.asyncIterator]() {
      const reservation = ctx.memory.reserve(OPERATOR);
      try {
        const parts: Batch[] = [];
        let bytes = 0;
        for await (const b of input) {
          throwIfCanceled(ctx.signal);
          if (b.length === 0) continue;
          parts.push(b);
          bytes += batchBytes(b);
          reservation.resize(bytes);
        }
        if (parts.length === 0) return;
        const all = concatBatches(schema, parts);
        const n = all.length;
        // The concatenated copy, the permutation and the sort's scratch arrays.
        reservation.resize((parts.length > 1 ? 2 * bytes : bytes) + n * 4 * (3 + 2 * config.keys.length));
        parts.length = 0;
        const perm = argsort(keyVectors(all.columns, config.keys), n);
        for (let s = 0; s < n; s += ctx.batchSize) {
          throwIfCanceled(ctx.signal);
          const idx = perm.subarray(s, Math.min(n, s + ctx.batchSize));
          yield gatherBatch(all, idx, idx.length);
        }
      } finally {
        reservation.release();
      }
    },
  };
}
