import { afterEach, describe, expect, it } from 'vitest';
import { MemoryMessageQueue } from '../../src/adapters/local/memory-queue.ts';
import { MemoryStateStore } from '../../src/adapters/local/memory-state-store.ts';
import { WorkerInvoker, type WorkerInvokerOptions } from '../../src/adapters/local/worker-invoker.ts';
import {
  type InvocationFailure,
  InvokeError,
  InvokeThrottledError,
  MAX_INVOKE_PAYLOAD_BYTES,
  parseInvocationFailure,
} from '../../src/ports/invoker.ts';
import type { FixturePayload } from './invoker-handler.fixture.ts';

const handlerModule = new URL('./invoker-handler.fixture.ts', import.meta.url);

interface Report {
  id: string;
  threadId: number;
  calls: number;
  functionName: string;
  invocationId: string;
  remainingTimeMs: number;
  memoryLimitMb: number | null;
  won?: boolean;
  conditionFailed?: boolean;
}

describe('WorkerInvoker', () => {
  let invoker: WorkerInvoker | undefined;
  let queue: MemoryMessageQueue;
  let failures: InvocationFailure[];

  async function setup(
    options: Partial<WorkerInvokerOptions> = {},
    extraServices: Record<string, MemoryStateStore> = {},
  ): Promise<WorkerInvoker> {
    queue = new MemoryMessageQueue();
    await queue.createQueue('results');
    await queue.createQueue('failures');
    failures = [];
    invoker = new WorkerInvoker({
      functions: {
        task: handlerModule,
        short: { module: handlerModule, timeoutMs: 300 },
        small: { module: handlerModule, memoryMb: 96 },
        limited: { module: handlerModule.href, reservedConcurrency: 1 },
      },
      concurrency: 2,
      services: { queue, ...extraServices },
      onFailure: (f) => failures.push(f),
      failureQueue: { queue, name: 'failures' },
      ...options,
    });
    return invoker;
  }

  afterEach(async () => {
    await invoker?.close({ waitMs: 0 });
    invoker = undefined;
    queue?.close();
  });

  const invoke = (fn: string, payload: FixturePayload) => invoker!.invoke(fn, payload);

  /** Waits for the next report of each id. */
  async function reports(n: number, waitMs = 20_000): Promise<Report[]> {
    const out: Report[] = [];
    const deadline = Date.now() + waitMs;
    while (out.length < n && Date.now() < deadline) {
      const got = await queue.receive('results', {
        maxMessages: 10,
        waitTimeMs: Math.min(2_000, deadline - Date.now()),
      });
      for (const m of got) {
        out.push(JSON.parse(m.body) as Report);
        await queue.delete('results', m.receiptHandle);
      }
    }
    return out;
  }

  async function nextFailure(): Promise<InvocationFailure> {
    const deadline = Date.now() + 20_000;
    while (failures.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return failures.shift()!;
  }

  it('accepts an invocation at once and runs it in the background', async () => {
    const inv = await setup();
    const t0 = Date.now();
    const { invocationId } = await invoke('task', { id: 'a', action: 'sleep', ms: 400 });
    expect(Date.now() - t0).toBeLessThan(150);
    expect(inv.stats().running).toBe(1);
    const [r] = await reports(1);
    expect(r).toMatchObject({ id: 'a', invocationId, functionName: 'task', calls: 1, memoryLimitMb: null });
    expect(r!.remainingTimeMs).toBeGreaterThan(800_000);
    await inv.whenIdle();
    expect(inv.stats()).toMatchObject({ running: 0, succeeded: 1, failed: 0 });
  });

  it('throttles beyond the concurrency cap instead of queueing, and accepts again once a slot frees', async () => {
    const inv = await setup();
    await invoke('task', { id: 'a', action: 'sleep', ms: 500 });
    await invoke('task', { id: 'b', action: 'sleep', ms: 500 });
    const err = await invoke('task', { id: 'c', action: 'ok' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvokeThrottledError);
    expect(err).toBeInstanceOf(InvokeError);
    expect((err as InvokeThrottledError).reason).toBe('TooManyRequestsException');
    expect((err as InvokeThrottledError).code).toBe('EXTERNAL');
    expect((err as InvokeThrottledError).message).toMatch(/concurrency limit of 2 running invocations/);
    expect(inv.stats()).toMatchObject({ running: 2, throttled: 1 });
    await inv.whenIdle();
    await invoke('task', { id: 'c', action: 'ok' });
    expect((await reports(3)).map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);

    // Reserved concurrency of one function.
    await inv.whenIdle();
    await invoke('limited', { id: 'd', action: 'sleep', ms: 300 });
    await expect(invoke('limited', { id: 'e', action: 'ok' })).rejects.toThrow(/reserved concurrency of 1/);
  });

  it('reuses a warm thread, whose module state survives', async () => {
    const inv = await setup();
    await invoke('task', { id: 'a', action: 'ok' });
    await inv.whenIdle();
    await invoke('task', { id: 'b', action: 'ok' });
    await inv.whenIdle();
    const [a, b] = await reports(2);
    expect(b!.threadId).toBe(a!.threadId);
    expect([a!.calls, b!.calls]).toEqual([1, 2]);
    expect(inv.stats()).toMatchObject({ started: 1, threads: 1, idle: 1 });
  });

  it('times out a runaway invocation: stops its thread, reports it, and frees the slot', async () => {
    const inv = await setup();
    const { invocationId } = await invoke('short', { id: 'a', action: 'spin' });
    const f = await nextFailure();
    expect(f).toMatchObject({
      functionName: 'short',
      invocationId,
      kind: 'timeout',
      errorType: 'Sandbox.Timedout',
      payload: { id: 'a', action: 'spin' },
    });
    expect(f.errorMessage).toMatch(/Task timed out after 0\.30 seconds/);
    await inv.whenIdle();
    expect(inv.stats()).toMatchObject({ running: 0, threads: 0 });
    // A new thread serves the next invocation.
    await invoke('short', { id: 'b', action: 'ok' });
    expect((await reports(1))[0]!.id).toBe('b');
    expect(inv.stats().started).toBe(2);
  });

  it('reports a handler error, a crash and an exit, and replaces dead threads', async () => {
    const inv = await setup();
    const { invocationId } = await invoke('task', { id: 'a', action: 'throw' });
    expect(await nextFailure()).toMatchObject({
      invocationId,
      kind: 'error',
      errorType: 'TypeError',
      errorMessage: 'bad split in a',
    });
    // A handler error keeps the thread warm.
    await invoke('task', { id: 'b', action: 'ok' });
    await reports(1);
    expect(inv.stats().started).toBe(1);

    await invoke('task', { id: 'c', action: 'crash' });
    const crash = await nextFailure();
    expect(crash).toMatchObject({ kind: 'crash', errorType: 'Runtime.ExitError' });
    expect(crash.errorMessage).toMatch(/uncaught RangeError: boom outside the handler/);

    await invoke('task', { id: 'd', action: 'exit' });
    const exit = await nextFailure();
    expect(exit).toMatchObject({ kind: 'crash', payload: { id: 'd', action: 'exit' } });
    expect(exit.errorMessage).toMatch(/exited with code 3/);

    await inv.whenIdle();
    await invoke('task', { id: 'e', action: 'ok' });
    expect((await reports(1))[0]!.id).toBe('e');
    await inv.whenIdle();
    expect(inv.stats()).toMatchObject({ failed: 3, succeeded: 2, started: 3 });
  });

  it('sends failures to the failure queue as Lambda-style destination records', async () => {
    await setup();
    const { invocationId } = await invoke('task', { id: 'a', action: 'throw' });
    const [m] = await queue.receive('failures', { waitTimeMs: 10_000 });
    const f = parseInvocationFailure(m!.body);
    expect(f).toMatchObject({
      functionName: 'task',
      invocationId,
      kind: 'error',
      errorType: 'TypeError',
      payload: { id: 'a', action: 'throw' },
    });
    const record = JSON.parse(m!.body);
    expect(record.requestContext.requestId).toBe(invocationId);
    expect(record.responseContext.functionError).toBe('Unhandled');
    // Lambda's own record parses the same way.
    const lambda = parseInvocationFailure(
      JSON.stringify({
        version: '1.0',
        timestamp: '2026-01-01T00:00:00.000Z',
        requestContext: {
          requestId: 'r-1',
          functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:skein-task:$LATEST',
          condition: 'RetriesExhausted',
          approximateInvokeCount: 1,
        },
        requestPayload: { spec: 'k' },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorMessage: 'RequestId: r-1 Error: Task timed out after 3.00 seconds' },
      }),
    );
    expect(lambda).toMatchObject({ functionName: 'skein-task', invocationId: 'r-1', kind: 'timeout' });
    expect(parseInvocationFailure('{"kind":"commit"}')).toBeUndefined();
  });

  it('reports running out of memory', async () => {
    await setup();
    await invoke('small', { id: 'a', action: 'oom' });
    const f = await nextFailure();
    expect(f).toMatchObject({
      kind: 'out-of-memory',
      errorType: 'Runtime.OutOfMemory',
      functionName: 'small',
    });
    expect(f.errorMessage).toMatch(/limit 96 MB/);
  });

  it('refuses payloads over 256 KiB, non-JSON payloads and unknown functions', async () => {
    const inv = await setup();
    const overhead = JSON.stringify({ id: 'a', action: 'ok', blob: '' }).length;
    await invoke('task', { id: 'a', action: 'ok', blob: 'x'.repeat(MAX_INVOKE_PAYLOAD_BYTES - overhead) });
    const big = await invoke('task', {
      id: 'b',
      action: 'ok',
      blob: 'x'.repeat(MAX_INVOKE_PAYLOAD_BYTES - overhead + 1),
    }).catch((e: unknown) => e);
    expect(big).toBeInstanceOf(InvokeError);
    expect((big as InvokeError).reason).toBe('RequestEntityTooLargeException');
    expect((big as InvokeError).message).toMatch(/262145 bytes; the limit is 262144 bytes \(256 KiB\)/);
    await expect(inv.invoke('task', { n: 1n })).rejects.toMatchObject({
      reason: 'InvalidRequestContentException',
    });
    await expect(inv.invoke('nope', {})).rejects.toMatchObject({
      reason: 'ResourceNotFoundException',
      code: 'NOT_FOUND',
    });
    expect(inv.stats()).toMatchObject({ running: 1, throttled: 0 });
  });

  it('lets concurrent attempts race on a conditional write: exactly one wins', async () => {
    const state = new MemoryStateStore();
    const inv = await setup({ concurrency: 6 }, { state });
    // Warm six threads first, so the attempts really run at the same time.
    for (let i = 0; i < 6; i++) await invoke('task', { id: `w${i}`, action: 'sleep', ms: 300 });
    await inv.whenIdle();
    await reports(6);
    for (let i = 0; i < 6; i++) await invoke('task', { id: `t${i}`, action: 'race', key: 'q/1/commit/2/7' });
    const rs = await reports(6);
    expect(rs.filter((r) => r.won)).toHaveLength(1);
    expect(rs.filter((r) => !r.won && r.conditionFailed)).toHaveLength(5);
    const winner = rs.find((r) => r.won)!.id;
    expect(await state.get('q/1/commit/2/7')).toEqual({
      key: 'q/1/commit/2/7',
      value: { by: winner },
      version: 1,
    });
  });

  it('closes cleanly: waits for running invocations, then refuses new ones', async () => {
    const inv = await setup();
    await invoke('task', { id: 'a', action: 'sleep', ms: 300 });
    await inv.close({ waitMs: 5_000 });
    expect((await reports(1))[0]!.id).toBe('a');
    expect(inv.stats()).toMatchObject({ running: 0, threads: 0, failed: 0 });
    await expect(invoke('task', { id: 'b', action: 'ok' })).rejects.toThrow(/the invoker is closed/);
  });

  it('reports invocations that a forced close interrupts', async () => {
    const inv = await setup();
    await invoke('task', { id: 'a', action: 'sleep', ms: 10_000 });
    await inv.close({ waitMs: 0 });
    expect(await nextFailure()).toMatchObject({
      kind: 'crash',
      errorMessage: /closed while the invocation ran/,
    });
  });
});
