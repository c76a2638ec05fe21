import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvWriter, csvWriterWith } from '../../src/tpch/format-csv.ts';
import type { TpchBatch } from '../../src/tpch/schema.ts';
import { type DuckDb, openDuckDb, sqlString } from '../helpers/duckdb.ts';
import { memorySink, sliceTpchBatch, tpchBatch } from '../helpers/tpch-batch.ts';

const text = new TextDecoder();

async function encode(batches: TpchBatch[], factory = csvWriter, table = batches[0]!.table): Promise<string> {
  const out = memorySink();
  const w = factory(table, out.sink);
  for (const b of batches) await w.write(b);
  await w.finish();
  return text.decode(out.bytes());
}

/** A lineitem batch that exercises every column type and every quoting case. */
const tricky = tpchBatch('lineitem', {
  l_orderkey: [1, 600_000_000_000, 4_294_967_296, 9_007_199_254_740_991],
  l_partkey: [0, 7, 10, 999_999_999],
  l_suppkey: [1_000_000_000, 1, 2, 3],
  l_linenumber: [1, 2, -3, 2_147_483_647],
  l_quantity: [0, 5, -5, 100],
  l_extendedprice: [123_456, -99_999, 1, 999_999_999_999_999],
  l_discount: [10, 0, 9, -100],
  l_tax: [8, 1_000, 99, 50],
  l_returnflag: ['N', 'R', 'A', ''],
  l_linestatus: ['O', 'F', 'O', 'F'],
  l_shipdate: [0, -1, 8035, 11_016],
  l_commitdate: [10_591, 8036, 9000, 2_932_896],
  l_receiptdate: [-719_162, 59, 60, 365],
  l_shipinstruct: ['a,b', 'say "hi"', 'line\nbreak', 'cr\rhere'],
  l_shipmode: ['AIR', 'ünïcödé', '"', ','],
  l_comment: ['plain', '', 'crlf\r\nend', '""'],
});

const HEADER =
  'l_orderkey,l_partkey,l_suppkey,l_linenumber,l_quantity,l_extendedprice,l_discount,l_tax,' +
  'l_returnflag,l_linestatus,l_shipdate,l_commitdate,l_receiptdate,l_shipinstruct,l_shipmode,l_comment';

const TRICKY_ROWS = [
  '1,0,1000000000,1,0.00,1234.56,0.10,0.08,N,O,1970-01-01,1998-12-31,0001-01-01,"a,b",AIR,plain',
  '600000000000,7,1,2,0.05,-999.99,0.00,10.00,R,F,1969-12-31,1992-01-02,1970-03-01,"say ""hi""",ünïcödé,',
  '4294967296,10,2,-3,-0.05,0.01,0.09,0.99,A,O,1992-01-01,1994-08-23,1970-03-02,"line\nbreak","""",' +
    '"crlf\r\nend"',
  '9007199254740991,999999999,3,2147483647,1.00,9999999999999.99,-1.00,0.50,,F,2000-02-29,9999-12-31,' +
    '1971-01-01,"cr\rhere",",",""""""',
];

