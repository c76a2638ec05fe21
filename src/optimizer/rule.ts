import type { LogicalPlan } from '../logical/plan.ts';

/**
 * An optimizer rule: a named, pure rewrite of a whole plan. It returns the very same object when
 * it changes nothing, which is how the optimizer knows whether it fired.
 *
 * @example
 * export const pushDownLimit: OptimizerRule = {
 *   name: 'push-down-limit',
 *   apply: (plan) => transformUp(plan, (p) => …),
 * };
 */
export interface OptimizerRule {
  readonly name: string;
  /** A line for EXPLAIN VERBOSE saying what the rule does. */
  readonly description: string;
  apply(plan: LogicalPlan, context: RuleContext): LogicalPlan;
}

export interface RuleContext {
  /** Hands out column ids not used anywhere in the plan being optimized. */
  freshId(): number;
}
