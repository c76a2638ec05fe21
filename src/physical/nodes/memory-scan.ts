import type { PhysicalExpr } from '../expr.ts';
import type { NodeBase } from './common.ts';

/**
 * Reads a memory table of the session's catalog (CREATE TABLE, INSERT): the table's columns at
 * `columns`, in that order. The rows are found by name when the plan runs.
 */
export interface MemoryScanNode extends NodeBase {
  readonly kind: 'memory_scan';
  readonly table: string;
  readonly columns: readonly number[];
  readonly predicate: PhysicalExpr | null;
  readonly limit: number | null;
}
