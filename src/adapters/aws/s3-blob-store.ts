import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { SkeinError } from '../../errors.ts';
import type { BlobInfo, BlobStore, BlobWriter, ByteRange } from '../../ports/blob-store.ts';
import { awsClientConfig } from './client-config.ts';
import { type RetryPolicy, withRetries } from './retry.ts';
import { isNotFound, isPreconditionFailed, s3Error } from './s3-errors.ts';
import { parseS3Url, s3Url } from './s3-location.ts';

export interface S3BlobStoreOptions {
  /** A client to use; by default one is made from the environment (see client-config.ts). */
  client?: S3Client;
  /** Settings for the client made by default (region, endpoint, credentials, …). */
  clientConfig?: S3ClientConfig;
  /**
   * Bytes per multipart part, and the size from which a write becomes a multipart upload. Default
   * 8 MiB; at least 5 MiB (S3's minimum for all parts but the last).
   */
  partSize?: number;
  /** Parts of one writer uploading at once; `write` waits beyond it. Default 4. */
  uploadConcurrency?: number;
  /** A read larger than this is split into ranged GETs of this size. Default 8 MiB. */
  readChunkSize?: number;
  /** Ranged GETs of one read in flight at once. Default 4. */
  readConcurrency?: number;
  /** How S3 calls are retried (SlowDown, 5xx, dropped connections). */
  retry?: RetryPolicy;
}

const MIB = 1024 * 1024;
const MIN_PART_SIZE = 5 * MIB;
const MAX_PARTS = 10_000;
const MAX_DELETE_BATCH = 1000;
const MAX_KEY_BYTES = 1024;

/**
 * The BlobStore on S3, scoped to a bucket and a key prefix (`s3://bucket/prefix`): every key is
 * relative to the prefix.
 *
 * - **Reads** (`get`) ask for the first `readChunkSize` bytes; a larger object or range is fetched
 *   as further ranged GETs, `readConcurrency` at a time, straight into one buffer. The later GETs
 *   carry `If-Match` with the first response's ETag, so an object replaced mid-read fails the read
 *   instead of mixing two versions.
 * - **Writes** are atomic. A writer buffers up to `partSize`; an object that stays smaller is one
 *   PutObject at `commit()`. A larger one becomes a multipart upload whose parts go up while the
 *   caller writes (`uploadConcurrency` in flight; `write` waits beyond that — back-pressure). S3
 *   shows nothing until CompleteMultipartUpload; `abort()` cancels the upload and its parts. (A
 *   process that dies mid-upload leaves parts that the bucket's lifecycle rule removes.)
 * - **Conditional create**: `putIfAbsent` writes only when no object has the key (`If-None-Match: *`,
 *   on PutObject or CompleteMultipartUpload) and tells whether it did.
 * - **Listing** pages through ListObjectsV2; **delete** batches DeleteObjects by 1000 keys.
 * - Every call is retried with exponential backoff and full jitter on throttling (SlowDown, 503),
 *   server errors and dropped connections (retry.ts); errors are SkeinErrors naming `s3://bucket/key`.
 *
 * Keys are listed in S3's order (UTF-8 bytes), which equals JavaScript's string order except for
 * characters beyond U+FFFF against U+E000–U+FFFF.
 *
 * @example
 * const store = S3BlobStore.fromUrl('s3://my-bucket/tpch/sf1');
 * const w = await store.createWriter('lineitem/part-0.parquet');
 * await w.write(bytes);
 * await w.commit();
 * const footer = await store.get('lineitem/part-0.parquet', { offset: size - 8, length: 8 });
 */
