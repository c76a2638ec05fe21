/**
 * The adaptive fan-out policy (DESIGN §3.6): a consumer stage's task count from what its
 * producers' tasks reported while running — their sampled LoadInfo, or their commits — rather
 * than from plan-time estimates. Pure functions over plain data; the runtime gathers the inputs
 * (`StageCoordinator.producerLoads`) and records the result with them.
 *
 * **Extrapolation by driver progress, never by time.** A producer task that reported `bytes` of
 * output after consuming a fraction `progress` of its assigned input is expected to output
 * `bytes ÷ progress` in all; a task whose output ended (or that committed) counts exactly. Tasks
 * not heard from yet are assumed to output as much per unit of assigned input (split weight or
 * bytes to read) as the ones heard from — when the producer's output grows with its input. A
 * producer that emits only after consuming its input (a partial aggregate, a sort) outputs about
 * as much per task whatever its share, and the tasks that end first are those with the least
 * input: scaling their output by weight overestimated TPC-H Q1's final stage ~950× (8 leaf tasks,
 * the two smallest ended first); such producers are extrapolated per task. When every producer
 * task ended, the figure is exact.
 * (Projecting a sampled rate over an assumed duration is what overestimated 7–10× in the reference
 * project.)
 *
 * **Quorum.** A producer stage is ready to be extrapolated once at least `quorum` of its tasks
 * (20 % by default, at least one) sent a usable LoadInfo or ended; a consumer stage is decided
 * once all its hash producers are.
 *
 * **Decision.** tasks = clamp(ceil(estimated bytes ÷ target bytes per task), 1, min(max tasks,
 * buckets)); one task when the estimate is below `tinyBytes`.
 *
 * @example
 * const est = estimateProducerOutput(loads);        // { bytes: 3.1e8, reported: 3, ended: 1, tasks: 12, … }
 * decideAdaptiveTaskCount({ estimates: [est], buckets: 128, options });
 * // → { tasks: 5, reason: 'est. 296 MiB ÷ 64 MiB per task (LoadInfo of 3 of 12 producer tasks, 1 ended)', … }
 */
import { formatBytes } from './format.ts';
import type { DistributedOptions } from './options.ts';
import type { TaskCountDecision } from './task-count.ts';

/** What the coordinator knows of one producer task's output so far. */
export interface ProducerTaskLoad {
  /** The task's share of its stage's input (split weight, or bytes to read); 0 when unknown. */
  readonly weight: number;
  /**
   * - `committed`: its commit won; `bytes` are the manifest's, exact;
   * - `ended`: its LoadInfo came after its output ended; `bytes` exact;
   * - `sampled`: a LoadInfo from the middle of its output, at driver `progress`;
   * - `unknown`: nothing usable yet (no LoadInfo, lost, or one at progress 0).
   */
  readonly state: 'committed' | 'ended' | 'sampled' | 'unknown';
  readonly bytes: number;
  /** Input consumed ÷ assigned input, in [0, 1]. */
  readonly progress: number;
}

/** A producer stage's output, estimated. */
export interface ProducerEstimate {
  readonly stage: number;
  /** Estimated output bytes; null when no task reported anything usable. */
  readonly bytes: number | null;
  readonly tasks: number;
  /** Tasks with a usable figure (sampled, ended or committed). */
  readonly reported: number;
  /** Tasks whose figure is exact (ended or committed). */
  readonly ended: number;
}

/** The inputs of an adaptive decision, and (once the producers committed) what really came. */
export interface AdaptiveDecisionInputs {
  /** `loadinfo`: decided at a quorum of LoadInfo; `manifests`: only once the producers committed. */
  readonly basis: 'loadinfo' | 'manifests';
  readonly estimates: readonly ProducerEstimate[];
  readonly estimatedBytes: number;
  readonly targetBytesPerTask: number;
  readonly quorum: number;
  /** Bytes the producers' committed manifests hold (filled in when the stage starts). */
  readonly actualBytes?: number;
  /** max(est/actual, actual/est), with both at least 1 byte. */
  readonly qError?: number;
  /** ms from the decision to the stage's start (its producers' last commit): how early it was known. */
  readonly leadMs?: number;
}

