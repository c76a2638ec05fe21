/**
 * The function the embedded runtime's worker threads run (WorkerInvoker loads this module): thin
 * wiring of the local adapters to the runtime's task runner. A Lambda handler does the same with
 * the AWS adapters.
 *
 * A payload `{ warmup: true }` only loads the module (and with it the engine), so that threads can
 * be started before the first query needs them.
 */
import { workerQueue, workerStateStore } from '../adapters/local/worker-services.ts';
import { openBlobStore } from '../adapters/open-blob-store.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { runTask } from '../runtime/task-runner.ts';

/** Stores stay open across invocations of a warm thread. */
const stores = new Map<string, BlobStore>();

function openStore(location: string): BlobStore {
  let s = stores.get(location);
  if (s === undefined) {
    s = openBlobStore(location);
    stores.set(location, s);
  }
  return s;
}

export async function handler(payload: unknown): Promise<void> {
  if ((payload as { warmup?: boolean } | null)?.warmup === true) return;
  await runTask(payload, { queue: workerQueue(), state: workerStateStore(), openStore });
}
