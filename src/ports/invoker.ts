import { type ErrorCode, SkeinError } from '../errors.ts';

/**
 * Starts functions — a Lambda in the cloud, a worker thread on one machine
 * (`adapters/local/worker-invoker.ts`). Every task attempt is one invocation.
 *
 * `invoke` works like Lambda's asynchronous (`Event`) invocation: it returns once the invocation
 * is accepted, not when it is done. The payload is JSON of at most 256 KiB (DESIGN §3.8): larger
 * TaskSpecs go to the blob store and the payload carries their key. When the concurrency cap is
 * reached, `invoke` throws {@link InvokeThrottledError} (Lambda's 429 TooManyRequestsException)
 * rather than queueing: backing off and retrying is the caller's decision. (Lambda itself queues
 * `Event` invocations above a function's reserved concurrency instead of refusing them; its
 * adapter has to count running invocations itself to keep this contract.)
 *
 * **How the runtime learns how an invocation ended.**
 * - A handler reports its own outcome — commit, or a failure it caught — as events on a queue.
 * - What a handler cannot report (it threw, crashed, ran out of memory, timed out) the invoker
 *   reports as an {@link InvocationFailure}: to a callback, and/or as a message on a failure
 *   queue, shaped like Lambda's on-failure destination record, so the same consumer reads it in
 *   both modes ({@link parseInvocationFailure}). On AWS, configure the function's async
 *   invocation with MaximumRetryAttempts 0 and an OnFailure destination on that queue: retries are
 *   the runtime's, not Lambda's.
 * - Neither path is guaranteed to arrive (a host can vanish); the runtime still needs its own
 *   deadline per attempt (heartbeats, timeouts).
 *
 * @example
 * try {
 *   const { invocationId } = await invoker.invoke('skein-task', { specKey, attempt });
 * } catch (err) {
 *   if (err instanceof InvokeThrottledError) await sleep(backoff(++tries));
 *   else throw err;
 * }
 */
export interface Invoker {
  invoke(functionName: string, payload: unknown): Promise<InvokeAccepted>;
}

export interface InvokeAccepted {
  /** The request id; it comes back in failure reports. */
  invocationId: string;
}

/** What a handler receives besides its payload, shaped after Lambda's context object. */
export interface InvocationContext {
  readonly functionName: string;
  readonly invocationId: string;
  /** When the invocation times out, ms since the epoch. */
  readonly deadlineMs: number;
  /** Memory size of the function, when one is set. */
  readonly memoryLimitMb: number | undefined;
  /** Milliseconds left until the timeout. */
  remainingTimeMs(): number;
}

/**
 * A function's code: a module exporting `handler`. It gets the payload as parsed JSON (a copy, as
 * after a trip through Lambda) and resolves when done; a rejection is a failed invocation.
 */
export type InvocationHandler<P = unknown> = (payload: P, context: InvocationContext) => Promise<void>;

/** Lambda's async-invoke payload limit. */
export const MAX_INVOKE_PAYLOAD_BYTES = 262_144;

export type InvokeErrorReason =
  | 'TooManyRequestsException'
  | 'RequestEntityTooLargeException'
  | 'ResourceNotFoundException'
  | 'InvalidRequestContentException'
  | 'ServiceException';

/** An invocation was not accepted; `reason` is Lambda's name for why. */
export class InvokeError extends SkeinError {
  readonly reason: InvokeErrorReason;
  readonly functionName: string;

  constructor(
    reason: InvokeErrorReason,
    functionName: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(invokeErrorCode(reason), message, options);
    this.name = 'InvokeError';
    this.reason = reason;
    this.functionName = functionName;
  }
}

/**
 * The concurrency cap is reached (Lambda: 429 TooManyRequestsException). Retry with backoff;
 * the code is EXTERNAL, which the retry policy treats as transient.
 */
export class InvokeThrottledError extends InvokeError {
  /** The cap that was hit. */
  readonly limit: number;

