/**
 * Embedded mode: the distributed runtime on one machine (DESIGN §4) — the engine's way to run a
 * query as stages of tasks on worker threads, which exchange Arrow data through a spool folder
 * and report over an in-process queue. The same coordinator and task code will run on AWS with
 * other adapters; this file only chooses the local ones:
 *
 * | port | here |
 * |---|---|
 * | Invoker | `WorkerInvoker`: worker threads running `embedded-task-handler.ts`, at most `maxConcurrency` |
 * | MessageQueue | `MemoryMessageQueue` (one queue per query) |
 * | StateStore | `MemoryStateStore` (commit records, cancel flags) |
 * | BlobStore (spool) | `FolderBlobStore` on a temporary folder (or `spool`), deleted by `close()` |
 *
 * Worker threads start on first use (about a second each: they load the engine) and stay warm
 * for the session; `warm()` starts them early.
 *
 * @example
 * const runtime = new EmbeddedRuntime({ tasks: 4, splitSize: 64 * 1024 });
 * const q = runtime.query(physical, { batchSize: 65536, memoryLimit: 2 ** 31 });
 * for await (const batch of q.rows()) …
 * console.log(q.stats());
 * await runtime.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryMessageQueue } from '../adapters/local/memory-queue.ts';
import { MemoryStateStore } from '../adapters/local/memory-state-store.ts';
import { WorkerInvoker } from '../adapters/local/worker-invoker.ts';
import { openBlobStore } from '../adapters/open-blob-store.ts';
import { estimateTaskCounts, explainStages } from '../distributed/explain-stages.ts';
import {
  type DistributedOptions,
  type DistributedOptionsInput,
  resolveDistributedOptions,
} from '../distributed/options.ts';
import { planStages } from '../distributed/plan-stages.ts';
import { FooterCache } from '../distributed/splits.ts';
import type { StageGraph } from '../distributed/stage-graph.ts';
import type { TaskFault } from '../distributed/task-spec.ts';
import type { PhysicalPlan } from '../physical/plan.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { type InvocationFailure, invocationFailureRecord } from '../ports/invoker.ts';
import { type MessageQueue, QUEUE_LIMITS } from '../ports/message-queue.ts';
import { explainAnalyzeStages } from '../runtime/explain-analyze.ts';
import { type CoordinatorServices, QueryCoordinator } from '../runtime/query-coordinator.ts';

export interface EmbeddedOptions extends DistributedOptionsInput {
  /** Spool folder. Default: a fresh temporary folder, removed by `close()` (or at exit). */
  readonly spool?: string;
  /** Worker threads at most (the invoker's concurrency cap). Default: `maxConcurrency`. */
  readonly threads?: number;
  readonly heartbeatMs?: number;
  readonly taskTimeoutMs?: number;
  /** Faults to inject into tasks (tests). */
  readonly faults?: readonly TaskFault[];
}

/** What a query run needs from the session. */
export interface EmbeddedQuerySettings {
  readonly batchSize: number;
  /** The session's memory limit; each task gets its share (÷ max concurrency). */
  readonly memoryLimit: number;
}

const FUNCTION = 'skein-task';
/** The queue of `failureFeed()`. */
const FAILURE_QUEUE = 'skein-invocation-failures';
const temporaryFolders = new Set<string>();
let exitHook = false;

export class EmbeddedRuntime {
  readonly options: DistributedOptions;
  private readonly embedded: EmbeddedOptions;
  private invoker: WorkerInvoker | undefined;
  private readonly queue = new MemoryMessageQueue();
  private readonly state = new MemoryStateStore();
  private spoolDir: string | undefined;
  private spoolStore: BlobStore | undefined;
  private readonly footers = new FooterCache();
  private readonly stores = new Map<string, BlobStore>();
  private readonly running = new Set<QueryCoordinator>();
  private feed: Promise<void> | undefined;
  private closed = false;

  constructor(options: EmbeddedOptions = {}) {
    this.embedded = options;
    this.options = resolveDistributedOptions(options);
  }

  /** Cuts a physical plan into stages (no I/O). */
  plan(physical: PhysicalPlan): StageGraph {
    return planStages(physical, this.options);
  }

  /** A coordinator for the plan; reading its `rows()` runs the query. */
  query(physical: PhysicalPlan, settings: EmbeddedQuerySettings): QueryCoordinator {
    const graph = this.plan(physical);
    const q = new QueryCoordinator(graph, this.coordinatorServices(), {
      options: this.options,
      batchSize: settings.batchSize,
      memoryLimit: Math.max(64 * 1024 * 1024, Math.floor(settings.memoryLimit / this.options.maxConcurrency)),
      ...(this.embedded.heartbeatMs === undefined ? {} : { heartbeatMs: this.embedded.heartbeatMs }),
      ...(this.embedded.taskTimeoutMs === undefined ? {} : { taskTimeoutMs: this.embedded.taskTimeoutMs }),
      ...(this.embedded.faults === undefined ? {} : { faults: this.embedded.faults }),
      onEnd: () => this.running.delete(q),
    });
    this.running.add(q);
    return q;
  }

