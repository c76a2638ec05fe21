/**
 * Input feeds: how a consumer task launched before its producers committed (`earlyStart`, DESIGN
 * §3.6 "start the consumers as soon as they are decided") learns what to read. The shape is that of
 * the split feeds of DESIGN §3.5:
 *
 * - the coordinator keeps a **log** per consumer stage: its producers' winning commits, in the order
 *   it accepted them (only a task's first commit is ever logged, so a retried or duplicated producer
 *   task contributes exactly one object list);
 * - each consumer attempt has a **queue** of its own (`skein-{query}-f{stage}-{task}-{attempt}`),
 *   created with the attempt; the coordinator sends it one `input` message per log entry — the
 *   attempt's bucket range of that producer's objects, planned (`SpoolReadPlan`) — with the entry's
 *   sequence number, and finally an `end` message carrying the total count;
 * - the task de-duplicates by sequence number, reads the entries in sequence order (so a replay reads
 *   exactly the same inputs in the same order), and knows it has everything once it holds the `end`
 *   and every number below its total — delivery is at least once and in any order;
 * - a new attempt of the task would get the whole log replayed into its own queue
 *   ({@link StageCoordinator.feedMessages} from 0).
 *
 * Two runs of one attempt (an invocation delivered twice) would split its queue's messages between
 * them and both wait forever, so a fed attempt first **claims** its feed in the state store
 * ({@link claimFeed}); a run that loses exits without a word (the winner reports for the attempt).
 *
 * Messages above the queue's limit (a producer that rolled over into very many objects) go to the
 * blob store, and the message carries the key (as task events do).
 *
 * @example
 * // coordinator
 * await queue.send(name, { body: await encodeFeedMessage({ kind: 'input', seq, stage, read }, spool, key) });
 * // task
 * const feed = new InputFeedReader(queue, spec.feed.queue, spool, signal);
 * for await (const read of feed.reads(node.stage)) yield* readSpool(spool, read);
 */

import type { SpoolReadPlan } from '../distributed/spool/reader.ts';
import { SkeinError } from '../errors.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { type MessageQueue, QUEUE_LIMITS } from '../ports/message-queue.ts';
import { ConditionFailedError, type StateStore } from '../ports/state-store.ts';
import type { AttemptRef } from './events.ts';

export type FeedMessage =
  /** Entry `seq` of the feed: what to read of one committed producer task (`stage` is the producer's). */
  | { readonly kind: 'input'; readonly seq: number; readonly stage: number; readonly read: SpoolReadPlan }
  /** The feed has `total` entries, numbered 0 … total − 1. */
  | { readonly kind: 'end'; readonly total: number };

/** The feed queue of a consumer attempt. */
export function feedQueueName(a: AttemptRef): string {
  return `skein-${a.queryId}-f${a.stage}-${a.task}-${a.attempt}`;
}

/** The state-store key a fed attempt claims (one run per attempt reads its feed). */
export function feedClaimKey(a: AttemptRef): string {
  return `q/${a.queryId}/feed/${a.stage}/${a.task}/${a.attempt}`;
}

/** Bodies above this go to the blob store (the queue limit, less room for attributes). */
export const INLINE_FEED_BYTES = QUEUE_LIMITS.maxMessageBytes - 1024;

/**
 * The queue message body of a feed message; one larger than `limit` is written to `store` under
 * `key` and referenced.
 */
export async function encodeFeedMessage(
  m: FeedMessage,
  store: BlobStore,
  key: string,
  limit = INLINE_FEED_BYTES,
): Promise<{ body: string; storedKey?: string }> {
  const text = JSON.stringify(m);
  if (Buffer.byteLength(text, 'utf8') <= limit || m.kind !== 'input') return { body: text };
  await store.put(key, new TextEncoder().encode(text));
  return {
    body: JSON.stringify({ kind: 'input', seq: m.seq, stage: m.stage, bodyKey: key }),
    storedKey: key,
  };
}

