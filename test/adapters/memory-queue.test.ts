import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryMessageQueue } from '../../src/adapters/local/memory-queue.ts';
import { QUEUE_LIMITS, QueueError, type ReceivedMessage } from '../../src/ports/message-queue.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(QueueError);
    return (err as QueueError).reason;
  }
  throw new Error('expected a QueueError');
}

describe('MemoryMessageQueue', () => {
  let q: MemoryMessageQueue;
  beforeEach(async () => {
    q = new MemoryMessageQueue();
    await q.createQueue('events', { visibilityTimeoutMs: 30_000 });
  });
  afterEach(() => q.close());

  it('delivers a message with its attributes and counts', async () => {
    const before = Date.now();
    const { messageId } = await q.send('events', { body: '{"a":1}', attributes: { kind: 'commit' } });
    const [m] = await q.receive('events');
    expect(m).toMatchObject({ messageId, body: '{"a":1}', attributes: { kind: 'commit' }, receiveCount: 1 });
    expect(m!.sentAt).toBeGreaterThanOrEqual(before);
    expect(m!.firstReceivedAt).toBeGreaterThanOrEqual(m!.sentAt);
    expect(await q.receive('events')).toEqual([]);
    expect(await q.stats('events')).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    await q.delete('events', m!.receiptHandle);
    expect(await q.stats('events')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('hides a received message until its visibility timeout, then redelivers it with a new handle', async () => {
    await q.send('events', { body: 'task-1' });
    const [first] = await q.receive('events', { visibilityTimeoutMs: 150 });
    expect(await q.receive('events')).toEqual([]);
    await sleep(200);
    const [again] = await q.receive('events', { visibilityTimeoutMs: 10_000 });
    expect(again!.messageId).toBe(first!.messageId);
    expect(again!.receiptHandle).not.toBe(first!.receiptHandle);
    expect(again!.receiveCount).toBe(2);
    expect(again!.firstReceivedAt).toBe(first!.firstReceivedAt);

    // The first handle is stale: accepted, but the message stays.
    await q.delete('events', first!.receiptHandle);
    expect(await q.stats('events')).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    await expect(q.changeVisibility('events', first!.receiptHandle, 0)).rejects.toThrow(/not in flight/);
    // The latest one deletes it, and deleting twice is fine.
    await q.delete('events', again!.receiptHandle);
    await q.delete('events', again!.receiptHandle);
    expect(await q.stats('events')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    // A handle this queue never issued is an error.
    expect(await reason(q.delete('events', 'garbage'))).toBe('ReceiptHandleIsInvalid');
  });

  it('changes visibility: 0 makes a message visible at once, a longer one delays redelivery', async () => {
    await q.send('events', { body: 'x' });
    const [a] = await q.receive('events', { visibilityTimeoutMs: 100 });
    await q.changeVisibility('events', a!.receiptHandle, 0);
    const [b] = await q.receive('events', { visibilityTimeoutMs: 100 });
    expect(b!.receiveCount).toBe(2);
    await q.changeVisibility('events', b!.receiptHandle, 400);
    await sleep(150);
    expect(await q.receive('events')).toEqual([]);
    await sleep(300);
    expect((await q.receive('events'))[0]!.receiveCount).toBe(3);
  });

  it('long polling returns as soon as a message arrives, or empty when the time is up', async () => {
    let t0 = Date.now();
    const poll = q.receive('events', { waitTimeMs: 5_000, maxMessages: 10 });
    setTimeout(() => void q.send('events', { body: 'late' }), 100);
    const got = await poll;
    const waited = Date.now() - t0;
    expect(got.map((m) => m.body)).toEqual(['late']);
    expect(waited).toBeGreaterThanOrEqual(90);
    expect(waited).toBeLessThan(1_000);

    t0 = Date.now();
    expect(await q.receive('events', { waitTimeMs: 250 })).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);

    // A long poll also wakes when an in-flight message times out.
    await q.send('events', { body: 'retry-me' });
    await q.receive('events', { visibilityTimeoutMs: 200 }); // and "crash"
    t0 = Date.now();
    const [m] = await q.receive('events', { waitTimeMs: 5_000 });
    expect(m!.body).toBe('retry-me');
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('gives each message to one of several waiting consumers', async () => {
    const polls = Array.from({ length: 4 }, () => q.receive('events', { waitTimeMs: 400, maxMessages: 10 }));
    for (let i = 0; i < 3; i++) await q.send('events', { body: `m${i}` });
    const got = (await Promise.all(polls)).flat();
    expect(got.map((m) => m.body).sort()).toEqual(['m0', 'm1', 'm2']);
  });

  it('enforces the batch and receive limits', async () => {
    const entry = (i: number) => ({ id: `e${i}`, body: `b${i}` });
    const ten = Array.from({ length: 10 }, (_, i) => entry(i));
    const r = await q.sendBatch('events', ten);
    expect(r.successful.map((s) => s.id)).toEqual(ten.map((e) => e.id));
    expect(r.failed).toEqual([]);
    const got = await q.receive('events', { maxMessages: 10 });
    expect(got.map((m) => m.body)).toEqual(ten.map((e) => e.body));

    expect(await reason(q.sendBatch('events', [...ten, entry(10)]))).toBe('TooManyEntriesInBatchRequest');
    expect(await reason(q.sendBatch('events', [entry(1), entry(1)]))).toBe('BatchEntryIdsNotDistinct');
    expect(await reason(q.sendBatch('events', []))).toBe('EmptyBatchRequest');
    expect(await reason(q.sendBatch('events', [{ id: 'bad id', body: 'x' }]))).toBe('InvalidBatchEntryId');
    const third = 'x'.repeat(100_000);
    expect(
      await reason(
        q.sendBatch('events', [
          { id: 'a', body: third },
          { id: 'b', body: third },
          { id: 'c', body: third },
        ]),
      ),
    ).toBe('BatchRequestTooLong');
    expect(await reason(q.receive('events', { maxMessages: 11 }))).toBe('InvalidParameterValue');
    expect(await reason(q.receive('events', { waitTimeMs: 20_001 }))).toBe('InvalidParameterValue');

    // One bad entry fails alone.
    const mixed = await q.sendBatch('events', [
      { id: 'ok', body: 'fine' },
      { id: 'bad', body: 'nul \u0000 inside' },
    ]);
    expect(mixed.successful.map((s) => s.id)).toEqual(['ok']);
    expect(mixed.failed).toMatchObject([{ id: 'bad', reason: 'InvalidMessageContents' }]);

    const handles = got.map((m, i) => ({ id: `d${i}`, receiptHandle: m.receiptHandle }));
    const del = await q.deleteBatch('events', [
      ...handles.slice(0, 9),
      { id: 'g', receiptHandle: 'garbage' },
    ]);
    expect(del.successful).toHaveLength(9);
    expect(del.failed).toMatchObject([{ id: 'g', reason: 'ReceiptHandleIsInvalid' }]);
  });

  it('refuses messages over 256 KiB, naming the limit; attributes count', async () => {
    const max = QUEUE_LIMITS.maxMessageBytes;
    await q.send('events', { body: 'a'.repeat(max) });
    const err = await q.send('events', { body: 'a'.repeat(max + 1) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueError);
    expect((err as QueueError).reason).toBe('MessageTooLong');
    expect((err as QueueError).message).toMatch(
      /262145 bytes is larger than the queue limit of 262144 bytes \(256 KiB\)/,
    );
    expect(await reason(q.send('events', { body: 'a'.repeat(max - 5), attributes: { k: 'v' } }))).toBe(
      'MessageTooLong',
    );
    // UTF-8 bytes, not characters.
    expect(await reason(q.send('events', { body: 'é'.repeat(max / 2 + 1) }))).toBe('MessageTooLong');
    expect(await reason(q.send('events', { body: '' }))).toBe('InvalidParameterValue');
    expect(await reason(q.send('events', { body: 'lone \ud800 surrogate' }))).toBe('InvalidMessageContents');
  });

  it('moves a message to the dead-letter queue after N receives', async () => {
    await q.createQueue('dlq');
    await q.createQueue('work', {
      visibilityTimeoutMs: 50,
      deadLetter: { queue: 'dlq', maxReceiveCount: 2 },
    });
    const { messageId } = await q.send('work', { body: 'poison' });
    expect((await q.receive('work'))[0]!.receiveCount).toBe(1);
    await sleep(80);
    expect((await q.receive('work'))[0]!.receiveCount).toBe(2);
    await sleep(80);
    expect(await q.receive('work')).toEqual([]);
    const [dead] = await q.receive('dlq');
    expect(dead).toMatchObject({ messageId, body: 'poison' });
    expect(dead!.receiveCount).toBe(3);
    expect(await reason(q.createQueue('w2', { deadLetter: { queue: 'missing', maxReceiveCount: 1 } }))).toBe(
      'QueueDoesNotExist',
    );
  });

  it('delays messages', async () => {
    await q.send('events', { body: 'later', delayMs: 150 });
    expect(await q.stats('events')).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    expect(await q.receive('events')).toEqual([]);
    const t0 = Date.now();
    const [m] = await q.receive('events', { waitTimeMs: 2_000 });
    expect(m!.body).toBe('later');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
  });

  it('creates and deletes queues as SQS does', async () => {
    await q.createQueue('events', { visibilityTimeoutMs: 30_000 }); // same options: fine
    expect(await reason(q.createQueue('events', { visibilityTimeoutMs: 5_000 }))).toBe('QueueAlreadyExists');
    expect(await reason(q.createQueue('bad name!'))).toBe('InvalidParameterValue');
    expect(await reason(q.createQueue('x'.repeat(81)))).toBe('InvalidParameterValue');
    await q.createQueue('q-7-feed-3');
    const poll = q.receive('q-7-feed-3', { waitTimeMs: 5_000 });
    await q.send('q-7-feed-3', { body: 'x' });
    await poll;
    const waiting = q.receive('q-7-feed-3', { waitTimeMs: 5_000 });
    await q.deleteQueue('q-7-feed-3');
    expect(await waiting).toEqual([]);
    expect(await reason(q.send('q-7-feed-3', { body: 'x' }))).toBe('QueueDoesNotExist');
    const e = await q.receive('q-7-feed-3').catch((err: QueueError) => err);
    expect((e as QueueError).code).toBe('NOT_FOUND');
  });

  it('fault mode: duplicates and reordering, which a de-duplicating consumer survives', async () => {
    q.setFaults({ duplicateProbability: 0.3, reorder: true, seed: 11 });
    const n = 200;
    for (let i = 0; i < n; i += 10) {
      await q.sendBatch(
        'events',
        Array.from({ length: 10 }, (_, j) => ({ id: `e${j}`, body: JSON.stringify({ id: i + j }) })),
      );
    }
    const received: ReceivedMessage[] = [];
    for (;;) {
      const got = await q.receive('events', { maxMessages: 10 });
      if (got.length === 0) break;
      for (const m of got) {
        received.push(m);
        await q.delete('events', m.receiptHandle);
      }
    }
    const ids = received.map((m) => (JSON.parse(m.body) as { id: number }).id);
    expect(ids.length).toBeGreaterThan(n + 20); // duplicates arrived
    expect(new Set(ids).size).toBe(n); // every message at least once
    expect(ids.slice(0, n)).not.toEqual([...ids.slice(0, n)].sort((a, b) => a - b)); // not in order
    // Duplicates share the message id, as SQS's do.
    const byId = new Map<string, Set<number>>();
    for (const m of received) {
      const s = byId.get(m.messageId) ?? new Set();
      s.add((JSON.parse(m.body) as { id: number }).id);
      byId.set(m.messageId, s);
    }
    for (const s of byId.values()) expect(s.size).toBe(1);
    expect(byId.size).toBe(n);

    q.setFaults({ emptyReceiveProbability: 1 });
    await q.send('events', { body: 'x' });
    expect(await q.receive('events')).toEqual([]);
    q.setFaults();
    expect(await q.receive('events')).toHaveLength(1);
  });

  it('serves worker threads through a port: batches, long polls and typed errors cross threads', async () => {
    await q.createQueue('commands');
    const port = q.connect();
    const worker = new Worker(new URL('../../src/worker-bootstrap.mjs', import.meta.url), {
      workerData: {
        entry: new URL('./queue-worker.fixture.ts', import.meta.url).href,
        port,
        events: 'events',
        commands: 'commands',
        count: 45,
      },
      transferList: [port],
    });
    const exited = once(worker, 'exit');
    const done = new Promise<{
      bodies: string[];
      waitedMs: number;
      error: { isQueueError: boolean; reason: string; code: string; message: string };
    }>((resolve, reject) => {
      worker.on('message', (m: { type: string }) => {
        if (m.type === 'polling') setTimeout(() => void q.send('commands', { body: 'stop' }), 150);
        else if (m.type === 'done') resolve(m as never);
      });
      worker.on('error', reject);
    });
    const result = await done;
    await exited;
    expect(result.bodies).toEqual(['stop']);
    expect(result.waitedMs).toBeLessThan(2_000);
    expect(result.error).toEqual({
      isQueueError: true,
      reason: 'QueueDoesNotExist',
      code: 'NOT_FOUND',
      message: "queue 'no-such-queue' does not exist",
    });
    const seqs: number[] = [];
    for (;;) {
      const got = await q.receive('events', { maxMessages: 10 });
      if (got.length === 0) break;
      for (const m of got) {
        expect(m.attributes).toEqual({ kind: 'progress' });
        seqs.push((JSON.parse(m.body) as { seq: number }).seq);
      }
    }
    expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: 45 }, (_, i) => i));
    expect(await q.stats('commands')).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });
});
