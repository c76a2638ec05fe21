import type { RowStream } from '../random.ts';
import type { TpchColumnData } from '../schema.ts';
import { TEXT_POOL_SIZE } from '../text-pool.ts';
import type { StringColumnBuilder } from './string-column.ts';

/** dbgen's comment lengths: uniform in [⌊0.4 · avg⌋, ⌊1.6 · avg⌋] (its V_STR_LOW / V_STR_HGH). */
export function textMin(avg: number): number {
  return Math.trunc(avg * 0.4);
}
export function textMax(avg: number): number {
  return Math.trunc(avg * 1.6);
}

/**
 * A comment column: dbgen's TEXT, a slice of the text pool at a random offset (first draw) with a
 * random length (second draw).
 *
 * The pool is 300 MiB, so nearly every slice is a cache and TLB miss. `append` therefore only
 * reserves the bytes, and `finish` copies all of a batch's slices at once (see copySlices).
 */
export class TextColumn {
  readonly min: number;
  readonly max: number;
  private readonly offsetRange: number;
  private source = new Int32Array(1024);
  private target = new Int32Array(1024);
  private length = new Int32Array(1024);
  private pending = 0;
  /** A sum of the bytes read ahead, kept so the reads are not optimized away. */
  private checksum = 0;

  constructor(
    readonly pool: Uint8Array,
    averageLength: number,
  ) {
    this.min = textMin(averageLength);
    this.max = textMax(averageLength);
    this.offsetRange = TEXT_POOL_SIZE - this.max + 1;
  }

  /** Draws a comment for the current row of `out` and reserves its bytes; `finish` fills them. */
  append(stream: RowStream, out: StringColumnBuilder): void {
    const offset = Math.floor((stream.next() / 2147483647) * this.offsetRange);
    const length = stream.int(this.min, this.max);
    const n = this.pending;
    if (n === this.source.length) this.grow();
    this.source[n] = offset;
    this.target[n] = out.pos;
    this.length[n] = length;
    this.pending = n + 1;
    out.pos += length;
  }

  /** Draws a comment and copies it at once (for callers that edit it right away). */
  appendNow(stream: RowStream, out: StringColumnBuilder): void {
    const offset = Math.floor((stream.next() / 2147483647) * this.offsetRange);
    const length = stream.int(this.min, this.max);
    out.copy(this.pool, offset, length);
  }

  /** Copies the reserved comments into `out` (the builder given to `append`) and finishes it. */
  finish(out: StringColumnBuilder): TpchColumnData {
    const n = this.pending;
    this.pending = 0;
    const sum = copySlices(this.pool, this.source, this.length, n, out.bytes, this.target);
    this.checksum = (this.checksum + sum) & 0xffff;
    return out.finish();
  }

  private grow(): void {
    const size = this.source.length * 2;
    const resize = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.source = resize(this.source);
    this.target = resize(this.target);
    this.length = resize(this.length);
  }
}

/** Slices read ahead at a time: enough misses to overlap, few enough pages for the TLB. */
const READ_AHEAD = 256;

/**
 * bytes[target[i] …] = pool[source[i] …] for length[i] bytes, for i < n, a window at a time: one
 * pass reads the first and last byte of each slice of the window (independent loads, whose cache
 * and TLB misses overlap), the next copies the window 4 bytes at a time. Copies may write up to 3
 * bytes past a slice; the next slice overwrites them, and `bytes` has room for the last one.
 * Returns a sum of the bytes read ahead, so the reads are not optimized away.
 */
function copySlices(
  pool: Uint8Array,
  source: Int32Array,
  length: Int32Array,
  n: number,
  bytes: Uint8Array,
  target: Int32Array,
): number {
  const from = new DataView(pool.buffer, pool.byteOffset, pool.byteLength);
  const to = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wordEnd = pool.length - 3;
  const window = READ_AHEAD;
  let sum = 0;
  for (let w = 0; w < n; w += window) {
    const end = Math.min(n, w + window);
    for (let i = w; i < end; i++) {
      const s = source[i]!;
      sum += pool[s]! + pool[s + length[i]! - 1]!;
    }
    for (let i = w; i < end; i++) {
      const s = source[i]!;
      const len = length[i]!;
      const t = target[i]!;
      if (s + len < wordEnd) {
        for (let k = 0; k < len; k += 4) to.setInt32(t + k, from.getInt32(s + k, true), true);
      } else {
        for (let k = 0; k < len; k++) bytes[t + k] = pool[s + k]!;
      }
    }
  }
  return sum;
}
