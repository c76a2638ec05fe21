/**
 * The compiled form of an expression: a tree of nodes, each holding its kernel (chosen once, at
 * compile time, from the argument types and which arguments are constants). Nodes evaluate a
 * whole batch into a vector; boolean nodes can also narrow a selection directly (`select`),
 * which is how filters and CASE conditions run without building boolean vectors.
 */
import { SkeinError } from '../../errors.ts';
import type { DataType } from '../../types/data-type.ts';
import { selectTrue } from '../kernels/bitmap.ts';
import { broadcast, takeBatch } from '../kernels/take.ts';
import { type Batch, nullVector, type Vector } from '../vector.ts';
import type { FuseDesc } from './fuse.ts';

export interface Node {
  readonly type: DataType;
  /** The value as a one-row vector when the node does not depend on the input (folded). */
  readonly constant?: Vector;
  /** Input columns the node reads. */
  readonly columns: ReadonlySet<number>;
  /** The node's value for every row of the batch. */
  eval(batch: Batch): Vector;
  /**
   * For BOOLEAN nodes with a fast path: writes to `out` the rows of `sel[0..n)` (of 0..n-1 when
   * `sel` is null) where the value is TRUE; returns their count. `out` may be `sel` itself.
   */
  select?(batch: Batch, sel: Uint32Array | null, n: number, out: Uint32Array): number;
  /** Set on CAST(date AS TIMESTAMP): the date node, so comparisons can compare dates instead. */
  readonly dateAsTimestampOf?: Node;
  /**
   * Whether `select` reads only the selected rows of its inputs (a comparison or LIKE directly
   * over columns and constants); otherwise a small selection is evaluated on a gathered sub-batch.
   */
  readonly selectsInPlace?: boolean;
  /** Set on arithmetic a parent may fuse into its own loop (see fuse.ts). */
  readonly fuse?: FuseDesc;
}

export const NO_COLUMNS: ReadonlySet<number> = new Set();

/** One row, no columns: the batch constants are folded against. */
export const ONE_ROW: Batch = Object.freeze({ schema: [], columns: [], length: 1 });

export function unionColumns(nodes: readonly Node[]): ReadonlySet<number> {
  const s = new Set<number>();
  for (const n of nodes) for (const c of n.columns) s.add(c);
  return s;
}

/** A node for a constant one-row vector; its batches share one broadcast vector per length. */
export function constNode(value: Vector): Node {
  let cached: Vector | undefined;
  return {
    type: value.type,
    constant: value,
    columns: NO_COLUMNS,
    eval(batch) {
      const n = batch.length;
      if (n === 1) return value;
      if (cached === undefined || cached.length !== n) cached = broadcast(value, n);
      return cached;
    },
  };
}

/** A node that throws `error` when evaluated (a constant that failed to fold, e.g. in an unused CASE branch). */
export function failingNode(type: DataType, error: unknown, columns: ReadonlySet<number> = NO_COLUMNS): Node {
  return {
    type,
    columns,
    eval() {
      throw error;
    },
  };
}

/**
 * Folds a node whose arguments are all constants into a constant. A fold that throws becomes a
 * node that throws when (and only if) it is evaluated, as the row-by-row semantics require.
 */
export function foldIfConstant(node: Node, args: readonly Node[]): Node {
  if (node.constant !== undefined || !args.every((a) => a.constant !== undefined)) return node;
  try {
    return constNode(node.eval(ONE_ROW));
  } catch (err) {
    if (err instanceof SkeinError && err.code === 'INTERNAL') throw err;
    return failingNode(node.type, err);
  }
}

/** The rows of a selection as a vector-evaluable sub-batch (only the node's columns are gathered). */
export function subBatch(batch: Batch, rows: Uint32Array, n: number, columns: ReadonlySet<number>): Batch {
  return takeBatch(batch, rows, n, columns);
}

/** Evaluates `node` for the rows `rows[0..n)` only; the result has n rows. */
export function evalOn(node: Node, batch: Batch, rows: Uint32Array | null, n: number): Vector {
  if (rows === null || n === batch.length) return node.eval(batch);
  if (node.constant !== undefined) return n === 1 ? node.constant : broadcast(node.constant, n);
  if (n === 0) return nullVector(node.type, 0);
  return node.eval(subBatch(batch, rows, n, node.columns));
}

/** Share of the batch below which conditions are evaluated on a gathered sub-batch rather than on all rows. */
const COMPACT_BELOW = 0.25;

/**
 * Rows of `sel` where a BOOLEAN node is TRUE: its fast path when it has one, else its vector —
 * over the whole batch, or over the selected rows only when they are few.
 */
export function selectRows(
  node: Node,
  batch: Batch,
  sel: Uint32Array | null,
  n: number,
  out: Uint32Array,
): number {
  const compact = sel !== null && n < batch.length * COMPACT_BELOW && node.columns.size > 0;
  if (node.select !== undefined && (!compact || node.selectsInPlace === true)) {
    return node.select(batch, sel, n, out);
  }
  if (compact) {
    const sub = subBatch(batch, sel, n, node.columns);
    const hits = new Uint32Array(n);
    let k: number;
    if (node.select !== undefined) k = node.select(sub, null, n, hits);
    else {
      const v = node.eval(sub);
      if (v.kind === 'null') return 0;
      if (v.kind !== 'bool')
        throw new SkeinError('INTERNAL', `a condition evaluated to ${v.kind}, not BOOLEAN`);
      k = selectTrue(v.values, v.validity, null, n, hits);
    }
    for (let j = 0; j < k; j++) out[j] = sel[hits[j]!]!;
    return k;
  }
  const v = node.eval(batch);
  if (v.kind === 'null') return 0;
  if (v.kind !== 'bool') throw new SkeinError('INTERNAL', `a condition evaluated to ${v.kind}, not BOOLEAN`);
  return selectTrue(v.values, v.validity, sel, n, out);
}
