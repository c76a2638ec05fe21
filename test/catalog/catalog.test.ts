import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.ts';
import { inferCsvSchema } from '../../src/catalog/csv-schema.ts';
import { didYouMean, nearestNames } from '../../src/catalog/nearest.ts';
import { SkeinError } from '../../src/errors.ts';
import { parseDate } from '../../src/logical/literal.ts';
import { parseStatement } from '../../src/sql/index.ts';
import { generateTpch } from '../../src/tpch/generate.ts';
import { typeToString } from '../../src/types/data-type.ts';
import { type DuckDb, openDuckDb, sqlString } from '../helpers/duckdb.ts';

let dir: string;
let duck: DuckDb;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-catalog-'));
  await generateTpch({
    sf: 0.01,
    out: join(dir, 'parquet'),
    tables: ['nation', 'region', 'orders'],
    threads: 1,
  });
  await generateTpch({
    sf: 0.01,
    out: join(dir, 'csv'),
    format: 'csv',
    tables: ['region', 'nation'],
    threads: 1,
  });
  duck = await openDuckDb({ threads: 1 });
});
afterAll(async () => {
  duck?.close();
  await rm(dir, { recursive: true, force: true });
});

const schemaOf = (c: Catalog, t: string) => {
  const e = c.get(t);
  return e.kind === 'view'
    ? []
    : e.schema.map((f) => `${f.name} ${typeToString(f.type)}${f.nullable ? '' : ' NOT NULL'}`);
};

describe('registerDataDir over Parquet', () => {
  it('makes a table of each folder, with the schema and statistics of its files', async () => {
    const c = new Catalog();
    expect(await c.registerDataDir(join(dir, 'parquet'))).toEqual(['nation', 'orders', 'region']);
    expect(schemaOf(c, 'nation')).toEqual([
      'n_nationkey BIGINT NOT NULL',
      'n_name VARCHAR NOT NULL',
      'n_regionkey BIGINT NOT NULL',
      'n_comment VARCHAR NOT NULL',
    ]);
    expect(schemaOf(c, 'orders')).toContain('o_totalprice DECIMAL(15,2) NOT NULL');
    expect(schemaOf(c, 'orders')).toContain('o_orderdate DATE NOT NULL');
    const orders = c.get('orders');
    if (orders.kind !== 'external') throw new Error('expected an external table');
    expect(orders.format).toBe('parquet');
    expect(orders.files.length).toBeGreaterThan(0);

    const files = sqlString(join(dir, 'parquet', 'orders', '*.parquet'));
    const truth = await duck.one(
      `SELECT count(*) AS n, min(o_orderdate) AS d0, max(o_orderdate) AS d1, min(o_totalprice) AS p0, max(o_orderkey) AS k1 FROM read_parquet(${files})`,
    );
    const s = orders.statistics;
    expect(s.rowCount).toBe(Number(truth.n));
    expect(s.rowCountExact).toBe(true);
    expect(s.totalBytes).toBeGreaterThan(0);
    expect(s.columns.o_orderdate).toMatchObject({
      min: parseDate(String(truth.d0)),
      max: parseDate(String(truth.d1)),
      nullCount: 0,
    });
    expect(s.columns.o_totalprice?.min).toBeCloseTo(Number(truth.p0), 2);
    expect(s.columns.o_orderkey?.max).toBe(Number(truth.k1));
    expect(
      c.get('nation').kind === 'external' &&
        (c.get('nation') as { statistics: { rowCount: number } }).statistics.rowCount,
    ).toBe(25);
  });

  it('reads one file as a table too', async () => {
    const c = new Catalog();
    const t = await c.registerExternal(
      'r',
      (await import('../../src/adapters/open-blob-store.ts')).openBlobStore(join(dir, 'parquet')),
      'region/',
    );
    expect(t.statistics.rowCount).toBe(5);
    expect(t.statistics.columns.r_regionkey).toMatchObject({ min: 0, max: 4 });
  });
});

