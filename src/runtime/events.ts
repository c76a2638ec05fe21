/**
 * Task events: what a task attempt tells its coordinator, over the query's event queue (DESIGN
 * §3.4, §3.8). Every event carries an id that names it uniquely — `{query}.{stage}.{task}.
 * {attempt}.{type}[.{seq}]` — so a coordinator drops redelivered duplicates by id, and the
 * attempt, so it can tell a retry's events from the first attempt's. Delivery is at least once
 * and in any order: a `commit` may arrive before `started`, a `heartbeat` after `commit`.
 *
 * - `started`: the attempt began (its spec is loaded).
 * - `heartbeat`: it is alive; progress so far.
 * - `commit`: it finished; its spool manifest and metrics. The first commit of a task wins.
 * - `failed`: it caught an error: the code and message, for the user.
 * - `load`: its Sampler's LoadInfo (DESIGN §3.6) — exactly one per attempt: after the first
 *   output batches, or at the end of its output (also when there was none), or when it failed
 *   before (`failed: true`). The coordinator sizes consumer stages from these; a lost, late or
 *   duplicated one only makes the decision wait for the commits instead.
 *
 * A body above the queue's limit (a commit with a very large manifest) goes to the blob store;
 * the message then carries `bodyKey` ({@link encodeEvent} / {@link decodeEvent}).
 *
 * @example
 * await queue.send(spec.events, { body: await encodeEvent(commitEvent(spec, manifest, metrics), store) });
 * const event = await decodeEvent(message.body, store);
 */
import type { SpoolManifest } from '../distributed/spool/format.ts';
import type { ErrorCode } from '../errors.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { QUEUE_LIMITS } from '../ports/message-queue.ts';

/** Which attempt an event is about. */
export interface AttemptRef {
  readonly queryId: string;
  readonly stage: number;
  readonly task: number;
  readonly attempt: number;
}

/** One operator's counters in one task. */
export interface OperatorTaskMetrics {
  readonly id: number;
  readonly rows: number;
  readonly batches: number;
  /** Inclusive wall time (children included). */
  readonly timeMs: number;
}

/** Storage and queue requests a task made. */
export interface RequestCounts {
  get: number;
  put: number;
  list: number;
  delete: number;
  send: number;
  receive: number;
  /** Queue deletes (acknowledging received messages). */
  ack: number;
}

/** What a task measured about itself (carried by its commit event). */
export interface TaskMetrics {
  /** From start to the commit event. */
  readonly wallMs: number;
  readonly rowsOut: number;
  /** In-memory Arrow bytes of the rows written. */
  readonly bytesOut: number;
  /** Bytes of the spool objects written. */
  readonly spoolBytesWritten: number;
  /** Bytes fetched from producers' spool objects. */
  readonly spoolBytesRead: number;
  /** Rows read from exchanges. */
  readonly exchangeRowsIn: number;
  readonly splits: number;
  readonly memoryPeak: number;
  readonly requests: RequestCounts;
  readonly operators: readonly OperatorTaskMetrics[];
}

/** What a producer task's Sampler saw of its output (DESIGN §3.6). */
export interface LoadInfo {
  /** Output rows and bytes (in-memory Arrow bytes, as spool manifests count them) seen so far. */
  readonly rows: number;
  readonly bytes: number;
  /** Per output column (of the columns written; unread placeholders are 0): bytes, NULL fraction, distinct values (a sketch's estimate). */
  readonly columnBytes: readonly number[];
  readonly nullFraction: readonly number[];
  readonly distinct: readonly number[];
  /** Driver progress: input consumed ÷ the task's assigned input (rows of its splits and exchange reads), in [0, 1]; 1 once ended. */
  readonly progress: number;
  /** Whether the task's output had ended (then the figures are exact). */
  readonly ended: boolean;
  /** Whether the attempt failed before sampling enough (an explicit end: its figures count for nothing). */
  readonly failed?: boolean;
  /** ms from the task's start to the report. */
  readonly afterMs: number;
  /**
   * Hash outputs: bytes written to each bucket so far — how a consumer started before its producers
   * committed balances its bucket ranges (`earlyStart`).
   */
  readonly bucketBytes?: readonly number[];
}

