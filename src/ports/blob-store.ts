/**
 * Object storage as the runtime sees it: a folder on one machine, S3 in the cloud.
 *
 * Keys are `/`-separated paths relative to the store's root. Writes are atomic: a reader sees
 * either nothing or the whole object, never a part of it (a folder writes under a temporary name
 * and renames; S3 completes a multipart upload).
 *
 * @example
 * const w = await store.createWriter('lineitem/part-0.tbl');
 * await w.write(bytes);
 * await w.commit(); // only now does 'lineitem/part-0.tbl' exist
 */
export interface BlobStore {
  /** Writes a whole object atomically. */
  put(key: string, body: Uint8Array): Promise<void>;
  /**
   * Optional: writes a whole object atomically only if no object has the key, and tells whether it
   * did; of racing writers exactly one gets true (S3: a conditional write, `If-None-Match: *`).
   * Stores that cannot do it atomically leave it out.
   */
  putIfAbsent?(key: string, body: Uint8Array): Promise<boolean>;
  /** Starts a streamed, atomic write. Nothing is visible under `key` until `commit()`. */
  createWriter(key: string): Promise<BlobWriter>;
  /** Reads an object, or the byte range [offset, offset + length) of it. */
  get(key: string, range?: ByteRange): Promise<Uint8Array>;
  /** Size of an object, or undefined when there is none. */
  head(key: string): Promise<BlobInfo | undefined>;
  /** Objects whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<BlobInfo>;
  /** Deletes objects; missing keys are not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /** A human-readable location, for messages (`/data/tpch`, `s3://bucket/prefix`). */
  describe(key?: string): string;
}

export interface ByteRange {
  offset: number;
  length: number;
}

export interface BlobInfo {
  key: string;
  size: number;
}

export interface BlobWriter {
  /** Appends bytes; resolves when the writer can take more (back-pressure). */
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the object visible under its key, atomically. */
  commit(): Promise<void>;
  /** Drops everything written; the key stays as it was. Safe to call after a failure. */
  abort(): Promise<void>;
}
