import { RecordBatch, RecordBatchStreamWriter, type Schema, util } from 'apache-arrow';
import { SkeinError } from '../../errors.ts';
import type { BlobStore, BlobWriter } from '../../ports/blob-store.ts';
import { canConcat, concatRanges, type RowRange, rangeBytes } from './arrow-batches.ts';
import {
  encodeIndexAndFooter,
  SPOOL_FORMAT_VERSION,
  type SpoolManifest,
  type SpoolObjectInfo,
} from './format.ts';
import { checkAttemptId, spoolObjectKey, type TaskAttemptId } from './keys.ts';

export interface SpoolWriterOptions {
  attempt: TaskAttemptId;
  /** B: fixed per exchange when the producer stage starts; rows are given bucket ids 0 … B−1. */
  bucketCount: number;
  /** The schema of every batch written. */
  schema: Schema;
  /**
   * Bound on the bytes held in memory. When the buffered batches reach it, they are written as one
   * object and the attempt continues in a next object (`part-1`, …). Default 256 MiB.
   */
  memoryLimitBytes?: number;
  /** Small batches of a bucket are merged up to this size before they are written. Default 4 MiB. */
  targetBatchBytes?: number;
  /** …and up to this many rows. Default 65,536. */
  maxBatchRows?: number;
  /** Hex digits in the object keys, telling apart two runs of one attempt (see `spoolObjectKey`). */
  nonce?: string;
}

const DEFAULTS = {
  memoryLimitBytes: 256 * 1024 * 1024,
  targetBatchBytes: 4 * 1024 * 1024,
  maxBatchRows: 65_536,
};
/** Sections are handed to the blob writer in chunks of about this size. */
const WRITE_CHUNK_BYTES = 1024 * 1024;

/**
 * Writes one task attempt's output to the spool: Arrow record batches, each belonging to one
 * bucket, buffered per bucket and written as one object in bucket order with an index (format.ts).
 *
 * **Input.** The operator above partitions rows; it hands over either `(bucket, batch)` pairs
 * ({@link write}) or a batch whose rows are sorted by bucket plus the bucket boundaries
 * ({@link writeRuns} — what a counting-sort partitioner produces). Many small batches per bucket
 * are fine: they are merged before writing (for flat types and structs of them).
 *
 * **Memory.** Batches are held (not copied) until written. When the held bytes reach
 * `memoryLimitBytes`, they are written out as an object and the attempt continues in the next;
 * usually an attempt writes one object.
 *
 * **Output.** `finish()` writes the last object (atomically, through `BlobStore.createWriter`) and
 * returns the manifest for the commit event. An attempt without rows writes no object. `abort()`
 * deletes what was written. Calls must not overlap: await each before the next.
 *
 * @example
 * const w = new SpoolWriter(store, { attempt, bucketCount: 256, schema });
 * for await (const { batch, starts } of partitioned) await w.writeRuns(batch, starts);
 * const manifest = await w.finish(); // → Commit event
 */
export class SpoolWriter {
  readonly attempt: TaskAttemptId;
  readonly bucketCount: number;
  readonly schema: Schema;
  private readonly store: BlobStore;
  private readonly memoryLimitBytes: number;
  private readonly targetBatchBytes: number;
  private readonly maxBatchRows: number;
  private readonly nonce: string | undefined;
  private readonly schemaMessage: Uint8Array;
  private readonly mergeable: boolean;
  private buckets: RowRange[][];
  private bucketRows: number[];
  private bucketBytes: number[];
  private buffered = 0;
  private readonly objects: SpoolObjectInfo[] = [];
  private state: 'open' | 'busy' | 'finished' | 'aborted' | 'failed' = 'open';
  private current: Promise<unknown> | undefined;

  constructor(store: BlobStore, options: SpoolWriterOptions) {
    checkAttemptId(options.attempt);
    const B = options.bucketCount;
    if (!Number.isInteger(B) || B < 1 || B > 1 << 20) {
      throw new SkeinError(
        'INVALID_ARGUMENT',
        `spool bucket count must be a whole number from 1 to 2^20, got ${B}`,
      );
    }
    this.store = store;
    this.attempt = { ...options.attempt };
    this.bucketCount = B;
    this.schema = options.schema;
    this.memoryLimitBytes = options.memoryLimitBytes ?? DEFAULTS.memoryLimitBytes;
    this.targetBatchBytes = options.targetBatchBytes ?? DEFAULTS.targetBatchBytes;
    this.maxBatchRows = options.maxBatchRows ?? DEFAULTS.maxBatchRows;
    this.nonce = options.nonce;
    this.schemaMessage = encodeSchemaMessage(options.schema);
    this.mergeable = canConcat(options.schema);
    this.buckets = emptyBuckets(B);
    this.bucketRows = new Array<number>(B).fill(0);
    this.bucketBytes = new Array<number>(B).fill(0);
  }

