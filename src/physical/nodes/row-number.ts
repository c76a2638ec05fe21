import type { PhysicalPlan } from '../plan.ts';
import type { NodeBase } from './common.ts';

/** Appends a BIGINT column numbering the input rows 0, 1, 2, … in arrival order. */
export interface RowNumberNode extends NodeBase {
  readonly kind: 'row_number';
  readonly input: PhysicalPlan;
}