describe('csvWriter', () => {
  it('writes a header, every type, and quotes only fields that need it', async () => {
    expect(await encode([tricky])).toBe([HEADER, ...TRICKY_ROWS, ''].join('\n'));
  });

  it('writes CRLF record ends when asked', async () => {
    const csv = await encode([sliceTpchBatch(tricky, 0, 1)], csvWriterWith({ newline: '\r\n' }));
    expect(csv).toBe(`${HEADER}\r\n${TRICKY_ROWS[0]}\r\n`);
  });

  it('writes only the header when there are no rows, and no header when told so', async () => {
    expect(await encode([], csvWriter, 'lineitem')).toBe(`${HEADER}\n`);
    const noHeader = await encode([sliceTpchBatch(tricky, 0, 1)], csvWriterWith({ header: false }));
    expect(noHeader).toBe(`${TRICKY_ROWS[0]}\n`);
  });

  it('formats every date like the proleptic Gregorian calendar of JS Date', async () => {
    const days: number[] = [];
    // 0001-01-01 .. 9999-12-31, plus every day of 1992..1998 (TPC-H's range)
    for (let d = -719_162; d <= 2_932_896; d += 97) days.push(d);
    for (let d = 8035; d <= 10_591; d++) days.push(d);
    const batch = tpchBatch('orders', {
      o_orderkey: days.map((_, i) => i),
      o_custkey: days.map(() => 1),
      o_orderstatus: days.map(() => 'O'),
      o_totalprice: days.map(() => 1),
      o_orderdate: days,
      o_orderpriority: days.map(() => '1-URGENT'),
      o_clerk: days.map(() => 'Clerk#1'),
      o_shippriority: days.map(() => 0),
      o_comment: days.map(() => 'c'),
    });
    const lines = (await encode([batch], csvWriterWith({ header: false }))).trimEnd().split('\n');
    const got = lines.map((l) => l.split(',')[4]);
    expect(got).toEqual(days.map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10)));
  });

  it('hands the sink large chunks and writes the same bytes whatever the chunking', async () => {
    const n = 20_000;
    const big = tpchBatch('region', {
      r_regionkey: Array.from({ length: n }, (_, i) => i * 7919),
      r_name: Array.from({ length: n }, (_, i) => `name ${i}`),
      r_comment: Array.from({ length: n }, (_, i) =>
        i % 3 === 0 ? `a "quoted", comment ${i}` : `comment ${i}`,
      ),
    });
    const parts = [
      sliceTpchBatch(big, 0, 5000),
      sliceTpchBatch(big, 5000, 5001),
      sliceTpchBatch(big, 5001, n),
    ];
    const small = memorySink();
    const w = csvWriterWith({ chunkBytes: 64 << 10 })('region', small.sink);
    for (const p of parts) await w.write(p);
    await w.finish();
    expect(small.chunks.length).toBeGreaterThan(3);
    // A chunk ends when the next row might not fit: at most one worst-case row short.
    for (const c of small.chunks.slice(0, -1)) expect(c.length).toBeGreaterThan((64 << 10) - 512);
    expect(text.decode(small.bytes())).toBe(await encode([big]));
    const oneChunk = memorySink();
    const w2 = csvWriter('region', oneChunk.sink);
    await w2.write(big);
    await w2.finish();
    expect(oneChunk.chunks.length).toBe(1); // 4 MiB default holds it all
  });

  it('rejects a batch of another table', async () => {
    const w = csvWriter('region', memorySink().sink);
    await expect(w.write(tricky)).rejects.toThrow(/lineitem batch was given to the region CSV writer/);
  });
});

describe('csvWriter output read by DuckDB', () => {
  let db: DuckDb;
  let dir: string;
  beforeAll(async () => {
    db = await openDuckDb();
    dir = await mkdtemp(join(tmpdir(), 'skein-csv-'));
  });
  afterAll(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads back the exact values, embedded quotes and line breaks included', async () => {
    const file = join(dir, 'lineitem.csv');
    await writeFile(file, await encode([tricky]));
    const rows = await db.query(`
      select * from read_csv(${sqlString(file)}, header = true, delim = ',', quote = '"', escape = '"',
        columns = {
          'l_orderkey': 'BIGINT', 'l_partkey': 'BIGINT', 'l_suppkey': 'BIGINT', 'l_linenumber': 'INTEGER',
          'l_quantity': 'DECIMAL(15,2)', 'l_extendedprice': 'DECIMAL(15,2)', 'l_discount': 'DECIMAL(15,2)',
          'l_tax': 'DECIMAL(15,2)', 'l_returnflag': 'VARCHAR', 'l_linestatus': 'VARCHAR',
          'l_shipdate': 'DATE', 'l_commitdate': 'DATE', 'l_receiptdate': 'DATE',
          'l_shipinstruct': 'VARCHAR', 'l_shipmode': 'VARCHAR', 'l_comment': 'VARCHAR'})`);
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => r.l_orderkey)).toEqual([
      1n,
      600_000_000_000n,
      4_294_967_296n,
      9_007_199_254_740_991n,
    ]);
    expect(rows.map((r) => r.l_linenumber)).toEqual([1, 2, -3, 2_147_483_647]);
    expect(rows.map((r) => r.l_extendedprice)).toEqual(['1234.56', '-999.99', '0.01', '9999999999999.99']);
    expect(rows.map((r) => r.l_quantity)).toEqual(['0.00', '0.05', '-0.05', '1.00']);
    expect(rows.map((r) => r.l_shipdate)).toEqual(['1970-01-01', '1969-12-31', '1992-01-01', '2000-02-29']);
    expect(rows.map((r) => r.l_shipinstruct)).toEqual(['a,b', 'say "hi"', 'line\nbreak', 'cr\rhere']);
    expect(rows.map((r) => r.l_shipmode)).toEqual(['AIR', 'ünïcödé', '"', ',']);
    // DuckDB reads an empty unquoted field as NULL; everything else round-trips.
    expect(rows.map((r) => r.l_comment)).toEqual(['plain', null, 'crlf\r\nend', '""']);
    expect(rows.map((r) => r.l_returnflag)).toEqual(['N', 'R', 'A', null]);
  });
});
