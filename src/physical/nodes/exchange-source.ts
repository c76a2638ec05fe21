import type { NodeBase } from './common.ts';

/**
 * Where a stage of a distributed plan reads another stage's output (DESIGN §3.2): the leaf the
 * stage planner (`src/distributed/`) puts where it cuts a plan at an exchange. The single-process
 * planner never makes one; a task's runtime supplies the rows (`ExecEnv.exchange`), read from the
 * spool objects its producer tasks committed.
 *
 * - `hash`: this task reads its bucket range of rows bucketed by the hash of `keys`;
 * - `broadcast`: every task of the stage reads all of the producer's rows;
 * - `gather`: the stage has one task, which reads all of them.
 */
export interface ExchangeSourceNode extends NodeBase {
  readonly kind: 'exchange_source';
  /** The producer stage's id. */
  readonly stage: number;
  readonly exchange: 'hash' | 'broadcast' | 'gather';
  /** hash: the key columns the producer bucketed by (positions in this node's schema). */
  readonly keys: readonly number[];
}
