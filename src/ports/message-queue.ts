import { type ErrorCode, SkeinError } from '../errors.ts';

/**
 * Queues as the runtime sees them: SQS in the cloud, in-process on one machine
 * (`adapters/local/memory-queue.ts`). They carry split feeds to leaf tasks and task events back to
 * the coordinator (DESIGN §3.5, §3.8).
 *
 * The contract is SQS's *standard* queue, and the embedded adapter enforces it, so that code
 * written against one machine survives SQS:
 * - **at-least-once**: a message can be delivered more than once (consumers de-duplicate by an id
 *   in the body), and in any order;
 * - **visibility timeout**: a received message is hidden for `visibilityTimeoutMs`; unless it is
 *   deleted in time it is delivered again, with a new receipt handle and a higher `receiveCount`;
 *   only the latest receipt handle deletes it (an older one is accepted and does nothing);
 * - **limits**: bodies (plus attributes) ≤ 256 KiB, batches ≤ 10 entries and ≤ 256 KiB in all,
 *   receive ≤ 10 messages, long polls ≤ 20 s, bodies limited to the characters SQS accepts.
 *
 * Times are milliseconds. SQS counts whole seconds: its adapter rounds visibility timeouts and
 * waits up, so do not rely on sub-second precision beyond tests.
 *
 * Queues are addressed by name (1–80 characters: letters, digits, `-`, `_`), so a query can create
 * its own queues and delete them when it ends.
 *
 * @example
 * await queue.createQueue('q-42-events', { visibilityTimeoutMs: 30_000 });
 * await queue.send('q-42-events', { body: JSON.stringify(event) });
 * for (const m of await queue.receive('q-42-events', { maxMessages: 10, waitTimeMs: 20_000 })) {
 *   handle(JSON.parse(m.body)); // must tolerate duplicates
 *   await queue.delete('q-42-events', m.receiptHandle);
 * }
 */
export interface MessageQueue {
  /**
   * Creates a queue. Creating an existing queue with the same options is a no-op; with different
   * options it fails (`QueueAlreadyExists`), as on SQS.
   */
  createQueue(name: string, options?: QueueOptions): Promise<void>;
  /** Deletes a queue and its messages. Later calls naming it fail with `QueueDoesNotExist`. */
  deleteQueue(name: string): Promise<void>;
  /** Sends one message. */
  send(queue: string, message: OutgoingMessage): Promise<SentMessage>;
  /**
   * Sends up to 10 messages (≤ 256 KiB together). Request-level problems (too many entries,
   * duplicate ids, too large) throw; a problem with one entry lists it under `failed`.
   */
  sendBatch(queue: string, entries: readonly BatchEntry[]): Promise<BatchResult>;
  /**
   * Receives up to `maxMessages` (1–10, default 1). With `waitTimeMs` > 0 (a long poll) it waits
   * until at least one message is available or the time is up, and returns as soon as one is.
   */
  receive(queue: string, options?: ReceiveOptions): Promise<ReceivedMessage[]>;
  /**
   * Deletes a received message. A stale receipt handle (the message was received again since, or
   * is already deleted) is accepted and does nothing; a handle this queue never issued fails
   * with `ReceiptHandleIsInvalid`.
   */
  delete(queue: string, receiptHandle: string): Promise<void>;
  /** Deletes up to 10 received messages; per-entry problems are listed under `failed`. */
  deleteBatch(queue: string, entries: readonly { id: string; receiptHandle: string }[]): Promise<BatchResult>;
  /**
   * Sets how long a received message stays invisible, counted from now (0: visible at once).
   * Fails with `MessageNotInflight` when the handle is not the message's latest or the message is
   * no longer in flight.
   */
  changeVisibility(queue: string, receiptHandle: string, visibilityTimeoutMs: number): Promise<void>;
  /** Approximate message counts (SQS's ApproximateNumberOfMessages… attributes). */
  stats(queue: string): Promise<QueueStats>;
}

