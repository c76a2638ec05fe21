import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type MessagePort, Worker } from 'node:worker_threads';
import {
  encodeInvokePayload,
  failureErrorType,
  type InvocationFailure,
  type InvocationFailureKind,
  type InvokeAccepted,
  InvokeError,
  type Invoker,
  InvokeThrottledError,
  invocationFailureRecord,
} from '../../ports/invoker.ts';
import { type MessageQueue, QUEUE_LIMITS } from '../../ports/message-queue.ts';
import { MemoryMessageQueue } from './memory-queue.ts';
import { MemoryStateStore } from './memory-state-store.ts';
import type { HostReply, HostSetup, InvokeRequest } from './worker-host.ts';
import type { ServicePort } from './worker-services.ts';

/** A function the invoker can run. */
export interface WorkerFunctionConfig {
  /** The handler module (file URL, or path): a .ts or .js module exporting `handler`. */
  module: string | URL;
  /** Stops an invocation running longer than this. Default 15 min (Lambda's maximum). */
  timeoutMs?: number;
  /** Heap limit of the function's threads (V8's old generation), like a Lambda memory size. */
  memoryMb?: number;
  /** At most this many running invocations of this function (Lambda's reserved concurrency). */
  reservedConcurrency?: number;
}

export interface WorkerInvokerOptions {
  /** Function name → handler module (or its full configuration). */
  functions: Readonly<Record<string, WorkerFunctionConfig | string | URL>>;
  /** Running invocations at most; beyond it `invoke` throws InvokeThrottledError. Default: the core count. */
  concurrency?: number;
  /** An idle (warm) thread is stopped after this long without work. Default 60 s. */
  idleTimeoutMs?: number;
  /**
   * Limit on starting a thread and loading a handler module, not counted in the function's timeout
   * (Lambda's init phase, limited to 10 s there). Default 10 s.
   */
  initTimeoutMs?: number;
  /**
   * Main-thread services handlers can reach, by name: the in-process queue and state store. In a
   * handler, `workerQueue(name)` / `workerStateStore(name)` from worker-services.ts return them.
   */
  services?: Readonly<Record<string, MemoryMessageQueue | MemoryStateStore>>;
  /** Called for every failed invocation (handler error, timeout, out of memory, crash). */
  onFailure?: (failure: InvocationFailure) => void;
  /**
   * Also sends every failure as a message on this queue: a Lambda-style on-failure destination
   * record, read back with `parseInvocationFailure`.
   */
  failureQueue?: { queue: MessageQueue; name: string };
}

export interface WorkerInvokerStats {
  /** Invocations accepted and not yet ended. */
  running: number;
  /** Live threads, busy or idle. */
  threads: number;
  idle: number;
  /** Threads started so far (cold starts). */
  started: number;
  /** Invocations refused for concurrency. */
  throttled: number;
  succeeded: number;
  failed: number;
}

interface ResolvedFunction {
  name: string;
  module: string;
  timeoutMs: number;
  memoryMb: number | undefined;
  reservedConcurrency: number | undefined;
}

interface Invocation {
  id: string;
  fn: ResolvedFunction;
  payload: string;
  timer: NodeJS.Timeout | undefined;
}

