import type { HashJoinConfig } from '../../exec/join/hash-join.ts';
import type { PhysicalExpr } from '../expr.ts';
import type { PhysicalPlan } from '../plan.ts';
import type { NodeBase } from './common.ts';

/**
 * An equi-join (`hashJoin`); `residual` is the rest of the condition, over the left columns
 * followed by the right columns.
 */
export interface HashJoinNode extends NodeBase {
  readonly kind: 'hash_join';
  readonly left: PhysicalPlan;
  readonly right: PhysicalPlan;
  readonly config: HashJoinConfig;
  readonly residual: PhysicalExpr | null;
}
