import type { LogicalPlan } from '../plan.ts';

/** Skips `offset` rows, then passes at most `limit` rows (null: all). Output = input's columns. */
export interface LimitNode {
  readonly kind: 'limit';
  readonly input: LogicalPlan;
  readonly limit: number | null;
  readonly offset: number;
}

export function limit(input: LogicalPlan, limitRows: number | null, offset = 0): LimitNode {
  return Object.freeze({ kind: 'limit', input, limit: limitRows, offset });
}
