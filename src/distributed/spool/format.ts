import { SkeinError } from '../../errors.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { TaskAttemptId } from './keys.ts';

/**
 * The spool object format (DESIGN §3.3). One object per task attempt (more only when the writer's
 * memory bound makes it roll over), laid out as:
 *
 * ```
 * ┌──────────────┬──────────────┬─────┬────────────────┬───────┬────────────────┐
 * │ bucket 0     │ bucket 1     │ …   │ bucket B−1     │ index │ footer (32 B)  │
 * │ IPC messages │ IPC messages │     │ IPC messages   │       │                │
 * └──────────────┴──────────────┴─────┴────────────────┴───────┴────────────────┘
 * ```
 *
 * - A **bucket section** is Arrow IPC stream messages without the schema message and without the
 *   end-of-stream marker: the bucket's dictionary batches (if any) then its record batches. An
 *   empty bucket has an empty section. Sections are contiguous, in bucket order, so any bucket
 *   range [lo, hi) is one byte range, and the concatenation of sections is itself a valid message
 *   sequence (a dictionary batch for an id already seen is a replacement, which the stream
 *   format allows). A reader prepends the schema message and decodes the range as an IPC stream.
 * - The **index** (little-endian): u32 format version, u32 bucket count B, u32 schema length S,
 *   u32 flags (0: uncompressed bodies); f64[B+1] section offsets (section b is
 *   [offsets[b], offsets[b+1])); f64[B] rows; f64[B] bytes (Arrow buffers in memory, before any
 *   compression); then S bytes: the IPC schema message.
 * - The **footer**: f64 index offset, u32 index length, u32 CRC-32 of the index, u32 format
 *   version, u32 reserved (0), 8 bytes magic `SKNSPL01`.
 *
 * Consumers do not need the index: the manifest of the commit event carries the same numbers
 * (and the schema), so a consumer issues one ranged GET per producer object and nothing else. The
 * index makes an object self-describing — for verification, debugging, and recovery of a manifest
 * ({@link readSpoolIndex}).
 */

export const SPOOL_FORMAT_VERSION = 1;
export const SPOOL_MAGIC = 'SKNSPL01';
export const SPOOL_FOOTER_BYTES = 32;
const INDEX_HEADER_BYTES = 16;
/** How much of an object's tail a reader of the index fetches first, hoping to get it all at once. */
const TAIL_GUESS_BYTES = 64 * 1024;

/**
 * What the commit event of an attempt carries about its spool output, and all a consumer needs to
 * read it: plain JSON.
 */
export interface SpoolManifest {
  format: typeof SPOOL_FORMAT_VERSION;
  attempt: TaskAttemptId;
  bucketCount: number;
  /** The Arrow IPC schema message, base64. */
  schema: string;
  /** Rows over all buckets and objects. */
  rows: number;
  /** In-memory Arrow bytes over all buckets and objects. */
  bytes: number;
  /** The attempt's objects: none when it wrote no rows, several when it rolled over. */
  objects: SpoolObjectInfo[];
}

/** One spool object: its key and, per bucket, where its section is and what it holds. */
export interface SpoolObjectInfo {
  key: string;
  /** Object size in bytes. */
  size: number;
  /** B + 1 entries: bucket b's section is bytes [offsets[b], offsets[b+1]). */
  offsets: number[];
  /** Rows per bucket. */
  rows: number[];
  /** In-memory Arrow bytes per bucket. */
  bytes: number[];
}

/** Encodes the index and footer that end an object whose sections end at `offsets[B]`. */
export function encodeIndexAndFooter(
  info: Pick<SpoolObjectInfo, 'offsets' | 'rows' | 'bytes'>,
  schemaMessage: Uint8Array,
): Uint8Array {
  const B = info.rows.length;
  const indexLength = INDEX_HEADER_BYTES + 8 * (3 * B + 1) + schemaMessage.length;
  const out = new Uint8Array(indexLength + SPOOL_FOOTER_BYTES);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, SPOOL_FORMAT_VERSION, true);
  dv.setUint32(4, B, true);
  dv.setUint32(8, schemaMessage.length, true);
  dv.setUint32(12, 0, true);
  let at = INDEX_HEADER_BYTES;
  for (const v of info.offsets) {
    dv.setFloat64(at, v, true);
    at += 8;
  }
  for (const v of info.rows) {
    dv.setFloat64(at, v, true);
    at += 8;
  }
  for (const v of info.bytes) {
    dv.setFloat64(at, v, true);
    at += 8;
  }
  out.set(schemaMessage, at);
  const indexOffset = info.offsets[B]!;
  const f = indexLength;
  dv.setFloat64(f, indexOffset, true);
  dv.setUint32(f + 8, indexLength, true);
  dv.setUint32(f + 12, crc32(out.subarray(0, indexLength)), true);
  dv.setUint32(f + 16, SPOOL_FORMAT_VERSION, true);
  dv.setUint32(f + 20, 0, true);
  out.set(new TextEncoder().encode(SPOOL_MAGIC), f + 24);
  return out;
}