export type TaskEvent =
  | (AttemptRef & { readonly type: 'started'; readonly id: string; readonly at: number })
  | (AttemptRef & {
      readonly type: 'heartbeat';
      readonly id: string;
      readonly at: number;
      readonly seq: number;
      readonly rowsOut: number;
    })
  | (AttemptRef & {
      readonly type: 'commit';
      readonly id: string;
      readonly at: number;
      readonly manifest: SpoolManifest;
      readonly metrics: TaskMetrics;
    })
  | (AttemptRef & {
      readonly type: 'load';
      readonly id: string;
      readonly at: number;
      readonly load: LoadInfo;
    })
  | (AttemptRef & {
      readonly type: 'failed';
      readonly id: string;
      readonly at: number;
      readonly error: { readonly code: ErrorCode; readonly message: string };
    });

export type TaskEventType = TaskEvent['type'];

/** The id of an event (unique per query, attempt, type and sequence number). */
export function eventId(a: AttemptRef, type: TaskEventType, seq?: number): string {
  return `${a.queryId}.${a.stage}.${a.task}.${a.attempt}.${type}${seq === undefined ? '' : `.${seq}`}`;
}

function ref(a: AttemptRef): AttemptRef {
  return { queryId: a.queryId, stage: a.stage, task: a.task, attempt: a.attempt };
}

export function startedEvent(a: AttemptRef): TaskEvent {
  return { ...ref(a), type: 'started', id: eventId(a, 'started'), at: Date.now() };
}

export function heartbeatEvent(a: AttemptRef, seq: number, rowsOut: number): TaskEvent {
  return { ...ref(a), type: 'heartbeat', id: eventId(a, 'heartbeat', seq), at: Date.now(), seq, rowsOut };
}

export function commitEvent(a: AttemptRef, manifest: SpoolManifest, metrics: TaskMetrics): TaskEvent {
  return { ...ref(a), type: 'commit', id: eventId(a, 'commit'), at: Date.now(), manifest, metrics };
}

export function loadEvent(a: AttemptRef, load: LoadInfo): TaskEvent {
  return { ...ref(a), type: 'load', id: eventId(a, 'load'), at: Date.now(), load };
}

export function failedEvent(a: AttemptRef, error: { code: ErrorCode; message: string }): TaskEvent {
  return { ...ref(a), type: 'failed', id: eventId(a, 'failed'), at: Date.now(), error };
}

/** Bodies above this go to the blob store (the queue limit, less room for attributes). */
export const INLINE_EVENT_BYTES = QUEUE_LIMITS.maxMessageBytes - 1024;

/** The key of an event body kept in the blob store. */
export function eventBodyKey(e: TaskEvent): string {
  return `events/${e.queryId}/${e.id}.json`;
}

/** The queue message body of an event; large ones are stored in `store` and referenced. */
export async function encodeEvent(
  e: TaskEvent,
  store: BlobStore,
  limit = INLINE_EVENT_BYTES,
): Promise<string> {
  const text = JSON.stringify(e);
  if (Buffer.byteLength(text, 'utf8') <= limit) return text;
  const key = eventBodyKey(e);
  await store.put(key, new TextEncoder().encode(text));
  return JSON.stringify({ ...ref(e), type: e.type, id: e.id, at: e.at, bodyKey: key });
}

/** The event a message body carries (loading a stored body); undefined when it is not one. */
export async function decodeEvent(body: string, store: BlobStore): Promise<TaskEvent | undefined> {
  let e: Partial<TaskEvent> & { bodyKey?: string };
  try {
    e = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof e?.id !== 'string' || typeof e.type !== 'string' || typeof e.stage !== 'number')
    return undefined;
  if (typeof e.bodyKey === 'string') {
    const bytes = await store.get(e.bodyKey);
    return JSON.parse(new TextDecoder().decode(bytes)) as TaskEvent;
  }
  return e as TaskEvent;
}