export interface QueueOptions {
  /** Default visibility timeout of received messages. Default 30 s (SQS's default); max 12 h. */
  visibilityTimeoutMs?: number;
  /** Delay before a sent message becomes visible. Default 0; max 15 min. */
  delayMs?: number;
  /** How long an undeleted message is kept. Default 4 days; 1 min – 14 days. */
  retentionMs?: number;
  /**
   * Redrive: a message received `maxReceiveCount` times without being deleted moves to the queue
   * named `queue` (which must exist) at its next receive, instead of being delivered again.
   */
  deadLetter?: { queue: string; maxReceiveCount: number };
}

export interface OutgoingMessage {
  body: string;
  /** Message attributes (SQS String attributes): at most 10. */
  attributes?: Readonly<Record<string, string>>;
  /** Overrides the queue's delay for this message. */
  delayMs?: number;
}

export interface BatchEntry extends OutgoingMessage {
  /** Distinct within the batch: 1–80 letters, digits, `-`, `_`. */
  id: string;
}

export interface SentMessage {
  messageId: string;
}

export interface BatchResult {
  /** Ids of the entries that succeeded (with their message ids, for sends). */
  successful: { id: string; messageId?: string }[];
  failed: { id: string; reason: QueueErrorReason; message: string }[];
}

export interface ReceiveOptions {
  /** 1–10, default 1. */
  maxMessages?: number;
  /** Long-poll time, 0–20 s. Default 0 (return at once). */
  waitTimeMs?: number;
  /** Overrides the queue's visibility timeout for these messages. */
  visibilityTimeoutMs?: number;
}

export interface ReceivedMessage {
  /** The same on every delivery of the message (and on its duplicates). */
  messageId: string;
  /** Different on every delivery; only the latest one deletes the message. */
  receiptHandle: string;
  body: string;
  attributes: Record<string, string>;
  /** ApproximateReceiveCount: 1 on the first delivery. */
  receiveCount: number;
  /** SentTimestamp, ms since the epoch. */
  sentAt: number;
  /** ApproximateFirstReceiveTimestamp, ms since the epoch. */
  firstReceivedAt: number;
}

export interface QueueStats {
  /** Messages available for receiving. */
  visible: number;
  /** Received and neither deleted nor visible again yet. */
  inFlight: number;
  /** Sent with a delay that has not passed. */
  delayed: number;
}

/** SQS's limits, which every adapter enforces. */
export const QUEUE_LIMITS = {
  /** Body plus attributes (names, type names, values), in UTF-8 bytes. */
  maxMessageBytes: 262_144,
  maxBatchEntries: 10,
  maxBatchBytes: 262_144,
  maxReceiveMessages: 10,
  maxWaitTimeMs: 20_000,
  maxVisibilityTimeoutMs: 43_200_000,
  maxDelayMs: 900_000,
  minRetentionMs: 60_000,
  maxRetentionMs: 1_209_600_000,
  maxAttributes: 10,
  maxReceiveCount: 1000,
} as const;

export const QUEUE_DEFAULTS = {
  visibilityTimeoutMs: 30_000,
  retentionMs: 345_600_000,
} as const;

/** SQS's error names, so callers can tell failures apart whichever adapter they run on. */
export type QueueErrorReason =
  | 'QueueDoesNotExist'
  | 'QueueAlreadyExists'
  | 'InvalidParameterValue'
  | 'MessageTooLong'
  | 'InvalidMessageContents'
  | 'EmptyBatchRequest'
  | 'TooManyEntriesInBatchRequest'
  | 'BatchEntryIdsNotDistinct'
  | 'InvalidBatchEntryId'
  | 'BatchRequestTooLong'
  | 'ReceiptHandleIsInvalid'
  | 'MessageNotInflight'
  | 'Unavailable';

/** A queue operation failed; `reason` is SQS's name for the failure. */
export class QueueError extends SkeinError {
  readonly reason: QueueErrorReason;

  constructor(reason: QueueErrorReason, message: string, options: { cause?: unknown } = {}) {
    super(queueErrorCode(reason), message, options);
    this.name = 'QueueError';
    this.reason = reason;
  }
}

