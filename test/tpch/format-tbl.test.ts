import { describe, expect, it } from 'vitest';
import { encodeTblBatch, TblEncoder, tblWriter } from '../../src/tpch/format-tbl.ts';
import type { TpchBatch, TpchColumnData } from '../../src/tpch/schema.ts';

const str = (values: string[]): TpchColumnData => {
  const bytes = new TextEncoder().encode(values.join(''));
  const offsets = new Int32Array(values.length + 1);
  values.forEach((v, i) => {
    offsets[i + 1] = offsets[i]! + v.length;
  });
  return { type: 'string', offsets, bytes };
};

function regions(n: number, comment: (i: number) => string): TpchBatch {
  return {
    table: 'region',
    rows: n,
    columns: [
      { type: 'int64', values: Float64Array.from({ length: n }, (_, i) => i) },
      str(Array.from({ length: n }, (_, i) => `R${i}`)),
      str(Array.from({ length: n }, (_, i) => comment(i))),
    ],
  };
}

describe('.tbl encoding', () => {
  it("ends every field with '|' and every row with a newline", () => {
    const out = new TextDecoder().decode(encodeTblBatch(regions(2, (i) => (i === 0 ? '' : 'a, b. c'))));
    expect(out).toBe('0|R0||\n1|R1|a, b. c|\n');
  });

  it('prints l_quantity as a whole number and the other decimals with two places', () => {
    const f = (v: number) => Float64Array.of(v);
    const d = (iso: string) => Int32Array.of(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
    const batch: TpchBatch = {
      table: 'lineitem',
      rows: 1,
      columns: [
        { type: 'int64', values: f(1) },
        { type: 'int64', values: f(1552) },
        { type: 'int64', values: f(93) },
        { type: 'int32', values: Int32Array.of(1) },
        { type: 'decimal', values: f(1700) },
        { type: 'decimal', values: f(2471035) },
        { type: 'decimal', values: f(4) },
        { type: 'decimal', values: f(2) },
        str(['N']),
        str(['O']),
        { type: 'date', values: d('1996-03-13') },
        { type: 'date', values: d('1996-02-12') },
        { type: 'date', values: d('1996-03-22') },
        str(['DELIVER IN PERSON']),
        str(['TRUCK']),
        str(['egular courts above the']),
      ],
    };
    expect(new TextDecoder().decode(encodeTblBatch(batch))).toBe(
      '1|1552|93|1|17|24710.35|0.04|0.02|N|O|1996-03-13|1996-02-12|1996-03-22|DELIVER IN PERSON|TRUCK|egular courts above the|\n',
    );
  });

  it('hands the sink large chunks, each a buffer of its own, that join to the whole text', async () => {
    const batch = regions(40000, (i) => 'x'.repeat(i % 97));
    const chunks: Uint8Array[] = [];
    const w = tblWriter('region', async (c) => {
      chunks.push(c);
    });
    await w.write(batch);
    await w.write(batch);
    await w.finish();
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks.slice(0, -1)) expect(c.length).toBeGreaterThanOrEqual(1024 * 1024);
    expect(new Set(chunks.map((c) => c.buffer)).size).toBe(chunks.length);
    const whole = Buffer.from(encodeTblBatch(batch));
    expect(Buffer.concat(chunks).equals(Buffer.concat([whole, whole]))).toBe(true);
  });

  it('makes room for a row longer than a chunk', () => {
    const e = new TblEncoder('region', 64);
    const chunks: Uint8Array[] = [];
    e.encode(
      regions(3, (i) => 'y'.repeat(100 * (i + 1))),
      (c) => chunks.push(c),
    );
    chunks.push(e.flush());
    const got = Buffer.concat(chunks).toString('latin1').split('\n');
    expect(got.map((l) => l.length)).toEqual([106, 206, 306, 0]);
  });

  it('refuses a batch of another table', () => {
    expect(() =>
      new TblEncoder('nation').encode(
        regions(1, () => ''),
        () => {},
      ),
    ).toThrow(/bug in Skein/);
  });
});