export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  /** Empty, or ends with `/`. */
  readonly prefix: string;
  readonly client: S3Client;
  private readonly partSize: number;
  private readonly uploadConcurrency: number;
  private readonly readChunkSize: number;
  private readonly readConcurrency: number;
  private readonly retry: RetryPolicy;

  /** A store for `s3://bucket/prefix`. */
  static fromUrl(url: string, options: S3BlobStoreOptions = {}): S3BlobStore {
    const { bucket, prefix } = parseS3Url(url);
    return new S3BlobStore(bucket, prefix, options);
  }

  constructor(bucket: string, prefix = '', options: S3BlobStoreOptions = {}) {
    this.bucket = bucket;
    const p = prefix.replace(/^\/+/, '');
    this.prefix = p === '' || p.endsWith('/') ? p : `${p}/`;
    this.client = options.client ?? new S3Client({ ...awsClientConfig('S3'), ...options.clientConfig });
    this.partSize = options.partSize ?? 8 * MIB;
    if (!Number.isInteger(this.partSize) || this.partSize < MIN_PART_SIZE) {
      throw new SkeinError('INVALID_ARGUMENT', `partSize must be at least 5 MiB, got ${this.partSize}`);
    }
    this.uploadConcurrency = positive('uploadConcurrency', options.uploadConcurrency ?? 4);
    this.readChunkSize = positive('readChunkSize', options.readChunkSize ?? 8 * MIB);
    this.readConcurrency = positive('readConcurrency', options.readConcurrency ?? 4);
    this.retry = options.retry ?? {};
  }

  describe(key?: string): string {
    if (key === undefined)
      return `s3://${this.bucket}${this.prefix === '' ? '' : `/${this.prefix.slice(0, -1)}`}`;
    return s3Url(this.bucket, this.prefix + key);
  }

  /** The full S3 key of a store key. */
  private s3Key(key: string): string {
    if (typeof key !== 'string' || key === '' || key.startsWith('/')) {
      throw new SkeinError('INVALID_ARGUMENT', `blob key '${key}' is invalid: use a relative path`);
    }
    const full = this.prefix + key;
    if (Buffer.byteLength(full, 'utf8') > MAX_KEY_BYTES) {
      throw new SkeinError(
        'INVALID_ARGUMENT',
        `blob key ${this.describe(key)} is longer than S3's limit of ${MAX_KEY_BYTES} bytes`,
      );
    }
    return full;
  }

  private send<T>(op: () => Promise<T>): Promise<T> {
    return withRetries(op, this.retry);
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.write(key, body, false);
  }

  /**
   * Writes the object only if no object has the key (S3 conditional write, `If-None-Match: *`).
   * Returns false, writing nothing, when one exists. Of racing writers exactly one gets true.
   *
   * A caveat from S3 itself: should the response of a successful write be lost and the request be
   * retried, the retry sees the object and reports false.
   */
  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    return this.write(key, body, true);
  }

  private async write(key: string, body: Uint8Array, ifAbsent: boolean): Promise<boolean> {
    const w = this.openWriter(key, ifAbsent);
    try {
      await w.write(body);
      return await w.commit();
    } catch (err) {
      await w.abort();
      throw err;
    }
  }

  async createWriter(key: string): Promise<BlobWriter> {
    const w = this.openWriter(key, false);
    return {
      write: (chunk) => w.write(chunk),
      commit: async () => {
        await w.commit();
      },
      abort: () => w.abort(),
    };
  }

  private openWriter(key: string, ifAbsent: boolean): S3Writer {
    return new S3Writer(this, this.s3Key(key), this.describe(key), ifAbsent, {
      partSize: this.partSize,
      concurrency: this.uploadConcurrency,
    });
  }

  /** @internal used by S3Writer */
  call<T>(op: () => Promise<T>): Promise<T> {
    return this.send(op);
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    const s3Key = this.s3Key(key);
    const url = this.describe(key);
    const start = range?.offset ?? 0;
    if (range) {
      if (!Number.isSafeInteger(range.offset) || range.offset < 0) {
        throw new SkeinError('INVALID_ARGUMENT', `bad range offset ${range.offset} for ${url}`);
      }
      if (!Number.isSafeInteger(range.length) || range.length < 0) {
        throw new SkeinError('INVALID_ARGUMENT', `bad range length ${range.length} for ${url}`);
      }
      if (range.length === 0) {
        if (!(await this.head(key))) throw s3Error({ name: 'NoSuchKey' }, 'read', url);
        return new Uint8Array(0);
      }
    }
    const firstLen = range ? Math.min(range.length, this.readChunkSize) : this.readChunkSize;
    const first = await this.getRange(s3Key, url, start, firstLen, undefined);
    if (!first) return new Uint8Array(0); // the range starts at or after the end
    const end = range ? Math.min(first.size, start + range.length) : first.size;
    if (start + first.bytes.length >= end) return first.bytes;

    // The rest, in chunks fetched concurrently into one buffer.
    const out = new Uint8Array(end - start);
    out.set(first.bytes, 0);
    const chunks: [number, number][] = [];
    for (let at = start + first.bytes.length; at < end; at += this.readChunkSize) {
      chunks.push([at, Math.min(this.readChunkSize, end - at)]);
    }
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const [at, len] = chunks[next++]!;
        const part = await this.getRange(s3Key, url, at, len, first.etag, out.subarray(at - start));
        if (!part || part.bytes.length !== len) {
          throw new SkeinError('EXTERNAL', `cannot read ${url}: the object ended early (changed while read)`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.readConcurrency, chunks.length) }, worker));
    return out;
  }

  /**
   * One ranged GET. Returns the bytes (read into `into` when given), the object's size and ETag; or
   * undefined when `start` is at or after the end (S3's 416).
   */
  private async getRange(
    s3Key: string,
    url: string,
    start: number,
    length: number,
    ifMatch: string | undefined,
    into?: Uint8Array,
  ): Promise<{ bytes: Uint8Array; size: number; etag: string | undefined } | undefined> {
    try {
      return await this.send(async () => {
        const res = await this.client.send(
          new GetObjectCommand({
            Bucket: this.bucket,
            Key: s3Key,
            Range: `bytes=${start}-${start + length - 1}`,
            ...(ifMatch ? { IfMatch: ifMatch } : {}),
          }),
        );
        return readRangeResponse(res, start, length, into);
      });
    } catch (err) {
      if ((err as { name?: string })?.name === 'InvalidRange') return undefined;
      if (ifMatch && isPreconditionFailed(err)) {
        throw new SkeinError('EXTERNAL', `cannot read ${url}: the object was replaced while being read`, {
          cause: err,
        });
      }
      throw s3Error(err, 'read', url);
    }
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    const s3Key = this.s3Key(key);
    try {
      const res = await this.send(() =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: s3Key })),
      );
      return { key, size: res.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw s3Error(err, 'look up', this.describe(key));
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    const full = this.prefix + prefix;
    let token: string | undefined;
    do {
      let res: ListObjectsV2CommandOutput;
      try {
        res = await this.send(() =>
          this.client.send(
            new ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, ContinuationToken: token }),
          ),
        );
      } catch (err) {
        throw s3Error(err, 'list', this.describe(prefix));
      }
      for (const o of res.Contents ?? []) {
        if (o.Key?.startsWith(this.prefix)) yield { key: o.Key.slice(this.prefix.length), size: o.Size ?? 0 };
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(keys: readonly string[]): Promise<void> {
    const s3Keys = keys.map((k) => this.s3Key(k));
    const batches: string[][] = [];
    for (let i = 0; i < s3Keys.length; i += MAX_DELETE_BATCH) {
      batches.push(s3Keys.slice(i, i + MAX_DELETE_BATCH));
    }
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        let errors: { Key?: string; Code?: string; Message?: string }[];
        try {
          const res = await this.send(() =>
            this.client.send(
              new DeleteObjectsCommand({
                Bucket: this.bucket,
                Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
              }),
            ),
          );
          errors = res.Errors ?? [];
        } catch (err) {
          throw s3Error(err, `delete ${batch.length} objects under`, this.describe(''));
        }
        const failed = errors.filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length > 0) {
          const e = failed[0]!;
          throw new SkeinError(
            'EXTERNAL',
            `cannot delete ${s3Url(this.bucket, e.Key ?? '?')}: ${e.Code}: ${e.Message}` +
              (failed.length > 1 ? ` (and ${failed.length - 1} more objects)` : ''),
          );
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, batches.length) }, worker));
  }
}

