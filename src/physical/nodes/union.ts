import type { PhysicalPlan } from '../plan.ts';
import type { NodeBase } from './common.ts';

/** UNION ALL of inputs with equal column types, read one after another. */
export interface UnionNode extends NodeBase {
  readonly kind: 'union';
  readonly inputs: readonly PhysicalPlan[];
}
