/**
 * Inside a thread of the Lambda Invoke host (lambda-host.ts): loads handler modules and runs one
 * invocation at a time, like one Lambda execution environment. Modules stay loaded between
 * invocations (a warm container keeps its module state).
 */
import { parentPort } from 'node:worker_threads';

export interface ThreadInvoke {
  type: 'invoke';
  requestId: string;
  module: string;
  functionName: string;
  functionArn: string;
  memoryMb: number;
  timeoutMs: number;
  /** The payload as JSON text. */
  payload: string;
  clientContext: unknown;
}

export type ThreadReply =
  | { type: 'start'; requestId: string }
  | { type: 'result'; requestId: string; ok: true; body: string }
  | {
      type: 'result';
      requestId: string;
      ok: false;
      errorType: string;
      errorMessage: string;
      trace: string[];
    };

type Handler = (event: unknown, context: unknown) => unknown;
const handlers = new Map<string, Handler>();

async function load(module: string): Promise<Handler> {
  let h = handlers.get(module);
  if (h) return h;
  let mod: { handler?: unknown };
  try {
    mod = await import(module);
  } catch (err) {
    throw Object.assign(new Error(`Cannot load handler module ${module}: ${(err as Error).message}`), {
      name: 'Runtime.ImportModuleError',
    });
  }
  if (typeof mod.handler !== 'function') {
    throw Object.assign(new Error(`${module} does not export a function named 'handler'`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  h = mod.handler as Handler;
  handlers.set(module, h);
  return h;
}

if (parentPort) {
  const port = parentPort;
  const post = (m: ThreadReply) => port.postMessage(m);
  port.on('message', async (req: ThreadInvoke) => {
    if (req?.type !== 'invoke') return;
    const { requestId } = req;
    try {
      const handler = await load(req.module);
      const event = JSON.parse(req.payload) as unknown;
      const deadline = Date.now() + req.timeoutMs;
      // Lambda's Node.js context object, the parts handlers use.
      const context = {
        functionName: req.functionName,
        functionVersion: '$LATEST',
        invokedFunctionArn: req.functionArn,
        memoryLimitInMB: String(req.memoryMb),
        awsRequestId: requestId,
        logGroupName: `/aws/lambda/${req.functionName}`,
        logStreamName: `local/${process.pid}`,
        clientContext: req.clientContext,
        callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      };
      post({ type: 'start', requestId });
      const result = await handler(event, context);
      post({ type: 'result', requestId, ok: true, body: JSON.stringify(result ?? null) });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      post({
        type: 'result',
        requestId,
        ok: false,
        errorType: e.name || 'Error',
        errorMessage: e.message,
        trace: (e.stack ?? '').split('\n'),
      });
    }
  });
}
