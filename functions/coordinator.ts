/**
 * The coordinator function: plans a query, launches and tracks its stages (DESIGN §1). Invoked
 * asynchronously by the API function.
 *
 * Thin by design: it will wire `awsServices()` to the runtime's QueryCoordinator. The runtime
 * (`src/runtime/`) has not landed yet, so until it does this function fails every invocation with
 * NOT_IMPLEMENTED.
 */
import { SkeinError } from '../src/errors.ts';

interface LambdaContext {
  awsRequestId: string;
}

export async function handler(_event: unknown, context: LambdaContext): Promise<never> {
  throw new SkeinError(
    'NOT_IMPLEMENTED',
    `skein coordinator (request ${context.awsRequestId}): the distributed runtime is not part of this build yet, so queries cannot run`,
  );
}
