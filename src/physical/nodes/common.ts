import type { Schema } from '../../types/data-type.ts';

/**
 * What every physical node carries: an id unique within its plan (operator metrics and EXPLAIN
 * ANALYZE refer to nodes by it), the schema it outputs, and the planner's row estimate.
 */
export interface NodeBase {
  readonly id: number;
  readonly schema: Schema;
  /** Estimated output rows (from the logical cardinality estimate); null when unknown. */
  readonly estimatedRows: number | null;
}
