/**
 * Retries for AWS calls: exponential backoff with full jitter on the failures AWS asks clients to
 * retry — throttling (S3 `SlowDown`, `Throttling…`, HTTP 429/503), server errors (HTTP 500/502/504)
 * and dropped connections. Everything else (missing object, access denied, a failed condition) is
 * returned to the caller at once.
 *
 * The adapters turn the SDK's own retries off (`maxAttempts: 1`) and call AWS through this, so one
 * policy, visible here and tunable per adapter, decides how long Skein keeps trying; the tests drive
 * it by making the emulator answer 503 SlowDown.
 *
 * @example
 * const res = await withRetries(() => s3.send(new GetObjectCommand(input)), { attempts: 8 });
 */
export interface RetryPolicy {
  /** Tries in all, the first included. Default 8. */
  attempts?: number;
  /** Backoff cap of the first retry, ms; it doubles per retry. Default 50. */
  baseDelayMs?: number;
  /** Largest backoff cap, ms. Default 5 000. */
  maxDelayMs?: number;
  /** Called before each retry (for metrics and tests). */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export const DEFAULT_RETRY: Required<Omit<RetryPolicy, 'onRetry'>> = {
  attempts: 8,
  baseDelayMs: 50,
  maxDelayMs: 5_000,
};

/** Error names (S3, SQS, Lambda, generic AWS) that mean "slow down or try again". */
const RETRYABLE_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AWS.SimpleQueueService.ServiceUnavailable',
  'KMSThrottlingException',
]);

/**
 * Node network error codes worth another try: a connection that broke or stalled. A refused
 * connection or an unknown host is a wrong endpoint, which retrying only hides.
 */
const RETRYABLE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** HTTP status of an SDK error, when it has one. */
export function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** Whether AWS's guidance is to retry this error. */
export function isRetryable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: string; code?: string; $retryable?: unknown; cause?: unknown };
  if (e.name && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.$retryable) return true;
  const status = httpStatus(err);
  if (status === 429 || status === 500 || status === 502 || status === 503 || status === 504) return true;
  if (e.code && RETRYABLE_CODES.has(e.code)) return true;
  // A dropped connection can surface as a wrapped error without HTTP metadata.
  if (status === undefined && e.cause && e.cause !== err) return isRetryable(e.cause);
  return false;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `op` until it succeeds, fails with a non-retryable error, or the attempts are used up (then
 * the last error is thrown). `retryable` can narrow or widen the default classification.
 */
export async function withRetries<T>(
  op: () => Promise<T>,
  policy: RetryPolicy = {},
  retryable: (err: unknown) => boolean = isRetryable,
): Promise<T> {
  const attempts = Math.max(1, policy.attempts ?? DEFAULT_RETRY.attempts);
  const base = policy.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const cap = policy.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (attempt >= attempts || !retryable(err)) throw err;
      // Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): a random delay up to
      // the exponential cap spreads retrying clients apart better than a fixed schedule.
      const delayMs = Math.random() * Math.min(cap, base * 2 ** (attempt - 1));
      policy.onRetry?.({ attempt, delayMs, error: err });
      await sleep(delayMs);
    }
  }
}
