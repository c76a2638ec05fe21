/**
 * The logical optimizer: runs the rules in phases and records which rule changed what.
 *
 * Phases (a phase marked ↻ repeats until nothing changes, at most a few rounds):
 * 1. `simplify-expressions`, `distinct-to-aggregate`
 * 2. `decorrelate-subqueries`
 * 3. ↻ `simplify-expressions`, `eliminate-outer-joins`, `push-down-filters`
 * 4. `push-down-semi-joins`, `reorder-joins`, `reduce-aggregate-input`, `push-down-filters`
 * 5. ↻ `push-down-limit`, `prune-columns`, `merge-projections`
 *
 * @example
 * const { plan, trace } = optimize(bound, { trace: true });
 * trace.filter((t) => t.changed).map((t) => t.rule); // ['simplify-expressions', 'decorrelate-subqueries', …]
 */
import { SkeinError } from '../errors.ts';
import { explainPlan } from '../logical/explain.ts';
import { hasSubquery } from '../logical/expr.ts';
import { IdAllocator, type LogicalPlan, nodeExprs, visitPlan } from '../logical/plan.ts';
import { decorrelateSubqueries } from './decorrelate-subqueries.ts';
import { distinctToAggregate } from './distinct-to-aggregate.ts';
import { eliminateOuterJoins } from './eliminate-outer-joins.ts';
import { mergeProjections } from './merge-projections.ts';
import { pruneColumns } from './prune-columns.ts';
import { pushDownFilters } from './push-down-filters.ts';
import { pushDownLimit } from './push-down-limit.ts';
import { pushDownSemiJoins } from './push-down-semi-joins.ts';
import { reduceAggregateInput } from './reduce-aggregate-input.ts';
import { reorderJoins } from './reorder-joins.ts';
import type { OptimizerRule, RuleContext } from './rule.ts';
import { simplifyExpressions } from './simplify-expressions.ts';

export interface OptimizeOptions {
  /** Record the plan after every rule that changed it (EXPLAIN VERBOSE). Default false. */
  readonly trace?: boolean;
  /** Rules to leave out, by name (for tests and for EXPLAIN comparisons). */
  readonly disable?: readonly string[];
}

export interface TraceEntry {
  readonly rule: string;
  readonly changed: boolean;
  /** EXPLAIN text of the plan after the rule, when it changed it and tracing was on. */
  readonly plan: string | null;
}

export interface OptimizeResult {
  readonly plan: LogicalPlan;
  /** One entry per rule application, in order. */
  readonly trace: readonly TraceEntry[];
}

interface Phase {
  readonly rules: readonly OptimizerRule[];
  readonly rounds: number;
}

export const PHASES: readonly Phase[] = [
  { rules: [simplifyExpressions, distinctToAggregate], rounds: 1 },
  { rules: [decorrelateSubqueries], rounds: 1 },
  { rules: [simplifyExpressions, eliminateOuterJoins, pushDownFilters], rounds: 4 },
  { rules: [pushDownSemiJoins, reorderJoins, reduceAggregateInput, pushDownFilters], rounds: 1 },
  { rules: [pushDownLimit, pruneColumns, mergeProjections], rounds: 3 },
];

/** Every rule, by name. */
export const RULES: ReadonlyMap<string, OptimizerRule> = new Map(
  PHASES.flatMap((p) => p.rules).map((r) => [r.name, r]),
);

/** Optimizes a logical plan. Throws NOT_IMPLEMENTED when a subquery could not be decorrelated. */
export function optimize(input: LogicalPlan, options: OptimizeOptions = {}): OptimizeResult {
  const ids = IdAllocator.after(input);
  const ctx: RuleContext = { freshId: () => ids.fresh() };
  const disabled = new Set(options.disable ?? []);
  const trace: TraceEntry[] = [];
  let plan = input;
  for (const phase of PHASES) {
    for (let round = 0; round < phase.rounds; round++) {
      let changedInRound = false;
      for (const rule of phase.rules) {
        if (disabled.has(rule.name)) continue;
        const next = rule.apply(plan, ctx);
        const changed = next !== plan;
        trace.push({ rule: rule.name, changed, plan: changed && options.trace ? explainPlan(next) : null });
        if (changed) changedInRound = true;
        plan = next;
      }
      if (!changedInRound) break;
    }
  }
  if (!disabled.has(decorrelateSubqueries.name)) assertDecorrelated(plan);
  return { plan, trace };
}

/** Rejects plans that still hold subquery expressions: the executor has no way to run them. */
function assertDecorrelated(plan: LogicalPlan): void {
  visitPlan(plan, (p) => {
    if (nodeExprs(p).some(hasSubquery)) {
      throw new SkeinError(
        'NOT_IMPLEMENTED',
        `this subquery cannot be turned into a join yet (in a ${p.kind} node); supported: [NOT] EXISTS, [NOT] IN, and scalar subqueries that are uncorrelated or aggregate with equality correlations`,
      );
    }
  });
}

/** The trace as text: each rule that fired, followed by the plan it produced. */
export function formatTrace(trace: readonly TraceEntry[]): string {
  const out: string[] = [];
  for (const t of trace) {
    if (!t.changed) continue;
    out.push(`-- after ${t.rule}:`);
    if (t.plan) out.push(t.plan);
  }
  return out.join('\n');
}

/**
 * EXPLAIN VERBOSE: the bound plan, then the plan after each rule that changed it, then the list of
 * rules that fired.
 *
 * @example
 * explainVerbose(bound);
 * // -- bound plan:
 * // …
 * // -- after decorrelate-subqueries:
 * // …
 * // -- rules that changed the plan: simplify-expressions, decorrelate-subqueries, …
 */
export function explainVerbose(input: LogicalPlan): string {
  const { trace } = optimize(input, { trace: true });
  const fired = [...new Set(trace.filter((t) => t.changed).map((t) => t.rule))];
  return [
    '-- bound plan:',
    explainPlan(input),
    formatTrace(trace),
    `-- rules that changed the plan: ${fired.length ? fired.join(', ') : 'none'}`,
  ]
    .filter((s) => s !== '')
    .join('\n');
}
