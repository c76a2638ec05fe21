/**
 * The commit rule (DESIGN §3.4): of all the attempts of a task, exactly one's output counts — the
 * first whose commit the coordinator records. The record is a conditional write to the state store
 * (`ifNotExists`), so it stays right when coordinator state is persisted (DynamoDB) and when
 * several coordinators race; the embedded store is in memory.
 *
 * Duplicates of an event (redelivery, a task sending twice) are dropped by event id before the
 * rule is asked; the ledger still answers `duplicate` for a second commit of the winning attempt,
 * whose objects are the winner's own and must not be deleted. A commit of any other attempt after
 * the first is `lost`: the caller deletes its spool objects.
 *
 * @example
 * const verdict = await ledger.record({ queryId, stage: 2, task: 0, attempt: 1 });
 * if (verdict === 'lost') await deleteSpoolObjects(spool, [event.manifest]);
 */
import { ConditionFailedError, type StateStore } from '../ports/state-store.ts';
import type { AttemptRef } from './events.ts';

export type CommitVerdict = 'won' | 'duplicate' | 'lost';

export class CommitLedger {
  private readonly seen = new Set<string>();

  constructor(
    private readonly state: StateStore,
    private readonly queryId: string,
  ) {}

  /** The state-store key recording a task's winning attempt. */
  static key(queryId: string, stage: number, task: number): string {
    return `q/${queryId}/commit/${stage}/${task}`;
  }

  /** Whether an event id was seen before (and marks it seen): the de-duplication of deliveries. */
  firstDelivery(eventId: string): boolean {
    if (this.seen.has(eventId)) return false;
    this.seen.add(eventId);
    return true;
  }

  /** Records the commit of an attempt; tells whether it is the task's winning commit. */
  async record(a: AttemptRef): Promise<CommitVerdict> {
    const key = CommitLedger.key(this.queryId, a.stage, a.task);
    try {
      await this.state.put(key, { attempt: a.attempt, at: Date.now() }, { ifNotExists: true });
      return 'won';
    } catch (err) {
      if (!(err instanceof ConditionFailedError)) throw err;
      const item = await this.state.get(key);
      const winner = (item?.value as { attempt?: number } | undefined)?.attempt;
      return winner === a.attempt ? 'duplicate' : 'lost';
    }
  }

  /** The winning attempt of a task, if one committed. */
  async winner(stage: number, task: number): Promise<number | undefined> {
    const item = await this.state.get(CommitLedger.key(this.queryId, stage, task));
    return (item?.value as { attempt?: number } | undefined)?.attempt;
  }
}
