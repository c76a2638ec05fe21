import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerInvoker } from '../../src/adapters/local/worker-invoker.ts';
import { EmbeddedRuntime } from '../../src/engine/embedded.ts';
import { parseInvocationFailure } from '../../src/ports/invoker.ts';

describe('EmbeddedRuntime.failureFeed', () => {
  let runtime: EmbeddedRuntime | undefined;
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
  });

  it('reports a failed invocation that no query() coordinator owns on the feed, once', async () => {
    runtime = new EmbeddedRuntime({ maxConcurrency: 1 });
    const feed = await runtime.failureFeed();
    // The same feed on a second call (the query service and the server may both ask).
    expect((await runtime.failureFeed()).name).toBe(feed.name);
    const { invoker } = runtime.coordinatorServices();
    // A payload the task handler refuses: the invocation fails inside the worker thread.
    const accepted = await invoker.invoke('skein-task', { notATaskSpec: true });
    const messages = await feed.queue.receive(feed.name, { maxMessages: 10, waitTimeMs: 20_000 });
    expect(messages).toHaveLength(1);
    const failure = parseInvocationFailure(messages[0]!.body);
    expect(failure).toMatchObject({ functionName: 'skein-task', invocationId: accepted.invocationId });
    expect(failure!.errorMessage.length).toBeGreaterThan(0);
  });

  it('sends nothing when no feed was asked for', async () => {
    runtime = new EmbeddedRuntime({ maxConcurrency: 1 });
    const { invoker, queue } = runtime.coordinatorServices();
    await invoker.invoke('skein-task', { notATaskSpec: true });
    // Wait until the invocation has ended (failed); the feed, made only then, must be empty.
    while ((invoker as WorkerInvoker).stats().running > 0) await new Promise((r) => setTimeout(r, 20));
    const feed = await runtime.failureFeed();
    expect(feed.queue).toBe(queue);
    expect(await feed.queue.receive(feed.name, { maxMessages: 10, waitTimeMs: 0 })).toEqual([]);
  });
});