  /** Bytes of batches held in memory, not yet written. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Adds a batch whose rows all belong to `bucket`. */
  async write(bucket: number, batch: RecordBatch): Promise<void> {
    await this.run(async () => {
      this.add(bucket, batch, 0, batch.numRows);
      if (this.buffered >= this.memoryLimitBytes) await this.writeObject();
    });
  }

  /** In-memory bytes written to each bucket so far: the finished objects' and those held. */
  bucketBytesSoFar(): number[] {
    const out = [...this.bucketBytes];
    for (const o of this.objects) for (let b = 0; b < out.length; b++) out[b]! += o.bytes[b]!;
    return out;
  }

  /**
   * Adds a batch whose rows are sorted by bucket: rows [starts[b], starts[b+1]) belong to bucket b
   * (`starts` has B + 1 entries, from 0 to the row count). The batch is held, not copied.
   */
  async writeRuns(batch: RecordBatch, starts: ArrayLike<number>): Promise<void> {
    await this.run(async () => {
      const B = this.bucketCount;
      if (starts.length !== B + 1 || starts[0] !== 0 || starts[B] !== batch.numRows) {
        throw new SkeinError(
          'INTERNAL',
          `spool bucket boundaries must have ${B + 1} entries from 0 to the batch's ${batch.numRows} rows, got ${starts.length} from ${starts[0]} to ${starts[starts.length - 1]}`,
        );
      }
      for (let b = 0; b < B; b++) {
        const lo = starts[b]!;
        const hi = starts[b + 1]!;
        if (hi < lo) throw new SkeinError('INTERNAL', `spool bucket boundaries decrease at bucket ${b}`);
        if (hi > lo) this.add(b, batch, lo, hi);
      }
      if (this.buffered >= this.memoryLimitBytes) await this.writeObject();
    });
  }

  /** Writes what is buffered and returns the attempt's manifest. */
  async finish(): Promise<SpoolManifest> {
    return this.run(async () => {
      if (this.bucketRows.some((r) => r > 0)) await this.writeObject();
      this.state = 'finished';
      let rows = 0;
      let bytes = 0;
      for (const o of this.objects) {
        for (const r of o.rows) rows += r;
        for (const b of o.bytes) bytes += b;
      }
      return {
        format: SPOOL_FORMAT_VERSION,
        attempt: { ...this.attempt },
        bucketCount: this.bucketCount,
        schema: Buffer.from(this.schemaMessage).toString('base64'),
        rows,
        bytes,
        objects: this.objects.map((o) => ({ ...o })),
      };
    }, true);
  }

  /** Drops buffered batches and deletes the objects already written. Safe to call after a failure. */
  async abort(): Promise<void> {
    if (this.state === 'aborted') return;
    await this.current?.catch(() => {});
    this.state = 'aborted';
    this.buckets = emptyBuckets(this.bucketCount);
    this.buffered = 0;
    await this.store.delete(this.objects.map((o) => o.key));
  }

  // -------------------------------------------------------------------------------------------

  private async run<T>(step: () => Promise<T>, finishing = false): Promise<T> {
    if (this.state !== 'open') {
      throw new SkeinError(
        'INTERNAL',
        this.state === 'busy'
          ? 'spool writer called while a previous call was still running (await each call)'
          : `spool writer of ${describe(this.attempt)} used after it was ${this.state === 'failed' ? 'failed' : this.state}`,
      );
    }
    this.state = 'busy';
    const p = step();
    this.current = p;
    try {
      const v = await p;
      if (!finishing) this.state = 'open';
      return v;
    } catch (err) {
      this.state = 'failed';
      throw err;
    }
  }

  private add(bucket: number, batch: RecordBatch, lo: number, hi: number): void {
    if (!Number.isInteger(bucket) || bucket < 0 || bucket >= this.bucketCount) {
      throw new SkeinError('INTERNAL', `spool bucket ${bucket} is outside 0 … ${this.bucketCount - 1}`);
    }
    if (hi <= lo) return;
    if (batch.schema !== this.schema) {
      if (!util.compareSchemas(batch.schema, this.schema)) {
        throw new SkeinError(
          'INTERNAL',
          `spool writer of ${describe(this.attempt)}: batch schema (${fieldList(batch.schema)}) differs from the spool's (${fieldList(this.schema)})`,
        );
      }
      batch = new RecordBatch(this.schema, batch.data);
    }
    const n = rangeBytes(batch, lo, hi);
    this.buckets[bucket]!.push({ batch, lo, hi });
    this.bucketRows[bucket]! += hi - lo;
    this.bucketBytes[bucket]! += n;
    this.buffered += n;
  }

