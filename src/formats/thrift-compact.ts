/**
 * The Thrift compact protocol, enough for Parquet footers (`FileMetaData`): a generic decoder and
 * an encoder that can copy decoded fields verbatim.
 *
 * The decoder is generic: a struct becomes a map from field id to value, so fields this code does
 * not know are kept and skipped for free, and the Parquet layer (`parquet-footer.ts`) picks what it
 * needs. Each decoded struct also remembers, per field, its wire type and raw value bytes, so a
 * footer can be rewritten (fewer columns, other offsets) by copying every field it does not
 * change. Binary values are views into the input, not copies.
 *
 * Compact protocol facts used here: a field header byte holds a field-id delta (high nibble; 0
 * means a zigzag i16 id follows) and a type (low nibble); integers are zigzag varints; a double is
 * 8 bytes little-endian; binary is a varint length and the bytes; a list header holds a size (high
 * nibble, 15 means a varint size follows) and the element type; booleans as struct fields live in
 * the type nibble (1 true, 2 false) and as list elements take one byte each. A nested struct's
 * bytes do not depend on where it sits, which is what makes verbatim copies valid.
 */
import { SkeinError } from '../errors.ts';

export type ThriftValue = boolean | number | Uint8Array | ThriftValue[] | ThriftStruct | ThriftMap;

export interface ThriftMap {
  readonly kind: 'map';
  readonly entries: [ThriftValue, ThriftValue][];
}

/** Field id → value, plus what it takes to write each field back unchanged. */
export class ThriftStruct extends Map<number, ThriftValue> {
  /** Wire type of each field. */
  readonly types = new Map<number, number>();
  /** Raw bytes of each field's value (empty for booleans, whose value is in the type). */
  readonly raw = new Map<number, Uint8Array>();
}

export const T_STOP = 0;
export const T_TRUE = 1;
export const T_FALSE = 2;
export const T_BYTE = 3;
export const T_I16 = 4;
export const T_I32 = 5;
export const T_I64 = 6;
export const T_DOUBLE = 7;
export const T_BINARY = 8;
export const T_LIST = 9;
export const T_SET = 10;
export const T_MAP = 11;
export const T_STRUCT = 12;

/** Nesting deeper than this is not a Parquet footer; it guards against stack exhaustion on garbage. */
const MAX_DEPTH = 64;

class CompactReader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  fail(what: string): never {
    throw new SkeinError('INVALID_ARGUMENT', `malformed Thrift data: ${what} at byte ${this.pos}`);
  }

  byte(): number {
    if (this.pos >= this.buf.length) this.fail('unexpected end');
    return this.buf[this.pos++]!;
  }

  /** An unsigned varint as a number; exact up to 2^53, which covers every size and offset. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    return this.fail('varint longer than 10 bytes');
  }

  zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  binary(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.buf.length) this.fail(`binary of ${len} bytes past the end`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  double(): number {
    if (this.pos + 8 > this.buf.length) this.fail('unexpected end');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  value(type: number, depth: number): ThriftValue {
    switch (type) {
      case T_TRUE:
        return true;
      case T_FALSE:
        return false;
      case T_BYTE: {
        const b = this.byte();
        return b > 127 ? b - 256 : b;
      }
      case T_I16:
      case T_I32:
      case T_I64:
        return this.zigzag();
      case T_DOUBLE:
        return this.double();
      case T_BINARY:
        return this.binary();
      case T_LIST:
      case T_SET:
        return this.list(depth + 1);
      case T_MAP:
        return this.map(depth + 1);
      case T_STRUCT:
        return this.struct(depth + 1);
      default:
        return this.fail(`unknown type ${type}`);
    }
  }

  element(type: number, depth: number): ThriftValue {
    // Inside collections a boolean is a whole byte, not a type nibble.
    if (type === T_TRUE || type === T_FALSE) return this.byte() === 1;
    return this.value(type, depth);
  }

  list(depth: number): ThriftValue[] {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const header = this.byte();
    let size = header >> 4;
    if (size === 15) size = this.varint();
    const type = header & 0x0f;
    if (size > this.buf.length - this.pos) this.fail(`list of ${size} elements past the end`);
    const out: ThriftValue[] = new Array(size);
    for (let i = 0; i < size; i++) out[i] = this.element(type, depth);
    return out;
  }

  map(depth: number): ThriftMap {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const size = this.varint();
    const entries: [ThriftValue, ThriftValue][] = [];
    if (size === 0) return { kind: 'map', entries };
    if (size > this.buf.length - this.pos) this.fail(`map of ${size} entries past the end`);
    const types = this.byte();
    for (let i = 0; i < size; i++) {
      const k = this.element(types >> 4, depth);
      const v = this.element(types & 0x0f, depth);
      entries.push([k, v]);
    }
    return { kind: 'map', entries };
  }

  struct(depth: number): ThriftStruct {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const out = new ThriftStruct();
    let lastId = 0;
    for (;;) {
      const header = this.byte();
      const type = header & 0x0f;
      if (type === T_STOP) return out;
      const delta = header >> 4;
      const id = delta === 0 ? this.zigzag() : lastId + delta;
      const start = this.pos;
      out.set(id, this.value(type, depth));
      out.types.set(id, type);
      out.raw.set(id, this.buf.subarray(start, this.pos));
      lastId = id;
    }
  }
}

/**
 * Decodes one compact-protocol struct starting at `offset`.
 *
 * @example
 * const { value: fileMetaData, end } = decodeThriftStruct(footerBytes);
 * const numRows = fileMetaData.get(3); // FileMetaData.num_rows
 */
