import { SkeinError } from '../../errors.ts';
import { httpStatus } from './retry.ts';

/** The S3 error name of an SDK error (`NoSuchKey`, `SlowDown`, …), or its HTTP-status equivalent. */
export function s3ErrorName(err: unknown): string | undefined {
  const name = (err as { name?: string })?.name;
  const status = httpStatus(err);
  // HEAD responses have no body, so the SDK can only name them by status.
  if (name === 'NotFound' || (status === 404 && (name === 'Unknown' || name === undefined)))
    return 'NotFound';
  if (status === 412 && name !== 'PreconditionFailed') return 'PreconditionFailed';
  return name;
}

export function isNotFound(err: unknown): boolean {
  const n = s3ErrorName(err);
  return n === 'NoSuchKey' || n === 'NotFound';
}

export function isPreconditionFailed(err: unknown): boolean {
  const n = s3ErrorName(err);
  // 409 ConditionalRequestConflict: a concurrent conditional write to the same key won the race.
  return n === 'PreconditionFailed' || n === 'ConditionalRequestConflict';
}

/**
 * A SkeinError for a failed S3 call, naming what was attempted and the `s3://` location:
 * `cannot read s3://bucket/key: no such object`.
 */
export function s3Error(err: unknown, verb: string, url: string): SkeinError {
  if (err instanceof SkeinError) return err;
  const name = s3ErrorName(err);
  const status = httpStatus(err);
  const message = (err as Error)?.message ?? String(err);
  let code: SkeinError['code'] = 'EXTERNAL';
  let why: string;
  switch (name) {
    case 'NoSuchKey':
    case 'NotFound':
      code = 'NOT_FOUND';
      why = 'no such object';
      break;
    case 'NoSuchBucket':
      code = 'NOT_FOUND';
      why = `no such bucket '${/^s3:\/\/([^/]+)/.exec(url)?.[1] ?? '?'}'`;
      break;
    case 'AccessDenied':
    case 'Forbidden':
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
    case 'ExpiredToken':
      why = `access denied (${name}): check the AWS credentials and the bucket's policy`;
      break;
    case 'PreconditionFailed':
      why = 'the object changed (precondition failed)';
      break;
    default:
      if (/Region is missing/i.test(message)) {
        code = 'INVALID_ARGUMENT';
        why = 'no AWS region is configured: set AWS_REGION (or a region in ~/.aws/config)';
      } else if (/Could not load credentials/i.test(message)) {
        code = 'INVALID_ARGUMENT';
        why = 'no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE';
      } else if (status === undefined) {
        why = `no answer from S3 (${message})`;
      } else {
        why = `${name ?? 'error'} (HTTP ${status}): ${message}`;
      }
  }
  return new SkeinError(code, `cannot ${verb} ${url}: ${why}`, { cause: err });
}
