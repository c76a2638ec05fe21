import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import {
  type BatchEntry,
  type BatchResult,
  checkBatch,
  checkOutgoingMessage,
  checkQueueName,
  checkRange,
  type MessageQueue,
  type OutgoingMessage,
  QUEUE_LIMITS,
  QueueError,
  type QueueErrorReason,
  type QueueOptions,
  type QueueStats,
  type ReceivedMessage,
  type ReceiveOptions,
  resolveQueueOptions,
  resolveReceiveOptions,
  type SentMessage,
} from '../../ports/message-queue.ts';
import { awsClientConfig } from './client-config.ts';
import { httpStatus, isRetryable, type RetryPolicy, withRetries } from './retry.ts';

export interface SqsMessageQueueOptions {
  /** A client to use; by default one is made from the environment (see client-config.ts). */
  client?: SQSClient;
  clientConfig?: SQSClientConfig;
  /**
   * Put before every queue name: the SQS queue of port queue `q-42-events` is `${prefix}q-42-events`.
   * The deployment grants the functions SQS actions on `arn:aws:sqs:…:${prefix}*` only. Default
   * `skein-`. Prefix and name together are at most 80 characters.
   */
  prefix?: string;
  retry?: RetryPolicy;
}

/** SQS needs up to about a second before a new queue can be used; calls meanwhile are retried. */
const NEW_QUEUE_GRACE_MS = 5_000;

/**
 * The MessageQueue on SQS standard queues.
 *
 * **Queries are kept apart by queues of their own.** Every queue the runtime names (a query's
 * task-event queue, its split feeds) is a separate SQS queue, created when the query starts and
 * deleted when it ends; the name carries the query id. A shared queue for all queries would not
 * do: SQS cannot filter on receive, so every coordinator would receive, and have to hand back, the
 * other queries' messages — long polls would return other people's events, visibility timeouts
 * would delay them, and one query's backlog would slow everyone. Own queues give isolation for
 * free, make clean-up one DeleteQueue (stragglers and redeliveries of a finished query disappear
 * with it), and let IAM scope the functions to the `prefix` (no access to other queues). The cost
 * is a CreateQueue/GetQueueUrl per queue — tens of milliseconds at query start — and two SQS rules:
 * a new queue may need a second before it answers (calls within `NEW_QUEUE_GRACE_MS` of creating
 * it are retried), and a deleted queue's name cannot be reused for 60 s (query ids are unique).
 *
 * **Mapping.**
 * - Milliseconds become SQS's whole seconds, rounded up (visibility, delay, wait, retention).
 * - Every queue is created with `MaximumMessageSize` 256 KiB, so SQS itself enforces the port's
 *   limit; messages are also checked here first (`checkOutgoingMessage`), with the port's errors.
 * - `receive` is one ReceiveMessage: long polling with `WaitTimeSeconds` (≤ 20), up to 10
 *   messages, with the receive count and timestamps; `sendBatch` / `deleteBatch` are SQS batches.
 * - For long work, extend a message's visibility with `changeVisibility` before it lapses
 *   (see {@link keepInvisible}).
 * - Throttling and 5xx answers are retried with backoff (retry.ts); other SQS errors become
 *   QueueErrors with SQS's reason names.
 *
 * @example
 * const queue = new SqsMessageQueue({ prefix: 'skein-prod-' });
 * await queue.createQueue(`q-${queryId}-events`, { visibilityTimeoutMs: 30_000 });
 */
export class SqsMessageQueue implements MessageQueue {
  readonly client: SQSClient;
  readonly prefix: string;
  private readonly retry: RetryPolicy;
  private readonly urls = new Map<string, Promise<string>>();
  private readonly createdAt = new Map<string, number>();

  constructor(options: SqsMessageQueueOptions = {}) {
    this.client = options.client ?? new SQSClient({ ...awsClientConfig('SQS'), ...options.clientConfig });
    this.prefix = options.prefix ?? 'skein-';
    if (!/^[A-Za-z0-9_-]{0,79}$/.test(this.prefix)) {
      throw new QueueError('InvalidParameterValue', `queue prefix '${this.prefix}' is invalid`);
    }
    this.retry = options.retry ?? {};
  }

