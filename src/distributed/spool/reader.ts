import { type RecordBatch, RecordBatchReader } from 'apache-arrow';
import { SkeinError } from '../../errors.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { SpoolManifest } from './format.ts';

/** A contiguous range of buckets [lo, hi). */
export interface BucketRange {
  lo: number;
  hi: number;
}

/** One ranged GET of a consumer: bytes [offset, offset + length) of a spool object. */
export interface SpoolRead {
  key: string;
  /** Index into the plan's `schemas`. */
  schema: number;
  offset: number;
  length: number;
  /** Rows the range holds (checked when decoded). */
  rows: number;
}

/**
 * What a consumer task reads: plain JSON, small enough for a TaskSpec (one entry per producer
 * object with data in the range; schemas de-duplicated).
 */
export interface SpoolReadPlan {
  range: BucketRange;
  /** Distinct IPC schema messages, base64. */
  schemas: string[];
  reads: SpoolRead[];
  rows: number;
  bytes: number;
}

export interface PlanSpoolReadOptions {
  /**
   * A read larger than this is split at bucket boundaries into several GETs (a single bucket is
   * never split). Default 16 MiB.
   */
  maxReadBytes?: number;
}

export interface ReadSpoolOptions {
  /** GETs in flight (fetched and not yet consumed included). Default 4. */
  concurrency?: number;
}

/**
 * Plans a consumer's reads of buckets [lo, hi) from the committed manifests of the producer
 * stage: one ranged GET per producer object holding data in the range (several only when a range
 * exceeds `maxReadBytes`). Broadcast is the range [0, B).
 *
 * @example
 * const plan = planSpoolRead(committedManifests, { lo: 32, hi: 64 }); // goes into the TaskSpec
 */
export function planSpoolRead(
  manifests: readonly SpoolManifest[],
  range: BucketRange,
  options: PlanSpoolReadOptions = {},
): SpoolReadPlan {
  const maxRead = options.maxReadBytes ?? 16 * 1024 * 1024;
  const B = checkManifests(manifests);
  const { lo, hi } = range;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi > B || lo > hi) {
    throw new SkeinError('INTERNAL', `bucket range [${lo}, ${hi}) is not within the exchange's ${B} buckets`);
  }
  const schemas: string[] = [];
  const schemaIndex = new Map<string, number>();
  const reads: SpoolRead[] = [];
  let rows = 0;
  let bytes = 0;
  for (const m of manifests) {
    let s = schemaIndex.get(m.schema);
    if (s === undefined) {
      s = schemas.length;
      schemas.push(m.schema);
      schemaIndex.set(m.schema, s);
    }
    for (const o of m.objects) {
      let start = lo;
      let startRows = 0;
      for (let b = lo; b < hi; b++) {
        startRows += o.rows[b]!;
        bytes += o.bytes[b]!;
        const next = b + 1;
        const tooBig = next < hi && o.offsets[next + 1]! - o.offsets[start]! > maxRead;
        if (next === hi || tooBig) {
          const length = o.offsets[next]! - o.offsets[start]!;
          if (length > 0)
            reads.push({ key: o.key, schema: s, offset: o.offsets[start]!, length, rows: startRows });
          rows += startRows;
          start = next;
          startRows = 0;
        }
      }
    }
  }
  return { range: { lo, hi }, schemas, reads, rows, bytes };
}

/**
 * Reads a plan's ranges and yields their record batches: each producer object's batches in
 * bucket order, the objects in plan order. Up to `concurrency` GETs are in flight ahead of the
 * consumer. Batches share the fetched bytes (zero-copy). Errors name the object and byte range.
 */
export async function* readSpool(
  store: BlobStore,
  plan: SpoolReadPlan,
  options: ReadSpoolOptions = {},
): AsyncGenerator<RecordBatch, void, undefined> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const schemas = plan.schemas.map((s) => new Uint8Array(Buffer.from(s, 'base64')));
  const fetches: Promise<Uint8Array>[] = [];
  let next = 0;
  const fill = () => {
    while (next < plan.reads.length && fetches.length < concurrency) {
      const p = fetchRange(store, plan.reads[next++]!);
      // A fetch the consumer never awaits (it stopped early) must not become an unhandled rejection.
      p.catch(() => {});
      fetches.push(p);
    }
  };
  for (const read of plan.reads) {
    fill();
    const bytes = await fetches.shift()!;
    fill();
    let rows = 0;
    let batches: RecordBatch[];
    try {
      batches = [...RecordBatchReader.from([schemas[read.schema]!, bytes])];
    } catch (err) {
      throw new SkeinError(
        'EXTERNAL',
        `cannot decode spool object ${store.describe(read.key)} bytes [${read.offset}, ${read.offset + read.length}): ${(err as Error).message}`,
        { cause: err },
      );
    }
    for (const b of batches) rows += b.numRows;
    if (rows !== read.rows) {
      throw new SkeinError(
        'EXTERNAL',
        `spool object ${store.describe(read.key)} bytes [${read.offset}, ${read.offset + read.length}) hold ${rows} rows; its manifest says ${read.rows}`,
      );
    }
    yield* batches;
  }
}

/** {@link planSpoolRead} and {@link readSpool} in one. */
export function readSpoolBuckets(
  store: BlobStore,
  manifests: readonly SpoolManifest[],
  range: BucketRange,
  options: PlanSpoolReadOptions & ReadSpoolOptions = {},
): AsyncGenerator<RecordBatch, void, undefined> {
  return readSpool(store, planSpoolRead(manifests, range, options), options);
}

async function fetchRange(store: BlobStore, read: SpoolRead): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await store.get(read.key, { offset: read.offset, length: read.length });
  } catch (err) {
    if (err instanceof SkeinError && err.code === 'NOT_FOUND') {
      throw new SkeinError(
        'EXTERNAL',
        `spool object ${store.describe(read.key)} is missing (deleted before its consumers finished?)`,
        { cause: err },
      );
    }
    throw err;
  }
  if (bytes.length !== read.length) {
    throw new SkeinError(
      'EXTERNAL',
      `spool object ${store.describe(read.key)} is shorter than its manifest says: read ${bytes.length} of ${read.length} bytes at offset ${read.offset}`,
    );
  }
  return bytes;
}

/** Checks that the manifests belong to one exchange; returns its bucket count. */
export function checkManifests(manifests: readonly SpoolManifest[]): number {
  if (manifests.length === 0) throw new SkeinError('INTERNAL', 'no spool manifests to read');
  const B = manifests[0]!.bucketCount;
  for (const m of manifests) {
    if (m.bucketCount !== B) {
      throw new SkeinError(
        'INTERNAL',
        `spool manifests disagree on the bucket count (${B} and ${m.bucketCount}, from ${m.objects[0]?.key ?? 'an empty attempt'})`,
      );
    }
    for (const o of m.objects) {
      if (o.offsets.length !== B + 1 || o.rows.length !== B || o.bytes.length !== B) {
        throw new SkeinError('INTERNAL', `spool manifest of ${o.key} does not have ${B} buckets`);
      }
    }
  }
  return B;
}
