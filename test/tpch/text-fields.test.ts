import { describe, expect, it } from 'vitest';
import { TEXT_FIELDS } from '../../src/tpch/text-fields.ts';

function text(write: (view: DataView, pos: number) => number): string {
  const buf = new Uint8Array(64).fill(0x7e);
  const end = write(new DataView(buf.buffer), 3);
  return Buffer.from(buf.subarray(3, end)).toString('latin1');
}

describe('TextFields', () => {
  it('writes integers like printf %ld', () => {
    const values = [0, 7, 9, 10, 99, 100, 999, 1000, 9999, 10000, 10001, 123456, 99999999, 100000000];
    values.push(2147483647, 2147483648, 6000000000, 9007199254740991, 1000000000000000);
    for (const v of values) {
      expect(text((d, p) => TEXT_FIELDS.int(d, p, v))).toBe(String(v));
      expect(text((d, p) => TEXT_FIELDS.int(d, p, -v))).toBe(v === 0 ? '0' : `-${v}`);
    }
  });

  it('writes hundredths as money with two decimals', () => {
    const cases: [number, string][] = [
      [0, '0.00'],
      [5, '0.05'],
      [-5, '-0.05'],
      [100, '1.00'],
      [-99999, '-999.99'],
      [123456, '1234.56'],
      [999999, '9999.99'],
      [21168023, '211680.23'],
      [12345678901, '123456789.01'],
    ];
    for (const [v, s] of cases) expect(text((d, p) => TEXT_FIELDS.decimal(d, p, v))).toBe(s);
  });

  it('writes dates as YYYY-MM-DD, in and outside the TPC-H years', () => {
    for (const iso of [
      '1992-01-01',
      '1996-02-29',
      '1998-12-31',
      '1970-01-01',
      '1991-12-31',
      '1999-01-01',
      '2024-07-04',
    ]) {
      const day = Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
      expect(text((d, p) => TEXT_FIELDS.date(d, p, day))).toBe(iso);
    }
  });
});
