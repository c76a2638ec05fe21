import type { Projection } from '../../exec/project.ts';
import type { PhysicalPlan } from '../plan.ts';
import type { NodeBase } from './common.ts';

/** One output column per expression over `input`'s columns. */
export interface ProjectNode extends NodeBase {
  readonly kind: 'project';
  readonly input: PhysicalPlan;
  readonly items: readonly Projection[];
}
