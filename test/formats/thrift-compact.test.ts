import { describe, expect, it } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import {
  copyField,
  copyFields,
  decodeThriftStruct,
  encodeThriftStruct,
  T_BINARY,
  T_I32,
  T_I64,
  T_LIST,
  T_STRUCT,
  type ThriftStruct,
} from '../../src/formats/thrift-compact.ts';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('Thrift compact protocol', () => {
  it('decodes hand-encoded fields: deltas, long ids, zigzag, binary, bools, lists, nested structs', () => {
    const buf = bytes(
      0x15,
      0x03, // field 1 i32 = -2
      0x16,
      0x80,
      0x01, // field 2 i64 = 64
      0x18,
      0x02,
      0x68,
      0x69, // field 3 binary "hi"
      0x11, // field 4 bool true
      0x19,
      0x25,
      0x02,
      0x04, // field 5 list<i32> [1, 2]
      0x05,
      0x3c,
      0x00, // field 30 (delta 25: long form) i32 = 0
      0x1c,
      0x12,
      0x00, // field 31 struct { field 1 bool false }
      0x00,
    );
    const { value: s, end } = decodeThriftStruct(buf);
    expect(end).toBe(buf.length);
    expect(s.get(1)).toBe(-2);
    expect(s.get(2)).toBe(64);
    expect(new TextDecoder().decode(s.get(3) as Uint8Array)).toBe('hi');
    expect(s.get(4)).toBe(true);
    expect(s.get(5)).toEqual([1, 2]);
    expect(s.get(30)).toBe(0);
    expect((s.get(31) as ThriftStruct).get(1)).toBe(false);
    // Copied whole, it encodes to the same bytes.
    expect(encodeThriftStruct(s)).toEqual(buf);
  });

  it('encodes new and copied fields in id order, and decodes what it encoded', () => {
    const inner = decodeThriftStruct(bytes(0x15, 0x0e, 0x00)).value; // { 1: 7 }
    const out = encodeThriftStruct([
      { id: 40, type: T_I64, value: 2 ** 40 },
      { id: 2, type: T_BINARY, value: bytes(1, 2, 3) },
      copyField(inner, 1)!,
      { id: 3, type: T_STRUCT, fields: copyFields(inner) },
      { id: 4, type: T_LIST, structs: Array.from({ length: 20 }, () => inner) },
      { id: 5, type: T_I32, value: -123456 },
    ]);
    const { value } = decodeThriftStruct(out);
    expect([...value.keys()]).toEqual([1, 2, 3, 4, 5, 40]);
    expect(value.get(1)).toBe(7);
    expect(value.get(2)).toEqual(bytes(1, 2, 3));
    expect((value.get(3) as ThriftStruct).get(1)).toBe(7);
    expect((value.get(4) as ThriftStruct[]).map((e) => e.get(1))).toEqual(Array(20).fill(7));
    expect(value.get(5)).toBe(-123456);
    expect(value.get(40)).toBe(2 ** 40);
  });

  it('rejects truncated and garbage input with a SkeinError', () => {
    expect(() => decodeThriftStruct(bytes(0x15))).toThrow(SkeinError);
    expect(() => decodeThriftStruct(bytes(0x18, 0x7f, 0x00))).toThrow(/binary of 127 bytes past the end/);
    expect(() => decodeThriftStruct(bytes(0x1d, 0x00))).toThrow(/unknown type 13/);
    expect(() => decodeThriftStruct(new Uint8Array(200).fill(0x1c))).toThrow(
      /nesting too deep|unexpected end/,
    );
  });
});
