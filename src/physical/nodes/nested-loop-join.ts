import type { NestedLoopJoinConfig } from '../../exec/join/nested-loop-join.ts';
import type { PhysicalExpr } from '../expr.ts';
import type { PhysicalPlan } from '../plan.ts';
import type { NodeBase } from './common.ts';

/** A join on any condition, or none (`nestedLoopJoin`); the condition sees left then right columns. */
export interface NestedLoopJoinNode extends NodeBase {
  readonly kind: 'nested_loop_join';
  readonly left: PhysicalPlan;
  readonly right: PhysicalPlan;
  readonly config: NestedLoopJoinConfig;
  readonly condition: PhysicalExpr | null;
}
