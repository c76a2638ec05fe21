import type { BlobStore } from '../../ports/blob-store.ts';
import type { SpoolManifest } from './format.ts';
import {
  checkAttemptId,
  SPOOL_HASH_CHARS,
  SPOOL_ROOT,
  spoolAttemptPrefix,
  type TaskAttemptId,
} from './keys.ts';

/**
 * Deleting spool output (DESIGN §3.4). The coordinator deletes by key, from what it knows:
 * 1. the objects of every manifest it received — winners when the query ends, losers (later
 *    commits of a task) at once: {@link deleteSpoolObjects};
 * 2. attempts it launched that never committed (failed, timed out, superseded): their prefixes
 *    are computable from their ids, {@link deleteAttemptSpool} lists just those;
 * 3. as a last resort, {@link deleteQuerySpool} lists every hash prefix for the query.
 * A bucket lifecycle rule on `spool/` expires whatever a crashed coordinator left behind.
 */

/** Keys of the objects the manifests name. */
export function spoolObjectKeys(manifests: readonly SpoolManifest[]): string[] {
  return manifests.flatMap((m) => m.objects.map((o) => o.key));
}

/** Deletes the objects the manifests name (no listing). */
export async function deleteSpoolObjects(
  store: BlobStore,
  manifests: readonly SpoolManifest[],
): Promise<void> {
  await deleteKeys(store, spoolObjectKeys(manifests));
}

/** Deletes whatever the attempts wrote, committed or not: one listing of each attempt's prefix. */
export async function deleteAttemptSpool(
  store: BlobStore,
  attempts: readonly TaskAttemptId[],
  options: { concurrency?: number } = {},
): Promise<number> {
  for (const a of attempts) checkAttemptId(a);
  return listThenDelete(
    store,
    attempts.map((a) => spoolAttemptPrefix(a)),
    options.concurrency ?? 16,
  );
}

/**
 * Deletes every spool object of a query, found by listing `spool/{hash}/{queryId}/` for each of
 * the 16^{@link SPOOL_HASH_CHARS} hash prefixes. A fallback: it costs 256 listings even for a
 * query that spooled nothing. Returns the number of objects deleted.
 */
export async function deleteQuerySpool(
  store: BlobStore,
  queryId: string,
  options: { concurrency?: number } = {},
): Promise<number> {
  checkAttemptId({ queryId, stage: 0, task: 0, attempt: 0 });
  const prefixes = Array.from(
    { length: 16 ** SPOOL_HASH_CHARS },
    (_, i) => `${SPOOL_ROOT}/${i.toString(16).padStart(SPOOL_HASH_CHARS, '0')}/${queryId}/`,
  );
  return listThenDelete(store, prefixes, options.concurrency ?? 16);
}

/** Lists the prefixes (concurrently), then deletes what they hold: no deletes race the listings. */
async function listThenDelete(
  store: BlobStore,
  prefixes: readonly string[],
  concurrency: number,
): Promise<number> {
  const found = await mapLimit(prefixes, concurrency, async (prefix) => {
    const keys: string[] = [];
    for await (const o of store.list(prefix)) keys.push(o.key);
    return keys;
  });
  const keys = found.flat();
  await deleteKeys(store, keys);
  return keys.length;
}

/** S3's DeleteObjects takes up to 1000 keys a request. */
async function deleteKeys(store: BlobStore, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) await store.delete(keys.slice(i, i + 1000));
}

async function mapLimit<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