function queueErrorCode(reason: QueueErrorReason): ErrorCode {
  switch (reason) {
    case 'QueueDoesNotExist':
      return 'NOT_FOUND';
    case 'Unavailable':
      return 'EXTERNAL';
    default:
      // A request SQS would refuse is a bug in the caller, not the user's doing and not transient.
      return 'INTERNAL';
  }
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
// SQS accepts #x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF; a lone surrogate is
// matched as a code point in D800–DFFF, so it fails too.
const INVALID_BODY_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function checkQueueName(name: string): void {
  if (typeof name !== 'string' || !QUEUE_NAME.test(name)) {
    throw new QueueError(
      'InvalidParameterValue',
      `queue name '${name}' is invalid: use 1–80 letters, digits, '-' or '_'`,
    );
  }
}

export function checkBatchEntryId(id: string): void {
  if (typeof id !== 'string' || !BATCH_ENTRY_ID.test(id)) {
    throw new QueueError(
      'InvalidBatchEntryId',
      `batch entry id '${id}' is invalid: use 1–80 letters, digits, '-' or '_'`,
    );
  }
}

/** Size of a message as SQS counts it: body, attribute names, type names and values, in UTF-8. */
export function messageSize(message: OutgoingMessage): number {
  let n = Buffer.byteLength(message.body, 'utf8');
  for (const [k, v] of Object.entries(message.attributes ?? {})) {
    n += Buffer.byteLength(k, 'utf8') + 'String'.length + Buffer.byteLength(v, 'utf8');
  }
  return n;
}

/**
 * Checks one outgoing message against SQS's rules; returns its size. Throws a QueueError naming
 * the limit that was broken.
 */
export function checkOutgoingMessage(message: OutgoingMessage): number {
  if (typeof message?.body !== 'string') {
    throw new QueueError('InvalidParameterValue', 'message body must be a string');
  }
  if (message.body.length === 0) {
    throw new QueueError(
      'InvalidParameterValue',
      'message body must not be empty (SQS requires 1 character)',
    );
  }
  const bad = INVALID_BODY_CHAR.exec(message.body);
  if (bad) {
    const cp = bad[0].codePointAt(0)!;
    throw new QueueError(
      'InvalidMessageContents',
      `message body contains character U+${cp.toString(16).toUpperCase().padStart(4, '0')} at index ${bad.index}, which SQS does not accept (encode binary data, e.g. as base64)`,
    );
  }
  const attrs = message.attributes ?? {};
  const names = Object.keys(attrs);
  if (names.length > QUEUE_LIMITS.maxAttributes) {
    throw new QueueError(
      'InvalidParameterValue',
      `a message has ${names.length} attributes; the limit is ${QUEUE_LIMITS.maxAttributes}`,
    );
  }
  for (const k of names) {
    const v = attrs[k];
    if (!ATTRIBUTE_NAME.test(k) || k.includes('..') || /^(aws\.|amazon\.)/i.test(k) || k.startsWith('.')) {
      throw new QueueError('InvalidParameterValue', `message attribute name '${k}' is invalid`);
    }
    if (typeof v !== 'string' || v.length === 0) {
      throw new QueueError('InvalidParameterValue', `message attribute '${k}' must be a non-empty string`);
    }
  }
  if (message.delayMs !== undefined) checkRange('delayMs', message.delayMs, 0, QUEUE_LIMITS.maxDelayMs);
  const size = messageSize(message);
  if (size > QUEUE_LIMITS.maxMessageBytes) {
    throw new QueueError(
      'MessageTooLong',
      `message of ${size} bytes is larger than the queue limit of ${QUEUE_LIMITS.maxMessageBytes} bytes (256 KiB); put large payloads in the blob store and send their key`,
    );
  }
  return size;
}

/** Checks a number option against an inclusive range. */
export function checkRange(what: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new QueueError(
      'InvalidParameterValue',
      `${what} must be a number from ${min} to ${max}, got ${value}`,
    );
  }
}