  /** The SQS name of a port queue name. */
  sqsName(name: string): string {
    checkQueueName(name);
    const full = this.prefix + name;
    if (full.length > 80) {
      throw new QueueError(
        'InvalidParameterValue',
        `queue name '${name}' is too long: with the prefix '${this.prefix}' it has ${full.length} characters; SQS allows 80`,
      );
    }
    return full;
  }

  /** Runs an SQS call on a queue, retrying what AWS says to retry; errors become QueueErrors. */
  private async call<T>(name: string, what: string, op: (url: string) => Promise<T>): Promise<T> {
    const retryable = (err: unknown) => isRetryable(err) || (isMissingQueue(err) && this.isNew(name));
    try {
      return await withRetries(async () => op(await this.url(name)), this.retry, retryable);
    } catch (err) {
      if (isMissingQueue(err)) this.urls.delete(name);
      throw queueError(err, `cannot ${what} queue '${name}'`);
    }
  }

  private isNew(name: string): boolean {
    const t = this.createdAt.get(name);
    return t !== undefined && Date.now() - t < NEW_QUEUE_GRACE_MS;
  }

  private url(name: string): Promise<string> {
    let url = this.urls.get(name);
    if (!url) {
      const QueueName = this.sqsName(name);
      url = this.client.send(new GetQueueUrlCommand({ QueueName })).then((r) => r.QueueUrl!);
      url.catch(() => this.urls.delete(name));
      this.urls.set(name, url);
    }
    return url;
  }

