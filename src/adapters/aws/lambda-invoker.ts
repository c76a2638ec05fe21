import { randomUUID } from 'node:crypto';
import {
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  type LambdaClientConfig,
} from '@aws-sdk/client-lambda';
import {
  encodeInvokePayload,
  type InvokeAccepted,
  InvokeError,
  type InvokeErrorReason,
  type Invoker,
  InvokeThrottledError,
} from '../../ports/invoker.ts';
import { awsClientConfig } from './client-config.ts';
import { httpStatus, isRetryable, type RetryPolicy, withRetries } from './retry.ts';

export interface LambdaInvokerOptions {
  /** A client to use; by default one is made from the environment (see client-config.ts). */
  client?: LambdaClient;
  clientConfig?: LambdaClientConfig;
  /**
   * The runtime's function names → Lambda function names or ARNs, e.g.
   * `{ 'skein-task': process.env.SKEIN_WORKER_FUNCTION }`. Names not listed are used as they are.
   */
  functions?: Readonly<Record<string, string>>;
  /** Retries of Lambda's own failures (5xx, dropped connections). Throttling is never retried here. */
  retry?: RetryPolicy;
  /**
   * The concurrency the functions run under (account limit or reserved concurrency), when known:
   * it only makes throttling errors say which limit was hit.
   */
  concurrencyLimit?: number;
}

/**
 * The Invoker on AWS Lambda: every `invoke` is an asynchronous (`InvocationType: Event`) invocation,
 * accepted with 202 and run by Lambda later. The invocation id is Lambda's request id, which comes
 * back as `requestContext.requestId` in the function's on-failure destination record — how the
 * runtime learns of invocations that crashed or timed out (`parseInvocationFailure`).
 *
 * - **Payloads** are checked before sending (JSON, ≤ 256 KiB; `encodeInvokePayload`): larger
 *   TaskSpecs go to the blob store and the payload carries their key (DESIGN §3.8). Lambda itself
 *   accepts up to 1 MB for Event invocations; Skein keeps to 256 KiB so SQS can carry the same.
 * - **Throttling** (429 TooManyRequestsException) throws {@link InvokeThrottledError} at once, as
 *   the port requires: backing off, and keeping within the runtime's concurrency budget, are the
 *   caller's decisions, so the SDK's own retries are off.
 * - Lambda's service errors (5xx) and dropped connections are retried with backoff (retry.ts).
 *   An Event invocation retried after a lost response may run twice; task attempts are idempotent
 *   and only the first commit counts (DESIGN §3.4).
 * - Configure the functions with `MaximumRetryAttempts: 0` and an on-failure destination (the CDK
 *   stack does): retries are the runtime's, not Lambda's.
 *
 * @example
 * const invoker = new LambdaInvoker({ functions: { 'skein-task': process.env.SKEIN_WORKER_FUNCTION! } });
 * const { invocationId } = await invoker.invoke('skein-task', { specKey });
 */
export class LambdaInvoker implements Invoker {
  readonly client: LambdaClient;
  private readonly functions: Readonly<Record<string, string>>;
  private readonly retry: RetryPolicy;
  private readonly concurrencyLimit: number | undefined;

  constructor(options: LambdaInvokerOptions = {}) {
    this.client =
      options.client ?? new LambdaClient({ ...awsClientConfig('LAMBDA'), ...options.clientConfig });
    this.functions = options.functions ?? {};
    this.retry = options.retry ?? {};
    this.concurrencyLimit = options.concurrencyLimit;
  }

  async invoke(functionName: string, payload: unknown): Promise<InvokeAccepted> {
    const text = encodeInvokePayload(functionName, payload);
    const target = this.functions[functionName] ?? functionName;
    let res: InvokeCommandOutput;
    try {
      res = await withRetries(
        () =>
          this.client.send(
            new InvokeCommand({
              FunctionName: target,
              InvocationType: 'Event',
              Payload: Buffer.from(text, 'utf8'),
            }),
          ),
        this.retry,
        (err) => !isThrottle(err) && isRetryable(err),
      );
    } catch (err) {
      throw this.invokeError(functionName, target, err);
    }
    if (res.StatusCode !== 202) {
      throw new InvokeError(
        'ServiceException',
        functionName,
        `invocation of '${functionName}' (${target}) was answered with status ${res.StatusCode}, not 202 Accepted`,
      );
    }
    return { invocationId: res.$metadata.requestId ?? randomUUID() };
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }

  private invokeError(functionName: string, target: string, err: unknown): InvokeError {
    const e = err as { name?: string; message?: string; Reason?: string };
    const named = target === functionName ? `'${functionName}'` : `'${functionName}' (${target})`;
    if (isThrottle(err)) {
      const scope = /^Reserved/.test(e.Reason ?? '') ? 'function' : 'account';
      const t = new InvokeThrottledError(functionName, this.concurrencyLimit ?? 0, scope);
      if (this.concurrencyLimit === undefined) {
        t.message = `invocation of ${named} throttled by Lambda (${e.Reason ?? 'TooManyRequestsException'}): retry with backoff`;
      }
      return t;
    }
    const reasons: Record<string, InvokeErrorReason> = {
      ResourceNotFoundException: 'ResourceNotFoundException',
      RequestTooLargeException: 'RequestEntityTooLargeException',
      InvalidRequestContentException: 'InvalidRequestContentException',
    };
    const reason = reasons[e.name ?? ''] ?? 'ServiceException';
    const status = httpStatus(err);
    const why =
      reason === 'ResourceNotFoundException'
        ? 'no such function'
        : status === undefined
          ? `no answer from Lambda (${e.message})`
          : `${e.name} (HTTP ${status}): ${e.message}`;
    return new InvokeError(reason, functionName, `cannot invoke ${named}: ${why}`, { cause: err });
  }
}

function isThrottle(err: unknown): boolean {
  return (err as { name?: string })?.name === 'TooManyRequestsException' || httpStatus(err) === 429;
}
