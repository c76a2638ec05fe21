/**
 * Result pages read straight from a finished query's spool output, never held in memory.
 *
 * A query's result is the committed manifests of its root stage (`QueryRecord.result`). Planned
 * with {@link planSpoolRead} over all buckets, they become a fixed list of byte ranges ("reads"),
 * each a sequence of Arrow IPC record-batch messages. A {@link PageCursor} names a position in
 * that sequence — read index, byte offset of a message within the read, rows of that message
 * already delivered — so a page is computed from the manifests and the cursor alone: the same
 * cursor always gives the same page (idempotent page tokens), and any gateway instance can serve
 * it (the API function keeps nothing between invocations).
 *
 * A page is read with one or a few ranged GETs starting at the cursor's message, and ends when it
 * reaches `maxRows` rows or `targetBytes` of JSON (a row is never split), which keeps responses
 * well inside API Gateway's and Lambda's limits (6 MB).
 *
 * @example
 * let cursor: PageCursor | undefined = START;
 * while (cursor) {
 *   const page = await readResultPage(spool, record.result.manifests, columns, cursor);
 *   send(page.rows);            // JSON text of each row: '[1,"a","2024-01-02"]'
 *   cursor = page.next;
 * }
 */
import { Message, MessageHeader, RecordBatchReader } from 'apache-arrow';
import type { SpoolManifest } from '../distributed/spool/format.ts';
import { planSpoolRead, type SpoolReadPlan } from '../distributed/spool/reader.ts';
import { SkeinError } from '../errors.ts';
import { batchFromArrow } from '../exec/arrow.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { DataType, Field } from '../types/data-type.ts';
import { valueEncoder } from './trino-types.ts';

/** A position in a result: message at byte `offset` of read `read`, `skip` of its rows delivered. */
export interface PageCursor {
  readonly read: number;
  readonly offset: number;
  readonly skip: number;
}

export const START: PageCursor = Object.freeze({ read: 0, offset: 0, skip: 0 });

export interface PageLimits {
  /** Rows per page at most. Default 65,536. */
  maxRows?: number;
  /** A page ends after the row that takes its JSON to this many bytes. Default 4 MiB. */
  targetBytes?: number;
}

export interface ResultPage {
  /** Each row as JSON text (an array of values in Trino's encoding). */
  rows: string[];
  /** UTF-8 bytes of the rows' JSON text (with a separator each). */
  bytes: number;
  /** Where the next page starts; undefined after the last row. */
  next: PageCursor | undefined;
}

/** Reads larger than this are split at bucket boundaries (a single bucket never is). */
const MAX_READ_BYTES = 8 * 1024 * 1024;
/** Bytes fetched per GET when the messages are smaller. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/** The read plan of a result: the same for the same manifests (hence stable cursors). */
export function resultReadPlan(manifests: readonly SpoolManifest[]): SpoolReadPlan | undefined {
  if (manifests.length === 0 || manifests.every((m) => m.rows === 0)) return undefined;
  return planSpoolRead(manifests, { lo: 0, hi: manifests[0]!.bucketCount }, { maxReadBytes: MAX_READ_BYTES });
}

/** Whether a cursor can be a position in this plan (a forged or stale token is not). */
export function cursorInPlan(plan: SpoolReadPlan | undefined, c: PageCursor): boolean {
  if (plan === undefined) return c.read === 0 && c.offset === 0 && c.skip === 0;
  const r = plan.reads[c.read];
  return r !== undefined && c.offset >= 0 && c.offset < r.length && c.skip >= 0 && c.skip < r.rows;
}

/**
 * The page at `cursor` of a result with these columns. Throws EXTERNAL when the spool objects are
 * gone or damaged, NOT_FOUND when the cursor is not a message boundary of this result.
 */