  /**
   * The runtime's services, for coordinators made elsewhere (the query service of `skein serve`).
   * Their invocation failures are not routed to them: a crashed task fails at its deadline.
   */
  coordinatorServices(): CoordinatorServices {
    return {
      invoker: this.start(),
      queue: this.queue,
      state: this.state,
      spool: this.spool(),
      spoolLocation: this.spoolDir!,
      openStore: (l) => this.store(l),
      footers: this.footers,
      functionName: FUNCTION,
    };
  }

  /** EXPLAIN of the staged plan, with task counts estimated from splits and size estimates. */
  async explain(physical: PhysicalPlan, options: { verbose?: boolean } = {}): Promise<string> {
    const graph = this.plan(physical);
    const counts = await estimateTaskCounts(graph, this.options, (l) => this.store(l), this.footers);
    return explainStages(graph, {
      taskCounts: (id) => counts.get(id),
      buckets: this.options.buckets,
      ...(options.verbose ? { verbose: true } : {}),
    });
  }

  /** EXPLAIN ANALYZE: runs the query, then shows the staged plan with what every stage and task did. */
  async explainAnalyze(
    physical: PhysicalPlan,
    settings: EmbeddedQuerySettings,
    options: { verbose?: boolean } = {},
  ): Promise<string> {
    const q = this.query(physical, settings);
    let rows = 0;
    for await (const b of q.rows()) rows += b.length;
    const text = explainAnalyzeStages(q.graphAsRun(), q.stats(), {
      buckets: this.options.buckets,
      ...(options.verbose ? { verbose: true } : {}),
    });
    return `${text}\n${rows} row${rows === 1 ? '' : 's'}`;
  }

  /** Starts the worker threads now (they load the engine), rather than at the first query. */
  warm(): void {
    const invoker = this.start();
    for (let i = 0; i < invoker.concurrency; i++)
      void invoker.invoke(FUNCTION, { warmup: true }).catch(() => {});
  }

  /** Stops the worker threads and removes a temporary spool folder. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const q of this.running) q.cancel();
    await this.invoker?.close({ waitMs: 1000 });
    this.queue.close();
    if (this.spoolDir !== undefined && this.embedded.spool === undefined) {
      rmSync(this.spoolDir, { recursive: true, force: true });
      temporaryFolders.delete(this.spoolDir);
    }
  }

  private start(): WorkerInvoker {
    if (this.closed) throw new Error('the embedded runtime is closed');
    if (this.invoker === undefined) {
      this.invoker = new WorkerInvoker({
        functions: { [FUNCTION]: new URL('./embedded-task-handler.ts', import.meta.url) },
        concurrency: this.embedded.threads ?? this.options.maxConcurrency,
        services: { queue: this.queue, state: this.state },
        onFailure: (f) => this.onFailure(f),
      });
    }
    return this.invoker;
  }

  /**
   * A queue that receives the failures of invocations no coordinator of `query()` owns — those of
   * coordinators made elsewhere with `coordinatorServices()` (the query service of `skein serve`,
   * which reads it as `QueryServiceDeps.failures`, as the coordinator function reads Lambda's
   * on-failure queue). Without it such a coordinator learns of a crashed task only at its deadline.
   */
  async failureFeed(): Promise<{ queue: MessageQueue; name: string }> {
    this.feed ??= this.queue.createQueue(FAILURE_QUEUE);
    await this.feed;
    return { queue: this.queue, name: FAILURE_QUEUE };
  }

  private onFailure(f: InvocationFailure): void {
    let owned = false;
    for (const q of this.running) {
      if (q.owns(f.invocationId)) {
        q.onInvocationFailure(f);
        owned = true;
      }
    }
    if (!owned && this.feed !== undefined && !this.closed) {
      void this.queue
        .send(FAILURE_QUEUE, { body: invocationFailureRecord(f, QUEUE_LIMITS.maxMessageBytes) })
        .catch(() => {});
    }
  }

  private spool(): BlobStore {
    if (this.spoolStore === undefined) {
      if (this.embedded.spool !== undefined) this.spoolDir = this.embedded.spool;
      else {
        this.spoolDir = mkdtempSync(join(tmpdir(), 'skein-spool-'));
        temporaryFolders.add(this.spoolDir);
        if (!exitHook) {
          exitHook = true;
          process.once('exit', () => {
            for (const d of temporaryFolders) rmSync(d, { recursive: true, force: true });
          });
        }
      }
      this.spoolStore = openBlobStore(this.spoolDir);
    }
    return this.spoolStore;
  }

  private store(location: string): BlobStore {
    let s = this.stores.get(location);
    if (s === undefined) {
      s = openBlobStore(location);
      this.stores.set(location, s);
    }
    return s;
  }
}
