import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeParquetFooterThrift, parquetFooterLength } from '../../src/formats/parquet-footer.ts';
import { parquetSubset } from '../../src/formats/parquet-subset.ts';
import { type DuckDb, openDuckDb, sqlString } from '../helpers/duckdb.ts';

let db: DuckDb;
let dir: string;
beforeAll(async () => {
  db = await openDuckDb();
  dir = await mkdtemp(join(tmpdir(), 'skein-parquet-subset-'));
});
afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

async function footerOf(file: string) {
  const bytes = new Uint8Array(await readFile(file));
  const len = parquetFooterLength(bytes.subarray(bytes.length - 8));
  return { bytes, ...decodeParquetFooterThrift(bytes.subarray(bytes.length - 8 - len, bytes.length - 8)) };
}

describe('parquetSubset', () => {
  it('cuts one row group and some columns out of a file; DuckDB reads the same values from it', async () => {
    const src = join(dir, 'src.parquet');
    await db.query(`
      copy (
        select i::bigint as k, 'name ' || (i % 13) as name, (i * 0.5)::decimal(15,2) as price,
               case when i % 7 = 0 then null else date '1995-01-01' + (i % 300)::integer end as day
        from range(10000) t(i)
      ) to ${sqlString(src)} (format parquet, row_group_size 4096)`);
    const { bytes, footer, thrift } = await footerOf(src);
    expect(footer.rowGroups.length).toBeGreaterThan(1);
    const rowGroup = 1;
    const fields = [1, 3]; // name, day
    const rg = footer.rowGroups[rowGroup]!;
    const subset = parquetSubset(thrift, footer, rowGroup, fields, (leaf) => {
      const c = rg.columns[leaf]!;
      return bytes.subarray(c.startOffset, c.startOffset + c.compressedBytes);
    });
    const out = join(dir, 'subset.parquet');
    await writeFile(out, subset);
    expect(subset.length).toBeLessThan(bytes.length / 2);

    const first = footer.rowGroups.slice(0, rowGroup).reduce((n, g) => n + g.numRows, 0);
    const got = await db.query(`select * from read_parquet(${sqlString(out)})`);
    const want = await db.query(`
      select name, day from read_parquet(${sqlString(src)}) where k >= ${first} and k < ${first + rg.numRows} order by k`);
    expect(got).toEqual(want);
    expect(got.some((r) => r.day === null)).toBe(true);
    // Statistics come along.
    const stats = await db.query(
      `select stats_min_value as lo from parquet_metadata(${sqlString(out)}) order by 1`,
    );
    expect(stats).toHaveLength(2);
  });

  it('makes a schema-only file with no row groups', async () => {
    const src = join(dir, 'src.parquet');
    const { footer, thrift } = await footerOf(src);
    const out = join(dir, 'schema.parquet');
    await writeFile(
      out,
      parquetSubset(thrift, footer, undefined, [0, 1, 2, 3], () => new Uint8Array(0)),
    );
    expect(await db.one(`select count(*) as n from read_parquet(${sqlString(out)})`)).toEqual({ n: 0n });
    const types = await db.query(`describe select * from read_parquet(${sqlString(out)})`);
    expect(types.map((r) => `${r.column_name} ${r.column_type}`)).toEqual([
      'k BIGINT',
      'name VARCHAR',
      'price DECIMAL(15,2)',
      'day DATE',
    ]);
  });
});