/** A producer stage's output from its tasks' loads (see the module comment). */
export function estimateProducerOutput(
  stage: number,
  loads: readonly ProducerTaskLoad[],
  /** Whether the producer's output grows with its input (a streaming fragment); else per task. */
  proportional = true,
): ProducerEstimate {
  let known = 0;
  let knownWeight = 0;
  let unknownWeight = 0;
  let reported = 0;
  let ended = 0;
  for (const l of loads) {
    let est: number | null = null;
    if (l.state === 'committed' || l.state === 'ended') {
      est = l.bytes;
      ended++;
    } else if (l.state === 'sampled' && l.progress > 0) {
      est = l.bytes / Math.min(1, l.progress);
    }
    if (est === null) {
      unknownWeight += l.weight;
      continue;
    }
    reported++;
    known += est;
    knownWeight += l.weight;
  }
  const tasks = loads.length;
  if (reported === 0) return { stage, bytes: tasks === 0 ? 0 : null, tasks, reported, ended };
  let bytes = known;
  if (reported < tasks) {
    // The rest output as much per unit of assigned input as those heard from (per task when the
    // weights are unknown).
    bytes +=
      proportional && knownWeight > 0 && unknownWeight > 0
        ? (known / knownWeight) * unknownWeight
        : (known / reported) * (tasks - reported);
  }
  return { stage, bytes, tasks, reported, ended };
}

/** Whether a producer stage's loads are enough to decide on: a quorum reported, or all ended. */
export function quorumReached(loads: readonly ProducerTaskLoad[], quorum: number): boolean {
  if (loads.length === 0) return false;
  let usable = 0;
  let ended = 0;
  for (const l of loads) {
    if (l.state === 'committed' || l.state === 'ended') ended++;
    if (l.state === 'committed' || l.state === 'ended' || (l.state === 'sampled' && l.progress > 0)) usable++;
  }
  return ended === loads.length || usable >= Math.max(1, Math.ceil(quorum * loads.length));
}

export interface AdaptiveTaskCountInput {
  readonly estimates: readonly ProducerEstimate[];
  readonly basis: AdaptiveDecisionInputs['basis'];
  /** Buckets of the stage's hash inputs (a task reads at least one). */
  readonly buckets: number;
  readonly options: DistributedOptions;
}

/** The consumer stage's task count from its producers' estimates. */
export function decideAdaptiveTaskCount(i: AdaptiveTaskCountInput): TaskCountDecision {
  const o = i.options;
  const bytes = i.estimates.reduce((s, e) => s + (e.bytes ?? 0), 0);
  const exact = i.estimates.every((e) => e.ended === e.tasks);
  const est = exact ? '' : 'est. ';
  const reported = i.estimates.reduce((s, e) => s + e.reported, 0);
  const ended = i.estimates.reduce((s, e) => s + e.ended, 0);
  const tasks = i.estimates.reduce((s, e) => s + e.tasks, 0);
  const from =
    i.basis === 'manifests'
      ? 'from the commits'
      : exact
        ? `all ${tasks} producer tasks ended`
        : `LoadInfo of ${reported} of ${tasks} producer tasks, ${ended} ended`;
  const cap = Math.max(1, Math.min(o.maxTasks, i.buckets));
  const adaptive: AdaptiveDecisionInputs = {
    basis: i.basis,
    estimates: i.estimates,
    estimatedBytes: bytes,
    targetBytesPerTask: o.targetBytesPerTask,
    quorum: o.quorum,
  };
  const decision = (n: number, reason: string): TaskCountDecision => ({
    tasks: n,
    reason: `${reason} (${from})`,
    inputBytes: bytes,
    policy: 'adaptive',
    adaptive,
  });
  if (bytes < o.tinyBytes)
    return decision(1, `tiny: ${est}${formatBytes(bytes)} < ${formatBytes(o.tinyBytes)}`);
  const want = Math.max(1, Math.ceil(bytes / o.targetBytesPerTask));
  const n = Math.min(want, cap);
  let reason = `${est}${formatBytes(bytes)} ÷ ${formatBytes(o.targetBytesPerTask)} per task`;
  if (n < want) reason += `, capped at ${n} (${n === i.buckets ? `${i.buckets} buckets` : 'max tasks'})`;
  return decision(n, reason);
}

/** The decision with what really came: the producers' committed bytes and the q-error. */
export function withActualBytes(d: TaskCountDecision, actualBytes: number, leadMs = 0): TaskCountDecision {
  if (d.adaptive === undefined) return d;
  const est = Math.max(1, d.adaptive.estimatedBytes);
  const act = Math.max(1, actualBytes);
  return {
    ...d,
    adaptive: {
      ...d.adaptive,
      actualBytes,
      qError: Math.max(est / act, act / est),
      leadMs: Math.round(leadMs),
    },
  };
}
