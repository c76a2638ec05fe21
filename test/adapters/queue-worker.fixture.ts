/**
 * Runs in a worker thread (started through src/worker-bootstrap.mjs) for memory-queue.test.ts: uses
 * the main thread's queue through a port, as a task would, and reports what it saw.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { messageQueueOverPort } from '../../src/adapters/local/memory-queue.ts';
import { QueueError } from '../../src/ports/message-queue.ts';

const queue = messageQueueOverPort(workerData.port);
const { events, commands, count } = workerData as { events: string; commands: string; count: number };

// Task events to the coordinator's queue, in batches of 10.
for (let i = 0; i < count; i += 10) {
  const entries = [];
  for (let j = i; j < Math.min(count, i + 10); j++) {
    entries.push({ id: `e${j}`, body: JSON.stringify({ seq: j }), attributes: { kind: 'progress' } });
  }
  const r = await queue.sendBatch(events, entries);
  if (r.failed.length > 0) throw new Error(`batch failed: ${JSON.stringify(r.failed)}`);
}

// A long poll that the main thread answers by sending a command.
const t0 = Date.now();
parentPort!.postMessage({ type: 'polling' });
const got = await queue.receive(commands, { waitTimeMs: 10_000, maxMessages: 10 });
const waitedMs = Date.now() - t0;
for (const m of got) await queue.delete(commands, m.receiptHandle);

// Errors cross the port as their own class.
let error: { isQueueError: boolean; reason?: string; code?: string; message: string } | undefined;
try {
  await queue.send('no-such-queue', { body: 'x' });
} catch (err) {
  error = {
    isQueueError: err instanceof QueueError,
    reason: (err as QueueError).reason,
    code: (err as QueueError).code,
    message: (err as Error).message,
  };
}

parentPort!.postMessage({ type: 'done', bodies: got.map((m) => m.body), waitedMs, error });
queue.close();
