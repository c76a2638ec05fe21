import type { PhysicalPlan } from '../plan.ts';
import type { NodeBase } from './common.ts';

/**
 * A subplan that occurs more than once in a plan, computed once: the first reader runs `input`
 * to the end and keeps its batches; every occurrence (`consumers` of them, all with the same
 * `key`) then reads those. Only small enough results are cached (TPC-H Q15's revenue view, Q21's
 * filtered lineitem scan).
 */
export interface CacheNode extends NodeBase {
  readonly kind: 'cache';
  readonly input: PhysicalPlan;
  /** Equal for the occurrences of one subplan. */
  readonly key: string;
  readonly consumers: number;
}