function positive(what: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) {
    throw new SkeinError('INVALID_ARGUMENT', `${what} must be a whole number from 1 up, got ${n}`);
  }
  return n;
}

/** Reads a (ranged) GetObject body, into `into` when given. */
async function readRangeResponse(
  res: GetObjectCommandOutput,
  start: number,
  length: number,
  into: Uint8Array | undefined,
): Promise<{ bytes: Uint8Array; size: number; etag: string | undefined }> {
  const m = /\/(\d+)\s*$/.exec(res.ContentRange ?? '');
  const body = res.Body as Readable | undefined;
  if (!m) {
    // The whole object came back (a server that ignores Range): cut the range out of it.
    const all = body
      ? new Uint8Array(
          await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
        )
      : new Uint8Array(0);
    const bytes = all.subarray(start, start + length);
    if (into) into.set(bytes);
    return { bytes: into ? into.subarray(0, bytes.length) : bytes, size: all.length, etag: res.ETag };
  }
  const size = Number(m[1]);
  const expected = Math.min(length, Math.max(0, size - start));
  const out = into ?? new Uint8Array(expected);
  let got = 0;
  if (body) {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      if (got + chunk.length > expected)
        throw new SkeinError('EXTERNAL', 'S3 sent more bytes than asked for');
      out.set(chunk, got);
      got += chunk.length;
    }
  }
  return { bytes: out.subarray(0, got), size, etag: res.ETag };
}

