/**
 * A Lambda Invoke API host for tests: `POST /2015-03-31/functions/{name}/invocations` on
 * 127.0.0.1, served to the real `@aws-sdk/client-lambda`, running handler modules isolated in
 * worker threads (through `src/worker-bootstrap.mjs`, so `.ts` handlers load from sources).
 *
 * Why here, in test/, and not under src/: Skein's users never need it. On one machine the runtime
 * calls the embedded WorkerInvoker directly; people who want emulated AWS with Docker have
 * LocalStack. This host exists so the AWS adapters and the functions/ handlers can be tested
 * against the real Lambda client, with Lambda's limits, on machines without Docker.
 *
 * What it does, as Lambda does:
 * - `X-Amz-Invocation-Type`: RequestResponse (200, the handler's JSON result), Event (202, run in
 *   the background), DryRun (204).
 * - Handler errors: 200 with `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage,
 *   trace}`; timeouts say "Task timed out after N seconds" (`Sandbox.Timedout`), a heap over the
 *   memory size is `Runtime.OutOfMemory`, a thread that dies is `Runtime.ExitError`.
 * - Limits: a concurrency cap for all functions and optional reserved concurrency per function —
 *   beyond them 429 TooManyRequestsException (with Lambda's `Reason`); requests over 6 MB
 *   (RequestResponse) or 256 KiB (Event) → 413 RequestTooLargeException; responses over 6 MB →
 *   `Function.ResponseSizeTooLarge`; unknown functions → 404; non-JSON bodies → 400
 *   InvalidRequestContentException.
 * - Threads stay warm between invocations (module state survives), one invocation at a time per
 *   thread; the function's timeout starts once the module is loaded (Lambda's init phase is
 *   separate), with a 10 s limit on init.
 * - Failed Event invocations are reported to `onAsyncFailure` — wire it to a queue to play
 *   Lambda's on-failure destination. They are not retried (Skein's stack sets
 *   MaximumRetryAttempts 0).
 *
 * Differences from Lambda: Event invocations beyond the concurrency cap are refused with 429
 * (Lambda queues them internally and throttles later), so callers' backoff paths get exercised;
 * no `LogType: Tail` logs (handler output goes to the test's console); no qualifiers or versions
 * (always `$LATEST`); no signature checks.
 *
 * @example
 * const host = await startLambdaHost({ functions: { echo: { module: new URL('./fixtures/echo.ts', import.meta.url) } } });
 * const lambda = new LambdaClient(host.clientConfig);
 * …
 * await host.close();
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InvocationFailure, InvocationFailureKind } from '../../src/ports/invoker.ts';
import type { ThreadInvoke, ThreadReply } from './lambda-host-thread.ts';

// The SDK's warning that its 2027 releases will need Node 22 would only clutter test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface HostedFunction {
  /** A module exporting `handler(event, context)`, Lambda's Node.js handler shape (.ts or .js). */
  module: string | URL;
  /** Default 3 s, Lambda's default. */
  timeoutMs?: number;
  /** The function's memory size: the heap limit of its threads. Default 128. */
  memoryMb?: number;
  /** At most this many running invocations of this function. */
  reservedConcurrency?: number;
  /** Environment variables of the function's threads (added to the host process's). */
  environment?: Record<string, string>;
}

export interface LambdaHostOptions {
  functions: Record<string, HostedFunction>;
  /** Running invocations of all functions at most (Lambda's account concurrency). Default 10. */
  concurrency?: number;
  /** Default 256 KiB (Skein's limit; Lambda's own is 1 MB). */
  maxEventPayloadBytes?: number;
  /** Default 6 MB, Lambda's limit for RequestResponse requests and responses. */
  maxSyncPayloadBytes?: number;
  /** Idle threads stop after this long. Default 30 s. */
  idleTimeoutMs?: number;
  /** Limit on a thread's start and module load. Default 10 s. */
  initTimeoutMs?: number;
  /** Failed Event invocations (what Lambda sends to an on-failure destination). */
  onAsyncFailure?: (failure: InvocationFailure) => void | Promise<void>;
}

export interface LambdaHostStats {
  invocations: number;
  throttled: number;
  running: number;
  threads: number;
  coldStarts: number;
  asyncFailures: number;
}

