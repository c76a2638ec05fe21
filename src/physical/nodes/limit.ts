import type { LimitConfig } from '../../exec/limit.ts';
import type { PhysicalPlan } from '../plan.ts';
import type { NodeBase } from './common.ts';

/** LIMIT / OFFSET. */
export interface LimitNode extends NodeBase {
  readonly kind: 'limit';
  readonly input: PhysicalPlan;
  readonly config: LimitConfig;
}
