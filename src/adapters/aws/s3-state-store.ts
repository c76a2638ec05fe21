import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { SkeinError } from '../../errors.ts';
import {
  ConditionFailedError,
  checkStateKey,
  encodeStateValue,
  type JsonValue,
  type PutCondition,
  type StateItem,
  type StateStore,
  type VersionCondition,
} from '../../ports/state-store.ts';
import { awsClientConfig } from './client-config.ts';
import { type RetryPolicy, withRetries } from './retry.ts';
import { isNotFound, isPreconditionFailed, s3Error } from './s3-errors.ts';

export interface S3StateStoreOptions {
  client?: S3Client;
  clientConfig?: S3ClientConfig;
  retry?: RetryPolicy;
}

interface Current {
  value: JsonValue;
  version: number;
  etag: string;
}

const MAX_S3_KEY_BYTES = 1024;

/**
 * The StateStore on S3 conditional writes: one small JSON object per item,
 * `{"version":N,"value":…}`, under a prefix of the deployment's bucket.
 *
 * **Why S3 and not DynamoDB.** The state is small and written rarely — one commit record per task,
 * a few records per query — and S3 now has what it needs: strong read-after-write consistency and
 * conditional writes (`If-None-Match: *` to create, `If-Match: <etag>` to replace or delete only
 * the version that was read). So the deployment needs no table, no second service in its IAM
 * policies, and no second emulator in the tests; the bucket is already there. DynamoDB would be
 * faster (single-digit ms against S3's tens) and cheaper per write, which matters only at rates far
 * above a coordinator's; the port keeps the choice open.
 *
 * **How a write works.** Every write is a compare-and-swap: read the item (version and ETag), check
 * the caller's condition, write version + 1 with `If-Match` on the ETag read (or `If-None-Match: *`
 * when there was none). If S3 answers 412 (someone wrote in between), a conditional write fails
 * with ConditionFailedError carrying the version now there; an unconditional one reads again and
 * retries. Of racing `ifNotExists` writers exactly one wins. The version is in the body, so two
 * versions never share an ETag.
 *
 * Limits: the S3 key (prefix + state key) ≤ 1024 bytes; `list` reads each item (one GET each) and
 * is meant for the small listings the coordinator makes (a query's records).
 *
 * @example
 * const state = new S3StateStore('my-skein-bucket', 'state/');
 * await state.put(`q/${queryId}/commit/${stage}/${task}`, { attempt }, { ifNotExists: true });
 */