describe('CSV tables', () => {
  it('infers the TPC-H CSV schema like DuckDB (BIGINT, VARCHAR) and estimates rows', async () => {
    const c = new Catalog();
    await c.registerDataDir(join(dir, 'csv'));
    expect(schemaOf(c, 'region')).toEqual(['r_regionkey BIGINT', 'r_name VARCHAR', 'r_comment VARCHAR']);
    const nation = c.get('nation');
    if (nation.kind !== 'external') throw new Error('expected an external table');
    expect(nation.csv).toMatchObject({ delimiter: ',', header: true });
    expect(nation.statistics.rowCountExact).toBe(false);
    expect(nation.statistics.rowCount).toBeGreaterThan(15);
    expect(nation.statistics.rowCount).toBeLessThan(40);
  });

  it('detects delimiters, headers and types from a sample', () => {
    const l = inferCsvSchema(
      'id|price|day|note|ok\n1|2.5|2024-01-31|hi, there|true\n2|3|2024-02-01||false\n',
    );
    expect(l.delimiter).toBe('|');
    expect(l.header).toBe(true);
    expect(l.schema.map((f) => `${f.name} ${typeToString(f.type)}`)).toEqual([
      'id BIGINT',
      'price DOUBLE',
      'day DATE',
      'note VARCHAR',
      'ok BOOLEAN',
    ]);
    const noHeader = inferCsvSchema('1,"a ""quoted"", text",2024-01-01 10:00:00\n2,b,2024-01-02 11:30:00\n');
    expect(noHeader.header).toBe(false);
    expect(noHeader.schema.map((f) => `${f.name} ${typeToString(f.type)}`)).toEqual([
      'column0 BIGINT',
      'column1 VARCHAR',
      'column2 TIMESTAMP',
    ]);
  });

  it('joins the files of a folder and rejects a folder mixing formats', async () => {
    const d = join(dir, 'mixed');
    await mkdir(join(d, 'm'), { recursive: true });
    await writeFile(join(d, 'm', 'a.csv'), 'x\n1\n');
    await writeFile(join(d, 'm', 'b.parquet'), 'not really');
    await expect(new Catalog().registerDataDir(d)).rejects.toThrow(/holds both Parquet and CSV files/);
  });
});

describe('catalog entries', () => {
  it('says which table is unknown and what is near', () => {
    const c = new Catalog();
    c.createMemoryTable('lineitem', []);
    c.createMemoryTable('orders', []);
    let err: unknown;
    try {
      c.get('lineitme', { line: 3, column: 7 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SkeinError);
    expect((err as SkeinError).code).toBe('NOT_FOUND');
    expect((err as SkeinError).message).toBe(
      "table 'lineitme' does not exist at line 3, column 7 (did you mean 'lineitem'?)",
    );
    expect((err as SkeinError).position).toEqual({ line: 3, column: 7 });
    expect(c.find(['main', 'orders'])?.name).toBe('orders');
    expect(c.find(['other', 'orders'])).toBeUndefined();
  });

  it('keeps memory tables, appends batches, holds views and drops by kind', () => {
    const c = new Catalog();
    c.createMemoryTable('m', [{ name: 'x', type: { kind: 'int32' }, nullable: true }]);
    expect(() => c.createMemoryTable('M', [])).toThrow(/a table named 'm' already exists/);
    const batch = { schema: [], columns: [], length: 3 };
    expect(c.appendBatches('m', [batch, batch]).statistics.rowCount).toBe(6);
    const q = parseStatement('SELECT 1');
    if (q.kind !== 'query') throw new Error('query expected');
    c.createView('v', q, { sql: 'SELECT 1' });
    expect(c.names()).toEqual(['m', 'v']);
    expect(() => c.drop('table', 'v')).toThrow(/'v' is a view: use DROP VIEW/);
    expect(c.drop('view', 'v')).toBe(true);
    expect(c.drop('view', 'v', true)).toBe(false);
    expect(() => c.drop('table', 'nope')).toThrow(/table 'nope' does not exist/);
  });

  it('suggests near names only when they are near', () => {
    expect(nearestNames('l_quantty', ['l_quantity', 'l_tax', 'l_discount'])).toEqual(['l_quantity']);
    expect(nearestNames('orderkey', ['o_orderkey', 'l_orderkey', 'c_custkey'])).toEqual([
      'l_orderkey',
      'o_orderkey',
    ]);
    expect(didYouMean('zzz', ['lineitem'])).toBe('');
  });
});