  async createQueue(name: string, options?: QueueOptions): Promise<void> {
    const QueueName = this.sqsName(name);
    const o = resolveQueueOptions(options);
    const Attributes: Record<string, string> = {
      VisibilityTimeout: String(seconds(o.visibilityTimeoutMs)),
      DelaySeconds: String(seconds(o.delayMs)),
      MessageRetentionPeriod: String(seconds(o.retentionMs)),
      MaximumMessageSize: String(QUEUE_LIMITS.maxMessageBytes),
    };
    if (o.deadLetter) {
      const dlq = o.deadLetter;
      const arn = await this.call(dlq.queue, 'find dead-letter', (QueueUrl) =>
        this.client
          .send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))
          .then((r) => r.Attributes?.QueueArn),
      ).catch((err: QueueError) => {
        throw err.reason === 'QueueDoesNotExist'
          ? new QueueError(
              'QueueDoesNotExist',
              `dead-letter queue '${dlq.queue}' of queue '${name}' does not exist; create it first`,
            )
          : err;
      });
      Attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: arn,
        maxReceiveCount: dlq.maxReceiveCount,
      });
    }
    try {
      const res = await withRetries(
        () => this.client.send(new CreateQueueCommand({ QueueName, Attributes })),
        this.retry,
      );
      this.urls.set(name, Promise.resolve(res.QueueUrl!));
      if (!this.createdAt.has(name)) this.createdAt.set(name, Date.now());
    } catch (err) {
      throw queueError(err, `cannot create queue '${name}'`);
    }
  }

  async deleteQueue(name: string): Promise<void> {
    await this.call(name, 'delete', (QueueUrl) => this.client.send(new DeleteQueueCommand({ QueueUrl })));
    this.urls.delete(name);
    this.createdAt.delete(name);
  }

  async send(queue: string, message: OutgoingMessage): Promise<SentMessage> {
    checkOutgoingMessage(message);
    const res = await this.call(queue, 'send to', (QueueUrl) =>
      this.client.send(new SendMessageCommand({ QueueUrl, ...toSqsMessage(message) })),
    );
    return { messageId: res.MessageId! };
  }

  async sendBatch(queue: string, entries: readonly BatchEntry[]): Promise<BatchResult> {
    checkBatch(entries);
    const result: BatchResult = { successful: [], failed: [] };
    const valid: BatchEntry[] = [];
    for (const e of entries) {
      try {
        checkOutgoingMessage(e);
        valid.push(e);
      } catch (err) {
        const qe = err as QueueError;
        result.failed.push({ id: e.id, reason: qe.reason, message: qe.message });
      }
    }
    if (valid.length === 0) return result;
    const res = await this.call(queue, 'send to', (QueueUrl) =>
      this.client.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: valid.map((e) => ({ Id: e.id, ...toSqsMessage(e) })),
        }),
      ),
    );
    for (const s of res.Successful ?? []) result.successful.push({ id: s.Id!, messageId: s.MessageId! });
    for (const f of res.Failed ?? []) {
      result.failed.push({ id: f.Id!, reason: reasonOf(f.Code), message: f.Message ?? f.Code ?? 'failed' });
    }
    return result;
  }

  async receive(queue: string, options?: ReceiveOptions): Promise<ReceivedMessage[]> {
    // The queue's own visibility timeout applies unless one is given; SQS knows it.
    const o = resolveReceiveOptions(options, 0);
    const res = await this.call(queue, 'receive from', (QueueUrl) =>
      this.client.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: o.maxMessages,
          WaitTimeSeconds: seconds(o.waitTimeMs),
          ...(options?.visibilityTimeoutMs === undefined
            ? {}
            : { VisibilityTimeout: seconds(options.visibilityTimeoutMs) }),
          MessageSystemAttributeNames: [
            'ApproximateReceiveCount',
            'SentTimestamp',
            'ApproximateFirstReceiveTimestamp',
          ],
          MessageAttributeNames: ['All'],
        }),
      ),
    );
    return (res.Messages ?? []).map(fromSqsMessage);
  }

  async delete(queue: string, receiptHandle: string): Promise<void> {
    await this.call(queue, 'delete a message from', (QueueUrl) =>
      this.client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: receiptHandle })),
    );
  }

  async deleteBatch(
    queue: string,
    entries: readonly { id: string; receiptHandle: string }[],
  ): Promise<BatchResult> {
    checkBatch(entries.map((e) => ({ id: e.id, body: '' })));
    const res = await this.call(queue, 'delete messages from', (QueueUrl) =>
      this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: entries.map((e) => ({ Id: e.id, ReceiptHandle: e.receiptHandle })),
        }),
      ),
    );
    return {
      successful: (res.Successful ?? []).map((s) => ({ id: s.Id! })),
      failed: (res.Failed ?? []).map((f) => ({
        id: f.Id!,
        reason: reasonOf(f.Code),
        message: f.Message ?? f.Code ?? 'failed',
      })),
    };
  }

  async changeVisibility(queue: string, receiptHandle: string, visibilityTimeoutMs: number): Promise<void> {
    checkRange('visibilityTimeoutMs', visibilityTimeoutMs, 0, QUEUE_LIMITS.maxVisibilityTimeoutMs);
    await this.call(queue, 'change message visibility in', (QueueUrl) =>
      this.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds(visibilityTimeoutMs),
        }),
      ),
    );
  }

  async stats(queue: string): Promise<QueueStats> {
    const res = await this.call(queue, 'read the counts of', (QueueUrl) =>
      this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      ),
    );
    const a = res.Attributes ?? {};
    return {
      visible: Number(a.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  /** Closes the client's connections; pending long polls fail. */
  close(): void {
    this.client.destroy();
  }
}

/**
 * Keeps a received message invisible while `work` runs, for work longer than the visibility
 * timeout: every `everyMs` (default: half of `timeoutMs`) it extends the visibility to `timeoutMs`
 * from now. Works with any MessageQueue. If an extension fails (the message was redelivered
 * meanwhile), extending stops and `onLost` is told; the work goes on — whether its result still
 * counts is the caller's (idempotent) business.
 *
 * @example
 * const [m] = await queue.receive(q, { visibilityTimeoutMs: 30_000 });
 * await keepInvisible(queue, q, m.receiptHandle, { timeoutMs: 30_000 }, () => runSplit(m));
 * await queue.delete(q, m.receiptHandle);
 */
export async function keepInvisible<T>(
  queue: MessageQueue,
  name: string,
  receiptHandle: string,
  options: { timeoutMs: number; everyMs?: number; onLost?: (err: unknown) => void },
  work: () => Promise<T>,
): Promise<T> {
  const every = options.everyMs ?? Math.max(1_000, Math.floor(options.timeoutMs / 2));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    timer = setTimeout(async () => {
      if (stopped) return;
      try {
        await queue.changeVisibility(name, receiptHandle, options.timeoutMs);
        if (!stopped) tick();
      } catch (err) {
        options.onLost?.(err);
      }
    }, every);
  };
  tick();
  try {
    return await work();
  } finally {
    stopped = true;
    clearTimeout(timer);
  }
}

