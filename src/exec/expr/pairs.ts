/**
 * Predicates over row pairs, for joins that evaluate a condition on candidate pairs (the
 * nested-loop join, or a hash join's residual filter): the expression sees the left input's
 * columns as 0…L−1 and the right input's as L…L+R−1.
 *
 * @example
 * const cond = compilePairPredicate(call('<', [column(0, DATE), column(3, DATE)]), left.schema, right.schema);
 * // candidate pairs (leftRows[j], rightRows[j]) for j < n:
 * const pass = cond(leftBatch, leftRows, rightBatch, rightRows, n); // indices j of the pairs that match
 */
import type { PhysicalExpr } from '../../physical/expr.ts';
import type { Schema } from '../../types/data-type.ts';
import { takeVector } from '../kernels/take.ts';
import { type Batch, nullVector } from '../vector.ts';
import { compileNode } from './compile.ts';
import { selectRows } from './node.ts';

export type PairPredicate = (
  left: Batch,
  leftRows: Uint32Array,
  right: Batch,
  rightRows: Uint32Array,
  n: number,
) => Uint32Array;

export function compilePairPredicate(expr: PhysicalExpr, left: Schema, right: Schema): PairPredicate {
  const schema: Schema = [...left, ...right];
  const node = compileNode(expr, schema);
  const used = node.columns;
  const nl = left.length;
  return (lb, lRows, rb, rRows, n) => {
    // Gather only the columns the condition reads; the others are placeholders of the right length.
    const columns = schema.map((f, c) => {
      if (!used.has(c)) return nullVector(f.type, n);
      return c < nl ? takeVector(lb.columns[c]!, lRows, n) : takeVector(rb.columns[c - nl]!, rRows, n);
    });
    const batch: Batch = { schema, columns, length: n };
    const out = new Uint32Array(n);
    const k = selectRows(node, batch, null, n, out);
    return out.subarray(0, k);
  };
}