/**
 * One atomic write: buffered up to a part, then a multipart upload. States:
 *
 *   open ──commit()──▶ committing ──▶ done
 *     └──abort() / failure──▶ aborted   (commit failure aborts too)
 */
class S3Writer {
  private state: 'open' | 'committing' | 'done' | 'aborted' = 'open';
  private buf = new Uint8Array(0);
  private bufLen = 0;
  private uploadId: Promise<string> | undefined;
  private readonly parts: CompletedPart[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private partNumber = 0;
  private failure: unknown;

  constructor(
    private readonly store: S3BlobStore,
    private readonly key: string,
    private readonly url: string,
    private readonly ifAbsent: boolean,
    private readonly o: { partSize: number; concurrency: number },
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (this.state !== 'open') {
      throw new SkeinError('INTERNAL', `writer for ${this.url} used after commit or abort`);
    }
    if (this.failure) throw this.failure;
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(chunk.length - off, this.o.partSize - this.bufLen);
      this.reserve(this.bufLen + n);
      this.buf.set(chunk.subarray(off, off + n), this.bufLen);
      this.bufLen += n;
      off += n;
      if (this.bufLen === this.o.partSize) {
        this.startPart(this.buf);
        this.buf = new Uint8Array(0);
        this.bufLen = 0;
        while (this.inflight.size >= this.o.concurrency) await Promise.race(this.inflight);
        if (this.failure) throw this.failure;
      }
    }
  }

  /** Grows the buffer (doubling, up to a part) so small objects do not cost a whole part's memory. */
  private reserve(n: number): void {
    if (n <= this.buf.length) return;
    let cap = Math.max(64 * 1024, this.buf.length * 2);
    while (cap < n) cap *= 2;
    const next = new Uint8Array(Math.min(this.o.partSize, cap));
    next.set(this.buf.subarray(0, this.bufLen));
    this.buf = next;
  }