export interface LambdaHost {
  endpoint: string;
  port: number;
  /** For `new LambdaClient(…)`: SDK retries off, so throttling shows as it happens. */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    maxAttempts: number;
  };
  stats(): LambdaHostStats;
  /** Resolves when no invocation is running. */
  whenIdle(): Promise<void>;
  close(): Promise<void>;
}

const MB = 1024 * 1024;
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

interface Fn {
  name: string;
  module: string;
  timeoutMs: number;
  memoryMb: number;
  reservedConcurrency: number | undefined;
  environment: Record<string, string>;
  arn: string;
}

interface Slot {
  fn: Fn;
  worker: Worker;
  busy: boolean;
  lastUsed: number;
  idleTimer: NodeJS.Timeout | undefined;
  stopReason: 'timeout' | 'init-timeout' | 'idle' | 'evicted' | 'closed' | undefined;
  uncaught: (Error & { code?: string }) | undefined;
  current: ((r: Outcome) => void) | undefined;
  exited: Promise<void>;
}

type Outcome =
  | { ok: true; body: string }
  | { ok: false; kind: InvocationFailureKind; errorType: string; errorMessage: string; trace: string[] };

export async function startLambdaHost(options: LambdaHostOptions): Promise<LambdaHost> {
  const concurrency = options.concurrency ?? 10;
  const maxEvent = options.maxEventPayloadBytes ?? 256 * 1024;
  const maxSync = options.maxSyncPayloadBytes ?? 6 * MB;
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const initTimeoutMs = options.initTimeoutMs ?? 10_000;
  const bootstrap = new URL('../../src/worker-bootstrap.mjs', import.meta.url);
  const threadEntry = new URL('./lambda-host-thread.ts', import.meta.url).href;

  const fns = new Map<string, Fn>();
  for (const [name, f] of Object.entries(options.functions)) {
    fns.set(name, {
      name,
      module: f.module instanceof URL ? f.module.href : pathToFileURL(resolvePath(f.module)).href,
      timeoutMs: f.timeoutMs ?? 3_000,
      memoryMb: f.memoryMb ?? 128,
      reservedConcurrency: f.reservedConcurrency,
      environment: f.environment ?? {},
      arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
    });
  }

  const slots = new Set<Slot>();
  const runningByFn = new Map<string, number>();
  let running = 0;
  let closed = false;
  let idleWaiters: (() => void)[] = [];
  const counts = { invocations: 0, throttled: 0, coldStarts: 0, asyncFailures: 0 };

  // --- threads --------------------------------------------------------------------------------

  const stop = (slot: Slot, reason: NonNullable<Slot['stopReason']>) => {
    if (slot.stopReason) return;
    slot.stopReason = reason;
    void slot.worker.terminate();
  };

  const spawn = (fn: Fn): Slot => {
    if (slots.size >= concurrency) {
      // Make room: stop the least recently used idle thread (of any function).
      let lru: Slot | undefined;
      for (const s of slots) if (!s.busy && !s.stopReason && (!lru || s.lastUsed < lru.lastUsed)) lru = s;
      if (lru) stop(lru, 'evicted');
    }
    counts.coldStarts++;
    const worker = new Worker(bootstrap, {
      workerData: { entry: threadEntry },
      env: {
        ...process.env,
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_REGION: process.env.AWS_REGION ?? REGION,
        ...fn.environment,
      },
      resourceLimits: { maxOldGenerationSizeMb: fn.memoryMb },
    });
    let onExit!: () => void;
    const slot: Slot = {
      fn,
      worker,
      busy: true,
      lastUsed: Date.now(),
      idleTimer: undefined,
      stopReason: undefined,
      uncaught: undefined,
      current: undefined,
      exited: new Promise<void>((r) => {
        onExit = r;
      }),
    };
    slots.add(slot);
    worker.on('error', (err: Error) => {
      slot.uncaught = err;
    });
    worker.on('exit', (code) => {
      slots.delete(slot);
      clearTimeout(slot.idleTimer);
      const done = slot.current;
      slot.current = undefined;
      if (done) done(exitOutcome(slot, code));
      onExit();
    });
    return slot;
  };

  const exitOutcome = (slot: Slot, code: number): Outcome => {
    const fail = (kind: InvocationFailureKind, errorType: string, errorMessage: string): Outcome => ({
      ok: false,
      kind,
      errorType,
      errorMessage,
      trace: [],
    });
    switch (slot.stopReason) {
      case 'timeout':
        return fail(
          'timeout',
          'Sandbox.Timedout',
          `Task timed out after ${(slot.fn.timeoutMs / 1000).toFixed(2)} seconds`,
        );
      case 'init-timeout':
        return fail('timeout', 'Sandbox.Timedout', `Init phase did not finish within ${initTimeoutMs} ms`);
      case 'closed':
        return fail('crash', 'Runtime.ExitError', 'the host was closed during the invocation');
      default: {
        const err = slot.uncaught;
        if (err?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          return fail(
            'out-of-memory',
            'Runtime.OutOfMemory',
            `Runtime exited with error: out of memory (limit ${slot.fn.memoryMb} MB)`,
          );
        }
        return fail(
          'crash',
          'Runtime.ExitError',
          err ? `Runtime exited with error: ${err.name}: ${err.message}` : `Runtime exited with code ${code}`,
        );
      }
    }
  };

  /** Runs one invocation on a warm thread of the function, or a new one. */
  const execute = (fn: Fn, requestId: string, payload: string, clientContext: unknown): Promise<Outcome> => {
    let slot: Slot | undefined;
    for (const s of slots) {
      if (s.fn === fn && !s.busy && !s.stopReason && (!slot || s.lastUsed > slot.lastUsed)) slot = s;
    }
    slot ??= spawn(fn);
    const s = slot;
    clearTimeout(s.idleTimer);
    s.busy = true;
    s.worker.ref();
    return new Promise<Outcome>((resolve) => {
      let timer = setTimeout(() => stop(s, 'init-timeout'), initTimeoutMs);
      const onMessage = (m: ThreadReply) => {
        if (m.requestId !== requestId) return;
        if (m.type === 'start') {
          clearTimeout(timer);
          timer = setTimeout(() => stop(s, 'timeout'), fn.timeoutMs);
          return;
        }
        s.current = undefined;
        finish(
          m.ok
            ? { ok: true, body: m.body }
            : {
                ok: false,
                kind: 'error',
                errorType: m.errorType,
                errorMessage: m.errorMessage,
                trace: m.trace,
              },
        );
      };
      const finish = (o: Outcome) => {
        clearTimeout(timer);
        s.worker.off('message', onMessage);
        if (!s.stopReason) {
          s.busy = false;
          s.lastUsed = Date.now();
          s.worker.unref();
          if (closed) stop(s, 'closed');
          else {
            s.idleTimer = setTimeout(() => stop(s, 'idle'), idleTimeoutMs);
            s.idleTimer.unref();
          }
        }
        resolve(o);
      };
      s.current = finish;
      s.worker.on('message', onMessage);
      const msg: ThreadInvoke = {
        type: 'invoke',
        requestId,
        module: fn.module,
        functionName: fn.name,
        functionArn: fn.arn,
        memoryMb: fn.memoryMb,
        timeoutMs: fn.timeoutMs,
        payload,
        clientContext,
      };
      s.worker.postMessage(msg);
    });
  };

  // --- HTTP -----------------------------------------------------------------------------------

  const serviceError = (
    res: ServerResponse,
    status: number,
    type: string,
    message: string,
    extra: Record<string, string> = {},
  ) => {
    const body = JSON.stringify({ Type: 'User', message, ...extra });
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-ErrorType': type,
      'x-amzn-RequestId': randomUUID(),
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://host');
    const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/.exec(url.pathname);
    if (req.method !== 'POST' || !m) {
      req.resume();
      return serviceError(
        res,
        404,
        'UnknownOperationException',
        `no such operation: ${req.method} ${url.pathname}`,
      );
    }
    const name = functionNameOf(decodeURIComponent(m[1]!));
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const { body, size } = await readBody(req, maxSync);
    const fn = fns.get(name);
    if (!fn) {
      return serviceError(
        res,
        404,
        'ResourceNotFoundException',
        `Function not found: arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
      );
    }
    if (type !== 'RequestResponse' && type !== 'Event' && type !== 'DryRun') {
      return serviceError(res, 400, 'InvalidParameterValueException', `unknown invocation type '${type}'`);
    }
    if (type === 'DryRun') {
      res.writeHead(204, { 'x-amzn-RequestId': randomUUID() });
      return res.end();
    }
    const limit = type === 'Event' ? maxEvent : maxSync;
    if (size > limit) {
      return serviceError(
        res,
        413,
        'RequestTooLargeException',
        `Request must be smaller than ${limit} bytes for the ${type} invocation type`,
      );
    }
    const payload = body.length === 0 ? '{}' : body.toString('utf8');
    try {
      JSON.parse(payload);
    } catch {
      return serviceError(
        res,
        400,
        'InvalidRequestContentException',
        'Could not parse request body into json',
      );
    }
    if (closed) return serviceError(res, 503, 'ServiceException', 'the host is shutting down');
    const fnRunning = runningByFn.get(name) ?? 0;
    if (
      running >= concurrency ||
      (fn.reservedConcurrency !== undefined && fnRunning >= fn.reservedConcurrency)
    ) {
      counts.throttled++;
      const reserved = running < concurrency;
      return serviceError(res, 429, 'TooManyRequestsException', 'Rate Exceeded.', {
        Reason: reserved
          ? 'ReservedFunctionConcurrentInvocationLimitExceeded'
          : 'ConcurrentInvocationLimitExceeded',
      });
    }
    counts.invocations++;
    running++;
    runningByFn.set(name, fnRunning + 1);
    const requestId = randomUUID();
    const clientContext = decodeClientContext(req.headers['x-amz-client-context']);
    const outcome = execute(fn, requestId, payload, clientContext).finally(() => {
      running--;
      runningByFn.set(name, (runningByFn.get(name) ?? 1) - 1);
      if (running === 0) {
        const w = idleWaiters;
        idleWaiters = [];
        for (const f of w) f();
      }
    });
    const common = { 'x-amzn-RequestId': requestId, 'X-Amz-Executed-Version': '$LATEST' };
    if (type === 'Event') {
      res.writeHead(202, { ...common, 'content-length': 0 });
      res.end();
      const o = await outcome;
      if (!o.ok) {
        counts.asyncFailures++;
        await options.onAsyncFailure?.({
          functionName: name,
          invocationId: requestId,
          kind: o.kind,
          errorType: o.errorType,
          errorMessage: o.errorMessage,
          payload: JSON.parse(payload) as unknown,
          at: Date.now(),
        });
      }
      return;
    }
    let o = await outcome;
    if (o.ok && Buffer.byteLength(o.body) > maxSync) {
      o = {
        ok: false,
        kind: 'error',
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: `Response payload size exceeded maximum allowed payload size (${maxSync} bytes).`,
        trace: [],
      };
    }
    const text = o.ok
      ? o.body
      : JSON.stringify({ errorType: o.errorType, errorMessage: o.errorMessage, trace: o.trace });
    res.writeHead(200, {
      ...common,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...(o.ok ? {} : { 'X-Amz-Function-Error': 'Unhandled' }),
    });
    res.end(text);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) serviceError(res, 500, 'ServiceException', err.message);
      else res.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  return {
    endpoint,
    port,
    clientConfig: {
      endpoint,
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    },
    stats: () => ({ ...counts, running, threads: slots.size }),
    whenIdle: () => (running === 0 ? Promise.resolve() : new Promise((r) => idleWaiters.push(r))),
    close: async () => {
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      const exits: Promise<void>[] = [];
      for (const s of slots) {
        stop(s, 'closed');
        exits.push(s.exited);
      }
      await Promise.all(exits);
    },
  };
}

/** `name`, `name:qualifier` or an ARN `arn:aws:lambda:region:account:function:name[:qualifier]`. */
function functionNameOf(s: string): string {
  const arn = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(s);
  if (arn) return arn[1]!;
  return s.split(':')[0]!;
}

function decodeClientContext(h: string | string[] | undefined): unknown {
  if (typeof h !== 'string' || h === '') return undefined;
  try {
    return JSON.parse(Buffer.from(h, 'base64').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Reads a request body, keeping at most `cap` bytes (a larger request is refused by its size). */
async function readBody(req: IncomingMessage, cap: number): Promise<{ body: Buffer; size: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size <= cap) chunks.push(c);
  }
  return { body: Buffer.concat(chunks), size };
}
