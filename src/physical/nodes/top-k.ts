import type { TopKConfig } from '../../exec/sort/top-k.ts';
import type { PhysicalPlan } from '../plan.ts';
import type { NodeBase } from './common.ts';

/** ORDER BY … LIMIT k [OFFSET m] without sorting everything. */
export interface TopKNode extends NodeBase {
  readonly kind: 'top_k';
  readonly input: PhysicalPlan;
  readonly config: TopKConfig;
}
