import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Decimal,
  Field,
  Float64,
  Int32,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import { ParquetStreamWriter } from '../../src/formats/parquet-writer.ts';
import { parquetWriter, parquetWriterWith, tpchArrowSchema } from '../../src/tpch/format-parquet.ts';
import type { TpchBatch } from '../../src/tpch/schema.ts';
import { type DuckDb, openDuckDb, sqlString } from '../helpers/duckdb.ts';
import { memorySink, sliceTpchBatch, tpchBatch } from '../helpers/tpch-batch.ts';

let db: DuckDb;
let dir: string;
let fileNo = 0;

beforeAll(async () => {
  db = await openDuckDb();
  dir = await mkdtemp(join(tmpdir(), 'skein-parquet-writer-'));
});
afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

/** Writes batches through a TPC-H writer factory into a file; returns its path as SQL text. */
async function writeTpch(
  batches: TpchBatch[],
  factory = parquetWriter,
  table = batches[0]!.table,
): Promise<string> {
  const out = memorySink();
  const w = factory(table, out.sink);
  for (const b of batches) await w.write(b);
  await w.finish();
  const file = join(dir, `f${fileNo++}.parquet`);
  await writeFile(file, out.bytes());
  return sqlString(file);
}

/** Every TPC-H type, with edge values: negatives, > 2^32, 2^53 - 1, dates before 1970, UTF-8. */
const lineitem = tpchBatch('lineitem', {
  l_orderkey: [1, 600_000_000_000, 4_294_967_296, 9_007_199_254_740_991, -4_294_967_297],
  l_partkey: [0, 7, 10, 999_999_999, 2],
  l_suppkey: [1_000_000_000, 1, 2, 3, 4],
  l_linenumber: [1, 2, -3, 2_147_483_647, -2_147_483_648],
  l_quantity: [0, 5, -5, 100, 2_500],
  l_extendedprice: [123_456, -99_999, 1, 999_999_999_999_999, -999_999_999_999_999],
  l_discount: [10, 0, 9, -100, 4_294_967_296],
  l_tax: [8, 1_000, 99, 50, -1],
  l_returnflag: ['N', 'R', 'A', '', 'N'],
  l_linestatus: ['O', 'F', 'O', 'F', 'O'],
  l_shipdate: [0, -1, 8035, 11_016, 10_591],
  l_commitdate: [10_591, 8036, 9000, 2_932_896, -719_162],
  l_receiptdate: [1, 2, 3, 4, 5],
  l_shipinstruct: ['a,b', 'say "hi"', 'line\nbreak', 'cr\rhere', 'DELIVER IN PERSON'],
  l_shipmode: ['AIR', 'ünïcödé', '"', ',', 'TRUCK'],
  l_comment: ['plain', '', 'x'.repeat(1000), '日本語', 'end'],
});

