import type { PhysicalPlan } from '../plan.ts';
import type { NodeBase } from './common.ts';

/**
 * Passes its input on, failing with an EXECUTION error when it has more than one row: the right
 * side of an uncorrelated scalar subquery.
 */
export interface EnforceSingleRowNode extends NodeBase {
  readonly kind: 'enforce_single_row';
  readonly input: PhysicalPlan;
}
