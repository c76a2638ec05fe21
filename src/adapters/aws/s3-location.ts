import { SkeinError } from '../../errors.ts';

/** A bucket and a key prefix: what `s3://bucket/prefix` names. */
export interface S3Location {
  bucket: string;
  /** Empty, or ends with `/`. */
  prefix: string;
}

// S3's rules for new general-purpose buckets: 3–63 characters, lowercase letters, digits, '.', '-',
// starting and ending with a letter or digit.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses `s3://bucket[/prefix]`. The prefix is a folder: `s3://b/data` and `s3://b/data/` both
 * scope keys under `data/`.
 *
 * @example
 * parseS3Url('s3://my-bucket/tpch/sf1') // { bucket: 'my-bucket', prefix: 'tpch/sf1/' }
 */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(url);
  if (!m || !url.startsWith('s3://')) {
    throw new SkeinError('INVALID_ARGUMENT', `'${url}' is not an S3 location (expected s3://bucket/prefix)`);
  }
  const bucket = m[1]!;
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `'${url}': '${bucket}' is not a valid bucket name (3–63 lowercase letters, digits, '.' or '-')`,
    );
  }
  const path = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket, prefix: path === '' ? '' : `${path}/` };
}

/** `s3://bucket/prefix/key`, for messages. */
export function s3Url(bucket: string, key = ''): string {
  return `s3://${bucket}/${key}`;
}
