import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepInvisible, SqsMessageQueue } from '../../src/adapters/aws/sqs-message-queue.ts';
import { QUEUE_LIMITS, QueueError } from '../../src/ports/message-queue.ts';
import { type Emulators, startEmulators } from './emulators.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let aws: Emulators;
let client: SQSClient;
let q: SqsMessageQueue;

beforeAll(async () => {
  aws = await startEmulators();
  client = new SQSClient(aws.clientConfig);
  q = new SqsMessageQueue({ client, prefix: 'test-', retry: { baseDelayMs: 1 } });
});
afterAll(async () => {
  client?.destroy();
  await aws?.stop();
});

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(QueueError);
    return (err as QueueError).reason;
  }
  throw new Error('expected a QueueError');
}

describe('SqsMessageQueue on fauxqs', () => {
  it('sends and receives a message with attributes, counts, and deletes it', async () => {
    await q.createQueue('basic', { visibilityTimeoutMs: 30_000 });
    await q.createQueue('basic', { visibilityTimeoutMs: 30_000 }); // same options: no-op
    expect(await reason(q.createQueue('basic', { visibilityTimeoutMs: 5_000 }))).toBe('QueueAlreadyExists');
    const before = Date.now() - 1000; // SQS timestamps are ms; allow for clock granularity
    const { messageId } = await q.send('basic', { body: '{"a":1}', attributes: { kind: 'commit' } });
    const [m] = await q.receive('basic', { maxMessages: 10 });
    expect(m).toMatchObject({ messageId, body: '{"a":1}', attributes: { kind: 'commit' }, receiveCount: 1 });
    expect(m!.sentAt).toBeGreaterThanOrEqual(before);
    expect(m!.firstReceivedAt).toBeGreaterThanOrEqual(m!.sentAt);
    expect(await q.receive('basic')).toEqual([]);
    expect(await q.stats('basic')).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    await q.delete('basic', m!.receiptHandle);
    expect(await q.stats('basic')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    // The SQS queue carries the prefix, and the port's 256 KiB limit as its own.
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: 'test-basic' }));
    const attrs = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['MaximumMessageSize', 'VisibilityTimeout'],
      }),
    );
    expect(attrs.Attributes).toMatchObject({ MaximumMessageSize: '262144', VisibilityTimeout: '30' });
  });

  it('redelivers a message whose visibility timeout lapsed, with a new handle; stale handles do nothing', async () => {
    await q.createQueue('redeliver');
    await q.send('redeliver', { body: 'task-1' });
    const [first] = await q.receive('redeliver', { visibilityTimeoutMs: 1_000 });
    expect(await q.receive('redeliver')).toEqual([]);
    await sleep(1_150);
    const [again] = await q.receive('redeliver', { visibilityTimeoutMs: 30_000 });
    expect(again!.messageId).toBe(first!.messageId);
    expect(again!.receiptHandle).not.toBe(first!.receiptHandle);
    expect(again!.receiveCount).toBe(2);
    await q.delete('redeliver', first!.receiptHandle); // stale: accepted, message stays
    expect(await q.stats('redeliver')).toMatchObject({ inFlight: 1 });
    await q.delete('redeliver', again!.receiptHandle);
    expect(await q.stats('redeliver')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('long polls: returns as soon as a message arrives, or empty when the wait is over', async () => {
    await q.createQueue('poll');
    let t0 = Date.now();
    const poll = q.receive('poll', { waitTimeMs: 10_000, maxMessages: 10 });
    setTimeout(() => void q.send('poll', { body: 'late' }), 300);
    const got = await poll;
    expect(got.map((m) => m.body)).toEqual(['late']);
    expect(Date.now() - t0).toBeLessThan(3_000);
    t0 = Date.now();
    expect(await q.receive('poll', { waitTimeMs: 1_000 })).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('sends, receives and deletes in batches of 10; enforces batch and size limits', async () => {
    await q.createQueue('batch');
    const entries = Array.from({ length: 10 }, (_, i) => ({ id: `m${i}`, body: `body-${i}` }));
    const sent = await q.sendBatch('batch', entries);
    expect(sent.successful.map((s) => s.id).sort()).toEqual(entries.map((e) => e.id).sort());
    expect(sent.failed).toEqual([]);
    const got = await q.receive('batch', { maxMessages: 10 });
    expect(got.map((m) => m.body).sort()).toEqual(entries.map((e) => e.body).sort());
    const del = await q.deleteBatch(
      'batch',
      got.map((m, i) => ({ id: `d${i}`, receiptHandle: m.receiptHandle })),
    );
    expect(del.successful).toHaveLength(10);
    expect(await q.stats('batch')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });

    const eleven = Array.from({ length: 11 }, (_, i) => ({ id: `m${i}`, body: 'x' }));
    expect(await reason(q.sendBatch('batch', eleven))).toBe('TooManyEntriesInBatchRequest');
    expect(
      await reason(
        q.sendBatch('batch', [
          { id: 'a', body: 'x' },
          { id: 'a', body: 'y' },
        ]),
      ),
    ).toBe('BatchEntryIdsNotDistinct');
    // One bad entry fails alone.
    const mixed = await q.sendBatch('batch', [
      { id: 'ok', body: 'fine' },
      { id: 'bad', body: 'nul \u0000 inside' },
    ]);
    expect(mixed.successful.map((s) => s.id)).toEqual(['ok']);
    expect(mixed.failed).toMatchObject([{ id: 'bad', reason: 'InvalidMessageContents' }]);

    // 256 KiB is the most a message may be.
    await q.send('batch', { body: 'x'.repeat(QUEUE_LIMITS.maxMessageBytes) });
    expect(await reason(q.send('batch', { body: 'x'.repeat(QUEUE_LIMITS.maxMessageBytes + 1) }))).toBe(
      'MessageTooLong',
    );
    // SQS enforces it too, for senders that bypass the adapter.
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: 'test-batch' }));
    await expect(
      client.send(
        new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(QUEUE_LIMITS.maxMessageBytes + 1) }),
      ),
    ).rejects.toThrow();
  });

  it('changes visibility; keepInvisible holds a message through work longer than its timeout', async () => {
    await q.createQueue('extend', { visibilityTimeoutMs: 2_000 });
    await q.send('extend', { body: 'long' });
    const [m] = await q.receive('extend');
    await q.changeVisibility('extend', m!.receiptHandle, 0);
    const [m2] = await q.receive('extend');
    expect(m2!.receiveCount).toBe(2);
    let peek: number | undefined;
    await keepInvisible(q, 'extend', m2!.receiptHandle, { timeoutMs: 2_000, everyMs: 500 }, async () => {
      await sleep(2_600);
      peek = (await q.receive('extend')).length;
    });
    expect(peek).toBe(0);
    await q.delete('extend', m2!.receiptHandle);
    expect(await q.stats('extend')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(await reason(q.changeVisibility('extend', m2!.receiptHandle, 10))).toBe('MessageNotInflight');
  });

  it('moves a message to its dead-letter queue after maxReceiveCount receives', async () => {
    await q.createQueue('dlq');
    await q.createQueue('work', {
      deadLetter: { queue: 'dlq', maxReceiveCount: 1 },
      visibilityTimeoutMs: 1_000,
    });
    await q.send('work', { body: 'poison' });
    const [m] = await q.receive('work', { visibilityTimeoutMs: 0 });
    expect(m!.body).toBe('poison');
    expect(await q.receive('work')).toEqual([]);
    const [dead] = await q.receive('dlq');
    expect(dead!.body).toBe('poison');
    expect(await reason(q.createQueue('orphan', { deadLetter: { queue: 'nope', maxReceiveCount: 1 } }))).toBe(
      'QueueDoesNotExist',
    );
  });

  it('keeps queues of different prefixes (deployments) and names (queries) apart; deleted queues are gone', async () => {
    const other = new SqsMessageQueue({ client, prefix: 'other-' });
    await q.createQueue('q-1-events');
    await other.createQueue('q-1-events');
    await q.createQueue('q-2-events');
    await q.send('q-1-events', { body: 'mine' });
    await other.send('q-1-events', { body: 'theirs' });
    expect((await q.receive('q-2-events')).length).toBe(0);
    expect((await q.receive('q-1-events')).map((m) => m.body)).toEqual(['mine']);
    expect((await other.receive('q-1-events')).map((m) => m.body)).toEqual(['theirs']);
    await q.deleteQueue('q-1-events');
    expect(await reason(q.send('q-1-events', { body: 'late' }))).toBe('QueueDoesNotExist');
    expect(await reason(q.receive('never-made'))).toBe('QueueDoesNotExist');
    expect(() => q.sqsName('x'.repeat(80))).toThrow(/SQS allows 80/);
  });

  it('retries throttling and 5xx answers', async () => {
    const retries: string[] = [];
    const r = new SqsMessageQueue({
      client,
      prefix: 'test-',
      retry: { baseDelayMs: 1, onRetry: (x) => retries.push((x.error as Error).name) },
    });
    await r.createQueue('flaky');
    aws.faults.add({ match: /^SendMessage$/, times: 2, status: 503 });
    aws.faults.add({ match: /^ReceiveMessage$/, times: 1, status: 500, code: 'InternalError' });
    await r.send('flaky', { body: 'ok' });
    expect((await r.receive('flaky')).map((m) => m.body)).toEqual(['ok']);
    expect(retries).toHaveLength(3);
    aws.faults.clear();
  });
});