/** Whole seconds, rounded up, as SQS takes them. */
function seconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

function toSqsMessage(m: OutgoingMessage): {
  MessageBody: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
  DelaySeconds?: number;
} {
  const attrs = Object.entries(m.attributes ?? {});
  return {
    MessageBody: m.body,
    ...(attrs.length > 0
      ? {
          MessageAttributes: Object.fromEntries(
            attrs.map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
        }
      : {}),
    ...(m.delayMs === undefined ? {} : { DelaySeconds: seconds(m.delayMs) }),
  };
}

function fromSqsMessage(m: Message): ReceivedMessage {
  const a = m.Attributes ?? {};
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) {
    if (v.StringValue !== undefined) attributes[k] = v.StringValue;
  }
  const sentAt = Number(a.SentTimestamp ?? 0);
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes,
    receiveCount: Number(a.ApproximateReceiveCount ?? 1),
    sentAt,
    firstReceivedAt: Number(a.ApproximateFirstReceiveTimestamp ?? sentAt),
  };
}

function isMissingQueue(err: unknown): boolean {
  const name = (err as { name?: string })?.name ?? '';
  return name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue';
}

const REASONS: Record<string, QueueErrorReason> = {
  QueueDoesNotExist: 'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue': 'QueueDoesNotExist',
  QueueNameExists: 'QueueAlreadyExists',
  QueueAlreadyExists: 'QueueAlreadyExists',
  InvalidParameterValue: 'InvalidParameterValue',
  InvalidAttributeValue: 'InvalidParameterValue',
  InvalidAttributeName: 'InvalidParameterValue',
  MessageTooLong: 'MessageTooLong',
  InvalidMessageContents: 'InvalidMessageContents',
  EmptyBatchRequest: 'EmptyBatchRequest',
  TooManyEntriesInBatchRequest: 'TooManyEntriesInBatchRequest',
  BatchEntryIdsNotDistinct: 'BatchEntryIdsNotDistinct',
  InvalidBatchEntryId: 'InvalidBatchEntryId',
  BatchRequestTooLong: 'BatchRequestTooLong',
  ReceiptHandleIsInvalid: 'ReceiptHandleIsInvalid',
  InvalidIdFormat: 'ReceiptHandleIsInvalid',
  MessageNotInflight: 'MessageNotInflight',
};

function reasonOf(code: string | undefined): QueueErrorReason {
  const c = (code ?? '').replace(/^AWS\.SimpleQueueService\./, '');
  return REASONS[code ?? ''] ?? REASONS[c] ?? 'InvalidParameterValue';
}

function queueError(err: unknown, what: string): QueueError {
  if (err instanceof QueueError) return err;
  const name = (err as { name?: string })?.name;
  const message = (err as Error)?.message ?? String(err);
  const status = httpStatus(err);
  const reason: QueueErrorReason =
    name && (REASONS[name] ?? REASONS[name.replace(/^AWS\.SimpleQueueService\./, '')])
      ? reasonOf(name)
      : 'Unavailable';
  const why =
    reason === 'QueueDoesNotExist'
      ? 'it does not exist'
      : reason === 'Unavailable' && status === undefined
        ? `no answer from SQS (${message})`
        : `${name}${status ? ` (HTTP ${status})` : ''}: ${message}`;
  return new QueueError(reason, `${what}: ${why}`, { cause: err });
}
