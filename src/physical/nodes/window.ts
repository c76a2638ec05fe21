import type { WindowConfig } from '../../exec/window/window-spec.ts';
import type { PhysicalPlan } from '../plan.ts';
import type { NodeBase } from './common.ts';

/** Window functions over one (PARTITION BY, ORDER BY); functions over other windows stack. */
export interface WindowNode extends NodeBase {
  readonly kind: 'window';
  readonly input: PhysicalPlan;
  readonly config: WindowConfig;
}
