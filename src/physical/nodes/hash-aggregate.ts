import type { HashAggregateConfig } from '../../exec/aggregate/aggregate-spec.ts';
import type { PhysicalPlan } from '../plan.ts';
import type { NodeBase } from './common.ts';

/**
 * GROUP BY with aggregates (`hashAggregate`). The planner emits `single`; the distributed planner
 * cuts it into a `partial` below a hash exchange and a `final` above it (same config, other mode).
 */
export interface HashAggregateNode extends NodeBase {
  readonly kind: 'hash_aggregate';
  readonly input: PhysicalPlan;
  readonly config: HashAggregateConfig;
}