export function decodeThriftStruct(buf: Uint8Array, offset = 0): { value: ThriftStruct; end: number } {
  const r = new CompactReader(buf);
  r.pos = offset;
  const value = r.struct(0);
  return { value, end: r.pos };
}

/**
 * A field to encode: an integer, binary, a struct given as its fields, a list of structs, or a
 * field copied verbatim from a decoded struct (see `copyField`).
 */
export type ThriftField =
  | { readonly id: number; readonly type: typeof T_I16 | typeof T_I32 | typeof T_I64; readonly value: number }
  | { readonly id: number; readonly type: typeof T_BINARY; readonly value: Uint8Array }
  | { readonly id: number; readonly type: typeof T_STRUCT; readonly fields: readonly ThriftField[] }
  | { readonly id: number; readonly type: typeof T_LIST; readonly structs: readonly ThriftStructOut[] }
  | { readonly id: number; readonly type: 'copy'; readonly wireType: number; readonly raw: Uint8Array };

/** A struct to encode: new fields, or a decoded struct copied whole. */
export type ThriftStructOut = readonly ThriftField[] | ThriftStruct;

/** The field `id` of a decoded struct, to be written back unchanged; undefined when absent. */
export function copyField(s: ThriftStruct, id: number): ThriftField | undefined {
  const wireType = s.types.get(id);
  const raw = s.raw.get(id);
  if (wireType === undefined || raw === undefined) return undefined;
  return { id, type: 'copy', wireType, raw };
}

/** Every field of a decoded struct except those in `except`, to be written back unchanged. */
export function copyFields(s: ThriftStruct, except: readonly number[] = []): ThriftField[] {
  const out: ThriftField[] = [];
  for (const id of s.types.keys()) {
    if (except.includes(id)) continue;
    out.push(copyField(s, id)!);
  }
  return out;
}

class CompactWriter {
  buf = new Uint8Array(4096);
  pos = 0;

  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  varint(n: number): void {
    let v = n;
    while (v >= 128) {
      this.byte((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.byte(v);
  }

  zigzag(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  header(lastId: number, id: number, type: number): void {
    const delta = id - lastId;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.zigzag(id);
    }
  }

  struct(s: ThriftStructOut): void {
    if (s instanceof ThriftStruct) {
      this.struct(copyFields(s));
      return;
    }
    const fields = [...s].sort((a, b) => a.id - b.id);
    let lastId = 0;
    for (const f of fields) {
      switch (f.type) {
        case 'copy':
          this.header(lastId, f.id, f.wireType);
          this.bytes(f.raw);
          break;
        case T_I16:
        case T_I32:
        case T_I64:
          this.header(lastId, f.id, f.type);
          this.zigzag(f.value);
          break;
        case T_BINARY:
          this.header(lastId, f.id, T_BINARY);
          this.varint(f.value.length);
          this.bytes(f.value);
          break;
        case T_STRUCT:
          this.header(lastId, f.id, T_STRUCT);
          this.struct(f.fields);
          break;
        case T_LIST:
          this.header(lastId, f.id, T_LIST);
          if (f.structs.length < 15) this.byte((f.structs.length << 4) | T_STRUCT);
          else {
            this.byte(0xf0 | T_STRUCT);
            this.varint(f.structs.length);
          }
          for (const s of f.structs) this.struct(s);
          break;
      }
      lastId = f.id;
    }
    this.byte(T_STOP);
  }
}

/**
 * Encodes a struct in the compact protocol.
 *
 * @example
 * const bytes = encodeThriftStruct([
 *   { id: 3, type: T_I64, value: 1000 },          // FileMetaData.num_rows
 *   copyField(original, 2)!,                      // FileMetaData.schema, unchanged
 * ]);
 */
export function encodeThriftStruct(s: ThriftStructOut): Uint8Array {
  const w = new CompactWriter();
  w.struct(s);
  return w.buf.slice(0, w.pos);
}
