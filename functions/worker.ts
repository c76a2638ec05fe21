/**
 * The worker function: runs one task attempt per invocation (DESIGN §1). Invoked asynchronously by
 * the coordinator with a TaskSpec — or, for one over 256 KiB, the spool key it was stored under
 * (`taskPayload`/`loadTaskSpec` in `src/distributed/task-spec.ts`; the runtime reads it back).
 *
 * Thin by design: `awsServices()` wired to the runtime's task runner, as the embedded runtime's
 * worker threads do with the local adapters (`src/engine/embedded-task-handler.ts`). The task
 * reports its outcome (commit or failure) as events on the query's queue; the invocation fails
 * only when it cannot even report, and then Lambda's on-failure destination tells the coordinator.
 *
 * A payload `{ warmup: true }` only loads the module (and with it the engine).
 */
import { runTask } from '../src/runtime/task-runner.ts';
import { awsServices, openStore } from './env.ts';

export async function handler(event: unknown): Promise<void> {
  if ((event as { warmup?: boolean } | null)?.warmup === true) return;
  const s = awsServices();
  await runTask(event, { queue: s.queries, state: s.state, openStore });
}
