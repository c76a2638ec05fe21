import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderBlobStore } from '../../src/adapters/local/folder-blob-store.ts';
import { MemoryMessageQueue, type MemoryQueueFaults } from '../../src/adapters/local/memory-queue.ts';
import { MemoryStateStore } from '../../src/adapters/local/memory-state-store.ts';
import { openBlobStore } from '../../src/adapters/open-blob-store.ts';
import { type DistributedOptionsInput, resolveDistributedOptions } from '../../src/distributed/options.ts';
import { planStages } from '../../src/distributed/plan-stages.ts';
import { FooterCache } from '../../src/distributed/splits.ts';
import type { TaskFault } from '../../src/distributed/task-spec.ts';
import type { Batch } from '../../src/exec/vector.ts';
import type { PhysicalPlan } from '../../src/physical/plan.ts';
import {
  encodeInvokePayload,
  type InvocationFailure,
  type InvokeAccepted,
  type Invoker,
} from '../../src/ports/invoker.ts';
import type { MessageQueue } from '../../src/ports/message-queue.ts';
import { QueryCoordinator, type QueryRunOptions } from '../../src/runtime/query-coordinator.ts';
import { runTask } from '../../src/runtime/task-runner.ts';

type Payload = Record<string, unknown> & { spec?: { stage: number; task: number; attempt: number } };

/**
 * An Invoker that runs tasks in this thread (no worker threads): fast, and hookable — `plan`
 * decides per invocation what really happens: run it (once or more), run a changed payload, or
 * report a failure as the invoker would.
 */
/** Adaptive knobs that make SF 0.01 look big: several tasks per stage, LoadInfo after a few rows. */
export const AGGRESSIVE_ADAPTIVE: DistributedOptionsInput = {
  tasks: null,
  bytesPerTask: 256 * 1024,
  targetBytesPerTask: 32 * 1024,
  tinyBytes: 0,
  quorum: 0.2,
  sampleRows: 500,
  inlineBytes: 0,
};

export class InProcessInvoker implements Invoker {
  readonly invocations: Payload[] = [];
  onFailure: ((f: InvocationFailure) => void) | undefined;
  private running = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly run: (payload: unknown) => Promise<void>,
    private readonly plan: (
      payload: Payload,
    ) => readonly ({ run: Payload } | { fail: InvocationFailure['kind']; message: string })[] = (p) => [
      { run: p },
    ],
  ) {}

  async invoke(functionName: string, payload: unknown): Promise<InvokeAccepted> {
    const p = JSON.parse(encodeInvokePayload(functionName, payload)) as Payload;
    this.invocations.push(p);
    const invocationId = randomUUID();
    this.running++;
    setImmediate(async () => {
      for (const step of this.plan(p)) {
        if ('run' in step) {
          // A handler that throws is a failed invocation, as WorkerInvoker reports it.
          await this.run(step.run).catch((err: Error) =>
            this.onFailure?.({
              functionName,
              invocationId,
              kind: 'error',
              errorType: err.name,
              errorMessage: err.message,
              at: Date.now(),
            }),
          );
        } else
          this.onFailure?.({
            functionName,
            invocationId,
            kind: step.fail,
            errorType: 'Runtime.ExitError',
            errorMessage: step.message,
            at: Date.now(),
          });
      }
      if (--this.running === 0) for (const w of this.waiters.splice(0)) w();
    });
    return { invocationId };
  }

  /** Resolves when every invocation so far has run all its steps. */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

export interface Harness {
  queue: MemoryMessageQueue;
  state: MemoryStateStore;
  spoolDir: string;
  invoker: InProcessInvoker;
  coordinator(
    plan: PhysicalPlan,
    options?: DistributedOptionsInput,
    faults?: TaskFault[],
    run?: Partial<Pick<QueryRunOptions, 'heartbeatMs' | 'drainMs' | 'taskTimeoutMs'>>,
  ): QueryCoordinator;
}

/** A coordinator on in-process adapters, tasks run in this thread. */
export async function harness(
  options: {
    faults?: MemoryQueueFaults;
    plan?: ConstructorParameters<typeof InProcessInvoker>[1];
    /** The queue as tasks see it (to lose, repeat or hold back their events). */
    taskQueue?: (queue: MessageQueue) => MessageQueue;
    /** How an invocation runs its task (default: `run(payload)` once). */
    runTask?: (payload: unknown, run: (payload: unknown) => Promise<void>) => Promise<void>;
  } = {},
): Promise<Harness> {
  const queue = new MemoryMessageQueue(options.faults ? { faults: options.faults } : {});
  const state = new MemoryStateStore();
  const spoolDir = await mkdtemp(join(tmpdir(), 'skein-harness-spool-'));
  spoolDirs.push(spoolDir);
  const services = {
    queue: options.taskQueue ? options.taskQueue(queue) : queue,
    state,
    openStore: openBlobStore,
  };
  const run = (payload: unknown) => runTask(payload, services);
  const invoker = new InProcessInvoker(
    options.runTask ? (payload) => options.runTask!(payload, run) : run,
    options.plan,
  );
  const footers = new FooterCache();
  return {
    queue,
    state,
    spoolDir,
    invoker,
    coordinator(plan, o = {}, faults = [], run = {}) {
      const resolved = resolveDistributedOptions({ tasks: 4, splitSize: 64 * 1024, maxConcurrency: 4, ...o });
      const q = new QueryCoordinator(
        planStages(plan, resolved),
        {
          invoker,
          queue,
          state,
          spool: new FolderBlobStore(spoolDir),
          spoolLocation: spoolDir,
          openStore: openBlobStore,
          footers,
          functionName: 'skein-task',
        },
        { options: resolved, batchSize: 65536, memoryLimit: 2 ** 30, faults, drainMs: 2000, ...run },
      );
      invoker.onFailure = (f) => q.onInvocationFailure(f);
      return q;
    },
  };
}

const spoolDirs: string[] = [];

/** Removes the spool folders of every harness made so far (call in afterAll). */
export async function removeHarnesses(): Promise<void> {
  for (const d of spoolDirs.splice(0)) await rm(d, { recursive: true, force: true });
}

/** All rows of a stream, as sorted JSON lines (order-insensitive comparison). */
export async function rowsOf(stream: AsyncIterable<Batch>): Promise<string[]> {
  const { cellText } = await import('../../src/engine/values.ts');
  const out: string[] = [];
  for await (const b of stream) {
    for (let i = 0; i < b.length; i++) out.push(JSON.stringify(b.columns.map((v) => cellText(v, i))));
  }
  return out.sort();
}

/** Files under a folder, recursively. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? '', e.name));
}
