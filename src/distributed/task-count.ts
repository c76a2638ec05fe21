/**
 * The static fan-out policy: how many tasks a stage gets, decided when the stage starts, from what
 * is known then — its splits (source stages) or its producers' committed output (hash stages) —
 * or, for EXPLAIN without running, from estimates. Every decision carries its reason, shown by
 * EXPLAIN ANALYZE and the statistics ("4 tasks: 210 MiB ÷ 32 MiB per task"). With `fanout:
 * 'adaptive'` (the default) stages reading hash exchanges are sized by `decideAdaptiveTaskCount`
 * instead, from their producers' sampled LoadInfo; this policy stays the tuned static baseline.
 *
 * - `single` stages: 1 (a gather's consumer always has one task).
 * - forced (`tasks`): that many, but no more than there are splits (source) or buckets (hash).
 * - `source`: ceil(input bytes ÷ bytes per task), rounded up to whole waves of the concurrency
 *   budget (so the last wave is not one lonely task), at most one per split.
 * - `hash`: one task when the input is tiny, else the configured consumer count.
 *
 * @example
 * decideTaskCount({ distribution: 'source', inputBytes: 210 * 2 ** 20, splits: 12, options });
 * // → { tasks: 8, reason: '210 MiB ÷ 32 MiB per task, rounded to whole waves of 2', … }
 */
import type { AdaptiveDecisionInputs } from './adaptive-fanout.ts';
import { formatBytes } from './format.ts';
import type { DistributedOptions } from './options.ts';
import type { StageDistribution } from './stage-graph.ts';

export interface TaskCountInput {
  readonly distribution: StageDistribution;
  /** Source: total split weight; hash: bytes of the stage's hash inputs. Null when unknown. */
  readonly inputBytes: number | null;
  /** Source stages: how many splits there are. */
  readonly splits?: number;
  /** Hash stages: the bucket count of their hash inputs. */
  readonly buckets?: number;
  /** Whether the bytes are an estimate (EXPLAIN) rather than measured. */
  readonly estimated?: boolean;
  readonly options: DistributedOptions;
}

/** A stage's task count and why. */
export interface TaskCountDecision {
  readonly tasks: number;
  readonly reason: string;
  readonly inputBytes: number | null;
  /** Which policy decided: `static` (this file) or `adaptive` (`adaptive-fanout.ts`). Static when absent. */
  readonly policy?: 'static' | 'adaptive';
  /** Adaptive: what the decision was made from, and how it compared with what came (q-error). */
  readonly adaptive?: AdaptiveDecisionInputs;
}

export function decideTaskCount(i: TaskCountInput): TaskCountDecision {
  const o = i.options;
  const est = i.estimated ? 'est. ' : '';
  const bytes = i.inputBytes === null ? 'unknown size' : `${est}${formatBytes(i.inputBytes)}`;
  const decision = (tasks: number, reason: string): TaskCountDecision => ({
    tasks,
    reason,
    inputBytes: i.inputBytes,
  });
  if (i.distribution === 'single') return decision(1, 'one task (gather)');
  const cap = i.distribution === 'source' ? Math.max(1, i.splits ?? 1) : Math.max(1, i.buckets ?? o.buckets);
  const unit = i.distribution === 'source' ? 'split' : 'bucket';
  if (o.tasks !== null) {
    const n = Math.min(o.tasks, cap, o.maxTasks);
    return decision(
      n,
      `forced: ${o.tasks} tasks per stage${n < o.tasks ? ` (only ${cap} ${unit}${cap === 1 ? '' : 's'})` : ''}`,
    );
  }
  if (i.distribution === 'source') {
    if (i.inputBytes === null)
      return decision(Math.min(cap, o.consumerTasks), `${bytes}: ${Math.min(cap, o.consumerTasks)} tasks`);
    let n = Math.max(1, Math.ceil(i.inputBytes / o.bytesPerTask));
    let reason = `${bytes} ÷ ${formatBytes(o.bytesPerTask)} per task`;
    if (n > 1 && n % o.maxConcurrency !== 0) {
      n = Math.ceil(n / o.maxConcurrency) * o.maxConcurrency;
      reason += `, rounded to whole waves of ${o.maxConcurrency}`;
    }
    const capped = Math.min(n, cap, o.maxTasks);
    if (capped < n) reason += `, capped at ${capped} (${capped === cap ? `${cap} ${unit}s` : 'max tasks'})`;
    return decision(capped, reason);
  }
  if (i.inputBytes !== null && i.inputBytes < o.tinyBytes) {
    return decision(1, `tiny: ${bytes} < ${formatBytes(o.tinyBytes)}`);
  }
  const n = Math.min(o.consumerTasks, cap, o.maxTasks);
  return decision(n, `${n} consumer task${n === 1 ? '' : 's'} for ${bytes}`);
}
