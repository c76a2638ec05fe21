import type { SortConfig } from '../../exec/sort/sort.ts';
import type { PhysicalPlan } from '../plan.ts';
import type { NodeBase } from './common.ts';

/** ORDER BY over the whole input. */
export interface SortNode extends NodeBase {
  readonly kind: 'sort';
  readonly input: PhysicalPlan;
  readonly config: SortConfig;
}