  constructor(functionName: string, limit: number, scope: 'account' | 'function') {
    super(
      'TooManyRequestsException',
      functionName,
      `invocation of '${functionName}' throttled: ${
        scope === 'account' ? 'the concurrency limit' : `the function's reserved concurrency`
      } of ${limit} running invocations is reached; retry with backoff`,
    );
    this.name = 'InvokeThrottledError';
    this.limit = limit;
  }
}

function invokeErrorCode(reason: InvokeErrorReason): ErrorCode {
  switch (reason) {
    case 'TooManyRequestsException':
    case 'ServiceException':
      return 'EXTERNAL';
    case 'ResourceNotFoundException':
      return 'NOT_FOUND';
    default:
      // An oversized or non-JSON payload is a bug in the caller, and retrying will not help.
      return 'INTERNAL';
  }
}

/**
 * Serializes a payload as an invocation carries it; throws InvokeError when it is not JSON or is
 * larger than {@link MAX_INVOKE_PAYLOAD_BYTES}.
 */
export function encodeInvokePayload(functionName: string, payload: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (err) {
    throw new InvokeError(
      'InvalidRequestContentException',
      functionName,
      `payload for '${functionName}' is not JSON: ${(err as Error).message}`,
    );
  }
  if (text === undefined) {
    throw new InvokeError(
      'InvalidRequestContentException',
      functionName,
      `payload for '${functionName}' is not JSON`,
    );
  }
  const n = Buffer.byteLength(text, 'utf8');
  if (n > MAX_INVOKE_PAYLOAD_BYTES) {
    throw new InvokeError(
      'RequestEntityTooLargeException',
      functionName,
      `payload for '${functionName}' is ${n} bytes; the limit is ${MAX_INVOKE_PAYLOAD_BYTES} bytes (256 KiB): put the TaskSpec in the blob store and pass its key`,
    );
  }
  return text;
}

// -----------------------------------------------------------------------------------------------
// Failure reports

/**
 * How an invocation failed:
 * - `error`: the handler rejected (or threw);
 * - `timeout`: it ran past the function's timeout and was stopped;
 * - `out-of-memory`: it exceeded the function's memory;
 * - `crash`: the host died under it (an uncaught exception outside the handler's promise, an exit,
 *   a shutdown of the invoker).
 */
export type InvocationFailureKind = 'error' | 'timeout' | 'out-of-memory' | 'crash';

export interface InvocationFailure {
  functionName: string;
  invocationId: string;
  kind: InvocationFailureKind;
  /** Lambda's `errorType`: the error's name, or `Sandbox.Timedout`, `Runtime.OutOfMemory`, `Runtime.ExitError`. */
  errorType: string;
  errorMessage: string;
  /** The request payload, when the report carries it (omitted when it would not fit a queue message). */
  payload?: unknown;
  /** ms since the epoch. */
  at: number;
}

const ERROR_TYPE_KIND: Record<string, InvocationFailureKind> = {
  'Sandbox.Timedout': 'timeout',
  'Runtime.OutOfMemory': 'out-of-memory',
  'Runtime.ExitError': 'crash',
};

export function failureErrorType(kind: InvocationFailureKind, errorName: string | undefined): string {
  switch (kind) {
    case 'timeout':
      return 'Sandbox.Timedout';
    case 'out-of-memory':
      return 'Runtime.OutOfMemory';
    case 'crash':
      return 'Runtime.ExitError';
    default:
      return errorName || 'Error';
  }
}

/**
 * The JSON body of a failure report, in the shape of Lambda's on-failure destination record
 * (`requestContext`, `requestPayload`, `responseContext`, `responsePayload`).
 */
export function invocationFailureRecord(f: InvocationFailure, maxBytes = Number.POSITIVE_INFINITY): string {
  const record = {
    version: '1.0',
    timestamp: new Date(f.at).toISOString(),
    requestContext: {
      requestId: f.invocationId,
      functionArn: `arn:skein:local:function:${f.functionName}`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 1,
    },
    requestPayload: f.payload as unknown,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: f.errorType, errorMessage: f.errorMessage },
  };
  let text = JSON.stringify(record);
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    record.requestPayload = undefined;
    text = JSON.stringify(record);
  }
  return text;
}

/**
 * Reads a failure report from a queue message body: the embedded invoker's, or Lambda's own
 * on-failure destination record. Undefined when the body is not one.
 */
export function parseInvocationFailure(body: string): InvocationFailure | undefined {
  let r: {
    timestamp?: string;
    requestContext?: { requestId?: string; functionArn?: string };
    requestPayload?: unknown;
    responsePayload?: { errorType?: string; errorMessage?: string } | null;
  };
  try {
    r = JSON.parse(body);
  } catch {
    return undefined;
  }
  const rc = r?.requestContext;
  if (typeof rc?.requestId !== 'string' || typeof rc.functionArn !== 'string') return undefined;
  // arn:aws:lambda:region:account:function:NAME[:qualifier]
  const m = /:function:([^:]+)/.exec(rc.functionArn);
  const errorType = r.responsePayload?.errorType ?? 'Error';
  const errorMessage = r.responsePayload?.errorMessage ?? '';
  const kind: InvocationFailureKind =
    ERROR_TYPE_KIND[errorType] ?? (/Task timed out after/.test(errorMessage) ? 'timeout' : 'error');
  const at = r.timestamp ? Date.parse(r.timestamp) : Number.NaN;
  return {
    functionName: m?.[1] ?? rc.functionArn,
    invocationId: rc.requestId,
    kind,
    errorType,
    errorMessage,
    ...(r.requestPayload === undefined ? {} : { payload: r.requestPayload }),
    at: Number.isNaN(at) ? 0 : at,
  };
}