/** Checks and fills in receive options. */
export function resolveReceiveOptions(
  options: ReceiveOptions | undefined,
  queueVisibilityMs: number,
): Required<ReceiveOptions> {
  const maxMessages = options?.maxMessages ?? 1;
  if (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > QUEUE_LIMITS.maxReceiveMessages) {
    throw new QueueError(
      'InvalidParameterValue',
      `maxMessages must be a whole number from 1 to ${QUEUE_LIMITS.maxReceiveMessages}, got ${maxMessages}`,
    );
  }
  const waitTimeMs = options?.waitTimeMs ?? 0;
  checkRange('waitTimeMs', waitTimeMs, 0, QUEUE_LIMITS.maxWaitTimeMs);
  const visibilityTimeoutMs = options?.visibilityTimeoutMs ?? queueVisibilityMs;
  checkRange('visibilityTimeoutMs', visibilityTimeoutMs, 0, QUEUE_LIMITS.maxVisibilityTimeoutMs);
  return { maxMessages, waitTimeMs, visibilityTimeoutMs };
}

/** Checks a batch request as SQS does (entry count, distinct ids, total size). */
export function checkBatch(entries: readonly BatchEntry[]): void {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new QueueError('EmptyBatchRequest', 'a batch needs at least one entry');
  }
  if (entries.length > QUEUE_LIMITS.maxBatchEntries) {
    throw new QueueError(
      'TooManyEntriesInBatchRequest',
      `a batch has ${entries.length} entries; the limit is ${QUEUE_LIMITS.maxBatchEntries}`,
    );
  }
  const ids = new Set<string>();
  let total = 0;
  for (const e of entries) {
    checkBatchEntryId(e.id);
    if (ids.has(e.id))
      throw new QueueError('BatchEntryIdsNotDistinct', `batch entry id '${e.id}' is used twice`);
    ids.add(e.id);
    total += typeof e.body === 'string' ? messageSize(e) : 0;
  }
  if (total > QUEUE_LIMITS.maxBatchBytes) {
    throw new QueueError(
      'BatchRequestTooLong',
      `a batch of ${total} bytes is larger than the limit of ${QUEUE_LIMITS.maxBatchBytes} bytes (256 KiB) for all entries together`,
    );
  }
}

/** Checks and fills in queue options. */
export function resolveQueueOptions(
  options: QueueOptions | undefined,
): Required<Omit<QueueOptions, 'deadLetter'>> & Pick<QueueOptions, 'deadLetter'> {
  const visibilityTimeoutMs = options?.visibilityTimeoutMs ?? QUEUE_DEFAULTS.visibilityTimeoutMs;
  checkRange('visibilityTimeoutMs', visibilityTimeoutMs, 0, QUEUE_LIMITS.maxVisibilityTimeoutMs);
  const delayMs = options?.delayMs ?? 0;
  checkRange('delayMs', delayMs, 0, QUEUE_LIMITS.maxDelayMs);
  const retentionMs = options?.retentionMs ?? QUEUE_DEFAULTS.retentionMs;
  checkRange('retentionMs', retentionMs, QUEUE_LIMITS.minRetentionMs, QUEUE_LIMITS.maxRetentionMs);
  const dl = options?.deadLetter;
  if (dl) {
    checkQueueName(dl.queue);
    if (!Number.isInteger(dl.maxReceiveCount) || dl.maxReceiveCount < 1 || dl.maxReceiveCount > 1000) {
      throw new QueueError(
        'InvalidParameterValue',
        `deadLetter.maxReceiveCount must be a whole number from 1 to ${QUEUE_LIMITS.maxReceiveCount}, got ${dl.maxReceiveCount}`,
      );
    }
  }
  return {
    visibilityTimeoutMs,
    delayMs,
    retentionMs,
    ...(dl ? { deadLetter: { queue: dl.queue, maxReceiveCount: dl.maxReceiveCount } } : {}),
  };
}
