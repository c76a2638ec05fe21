import type { PhysicalExpr } from '../expr.ts';
import type { PhysicalPlan } from '../plan.ts';
import type { NodeBase } from './common.ts';

/** The rows of `input` where `predicate` is TRUE. */
export interface FilterNode extends NodeBase {
  readonly kind: 'filter';
  readonly input: PhysicalPlan;
  readonly predicate: PhysicalExpr;
}