interface Slot {
  worker: Worker;
  fn: string;
  state: 'busy' | 'idle' | 'exiting';
  current: Invocation | undefined;
  lastUsed: number;
  idleTimer: NodeJS.Timeout | undefined;
  stopReason: 'timeout' | 'init-timeout' | 'idle' | 'evicted' | 'closed' | undefined;
  uncaught: (Error & { code?: string }) | undefined;
  exited: Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 900_000;

/**
 * The Invoker on one machine: a pool of worker threads that run registered handler modules.
 *
 * - **Accepting.** `invoke` checks the payload (JSON, ≤ 256 KiB), takes a concurrency slot and
 *   returns an invocation id at once (Lambda's `Event` invocation). At the cap it throws
 *   InvokeThrottledError — it never queues. A slot is held until the invocation ends, including
 *   a thread's cold start, and after a timeout until the thread has stopped.
 * - **Threads.** Each thread serves one function, one invocation at a time, and stays warm
 *   (module state kept) for `idleTimeoutMs`; a new invocation takes the most recently used idle
 *   thread of its function. There are at most `concurrency` threads: an idle thread of another
 *   function is stopped to make room.
 * - **Ends.** A resolved handler is a success. A rejection is an `error` (the thread stays warm).
 *   Running past `timeoutMs` stops the thread (`timeout`); exceeding `memoryMb` is
 *   `out-of-memory`; a thread dying otherwise (uncaught exception, `process.exit`) is a `crash`.
 *   Each failure goes to `onFailure` and, if set, `failureQueue` — how the runtime learns of what
 *   a handler could not report itself (see ports/invoker.ts).
 * - **Shutdown.** `close()` refuses new invocations, waits a while for running ones, then stops
 *   every thread; invocations it interrupts are reported as crashes.
 *
 * Protocol with a thread (worker-host.ts): `invoke` request → `start` (module loaded, handler
 * called: the timeout starts) → `done` | `failed`. Services cross as MessagePorts (port-rpc.ts).
 *
 * @example
 * const invoker = new WorkerInvoker({
 *   functions: { 'skein-task': new URL('../../runtime/embedded-task-handler.ts', import.meta.url) },
 *   concurrency: 4,
 *   services: { queue },
 *   failureQueue: { queue, name: 'invocation-failures' },
 * });
 * await invoker.invoke('skein-task', { specKey });
 * …
 * await invoker.close();
 */
export class WorkerInvoker implements Invoker {
  readonly concurrency: number;
  private readonly functions = new Map<string, ResolvedFunction>();
  private readonly idleTimeoutMs: number;
  private readonly initTimeoutMs: number;
  private readonly options: WorkerInvokerOptions;
  private readonly slots = new Set<Slot>();
  private readonly runningByFn = new Map<string, number>();
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private counts = { started: 0, throttled: 0, succeeded: 0, failed: 0 };
  private readonly bootstrap = new URL('../../worker-bootstrap.mjs', import.meta.url);
  private readonly hostEntry = new URL('./worker-host.ts', import.meta.url).href;

  constructor(options: WorkerInvokerOptions) {
    this.options = options;
    this.concurrency = options.concurrency ?? availableParallelism();
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new InvokeError(
        'InvalidRequestContentException',
        '',
        `concurrency must be a whole number from 1 up, got ${this.concurrency}`,
      );
    }
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.initTimeoutMs = options.initTimeoutMs ?? 10_000;
    for (const [name, c] of Object.entries(options.functions)) {
      const cfg: WorkerFunctionConfig = typeof c === 'string' || c instanceof URL ? { module: c } : c;
      this.functions.set(name, {
        name,
        module: moduleUrl(cfg.module),
        timeoutMs: cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        memoryMb: cfg.memoryMb,
        reservedConcurrency: cfg.reservedConcurrency,
      });
    }
  }

  async invoke(functionName: string, payload: unknown): Promise<InvokeAccepted> {
    if (this.closed) {
      throw new InvokeError(
        'ServiceException',
        functionName,
        `cannot invoke '${functionName}': the invoker is closed`,
      );
    }
    const fn = this.functions.get(functionName);
    if (!fn) {
      throw new InvokeError(
        'ResourceNotFoundException',
        functionName,
        `function '${functionName}' is not registered (functions: ${[...this.functions.keys()].join(', ')})`,
      );
    }
    const text = encodeInvokePayload(functionName, payload);
    if (this.running >= this.concurrency) {
      this.counts.throttled++;
      throw new InvokeThrottledError(functionName, this.concurrency, 'account');
    }
    const fnRunning = this.runningByFn.get(fn.name) ?? 0;
    if (fn.reservedConcurrency !== undefined && fnRunning >= fn.reservedConcurrency) {
      this.counts.throttled++;
      throw new InvokeThrottledError(functionName, fn.reservedConcurrency, 'function');
    }
    this.running++;
    this.runningByFn.set(fn.name, fnRunning + 1);
    const inv: Invocation = { id: randomUUID(), fn, payload: text, timer: undefined };
    this.dispatch(inv);
    return { invocationId: inv.id };
  }

