import type { MessagePort } from 'node:worker_threads';
import { SkeinError } from '../../errors.ts';
import type { MessageQueue } from '../../ports/message-queue.ts';
import type { StateStore } from '../../ports/state-store.ts';
import { messageQueueOverPort } from './memory-queue.ts';
import { stateStoreOverPort } from './memory-state-store.ts';

/**
 * The ports a handler running on a WorkerInvoker thread reaches in the main thread. The invoker
 * passes each service as a MessagePort; this module, loaded inside the worker, turns them into
 * port clients. A handler module asks for what it needs:
 *
 * @example
 * // src/runtime/…/embedded-task-handler.ts, run by WorkerInvoker
 * import { workerQueue } from '../../adapters/local/worker-services.ts';
 * export async function handler(payload, context) {
 *   await runTask(payload, { queue: workerQueue(), blobs: openBlobStore(payload.spoolLocation) });
 * }
 */

/** How the invoker passes a service to a worker: which client to build, over which port. */
export interface ServicePort {
  kind: 'queue' | 'state';
  port: MessagePort;
}

const services = new Map<string, MessageQueue | StateStore>();
const kinds = new Map<string, ServicePort['kind']>();

/** Called by the worker host when the thread starts. */
export function installWorkerServices(ports: Readonly<Record<string, ServicePort>>): void {
  for (const [name, { kind, port }] of Object.entries(ports)) {
    services.set(name, kind === 'queue' ? messageQueueOverPort(port) : stateStoreOverPort(port));
    kinds.set(name, kind);
  }
}

function service(name: string, kind: ServicePort['kind']): unknown {
  const s = services.get(name);
  if (!s || kinds.get(name) !== kind) {
    throw new SkeinError(
      'INTERNAL',
      `no ${kind === 'queue' ? 'message queue' : 'state store'} service named '${name}' in this worker (services: ${
        [...services.keys()].join(', ') || 'none'
      }); pass it in WorkerInvoker's 'services' option`,
    );
  }
  return s;
}

/** The main thread's MessageQueue, as given to WorkerInvoker's `services` under `name`. */
export function workerQueue(name = 'queue'): MessageQueue {
  return service(name, 'queue') as MessageQueue;
}

/** The main thread's StateStore, as given to WorkerInvoker's `services` under `name`. */
export function workerStateStore(name = 'state'): StateStore {
  return service(name, 'state') as StateStore;
}
