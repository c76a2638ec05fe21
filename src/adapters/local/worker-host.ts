/**
 * Inside a WorkerInvoker thread: runs handler modules, one invocation at a time, and reports each
 * one's start and end to the invoker (see worker-invoker.ts for the protocol and its guarantees).
 * Handler modules stay loaded between invocations, so module-level state survives like a warm
 * Lambda container's.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { InvocationContext, InvocationHandler } from '../../ports/invoker.ts';
import { installWorkerServices, type ServicePort } from './worker-services.ts';

/** Sent by the invoker. */
export interface InvokeRequest {
  type: 'invoke';
  invocationId: string;
  functionName: string;
  /** File URL of the handler module. */
  module: string;
  /** The payload as JSON text. */
  payload: string;
  timeoutMs: number;
  memoryLimitMb: number | undefined;
}

/** Sent to the invoker. */
export type HostReply =
  | { type: 'start'; invocationId: string }
  | { type: 'done'; invocationId: string }
  | { type: 'failed'; invocationId: string; errorType: string; errorMessage: string; stack?: string };

export interface HostSetup {
  entry: string;
  services: Record<string, ServicePort>;
}

const handlers = new Map<string, InvocationHandler>();

async function loadHandler(module: string): Promise<InvocationHandler> {
  let h = handlers.get(module);
  if (h) return h;
  let mod: { handler?: unknown };
  try {
    mod = await import(module);
  } catch (err) {
    throw Object.assign(new Error(`cannot load handler module ${module}: ${(err as Error).message}`), {
      name: 'Runtime.ImportModuleError',
    });
  }
  if (typeof mod.handler !== 'function') {
    throw Object.assign(new Error(`handler module ${module} does not export a function named 'handler'`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  h = mod.handler as InvocationHandler;
  handlers.set(module, h);
  return h;
}

if (parentPort) {
  const port = parentPort;
  const setup = workerData as HostSetup;
  installWorkerServices(setup.services ?? {});
  const post = (m: HostReply) => port.postMessage(m);
  port.on('message', async (req: InvokeRequest) => {
    if (req?.type !== 'invoke') return;
    const { invocationId } = req;
    try {
      const handler = await loadHandler(req.module);
      const deadlineMs = Date.now() + req.timeoutMs;
      const context: InvocationContext = {
        functionName: req.functionName,
        invocationId,
        deadlineMs,
        memoryLimitMb: req.memoryLimitMb,
        remainingTimeMs: () => Math.max(0, deadlineMs - Date.now()),
      };
      const payload = JSON.parse(req.payload) as unknown;
      post({ type: 'start', invocationId });
      await handler(payload, context);
      post({ type: 'done', invocationId });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      post({
        type: 'failed',
        invocationId,
        errorType: e.name || 'Error',
        errorMessage: e.message,
        ...(e.stack ? { stack: e.stack } : {}),
      });
    }
  });
}