export async function readResultPage(
  spool: BlobStore,
  plan: SpoolReadPlan | undefined,
  columns: readonly { name: string; type: DataType }[],
  cursor: PageCursor,
  limits: PageLimits = {},
): Promise<ResultPage> {
  const maxRows = limits.maxRows ?? 65_536;
  const targetBytes = limits.targetBytes ?? 4 * 1024 * 1024;
  const page: ResultPage = { rows: [], bytes: 0, next: undefined };
  if (plan === undefined) return page;
  if (!cursorInPlan(plan, cursor)) throw notAPosition();
  const schema: Field[] = columns.map((c) => ({ name: c.name, type: c.type, nullable: true }));
  const schemaMessages = plan.schemas.map((s) => new Uint8Array(Buffer.from(s, 'base64')));
  let { read, offset, skip } = cursor;
  while (read < plan.reads.length) {
    const r = plan.reads[read]!;
    const messages = await fetchMessages(spool, r.key, r.offset, offset, r.length - offset);
    for (const m of messages) {
      const batches = [...RecordBatchReader.from([schemaMessages[r.schema]!, m.bytes])];
      for (const rb of batches) {
        const batch = batchFromArrow(rb, schema);
        const encoders = batch.columns.map(valueEncoder);
        const n = batch.length;
        if (skip >= n && n > 0) throw notAPosition();
        for (let i = skip; i < n; i++) {
          let row = '[';
          for (let c = 0; c < encoders.length; c++) row += (c === 0 ? '' : ',') + encoders[c]!(i);
          row += ']';
          page.rows.push(row);
          page.bytes += Buffer.byteLength(row) + 1;
          if (page.rows.length >= maxRows || page.bytes >= targetBytes) {
            page.next = advance(plan, read, m.offset, m.length, i + 1 < n ? i + 1 : -1);
            return page;
          }
        }
      }
      skip = 0;
      offset = m.offset + m.length;
    }
    if (offset >= r.length) {
      read++;
      offset = 0;
    }
  }
  return page;
}

/** The cursor after row `nextRow` of the message at [offset, offset + length) (−1: after it). */
function advance(
  plan: SpoolReadPlan,
  read: number,
  offset: number,
  length: number,
  nextRow: number,
): PageCursor | undefined {
  if (nextRow >= 0) return { read, offset, skip: nextRow };
  let o = offset + length;
  let r = read;
  if (o >= plan.reads[r]!.length) {
    r++;
    o = 0;
  }
  return r < plan.reads.length ? { read: r, offset: o, skip: 0 } : undefined;
}

interface IpcMessage {
  /** Offset within the read. */
  offset: number;
  length: number;
  bytes: Uint8Array;
}

/**
 * Whole IPC messages from byte `from` of a read (which starts at `base` in object `key`) — at least
 * one, as many as the first chunk holds completely.
 */
async function fetchMessages(
  spool: BlobStore,
  key: string,
  base: number,
  from: number,
  remaining: number,
): Promise<IpcMessage[]> {
  let want = Math.min(remaining, CHUNK_BYTES);
  for (;;) {
    const buf = await getRange(spool, key, base + from, want);
    const out: IpcMessage[] = [];
    let p = 0;
    for (;;) {
      const len = messageLength(buf, p);
      if (len === 0) return out; // end-of-stream marker
      if (len === undefined || typeof len === 'object' || p + len > buf.length) {
        if (out.length > 0) return out;
        // The first message is longer than the chunk: fetch exactly it.
        const need = typeof len === 'number' ? len : len === undefined ? want * 2 : len.atLeast;
        if (need > remaining || want >= remaining) throw notAPosition();
        want = Math.min(remaining, need);
        break;
      }
      out.push({ offset: from + p, length: len, bytes: buf.subarray(p, p + len) });
      p += len;
      if (p >= buf.length) return out;
    }
  }
}

/**
 * The length of the IPC message at `p` (prefix, metadata and body), 0 for the end-of-stream
 * marker, `{ atLeast }` when only the metadata's length is known, undefined when not even that.
 */
function messageLength(buf: Uint8Array, p: number): number | { atLeast: number } | undefined {
  if (p + 8 > buf.length) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset + p, 8);
  let header = 4;
  let meta = view.getInt32(0, true);
  if (meta === -1) {
    meta = view.getInt32(4, true);
    header = 8;
  }
  if (meta === 0) return 0;
  if (meta < 0) throw notAPosition();
  if (p + header + meta > buf.length) return { atLeast: header + meta };
  let message: Message;
  try {
    message = Message.decode(buf.subarray(p + header, p + header + meta));
  } catch {
    throw notAPosition();
  }
  if (message.headerType !== MessageHeader.RecordBatch) {
    throw new SkeinError(
      'INTERNAL',
      'result spool holds a message that is not a record batch (a bug in Skein)',
    );
  }
  return header + meta + Number(message.bodyLength);
}

async function getRange(spool: BlobStore, key: string, offset: number, length: number): Promise<Uint8Array> {
  try {
    return await spool.get(key, { offset, length });
  } catch (err) {
    if (err instanceof SkeinError && err.code === 'NOT_FOUND') {
      throw new SkeinError(
        'EXTERNAL',
        `result object ${spool.describe(key)} is gone (the query was released)`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}

function notAPosition(): SkeinError {
  return new SkeinError('NOT_FOUND', 'the page token does not name a position in this result');
}