  /** Resolves when no invocation is running. */
  whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): WorkerInvokerStats {
    let idle = 0;
    for (const s of this.slots) if (s.state === 'idle') idle++;
    return { running: this.running, threads: this.slots.size, idle, ...this.counts };
  }

  /**
   * Stops accepting invocations, waits up to `waitMs` (default 10 s) for running ones to end, then
   * stops all threads. Interrupted invocations are reported as crashes.
   */
  async close(options: { waitMs?: number } = {}): Promise<void> {
    this.closed = true;
    const waitMs = options.waitMs ?? 10_000;
    if (this.running > 0 && waitMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.whenIdle(),
        new Promise<void>((r) => {
          timer = setTimeout(r, waitMs);
        }),
      ]);
      clearTimeout(timer);
    }
    const exits: Promise<void>[] = [];
    for (const s of this.slots) {
      this.stop(s, 'closed');
      exits.push(s.exited);
    }
    await Promise.all(exits);
  }

  // -------------------------------------------------------------------------------------------

  private dispatch(inv: Invocation): void {
    let slot: Slot | undefined;
    for (const s of this.slots) {
      if (
        s.state === 'idle' &&
        !s.stopReason &&
        s.fn === inv.fn.name &&
        (!slot || s.lastUsed > slot.lastUsed)
      ) {
        slot = s;
      }
    }
    if (!slot) {
      let live = 0;
      for (const s of this.slots) if (!s.stopReason) live++;
      if (live >= this.concurrency) this.evictIdle();
      slot = this.spawn(inv.fn);
    }
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    slot.state = 'busy';
    slot.current = inv;
    slot.worker.ref();
    // Until the handler starts: the init limit (thread start, module load).
    inv.timer = setTimeout(() => this.stop(slot, 'init-timeout'), this.initTimeoutMs);
    const req: InvokeRequest = {
      type: 'invoke',
      invocationId: inv.id,
      functionName: inv.fn.name,
      module: inv.fn.module,
      payload: inv.payload,
      timeoutMs: inv.fn.timeoutMs,
      memoryLimitMb: inv.fn.memoryMb,
    };
    slot.worker.postMessage(req);
  }

  /** Stops the least recently used idle thread, to make room under the thread cap. */
  private evictIdle(): void {
    let lru: Slot | undefined;
    for (const s of this.slots) {
      if (s.state === 'idle' && !s.stopReason && (!lru || s.lastUsed < lru.lastUsed)) lru = s;
    }
    if (lru) this.stop(lru, 'evicted');
  }

  private spawn(fn: ResolvedFunction): Slot {
    const services: Record<string, ServicePort> = {};
    const transfer: MessagePort[] = [];
    for (const [name, svc] of Object.entries(this.options.services ?? {})) {
      const kind =
        svc instanceof MemoryMessageQueue ? 'queue' : svc instanceof MemoryStateStore ? 'state' : undefined;
      if (!kind)
        throw new InvokeError('ServiceException', fn.name, `service '${name}' cannot be passed to a worker`);
      const port = svc.connect();
      services[name] = { kind, port };
      transfer.push(port);
    }
    const setup: HostSetup = { entry: this.hostEntry, services };
    const worker = new Worker(this.bootstrap, {
      workerData: setup,
      transferList: transfer,
      ...(fn.memoryMb ? { resourceLimits: { maxOldGenerationSizeMb: fn.memoryMb } } : {}),
    });
    this.counts.started++;
    let onExit!: () => void;
    const slot: Slot = {
      worker,
      fn: fn.name,
      state: 'busy',
      current: undefined,
      lastUsed: Date.now(),
      idleTimer: undefined,
      stopReason: undefined,
      uncaught: undefined,
      exited: new Promise<void>((r) => {
        onExit = r;
      }),
    };
    this.slots.add(slot);
    worker.on('message', (m: HostReply) => this.onReply(slot, m));
    worker.on('error', (err: Error) => {
      slot.uncaught = err;
    });
    worker.on('exit', (code) => {
      this.slots.delete(slot);
      if (slot.idleTimer) clearTimeout(slot.idleTimer);
      slot.state = 'exiting';
      const inv = slot.current;
      if (inv) this.end(slot, inv, this.exitFailure(slot, inv, code));
      onExit();
    });
    return slot;
  }

  private onReply(slot: Slot, m: HostReply): void {
    const inv = slot.current;
    if (!inv || inv.id !== m.invocationId) return;
    if (m.type === 'start') {
      clearTimeout(inv.timer);
      inv.timer = setTimeout(() => this.stop(slot, 'timeout'), inv.fn.timeoutMs);
    } else if (m.type === 'done') {
      this.end(slot, inv, undefined);
    } else if (m.type === 'failed') {
      this.end(slot, inv, {
        kind: 'error',
        errorType: failureErrorType('error', m.errorType),
        errorMessage: m.errorMessage,
      });
    }
  }

  private exitFailure(slot: Slot, inv: Invocation, code: number): FailureDetail {
    const reason = slot.stopReason;
    if (reason === 'timeout') {
      return {
        kind: 'timeout',
        errorType: failureErrorType('timeout', undefined),
        errorMessage: `Task timed out after ${(inv.fn.timeoutMs / 1000).toFixed(2)} seconds`,
      };
    }
    if (reason === 'init-timeout') {
      return {
        kind: 'timeout',
        errorType: failureErrorType('timeout', undefined),
        errorMessage: `function '${inv.fn.name}' did not start within ${this.initTimeoutMs} ms (thread start and module load)`,
      };
    }
    if (reason === 'closed') {
      return {
        kind: 'crash',
        errorType: failureErrorType('crash', undefined),
        errorMessage: 'the invoker was closed while the invocation ran',
      };
    }
    const err = slot.uncaught;
    if (err?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return {
        kind: 'out-of-memory',
        errorType: failureErrorType('out-of-memory', undefined),
        errorMessage: `function '${inv.fn.name}' ran out of memory (limit ${inv.fn.memoryMb ?? '?'} MB): ${err.message}`,
      };
    }
    return {
      kind: 'crash',
      errorType: failureErrorType('crash', undefined),
      errorMessage: err
        ? `the function's thread died of an uncaught ${err.name}: ${err.message}`
        : `the function's thread exited with code ${code} during the invocation`,
    };
  }

  /** Ends an invocation: frees its concurrency slot, reports a failure, keeps or drops the thread. */
  private end(slot: Slot, inv: Invocation, failure: FailureDetail | undefined): void {
    clearTimeout(inv.timer);
    slot.current = undefined;
    this.running--;
    this.runningByFn.set(inv.fn.name, (this.runningByFn.get(inv.fn.name) ?? 1) - 1);
    if (failure) {
      this.counts.failed++;
      this.report({
        functionName: inv.fn.name,
        invocationId: inv.id,
        ...failure,
        payload: JSON.parse(inv.payload) as unknown,
        at: Date.now(),
      });
    } else {
      this.counts.succeeded++;
    }
    if (slot.state === 'busy' && slot.stopReason) {
      // Ended just as it was being stopped (say, done at the timeout): the thread goes anyway.
      slot.state = 'exiting';
    } else if (slot.state === 'busy') {
      slot.state = 'idle';
      slot.lastUsed = Date.now();
      slot.worker.unref();
      if (this.closed) this.stop(slot, 'closed');
      else {
        slot.idleTimer = setTimeout(() => this.stop(slot, 'idle'), this.idleTimeoutMs);
        slot.idleTimer.unref();
      }
    }
    if (this.running === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private stop(slot: Slot, reason: NonNullable<Slot['stopReason']>): void {
    if (slot.stopReason) return;
    slot.stopReason = reason;
    if (slot.state === 'idle') slot.state = 'exiting';
    void slot.worker.terminate();
  }

  private report(f: InvocationFailure): void {
    try {
      this.options.onFailure?.(f);
    } catch (err) {
      process.emitWarning(`onFailure callback threw: ${(err as Error).message}`);
    }
    const dest = this.options.failureQueue;
    if (dest) {
      dest.queue
        .send(dest.name, { body: invocationFailureRecordFor(f) })
        .catch((err: Error) =>
          process.emitWarning(
            `cannot send the failure of invocation ${f.invocationId} to queue '${dest.name}': ${err.message}`,
          ),
        );
    }
  }
}

type FailureDetail = { kind: InvocationFailureKind; errorType: string; errorMessage: string };

function invocationFailureRecordFor(f: InvocationFailure): string {
  return invocationFailureRecord(f, QUEUE_LIMITS.maxMessageBytes);
}

function moduleUrl(m: string | URL): string {
  if (m instanceof URL) return m.href;
  if (/^file:/.test(m)) return m;
  return pathToFileURL(resolvePath(m)).href;
}
