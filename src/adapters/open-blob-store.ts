import { SkeinError } from '../errors.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { FolderBlobStore } from './local/folder-blob-store.ts';

/**
 * Opens the blob store a location names: a local folder path (or `file://` URL). `s3://bucket/prefix`
 * comes with the AWS adapters. Any thread or process can call it with the same string and reach the
 * same objects, which is how worker threads share an output location.
 *
 * @example
 * const store = openBlobStore('./data/tpch-sf1');
 */
export function openBlobStore(location: string): BlobStore {
  if (location.startsWith('file://')) return new FolderBlobStore(new URL(location).pathname);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1];
  if (scheme) {
    throw new SkeinError(
      'NOT_IMPLEMENTED',
      `storage location '${location}': the ${scheme}:// scheme is not supported yet (use a local folder)`,
    );
  }
  return new FolderBlobStore(location);
}