/** What an object's index says about it. */
export interface SpoolIndex extends SpoolObjectInfo {
  /** The IPC schema message. */
  schema: Uint8Array;
}

/**
 * Reads an object's footer and index, checking them; errors name the object. Usually one ranged
 * GET (the object's tail), two when the index is large.
 */
export async function readSpoolIndex(store: BlobStore, key: string, size?: number): Promise<SpoolIndex> {
  const where = store.describe(key);
  const corrupt = (why: string) =>
    new SkeinError('EXTERNAL', `spool object ${where} is corrupt or not a spool object: ${why}`);
  if (size === undefined) {
    const head = await store.head(key);
    if (!head) throw new SkeinError('EXTERNAL', `spool object ${where} does not exist (deleted too early?)`);
    size = head.size;
  }
  if (size < SPOOL_FOOTER_BYTES)
    throw corrupt(`it has ${size} bytes, fewer than a footer's ${SPOOL_FOOTER_BYTES}`);
  const tailLength = Math.min(size, TAIL_GUESS_BYTES);
  const tail = await store.get(key, { offset: size - tailLength, length: tailLength });
  if (tail.length !== tailLength) throw corrupt(`read ${tail.length} bytes of its last ${tailLength}`);
  const footer = tail.subarray(tail.length - SPOOL_FOOTER_BYTES);
  const fdv = new DataView(footer.buffer, footer.byteOffset, footer.byteLength);
  const magic = new TextDecoder().decode(footer.subarray(24));
  if (magic !== SPOOL_MAGIC)
    throw corrupt(`footer magic is missing (expected '${SPOOL_MAGIC}' in the last 8 bytes)`);
  const version = fdv.getUint32(16, true);
  if (version !== SPOOL_FORMAT_VERSION) {
    throw corrupt(`format version ${version} is not supported (this reader knows ${SPOOL_FORMAT_VERSION})`);
  }
  const indexOffset = fdv.getFloat64(0, true);
  const indexLength = fdv.getUint32(8, true);
  const crc = fdv.getUint32(12, true);
  if (
    !Number.isSafeInteger(indexOffset) ||
    indexOffset < 0 ||
    indexLength < INDEX_HEADER_BYTES ||
    indexOffset + indexLength !== size - SPOOL_FOOTER_BYTES
  ) {
    throw corrupt(
      `footer points at an index of ${indexLength} bytes at offset ${indexOffset}, outside the object`,
    );
  }
  let index: Uint8Array;
  const tailStart = size - tailLength;
  if (indexOffset >= tailStart) {
    index = tail.subarray(indexOffset - tailStart, indexOffset - tailStart + indexLength);
  } else {
    index = await store.get(key, { offset: indexOffset, length: indexLength });
    if (index.length !== indexLength)
      throw corrupt(`read ${index.length} bytes of its ${indexLength}-byte index`);
  }
  if (crc32(index) !== crc) throw corrupt('index checksum does not match');
  const dv = new DataView(index.buffer, index.byteOffset, index.byteLength);
  const B = dv.getUint32(4, true);
  const S = dv.getUint32(8, true);
  if (dv.getUint32(12, true) !== 0) throw corrupt('index flags name a feature this reader does not know');
  if (INDEX_HEADER_BYTES + 8 * (3 * B + 1) + S !== indexLength)
    throw corrupt('index length does not match its contents');
  let at = INDEX_HEADER_BYTES;
  const read = (n: number) => {
    const a: number[] = new Array(n);
    for (let i = 0; i < n; i++, at += 8) a[i] = dv.getFloat64(at, true);
    return a;
  };
  const offsets = read(B + 1);
  const rows = read(B);
  const bytes = read(B);
  for (let b = 0; b < B; b++) {
    if (!(offsets[b]! <= offsets[b + 1]!)) throw corrupt(`section offsets of bucket ${b} are out of order`);
  }
  if (offsets[B] !== indexOffset) throw corrupt('sections do not end where the index begins');
  return { key, size, offsets, rows, bytes, schema: index.slice(at, at + S) };
}

// -----------------------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE), as zlib computes it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