  private startPart(body: Uint8Array): void {
    const partNumber = ++this.partNumber;
    if (partNumber > MAX_PARTS) {
      this.failure = new SkeinError(
        'RESOURCES_EXHAUSTED',
        `cannot write ${this.url}: more than ${MAX_PARTS} parts; use a larger partSize`,
      );
      return;
    }
    this.uploadId ??= this.store
      .call(() =>
        this.store.client.send(
          new CreateMultipartUploadCommand({
            Bucket: this.store.bucket,
            Key: this.key,
            ChecksumAlgorithm: 'CRC32',
          }),
        ),
      )
      .then((r) => {
        if (!r.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
        return r.UploadId;
      });
    const uploadId = this.uploadId;
    const p = (async () => {
      const UploadId = await uploadId;
      const res = await this.store.call(() =>
        this.store.client.send(
          new UploadPartCommand({
            Bucket: this.store.bucket,
            Key: this.key,
            UploadId,
            PartNumber: partNumber,
            Body: body,
            ContentLength: body.length,
            ChecksumAlgorithm: 'CRC32',
          }),
        ),
      );
      this.parts.push({
        PartNumber: partNumber,
        ETag: res.ETag,
        ...(res.ChecksumCRC32 ? { ChecksumCRC32: res.ChecksumCRC32 } : {}),
      });
    })().catch((err: unknown) => {
      this.failure ??= s3Error(err, 'write', this.url);
    });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** Makes the object visible. Returns false when `ifAbsent` and the key exists (nothing written). */
  async commit(): Promise<boolean> {
    if (this.state !== 'open') {
      throw new SkeinError('INTERNAL', `writer for ${this.url} used after commit or abort`);
    }
    this.state = 'committing';
    try {
      const written = await this.finish();
      this.state = 'done';
      return written;
    } catch (err) {
      await this.cleanUp();
      this.state = 'aborted';
      throw err;
    }
  }

  private async finish(): Promise<boolean> {
    const cond = this.ifAbsent ? { IfNoneMatch: '*' } : {};
    if (!this.uploadId) {
      const body = this.buf.subarray(0, this.bufLen);
      try {
        await this.store.call(() =>
          this.store.client.send(
            new PutObjectCommand({
              Bucket: this.store.bucket,
              Key: this.key,
              Body: body,
              ContentLength: body.length,
              ...cond,
            }),
          ),
        );
        return true;
      } catch (err) {
        if (this.ifAbsent && isPreconditionFailed(err)) return false;
        throw s3Error(err, 'write', this.url);
      }
    }
    if (this.bufLen > 0) this.startPart(this.buf.subarray(0, this.bufLen));
    await Promise.all(this.inflight);
    if (this.failure) throw this.failure;
    const UploadId = await this.uploadId;
    const parts = [...this.parts].sort((a, b) => a.PartNumber! - b.PartNumber!);
    try {
      await this.store.call(() =>
        this.store.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.store.bucket,
            Key: this.key,
            UploadId,
            MultipartUpload: { Parts: parts },
            ...cond,
          }),
        ),
      );
      return true;
    } catch (err) {
      if (this.ifAbsent && isPreconditionFailed(err)) {
        await this.cleanUp();
        return false;
      }
      throw s3Error(err, 'write', this.url);
    }
  }

  async abort(): Promise<void> {
    if (this.state === 'done' || this.state === 'aborted') return;
    this.state = 'aborted';
    await this.cleanUp();
  }

  /** Cancels the multipart upload, if one was started; its parts are dropped. */
  private async cleanUp(): Promise<void> {
    await Promise.allSettled(this.inflight);
    this.buf = new Uint8Array(0);
    if (!this.uploadId) return;
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    let UploadId: string;
    try {
      UploadId = await uploadId;
    } catch {
      return; // never created
    }
    try {
      await this.store.call(() =>
        this.store.client.send(
          new AbortMultipartUploadCommand({ Bucket: this.store.bucket, Key: this.key, UploadId }),
        ),
      );
    } catch (err) {
      if ((err as { name?: string })?.name === 'NoSuchUpload') return;
      throw s3Error(err, 'abort the upload of', this.url);
    }
  }
}
