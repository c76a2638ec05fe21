import type { PhysicalPlan } from '../plan.ts';
import type { NodeBase } from './common.ts';

/**
 * Passes its input on, failing with an EXECUTION error (`message`) when a value of the BIGINT
 * row-number `column` (from a RowNumber node: dense, from 0) repeats — how a correlated scalar
 * subquery that is not an aggregate checks it matched at most one row per outer row.
 */
export interface AssertUniqueNode extends NodeBase {
  readonly kind: 'assert_unique';
  readonly input: PhysicalPlan;
  readonly column: number;
  readonly message: string;
}
