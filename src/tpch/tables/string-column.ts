import type { TpchColumnData } from '../schema.ts';

/**
 * Builds one string column of a batch as offsets + bytes, with room for `rows` rows of at most
 * `maxRowBytes` each, so the hot loops never grow a buffer.
 */
export class StringColumnBuilder {
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
  pos = 0;
  private row = 0;

  constructor(rows: number, maxRowBytes: number) {
    this.offsets = new Int32Array(rows + 1);
    // 8 spare bytes: word-wide copies may write a little past the last value.
    this.bytes = new Uint8Array(rows * maxRowBytes + 8);
  }

  byte(b: number): void {
    this.bytes[this.pos++] = b;
  }

  /** Appends src[start, start + length). */
  copy(src: Uint8Array, start: number, length: number): void {
    const bytes = this.bytes;
    let pos = this.pos;
    for (let i = start, end = start + length; i < end; i++) bytes[pos++] = src[i]!;
    this.pos = pos;
  }

  append(src: Uint8Array): void {
    this.copy(src, 0, src.length);
  }

  /** Appends a non-negative integer, left-padded with zeros to `width` digits (printf's %0*d). */
  padded(value: number, width: number): void {
    const bytes = this.bytes;
    let digits = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
    for (let i = digits; i < width; i++) bytes[this.pos++] = 0x30;
    let end = this.pos + digits;
    this.pos = end;
    let v = value;
    do {
      const q = Math.floor(v / 10);
      bytes[--end] = 0x30 + v - q * 10;
      v = q;
    } while (v > 0);
  }

  /** Ends the current row. */
  endRow(): void {
    this.offsets[++this.row] = this.pos;
  }

  finish(): TpchColumnData {
    return {
      type: 'string',
      offsets: this.offsets.subarray(0, this.row + 1),
      bytes: this.bytes.subarray(0, this.pos),
    };
  }
}
