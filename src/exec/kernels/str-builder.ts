/**
 * Builds a VARCHAR vector row by row: UTF-8 bytes into one growing buffer plus Int32 offsets,
 * with NULLs marked in a validity bitmap only when one occurs.
 */
import { VARCHAR } from '../../types/data-type.ts';
import { type StrVector, strVector } from '../vector.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class StrBuilder {
  private bytes: Uint8Array;
  private pos = 0;
  private readonly offsets: Int32Array;
  private row = 0;
  private validity: Uint8Array | null = null;
  readonly length: number;

  /** `length` rows; `byteHint` the expected total of bytes. */
  constructor(length: number, byteHint = length * 8) {
    this.length = length;
    this.offsets = new Int32Array(length + 1);
    this.bytes = new Uint8Array(Math.max(16, byteHint));
  }

  private ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.bytes.length) return;
    let cap = this.bytes.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
  }

  /** Appends bytes to the current row. */
  append(src: Uint8Array, start = 0, end = src.length): void {
    const len = end - start;
    this.ensure(len);
    if (len < 16) {
      const b = this.bytes;
      let p = this.pos;
      for (let k = start; k < end; k++) b[p++] = src[k]!;
    } else this.bytes.set(src.subarray(start, end), this.pos);
    this.pos += len;
  }

  /** Appends one byte to the current row. */
  appendByte(x: number): void {
    this.ensure(1);
    this.bytes[this.pos++] = x;
  }

  /** Appends a JS string (UTF-8 encoded) to the current row. */
  appendString(s: string): void {
    // Worst case 3 bytes per UTF-16 unit.
    this.ensure(s.length * 3);
    let ascii = true;
    for (let k = 0; k < s.length; k++) {
      if (s.charCodeAt(k) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      const b = this.bytes;
      let p = this.pos;
      for (let k = 0; k < s.length; k++) b[p++] = s.charCodeAt(k);
      this.pos = p;
    } else {
      this.pos += encoder.encodeInto(s, this.bytes.subarray(this.pos)).written;
    }
  }

  /** Ends the current row. */
  endRow(): void {
    this.offsets[++this.row] = this.pos;
  }

  /** Ends the current row as NULL (whatever was appended to it is dropped). */
  endNull(): void {
    if (this.validity === null) this.validity = new Uint8Array((this.length + 7) >> 3).fill(0xff);
    const i = this.row;
    this.validity[i >> 3]! &= ~(1 << (i & 7));
    this.pos = this.offsets[i]!;
    this.offsets[++this.row] = this.pos;
  }

  /** A whole row from a JS string, or NULL. */
  push(s: string | null): void {
    if (s === null) this.endNull();
    else {
      this.appendString(s);
      this.endRow();
    }
  }

  finish(): StrVector {
    return strVector(VARCHAR, this.offsets, this.bytes.subarray(0, this.pos), this.validity);
  }
}

/** The JS string of row i of a VARCHAR vector. */
export function strAt(v: StrVector, i: number): string {
  const s = v.offsets[i]!;
  const e = v.offsets[i + 1]!;
  // Short ASCII strings decode faster by hand than through TextDecoder.
  if (e - s <= 24) {
    const b = v.bytes;
    let out = '';
    for (let k = s; k < e; k++) {
      const c = b[k]!;
      if (c >= 0x80) return decoder.decode(b.subarray(s, e));
      out += String.fromCharCode(c);
    }
    return out;
  }
  return decoder.decode(v.bytes.subarray(s, e));
}

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}

/** A VARCHAR vector from JS strings (tests, VALUES, small results). */
export function strVectorFrom(values: readonly (string | null)[]): StrVector {
  const b = new StrBuilder(values.length);
  for (const v of values) b.push(v);
  return b.finish();
}
