import { SkeinError } from '../errors.ts';
import type { BlobInfo, BlobStore, BlobWriter, ByteRange } from '../ports/blob-store.ts';
import { FolderBlobStore } from './local/folder-blob-store.ts';

/**
 * Opens the blob store a location names: a local folder path (or `file://` URL), or
 * `s3://bucket/prefix`. Any thread or process can call it with the same string and reach the same
 * objects, which is how worker threads share an output location.
 *
 * For S3, the AWS SDK is loaded on first use (a dynamic import), so commands that never touch S3
 * do not pay for loading it. Region, credentials and endpoint come from the standard AWS
 * environment variables and config files; `AWS_ENDPOINT_URL_S3` (or `AWS_ENDPOINT_URL`) points it
 * at an emulator.
 *
 * @example
 * const local = openBlobStore('./data/tpch-sf1');
 * const remote = openBlobStore('s3://my-bucket/tpch/sf1');
 */
export function openBlobStore(location: string): BlobStore {
  if (location.startsWith('file://')) return new FolderBlobStore(new URL(location).pathname);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1];
  if (scheme?.toLowerCase() === 's3') return new LazyS3BlobStore(location);
  if (scheme) {
    throw new SkeinError(
      'NOT_IMPLEMENTED',
      `storage location '${location}': the ${scheme}:// scheme is not supported (use a local folder or s3://bucket/prefix)`,
    );
  }
  return new FolderBlobStore(location);
}

/** An S3BlobStore that loads the S3 adapter (and the AWS SDK) when first used. */
class LazyS3BlobStore implements BlobStore {
  private store: Promise<BlobStore> | undefined;
  private readonly location: string;
  private readonly name: string;

  constructor(location: string) {
    this.location = location;
    // Checked now, so a bad location fails where it is given, not at the first read.
    const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/i.exec(location);
    if (!m) {
      throw new SkeinError(
        'INVALID_ARGUMENT',
        `'${location}' is not an S3 location (expected s3://bucket/prefix)`,
      );
    }
    const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
    this.name = `s3://${m[1]}${prefix ? `/${prefix}` : ''}`;
  }

  private open(): Promise<BlobStore> {
    const url = this.location.replace(/^s3:/i, 's3:');
    this.store ??= import('./aws/s3-blob-store.ts').then((m) => m.S3BlobStore.fromUrl(url));
    return this.store;
  }

  describe(key?: string): string {
    return key === undefined ? this.name : `${this.name}/${key}`;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    return (await this.open()).put(key, body);
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    const store = await this.open();
    return store.putIfAbsent!(key, body);
  }

  async createWriter(key: string): Promise<BlobWriter> {
    return (await this.open()).createWriter(key);
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    return (await this.open()).get(key, range);
  }

  async head(key: string): Promise<BlobInfo | undefined> {
    return (await this.open()).head(key);
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    yield* (await this.open()).list(prefix);
  }

  async delete(keys: readonly string[]): Promise<void> {
    return (await this.open()).delete(keys);
  }
}
