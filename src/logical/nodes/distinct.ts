import type { LogicalPlan } from '../plan.ts';

/** Removes duplicate rows (NULLs equal to each other). Output = input's columns. The optimizer turns it into an aggregate grouped by every column. */
export interface DistinctNode {
  readonly kind: 'distinct';
  readonly input: LogicalPlan;
}

export function distinct(input: LogicalPlan): DistinctNode {
  return Object.freeze({ kind: 'distinct', input });
}
