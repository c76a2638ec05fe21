/**
 * The worker function: runs one task attempt per invocation (DESIGN §1). Invoked asynchronously by
 * the coordinator with a TaskSpec (or the blob key of a large one).
 *
 * Thin by design: it will wire `awsServices()` to the runtime's task runner. The runtime
 * (`src/runtime/`) has not landed yet, so until it does this function fails every invocation with
 * NOT_IMPLEMENTED — loudly, so a deployment made early cannot be mistaken for a working one.
 */
import { SkeinError } from '../src/errors.ts';

interface LambdaContext {
  awsRequestId: string;
}

export async function handler(_event: unknown, context: LambdaContext): Promise<never> {
  throw new SkeinError(
    'NOT_IMPLEMENTED',
    `skein worker (request ${context.awsRequestId}): the distributed runtime is not part of this build yet, so tasks cannot run`,
  );
}
