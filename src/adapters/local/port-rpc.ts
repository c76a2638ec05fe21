import type { MessagePort } from 'node:worker_threads';
import { SkeinError } from '../../errors.ts';
import { InvokeError, InvokeThrottledError } from '../../ports/invoker.ts';
import { QueueError } from '../../ports/message-queue.ts';
import { ConditionFailedError } from '../../ports/state-store.ts';

/**
 * Calls an object's async methods from another thread, through a MessagePort: the small transport
 * under the embedded adapters that a worker thread reaches in the main thread (the queue, the
 * state store). One request message `{ id, method, args }` per call, one response
 * `{ id, ok, value | error }`; arguments and results go by structured clone, so they must be plain
 * data. Errors cross as their fields and come back as instances of the same class (SkeinError and
 * the ports' error classes), so `instanceof` and `reason` work on both sides.
 *
 * Neither end keeps its thread alive by itself: the serving end is unref'd, the calling end is
 * ref'd only while a call is pending.
 */

interface Request {
  id: number;
  method: string;
  args: unknown[];
}

type Response = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };

interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, unknown>;
}

/**
 * Answers calls arriving on `port` with `target`'s methods (only those listed). Returns a function
 * that stops serving and closes the port.
 */
export function serveOverPort(target: object, port: MessagePort, methods: readonly string[]): () => void {
  const allowed = new Set(methods);
  const t = target as Record<string, (...args: unknown[]) => unknown>;
  port.on('message', (req: Request) => {
    const reply = (r: Response) => {
      try {
        port.postMessage(r);
      } catch (err) {
        port.postMessage({ id: req.id, ok: false, error: serializeError(err) } satisfies Response);
      }
    };
    if (!allowed.has(req.method) || typeof t[req.method] !== 'function') {
      reply({
        id: req.id,
        ok: false,
        error: serializeError(
          new SkeinError('INTERNAL', `method '${req.method}' cannot be called over a port`),
        ),
      });
      return;
    }
    let result: unknown;
    try {
      result = t[req.method]!.apply(target, req.args);
    } catch (err) {
      reply({ id: req.id, ok: false, error: serializeError(err) });
      return;
    }
    Promise.resolve(result).then(
      (value) => reply({ id: req.id, ok: true, value }),
      (err) => reply({ id: req.id, ok: false, error: serializeError(err) }),
    );
  });
  port.unref();
  return () => port.close();
}

/**
 * An object whose listed methods call the object served on the other end of `port`. `close()`
 * closes the port; calls pending then reject.
 */
export function proxyOverPort<T extends object>(
  port: MessagePort,
  methods: readonly string[],
): T & { close(): void } {
  let nextId = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let closed = false;
  port.on('message', (r: Response) => {
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (pending.size === 0) port.unref();
    if (r.ok) p.resolve(r.value);
    else p.reject(reviveError(r.error));
  });
  const failAll = () => {
    closed = true;
    for (const p of pending.values()) {
      p.reject(new SkeinError('EXTERNAL', 'the thread serving this port went away before answering'));
    }
    pending.clear();
  };
  port.on('close', failAll);
  port.unref();
  const proxy: Record<string, unknown> = {
    close() {
      failAll();
      port.close();
    },
  };
  for (const method of methods) {
    proxy[method] = (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        if (closed) {
          reject(new SkeinError('EXTERNAL', `cannot call '${method}': the port is closed`));
          return;
        }
        const id = nextId++;
        pending.set(id, { resolve, reject });
        if (pending.size === 1) port.ref();
        try {
          port.postMessage({ id, method, args } satisfies Request);
        } catch (err) {
          pending.delete(id);
          if (pending.size === 0) port.unref();
          reject(
            new SkeinError('INTERNAL', `arguments of '${method}' cannot be sent to another thread`, {
              cause: err,
            }),
          );
        }
      });
  }
  return proxy as T & { close(): void };
}

/** Classes whose instances keep their class across a port. */
const ERROR_CLASSES: Record<string, { prototype: object }> = {
  SkeinError,
  QueueError,
  InvokeError,
  InvokeThrottledError,
  ConditionFailedError,
};

function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(err)) {
      if (k !== 'cause' && (v === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof v))) {
        fields[k] = v;
      }
    }
    return { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}), fields };
  }
  return { name: 'Error', message: String(err), fields: {} };
}

function reviveError(e: SerializedError): Error {
  const cls = ERROR_CLASSES[e.name];
  if (!cls) {
    return new SkeinError('INTERNAL', `internal error (this is a bug in Skein): ${e.message}`);
  }
  const err = Object.create(cls.prototype) as Error;
  Object.defineProperty(err, 'message', { value: e.message, writable: true, configurable: true });
  Object.defineProperty(err, 'stack', { value: e.stack, writable: true, configurable: true });
  Object.assign(err, e.fields);
  err.name = e.name;
  return err;
}