/** The feed message a body carries (loading a stored one); undefined when it is not one. */
export async function decodeFeedMessage(body: string, store: BlobStore): Promise<FeedMessage | undefined> {
  let m: Partial<{
    kind: string;
    seq: number;
    stage: number;
    total: number;
    read: SpoolReadPlan;
    bodyKey: string;
  }>;
  try {
    m = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (m?.kind === 'end' && Number.isSafeInteger(m.total) && m.total! >= 0)
    return { kind: 'end', total: m.total! };
  if (m?.kind !== 'input' || !Number.isSafeInteger(m.seq) || m.seq! < 0) return undefined;
  if (typeof m.bodyKey === 'string') {
    return JSON.parse(new TextDecoder().decode(await store.get(m.bodyKey))) as FeedMessage;
  }
  return m.read === undefined ? undefined : (m as FeedMessage);
}

/**
 * Claims the feed of a fed attempt: true for the first run of the attempt, false for a second run
 * of the same invocation (which must then leave, silently).
 */
export async function claimFeed(state: StateStore, a: AttemptRef, runId: string): Promise<boolean> {
  try {
    await state.put(feedClaimKey(a), { run: runId }, { ifNotExists: true });
    return true;
  } catch (err) {
    if (err instanceof ConditionFailedError) return false;
    throw err;
  }
}

/**
 * The task side of a feed: receives its queue's messages (long polls of ≤ 1 s, so a cancel is seen
 * within one), and hands out each input's reads in sequence order. Waiting here is what an early
 * started consumer does until its producers commit; the task's heartbeat runs meanwhile.
 */
export class InputFeedReader {
  private readonly entries = new Map<number, { stage: number; read: SpoolReadPlan }>();
  private total: number | undefined;
  private waiters: (() => void)[] = [];
  private pumping: Promise<void> | undefined;
  private error: unknown;
  private rowsReceived = 0;

  constructor(
    private readonly queue: MessageQueue,
    private readonly name: string,
    private readonly store: BlobStore,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.wake(), { once: true });
  }

  /** Whether every entry has arrived (the end, and all numbers below its total). */
  get complete(): boolean {
    return this.total !== undefined && this.entries.size >= this.total;
  }

  /** Rows of the reads received so far (all of them once {@link complete}). */
  get rows(): number {
    return this.rowsReceived;
  }

  /** Starts receiving (once); `reads()` does it too. */
  start(): void {
    this.pumping ??= this.pump().catch((err) => {
      this.error = err;
      this.wake();
    });
  }

  /** The reads of one input (a producer stage), in feed order; ends with the feed. */
  async *reads(stage: number): AsyncGenerator<SpoolReadPlan> {
    this.start();
    for (let seq = 0; ; seq++) {
      for (;;) {
        if (this.entries.has(seq)) break;
        if (this.total !== undefined && seq >= this.total) return;
        await this.next();
      }
      const e = this.entries.get(seq)!;
      if (e.stage === stage) yield e.read;
    }
  }

  private next(): Promise<void> {
    this.check();
    return new Promise<void>((resolve) => this.waiters.push(resolve)).then(() => this.check());
  }

  private check(): void {
    if (this.signal.aborted) throw this.signal.reason;
    if (this.error !== undefined) throw this.error;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async pump(): Promise<void> {
    while (!this.complete && !this.signal.aborted) {
      const messages = await this.queue.receive(this.name, { maxMessages: 10, waitTimeMs: 1000 });
      for (const m of messages) {
        const f = await decodeFeedMessage(m.body, this.store);
        if (f === undefined) {
          throw new SkeinError(
            'INTERNAL',
            `internal error (this is a bug in Skein): a malformed message on feed ${this.name}`,
          );
        }
        if (f.kind === 'end') this.total = f.total;
        else if (!this.entries.has(f.seq)) {
          this.entries.set(f.seq, { stage: f.stage, read: f.read });
          this.rowsReceived += f.read.rows;
        }
      }
      if (messages.length > 0) {
        await this.queue.deleteBatch(
          this.name,
          messages.map((m, i) => ({ id: String(i), receiptHandle: m.receiptHandle })),
        );
        this.wake();
      }
    }
    this.wake();
  }
}
