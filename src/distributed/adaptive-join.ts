/**
 * Adaptive joins: a join the planner would partition is decided again while the query runs, from
 * what its build side really holds (DESIGN §3.6: "broadcast vs. partitioned from the estimated
 * build side"). The stage graph holds both shapes (`AdaptiveJoin` in `stage-graph.ts`); these
 * pure functions build the broadcast shape at planning time (`plan-stages.ts` decides where) and
 * make the choice at run time (`QueryCoordinator`).
 *
 * Why it pays: a planner's size estimate of a build side behind filters, aggregates with HAVING
 * or joins can be off by orders of magnitude, and a partitioned join hashes, writes and reads its
 * whole probe side through the spool. When the build side turns out small, broadcasting it lets
 * the probe side's tasks join their own splits — the probe side is never exchanged, and one stage
 * and one spool round trip go away. The price is that the probe side's stage waits for the build
 * side's LoadInfo quorum before it starts (not for its end).
 *
 * @example
 * chooseRuntimeJoin({ buildBytes: 1.2e6, exact: false, probeBytes: 1.5e8, probeTasks: 4, broadcastLimit: 2 ** 27 });
 * // → { choice: 'broadcast', reason: 'adaptive: build side est. 1.1 MiB × 4 tasks ≤ probe side written and read + build side 287 MiB' }
 */

import { type PhysicalPlan, planInputs, withInputs } from '../physical/plan.ts';
import { formatBytes } from './format.ts';
import type { JoinDistributionChoice } from './join-distribution.ts';

/**
 * The stage fragment with the join node `joinId` replaced by `replacement`, or null when an
 * operator between the fragment's root and that join depends on the stage's rows being hashed on
 * the join keys (an aggregate or window running whole in place, a union), so that the broadcast
 * shape would compute something else. Filters, projections, partial aggregates, partial TopK /
 * Limit and joins whose other side is read whole are indifferent to how rows are spread.
 */
export function alternativeFragment(
  fragment: PhysicalPlan,
  joinId: number,
  replacement: PhysicalPlan,
): PhysicalPlan | null {
  // undefined: the join is not below p; null: it is, under an operator that forbids the swap.
  const walk = (p: PhysicalPlan): PhysicalPlan | null | undefined => {
    if (p.id === joinId) return replacement;
    const inputs = planInputs(p);
    for (let k = 0; k < inputs.length; k++) {
      const below = walk(inputs[k]!);
      if (below === undefined) continue;
      if (below === null || !indifferentToSpread(p)) return null;
      return withInputs(
        p,
        inputs.map((x, c) => (c === k ? below : x)),
      );
    }
    return undefined;
  };
  return walk(fragment) ?? null;
}

/** Whether an operator computes the same however its stage's rows are spread over tasks. */
function indifferentToSpread(p: PhysicalPlan): boolean {
  switch (p.kind) {
    case 'filter':
    case 'project':
    case 'assert_unique':
    case 'top_k':
    case 'limit':
    case 'hash_join':
    case 'nested_loop_join':
      return true;
    case 'hash_aggregate':
      return p.config.mode === 'partial';
    default:
      // Windows, unions, sorts, aggregates running whole …
      return false;
  }
}

/**
 * Whether a plan part is the rows of an aggregate filtered on its results (HAVING), under
 * projections: how many pass is a guess for any planner, so its size is worth measuring before a
 * join commits to partitioning.
 */
export function filteredAggregate(p: PhysicalPlan): boolean {
  let n = p;
  while (n.kind === 'project') n = n.input;
  if (n.kind !== 'filter') return false;
  n = n.input;
  while (n.kind === 'project' || n.kind === 'filter') n = n.input;
  return n.kind === 'hash_aggregate';
}

export interface RuntimeJoinInput {
  /** The build side's output bytes: extrapolated from its LoadInfo, or exact. */
  readonly buildBytes: number;
  readonly exact: boolean;
  /** The planner's estimate of the probe side's bytes (null: unknown) and of its tasks. */
  readonly probeBytes: number | null;
  readonly probeTasks: number;
  readonly broadcastLimit: number;
  /** Where the build side's figure comes from, for the reason ("LoadInfo of 2 of 4 tasks"). */
  readonly basis?: string;
}

/**
 * Broadcast when the build side fits the broadcast limit and reading it in each probe task moves
 * no more spool bytes than partitioning would: the probe side (the planner's estimate — it has
 * not run) written and read back, plus the build side read once. Else partitioned, as planned.
 */
export function chooseRuntimeJoin(i: RuntimeJoinInput): JoinDistributionChoice & {
  choice: 'broadcast' | 'partitioned';
} {
  const build = `build side ${i.exact ? '' : 'est. '}${formatBytes(i.buildBytes)}`;
  const basis = i.basis ? ` (${i.basis})` : '';
  if (i.buildBytes > i.broadcastLimit) {
    return {
      choice: 'partitioned',
      reason: `adaptive: ${build} > broadcast limit ${formatBytes(i.broadcastLimit)}${basis}`,
    };
  }
  // Broadcast: every probe task reads the build side. Partitioned: the probe side is written to
  // the spool and read back, and the build side read once.
  const copies = i.buildBytes * i.probeTasks;
  const both = i.probeBytes === null ? null : 2 * i.probeBytes + i.buildBytes;
  const tasks = `${i.probeTasks} task${i.probeTasks === 1 ? '' : 's'}`;
  if (both !== null && copies > both) {
    return {
      choice: 'partitioned',
      reason: `adaptive: ${build} × ${tasks} > probe side written and read + build side ${formatBytes(both)}${basis}`,
    };
  }
  return {
    choice: 'broadcast',
    reason: `adaptive: ${build} × ${tasks} ≤ ${
      both === null ? 'unknown probe side' : `probe side written and read + build side ${formatBytes(both)}`
    }${basis}`,
  };
}
