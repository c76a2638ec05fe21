/**
 * A handler module for worker-invoker.test.ts. What it does is chosen by the payload's `action`;
 * it reports to the main thread's queue ('results') through the invoker's services.
 */
import { threadId } from 'node:worker_threads';
import { workerQueue, workerStateStore } from '../../src/adapters/local/worker-services.ts';
import type { InvocationContext } from '../../src/ports/invoker.ts';
import { ConditionFailedError } from '../../src/ports/state-store.ts';

export interface FixturePayload {
  id: string;
  action: 'ok' | 'sleep' | 'throw' | 'crash' | 'exit' | 'spin' | 'oom' | 'race';
  ms?: number;
  key?: string;
  blob?: string;
}

/** Invocations this module instance served: it survives between warm invocations. */
let calls = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function handler(payload: FixturePayload, context: InvocationContext): Promise<void> {
  calls++;
  const report = (extra: Record<string, unknown> = {}) =>
    workerQueue().send('results', {
      body: JSON.stringify({
        id: payload.id,
        threadId,
        calls,
        functionName: context.functionName,
        invocationId: context.invocationId,
        remainingTimeMs: context.remainingTimeMs(),
        memoryLimitMb: context.memoryLimitMb ?? null,
        ...extra,
      }),
    });
  switch (payload.action) {
    case 'ok':
      await report();
      return;
    case 'sleep':
      await sleep(payload.ms ?? 100);
      await report();
      return;
    case 'throw':
      throw new TypeError(`bad split in ${payload.id}`);
    case 'crash':
      // An exception outside the handler's promise kills the thread.
      setTimeout(() => {
        throw new RangeError('boom outside the handler');
      }, 0);
      await sleep(60_000);
      return;
    case 'exit':
      process.exit(3);
      return;
    case 'spin': {
      // CPU-bound and never yielding: only terminating the thread stops it.
      const end = Date.now() + (payload.ms ?? 60_000);
      while (Date.now() < end) {}
      return;
    }
    case 'oom': {
      const hold: number[][] = [];
      for (;;) hold.push(new Array(1_000_000).fill(calls));
    }
    case 'race':
      try {
        await workerStateStore().put(payload.key!, { by: payload.id }, { ifNotExists: true });
        await report({ won: true });
      } catch (err) {
        await report({ won: false, conditionFailed: err instanceof ConditionFailedError });
      }
      return;
  }
}