describe('parquetWriter (TPC-H)', () => {
  it('writes BIGINT/INTEGER/DECIMAL(15,2)/DATE/VARCHAR, non-nullable, snappy, with exact values', async () => {
    const f = await writeTpch([lineitem]);
    const types = await db.query(`describe select * from read_parquet(${f})`);
    expect(Object.fromEntries(types.map((r) => [r.column_name, r.column_type]))).toEqual({
      l_orderkey: 'BIGINT',
      l_partkey: 'BIGINT',
      l_suppkey: 'BIGINT',
      l_linenumber: 'INTEGER',
      l_quantity: 'DECIMAL(15,2)',
      l_extendedprice: 'DECIMAL(15,2)',
      l_discount: 'DECIMAL(15,2)',
      l_tax: 'DECIMAL(15,2)',
      l_returnflag: 'VARCHAR',
      l_linestatus: 'VARCHAR',
      l_shipdate: 'DATE',
      l_commitdate: 'DATE',
      l_receiptdate: 'DATE',
      l_shipinstruct: 'VARCHAR',
      l_shipmode: 'VARCHAR',
      l_comment: 'VARCHAR',
    });
    const schema = await db.query(
      `select name, repetition_type from parquet_schema(${f}) where num_children is null`,
    );
    expect(new Set(schema.map((r) => r.repetition_type))).toEqual(new Set(['REQUIRED']));
    const codecs = await db.query(`select distinct compression from parquet_metadata(${f})`);
    expect(codecs).toEqual([{ compression: 'SNAPPY' }]);

    const rows = await db.query(`select * from read_parquet(${f})`);
    const col = (name: string) => rows.map((r) => r[name]);
    expect(col('l_orderkey')).toEqual([
      1n,
      600_000_000_000n,
      4_294_967_296n,
      9_007_199_254_740_991n,
      -4_294_967_297n,
    ]);
    expect(col('l_linenumber')).toEqual([1, 2, -3, 2_147_483_647, -2_147_483_648]);
    expect(col('l_quantity')).toEqual(['0.00', '0.05', '-0.05', '1.00', '25.00']);
    expect(col('l_extendedprice')).toEqual([
      '1234.56',
      '-999.99',
      '0.01',
      '9999999999999.99',
      '-9999999999999.99',
    ]);
    expect(col('l_discount')).toEqual(['0.10', '0.00', '0.09', '-1.00', '42949672.96']);
    expect(col('l_tax')).toEqual(['0.08', '10.00', '0.99', '0.50', '-0.01']);
    expect(col('l_shipdate')).toEqual(['1970-01-01', '1969-12-31', '1992-01-01', '2000-02-29', '1998-12-31']);
    expect(col('l_commitdate')).toEqual([
      '1998-12-31',
      '1992-01-02',
      '1994-08-23',
      '9999-12-31',
      '0001-01-01',
    ]);
    expect(col('l_shipinstruct')).toEqual([
      'a,b',
      'say "hi"',
      'line\nbreak',
      'cr\rhere',
      'DELIVER IN PERSON',
    ]);
    expect(col('l_shipmode')).toEqual(['AIR', 'ünïcödé', '"', ',', 'TRUCK']);
    expect(col('l_returnflag')).toEqual(['N', 'R', 'A', '', 'N']);
    expect(col('l_comment')).toEqual(['plain', '', 'x'.repeat(1000), '日本語', 'end']);
  });

  it('splits rows into row groups of at most maxRowGroupRows, across batch boundaries', async () => {
    const n = 2500;
    const region = tpchBatch('region', {
      r_regionkey: Array.from({ length: n }, (_, i) => i),
      r_name: Array.from({ length: n }, (_, i) => `n${i % 7}`),
      r_comment: Array.from({ length: n }, (_, i) => `comment ${i}`),
    });
    // Uneven batches, string offsets not starting at 0.
    const batches = [
      [0, 1],
      [1, 700],
      [700, 2100],
      [2100, 2500],
    ].map(([a, b]) => sliceTpchBatch(region, a!, b!));
    const f = await writeTpch(batches, parquetWriterWith({ maxRowGroupRows: 1000 }));
    const groups = await db.query(
      `select row_group_id, any_value(row_group_num_rows) as n from parquet_metadata(${f}) group by 1 order by 1`,
    );
    expect(groups.map((g) => g.n)).toEqual([1000n, 1000n, 500n]);
    const agg = await db.one(`
      select count(*) as n, sum(r_regionkey) as s, count(distinct r_comment) as c,
             bool_and(r_comment = 'comment ' || r_regionkey) as ok
      from read_parquet(${f})`);
    expect(agg).toEqual({ n: 2500n, s: BigInt((n * (n - 1)) / 2), c: 2500n, ok: true });
  });

  it('writes mostly-unique columns without a dictionary and the others with one', async () => {
    const f = await writeTpch([lineitem]);
    const rows = await db.query(`select path_in_schema as c, encodings as e from parquet_metadata(${f})`);
    const enc = Object.fromEntries(rows.map((r) => [r.c, r.e]));
    for (const c of ['l_orderkey', 'l_partkey', 'l_extendedprice', 'l_comment'])
      expect(enc[c]).not.toMatch(/DICT/);
    for (const c of ['l_suppkey', 'l_quantity', 'l_shipdate', 'l_shipmode']) expect(enc[c]).toMatch(/DICT/);
  });

  it('writes a valid empty file when no rows were written', async () => {
    const f = await writeTpch([], parquetWriter, 'nation');
    expect(await db.one(`select count(*) as n from read_parquet(${f})`)).toEqual({ n: 0n });
    const types = await db.query(`describe select * from read_parquet(${f})`);
    expect(types.map((r) => r.column_type)).toEqual(['BIGINT', 'VARCHAR', 'BIGINT', 'VARCHAR']);
  });

  it('ignores empty batches between others', async () => {
    const f = await writeTpch([sliceTpchBatch(lineitem, 0, 0), lineitem, sliceTpchBatch(lineitem, 2, 2)]);
    expect(await db.one(`select count(*) as n from read_parquet(${f})`)).toEqual({ n: 5n });
  });

  it('has the TPC-H Arrow schema', () => {
    const s = tpchArrowSchema('partsupp');
    expect(s.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`)).toEqual([
      'ps_partkey:Int64:false',
      'ps_suppkey:Int64:false',
      'ps_availqty:Int32:false',
      'ps_supplycost:Decimal[15e+2]:false',
      'ps_comment:Utf8:false',
    ]);
    const dec = s.fields[3]!.type as Decimal;
    expect([dec.precision, dec.scale, dec.bitWidth]).toEqual([15, 2, 128]);
  });
});

describe('ParquetStreamWriter', () => {
  const schema = new Schema([new Field('x', new Float64(), true), new Field('s', new Utf8(), true)]);
  const batch = (xs: (number | null)[], ss: (string | null)[]) =>
    new RecordBatch(
      schema,
      makeData({
        type: new Struct(schema.fields),
        length: xs.length,
        children: [vectorFromArray(xs, new Float64()).data[0]!, vectorFromArray(ss, new Utf8()).data[0]!],
      }),
    );

  it('writes nullable columns with their NULLs and reports what it wrote', async () => {
    const out = memorySink();
    const w = new ParquetStreamWriter(schema, out.sink, { maxRowGroupRows: 2, compression: 'zstd' });
    await w.write(batch([1.5, null, 3], ['a', 'b', null]));
    const summary = await w.finish();
    expect(summary).toEqual({ rows: 3, bytes: out.bytes().length, rowGroups: 2 });
    const file = join(dir, `f${fileNo++}.parquet`);
    await writeFile(file, out.bytes());
    const f = sqlString(file);
    expect(await db.query(`select x, s from read_parquet(${f})`)).toEqual([
      { x: 1.5, s: 'a' },
      { x: null, s: 'b' },
      { x: 3, s: null },
    ]);
    expect(await db.query(`select distinct compression from parquet_metadata(${f})`)).toEqual([
      { compression: 'ZSTD' },
    ]);
  });

  it('refuses a batch whose schema differs, naming both schemas', async () => {
    const w = new ParquetStreamWriter(schema, memorySink().sink);
    const otherSchema = new Schema([new Field('x', new Int32(), true)]);
    const other = new RecordBatch(
      otherSchema,
      makeData({
        type: new Struct(otherSchema.fields),
        length: 1,
        children: [vectorFromArray([1], new Int32()).data[0]!],
      }),
    );
    const err = await w.write(other).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkeinError);
    expect((err as SkeinError).message).toMatch(
      /batch schema \[x Int32\] differs from .*\[x Float64, s Utf8\]/,
    );
    await w.abort();
  });

  it('passes a failing sink error on to write() or finish()', async () => {
    const boom = new SkeinError('EXTERNAL', 'disk full');
    const w = new ParquetStreamWriter(
      schema,
      async () => {
        throw boom;
      },
      { maxRowGroupRows: 1 },
    );
    const result = (async () => {
      for (let i = 0; i < 10; i++) await w.write(batch([i], [`r${i}`]));
      await w.finish();
    })();
    await expect(result).rejects.toBe(boom);
  });

  it('rejects writes after finish()', async () => {
    const w = new ParquetStreamWriter(schema, memorySink().sink);
    await w.finish();
    await expect(w.write(batch([1], ['a']))).rejects.toThrow(/after finish/);
  });

  it('keeps a batch built zero-copy from typed arrays intact', async () => {
    const f64 = Float64Array.from([0.25, -1, 1e300]);
    const s2 = new Schema([new Field('v', new Float64(), false)]);
    const data = makeData({
      type: new Struct(s2.fields),
      length: 3,
      nullCount: 0,
      children: [makeData({ type: new Float64(), length: 3, nullCount: 0, data: f64 })],
    });
    const out = memorySink();
    const w = new ParquetStreamWriter(s2, out.sink);
    await w.write(new RecordBatch(s2, data));
    await w.finish();
    const file = join(dir, `f${fileNo++}.parquet`);
    await writeFile(file, out.bytes());
    expect(await db.query(`select v from read_parquet(${sqlString(file)})`)).toEqual([
      { v: 0.25 },
      { v: -1 },
      { v: 1e300 },
    ]);
  });
});