  /** Writes the buffered buckets as the attempt's next object, then empties the buffers. */
  private async writeObject(): Promise<void> {
    const key = spoolObjectKey(this.attempt, this.objects.length, this.nonce);
    const B = this.bucketCount;
    const offsets = new Array<number>(B + 1);
    offsets[0] = 0;
    let pos = 0;
    let w: BlobWriter | undefined;
    try {
      w = await this.store.createWriter(key);
      const out = new ChunkedOutput(w);
      for (let b = 0; b < B; b++) {
        const batches = this.buckets[b]!;
        if (batches.length > 0) {
          const section = this.encodeSection(batches);
          await out.write(section);
          pos += section.length;
          // Let the batches go as soon as they are encoded.
          this.buckets[b] = [];
        }
        offsets[b + 1] = pos;
      }
      const tail = encodeIndexAndFooter(
        { offsets, rows: this.bucketRows, bytes: this.bucketBytes },
        this.schemaMessage,
      );
      await out.write(tail);
      await out.flush();
      await w.commit();
      this.objects.push({
        key,
        size: pos + tail.length,
        offsets,
        rows: this.bucketRows,
        bytes: this.bucketBytes,
      });
    } catch (err) {
      await w?.abort().catch(() => {});
      throw err;
    }
    this.buckets = emptyBuckets(B);
    this.bucketRows = new Array<number>(B).fill(0);
    this.bucketBytes = new Array<number>(B).fill(0);
    this.buffered = 0;
  }

  /**
   * A bucket's section: its row ranges gathered into batches of up to `targetBatchBytes` /
   * `maxBatchRows` (a larger range stays whole), as IPC messages without the schema.
   */
  private encodeSection(ranges: RowRange[]): Uint8Array {
    const w = new RecordBatchStreamWriter();
    w.reset(undefined, this.schema);
    let group: RowRange[] = [];
    let groupBytes = 0;
    let groupRows = 0;
    const flush = () => {
      if (group.length === 0) return;
      const first = group[0]!;
      if (group.length === 1 && first.lo === 0 && first.hi === first.batch.numRows) w.write(first.batch);
      else if (this.mergeable) w.write(concatRanges(this.schema, group));
      else for (const r of group) w.write(r.batch.slice(r.lo, r.hi));
      group = [];
      groupBytes = 0;
      groupRows = 0;
    };
    for (const r of ranges) {
      const n = rangeBytes(r.batch, r.lo, r.hi);
      const rows = r.hi - r.lo;
      if (
        group.length > 0 &&
        (groupBytes + n > this.targetBatchBytes || groupRows + rows > this.maxBatchRows)
      ) {
        flush();
      }
      group.push(r);
      groupBytes += n;
      groupRows += rows;
    }
    flush();
    const bytes = w.toUint8Array(true);
    const s = this.schemaMessage;
    // The writer starts every stream with the same schema message; a section is what follows it.
    for (let i = 0; i < s.length; i++) {
      if (bytes[i] !== s[i]) {
        throw new SkeinError(
          'INTERNAL',
          'Arrow IPC writer did not start the stream with the expected schema message',
        );
      }
    }
    return bytes.subarray(s.length);
  }
}

/** The IPC schema message (with its continuation marker, length prefix and padding). */
export function encodeSchemaMessage(schema: Schema): Uint8Array {
  const w = new RecordBatchStreamWriter();
  w.reset(undefined, schema);
  return w.toUint8Array(true).slice();
}

/** Gathers small sections into larger writes. */
class ChunkedOutput {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(private readonly w: BlobWriter) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (chunk.length >= WRITE_CHUNK_BYTES) {
      await this.flush();
      await this.w.write(chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= WRITE_CHUNK_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const data =
      this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    await this.w.write(data);
  }
}

function emptyBuckets(n: number): RowRange[][] {
  return Array.from({ length: n }, () => []);
}

function fieldList(schema: Schema): string {
  return schema.fields.map((f) => `${f.name} ${f.type}`).join(', ');
}

function describe(a: TaskAttemptId): string {
  return `query ${a.queryId} stage ${a.stage} task ${a.task} attempt ${a.attempt}`;
}