export class S3StateStore implements StateStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly client: S3Client;
  private readonly retry: RetryPolicy;

  constructor(bucket: string, prefix = 'state/', options: S3StateStoreOptions = {}) {
    this.bucket = bucket;
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.client = options.client ?? new S3Client({ ...awsClientConfig('S3'), ...options.clientConfig });
    this.retry = options.retry ?? {};
  }

  private s3Key(key: string): string {
    checkStateKey(key);
    const full = this.prefix + key;
    if (Buffer.byteLength(full, 'utf8') > MAX_S3_KEY_BYTES) {
      throw new SkeinError(
        'INVALID_ARGUMENT',
        `state key '${key}' is too long: with the prefix '${this.prefix}' it exceeds S3's ${MAX_S3_KEY_BYTES}-byte key limit`,
      );
    }
    return full;
  }

  private url(key: string): string {
    return `s3://${this.bucket}/${this.prefix}${key}`;
  }

  async get(key: string): Promise<StateItem | undefined> {
    const cur = await this.read(this.s3Key(key), key);
    return cur && { key, value: cur.value, version: cur.version };
  }

  async put(key: string, value: JsonValue, condition?: PutCondition): Promise<StateItem> {
    const s3Key = this.s3Key(key);
    const text = encodeStateValue(key, value);
    const stored = JSON.parse(text) as JsonValue;
    for (;;) {
      if (condition && 'ifNotExists' in condition) {
        if (await this.write(s3Key, key, 1, text, undefined)) return { key, value: stored, version: 1 };
        const now = await this.read(s3Key, key);
        if (now) throw new ConditionFailedError(key, 'no item', now.version);
        continue; // deleted in between: try again
      }
      const cur = await this.read(s3Key, key);
      if (condition && cur?.version !== condition.ifVersion) {
        throw new ConditionFailedError(key, `version ${condition.ifVersion}`, cur?.version);
      }
      const version = (cur?.version ?? 0) + 1;
      if (await this.write(s3Key, key, version, text, cur?.etag)) return { key, value: stored, version };
      if (condition) {
        const now = await this.read(s3Key, key);
        throw new ConditionFailedError(key, `version ${condition.ifVersion}`, now?.version);
      }
      // An unconditional put lost a race: read the new version and go again.
    }
  }

  async delete(key: string, condition?: VersionCondition): Promise<boolean> {
    const s3Key = this.s3Key(key);
    for (;;) {
      const cur = await this.read(s3Key, key);
      if (condition && cur?.version !== condition.ifVersion) {
        throw new ConditionFailedError(key, `version ${condition.ifVersion}`, cur?.version);
      }
      if (!cur) return false;
      try {
        await withRetries(
          () =>
            this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: s3Key, IfMatch: cur.etag })),
          this.retry,
        );
        return true;
      } catch (err) {
        if (!isPreconditionFailed(err) && !isNotFound(err)) throw s3Error(err, 'delete', this.url(key));
        if (condition) {
          const now = await this.read(s3Key, key);
          throw new ConditionFailedError(key, `version ${condition.ifVersion}`, now?.version);
        }
        // Changed or deleted in between: look again.
      }
    }
  }

  async list(prefix: string): Promise<StateItem[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let res: ListObjectsV2CommandOutput;
      try {
        res = await withRetries(
          () =>
            this.client.send(
              new ListObjectsV2Command({
                Bucket: this.bucket,
                Prefix: this.prefix + prefix,
                ContinuationToken: token,
              }),
            ),
          this.retry,
        );
      } catch (err) {
        throw s3Error(err, 'list', this.url(prefix));
      }
      for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key.slice(this.prefix.length));
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    const items: (StateItem | undefined)[] = new Array(keys.length);
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const i = next++;
        items[i] = await this.get(keys[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, keys.length) }, worker));
    return items
      .filter((x): x is StateItem => x !== undefined)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async read(s3Key: string, key: string): Promise<Current | undefined> {
    try {
      return await withRetries(async () => {
        const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: s3Key }));
        const body = JSON.parse(await res.Body!.transformToString('utf8')) as {
          version: number;
          value: JsonValue;
        };
        return { value: body.value, version: body.version, etag: res.ETag! };
      }, this.retry);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (err instanceof SyntaxError) {
        throw new SkeinError(
          'INTERNAL',
          `state item ${this.url(key)} is not valid JSON (written by something else?)`,
          {
            cause: err,
          },
        );
      }
      throw s3Error(err, 'read', this.url(key));
    }
  }

  /** Writes a version; false when the condition (`If-Match` etag, or `If-None-Match: *`) failed. */
  private async write(
    s3Key: string,
    key: string,
    version: number,
    valueText: string,
    ifMatch: string | undefined,
  ): Promise<boolean> {
    const body = `{"version":${version},"value":${valueText}}`;
    try {
      await withRetries(
        () =>
          this.client.send(
            new PutObjectCommand({
              Bucket: this.bucket,
              Key: s3Key,
              Body: body,
              ContentType: 'application/json',
              ...(ifMatch ? { IfMatch: ifMatch } : { IfNoneMatch: '*' }),
            }),
          ),
        this.retry,
      );
      return true;
    } catch (err) {
      // 412: changed since read; 404 with If-Match: deleted since read; 409: a concurrent write won.
      if (isPreconditionFailed(err) || (ifMatch && isNotFound(err))) return false;
      throw s3Error(err, 'write', this.url(key));
    }
  }
}
