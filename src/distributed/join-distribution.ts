/**
 * The static join-distribution policy: broadcast the build side or hash-partition both sides,
 * from the planner's size estimates. Broadcast when the build side fits the broadcast limit (a
 * bound on every task's hash table) and copying it to each probe task moves no more bytes than
 * exchanging both sides would (probe tasks × build ≤ probe + build), and its rows do not end up
 * on fewer tasks than produced them; else partition. One pure function, so that the choice is a recorded,
 * replaceable step. Under adaptive fan-out a join this policy partitions may still be broadcast
 * at run time, once its build side is measured (`adaptive-join.ts`; `src/runtime/README.md`,
 * "Adaptive joins").
 *
 * Which distributions a join allows depends on its type:
 * - **broadcast** (every task of the probe side sees the whole build side) is right only when an
 *   output row depends on one probe row and the whole build side: the build side must not be
 *   preserved (its unmatched rows would come out once per task). Null-aware joins (`NOT IN`, `IN`
 *   as a mark) also need to know whether the whole build side holds a NULL — broadcast suits them.
 * - **partitioned** (both sides hashed on the join keys into one stage) is right for every join
 *   whose rows can be decided within one key, i.e. all but the null-aware ones.
 *
 * @example
 * chooseJoinDistribution({ buildBytes: 2e6, probeBytes: 5e8, probeTasks: 4, buildTasks: 1, smallBytes: 2 ** 22, broadcastAllowed: true,
 *   partitionAllowed: true, broadcastLimit: 128 * 2 ** 20 });
 * // → { choice: 'broadcast', reason: 'build side est. 1.9 MiB × 4 tasks ≤ both sides 479 MiB' }
 */
import { formatBytes } from './format.ts';

export interface JoinDistributionInput {
  readonly buildBytes: number | null;
  readonly probeBytes: number | null;
  /** How many tasks would each receive the whole build side (the probe side's stage, estimated). */
  readonly probeTasks: number;
  /** How many tasks the build side's own stage has (estimated). */
  readonly buildTasks: number;
  /** A build side this small may go into fewer tasks than it came from. */
  readonly smallBytes: number;
  readonly broadcastAllowed: boolean;
  readonly partitionAllowed: boolean;
  readonly broadcastLimit: number;
  /** Why partitioning is not allowed, or why broadcast is not (for the reason text). */
  readonly why?: string;
}

export interface JoinDistributionChoice {
  readonly choice: 'broadcast' | 'partitioned' | 'single';
  readonly reason: string;
}

export function chooseJoinDistribution(i: JoinDistributionInput): JoinDistributionChoice {
  const build = i.buildBytes === null ? 'unknown' : formatBytes(i.buildBytes);
  if (i.broadcastAllowed && !i.partitionAllowed) {
    return { choice: 'broadcast', reason: i.why ?? 'the join needs its whole build side in every task' };
  }
  // Broadcasting moves the build side's rows into the probe side's stage: not into fewer tasks
  // than it came from, unless it is small (the join would run on less parallelism than its
  // input had).
  const concentrates = i.probeTasks < i.buildTasks && (i.buildBytes === null || i.buildBytes > i.smallBytes);
  if (i.broadcastAllowed && !concentrates && i.buildBytes !== null && i.buildBytes <= i.broadcastLimit) {
    // Broadcast moves the build side to every probe task; partitioning moves both sides once.
    const copies = i.probeTasks * i.buildBytes;
    if (i.probeBytes === null || copies <= i.probeBytes + i.buildBytes) {
      return {
        choice: 'broadcast',
        reason: `build side est. ${build} × ${i.probeTasks} task${i.probeTasks === 1 ? '' : 's'} ≤ ${
          i.probeBytes === null
            ? 'unknown probe side'
            : `both sides ${formatBytes(i.probeBytes + i.buildBytes)}`
        }`,
      };
    }
  }
  if (i.partitionAllowed) {
    let reason: string;
    if (!i.broadcastAllowed) reason = i.why ?? 'the build side is preserved (cannot be broadcast)';
    else if (i.buildBytes === null) reason = 'build side of unknown size';
    else if (concentrates)
      reason = `the build side's ${i.buildTasks} tasks would go into the probe side's ${i.probeTasks}`;
    else if (i.buildBytes > i.broadcastLimit)
      reason = `build side est. ${build} > broadcast limit ${formatBytes(i.broadcastLimit)}`;
    else
      reason = `build side est. ${build} × ${i.probeTasks} tasks > both sides ${formatBytes(
        (i.probeBytes ?? 0) + i.buildBytes,
      )}`;
    return { choice: 'partitioned', reason };
  }
  return { choice: 'single', reason: i.why ?? 'neither broadcast nor partitioning fits this join' };
}
