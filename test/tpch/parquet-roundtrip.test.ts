/**
 * End to end: SF 0.01 of all eight TPC-H tables generated as .tbl, CSV and Parquet through the
 * format writers and a FolderBlobStore, then loaded by DuckDB. Every format, and dbgen's own
 * reference output, must give the same row count and, per column, the same checksum
 * (`sum(hash(col))` over values of the same SQL type).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderBlobStore } from '../../src/adapters/local/folder-blob-store.ts';
import { ParquetReader } from '../../src/formats/parquet-reader.ts';
import type { TpchFormat, TpchFormatWriterFactory } from '../../src/tpch/format.ts';
import { csvWriter } from '../../src/tpch/format-csv.ts';
import { parquetWriter } from '../../src/tpch/format-parquet.ts';
import { tblWriter } from '../../src/tpch/format-tbl.ts';
import { generateBatches, partRange } from '../../src/tpch/rows.ts';
import { TPCH_SCHEMAS, TPCH_TABLES, type TpchColumnType, type TpchTableName } from '../../src/tpch/schema.ts';
import { type DuckDb, openDuckDb, sqlString } from '../helpers/duckdb.ts';

const SF = 0.01;
const WRITERS: Record<TpchFormat, TpchFormatWriterFactory> = {
  tbl: tblWriter,
  csv: csvWriter,
  parquet: parquetWriter,
};
/** Parts per table: more than one where a table is big enough, so multi-file reads are covered. */
const PARTS: Record<TpchTableName, number> = {
  part: 2,
  supplier: 1,
  partsupp: 2,
  customer: 2,
  orders: 3,
  lineitem: 3,
  nation: 1,
  region: 1,
};

const SQL_TYPES: Record<TpchColumnType, string> = {
  int64: 'BIGINT',
  int32: 'INTEGER',
  decimal: 'DECIMAL(15,2)',
  date: 'DATE',
  string: 'VARCHAR',
};

let dir: string;
let store: FolderBlobStore;
let db: DuckDb;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-tpch-roundtrip-'));
  store = new FolderBlobStore(dir);
  db = await openDuckDb();
  for (const format of ['tbl', 'csv', 'parquet'] as const) {
    for (const table of TPCH_TABLES) {
      for (let part = 0; part < PARTS[table]; part++) {
        const { start, count } = partRange(table, SF, part, PARTS[table]);
        const out = await store.createWriter(`${format}/${table}/part-${part}.${format}`);
        const writer = WRITERS[format](table, (chunk) => out.write(chunk));
        for (const batch of generateBatches(table, SF, start, count)) await writer.write(batch);
        await writer.finish();
        await out.commit();
      }
    }
  }
}, 120_000);

afterAll(async () => {
  db?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** DuckDB's columns={...} for a table, plus a dummy for .tbl's trailing '|'. */
function columnsSpec(table: TpchTableName, trailingDelimiter: boolean): string {
  const cols = TPCH_SCHEMAS[table].map((c) => `${sqlString(c.name)}: '${SQL_TYPES[c.type]}'`);
  if (trailingDelimiter) cols.push(`'_end': 'VARCHAR'`);
  return `{${cols.join(', ')}}`;
}

function source(kind: TpchFormat | 'dbgen', table: TpchTableName): string {
  switch (kind) {
    case 'tbl':
    case 'dbgen': {
      const files =
        kind === 'tbl'
          ? join(dir, 'tbl', table, 'part-*.tbl')
          : join('test/data/tpch/sf0.01', `${table}.tbl.gz`);
      return `read_csv(${sqlString(files)}, delim = '|', header = false, quote = '', escape = '',
        columns = ${columnsSpec(table, true)})`;
    }
    case 'csv':
      return `read_csv(${sqlString(join(dir, 'csv', table, 'part-*.csv'))}, delim = ',', header = true,
        quote = '"', escape = '"', columns = ${columnsSpec(table, false)})`;
    case 'parquet':
      return `read_parquet(${sqlString(join(dir, 'parquet', table, 'part-*.parquet'))})`;
  }
}

async function checksums(kind: TpchFormat | 'dbgen', table: TpchTableName) {
  const cols = TPCH_SCHEMAS[table].map((c) => c.name);
  const sums = cols.map((c) => `sum(hash(${c}))::hugeint as ${c}`).join(', ');
  return db.one(`select count(*) as "rows", ${sums} from ${source(kind, table)}`);
}

describe(`TPC-H SF ${SF}: tbl, CSV and Parquet agree in DuckDB`, () => {
  for (const table of TPCH_TABLES) {
    it(`${table}: same rows and per-column checksums in every format and in dbgen's output`, async () => {
      const reference = await checksums('dbgen', table);
      expect(Number(reference.rows)).toBeGreaterThan(0);
      for (const kind of ['tbl', 'csv', 'parquet'] as const) {
        expect(await checksums(kind, table), `${table} as ${kind}`).toEqual(reference);
      }
    });
  }

  it('Parquet files have the TPC-H types, snappy, and no NULLs', async () => {
    const types = await db.query(`describe select * from ${source('parquet', 'lineitem')}`);
    expect(types.map((r) => r.column_type)).toEqual(TPCH_SCHEMAS.lineitem.map((c) => SQL_TYPES[c.type]));
    const codecs = await db.query(
      `select distinct compression from parquet_metadata(${sqlString(join(dir, 'parquet', '*', '*.parquet'))})`,
    );
    expect(codecs).toEqual([{ compression: 'SNAPPY' }]);
    const nulls = await db.one(
      `select count(*) as n from ${source('parquet', 'orders')} where columns(*) is null`,
    );
    expect(nulls).toEqual({ n: 0n });
  });

  it("Skein's own Parquet reader agrees with DuckDB on lineitem", async () => {
    let rows = 0;
    let quantity = 0; // hundredths
    let maxShip = Number.NEGATIVE_INFINITY;
    for (let part = 0; part < PARTS.lineitem; part++) {
      const file = await ParquetReader.open(store, `parquet/lineitem/part-${part}.parquet`);
      for (let g = 0; g < file.rowGroups.length; g++) {
        const stats = file.statistics(g, 'l_shipdate');
        for (const b of await file.readRowGroup(g, ['l_shipdate', 'l_quantity'])) {
          rows += b.numRows;
          const q = b.getChild('l_quantity')!.data[0]!;
          const words = q.values as Uint32Array;
          for (let i = 0; i < b.numRows; i++) quantity += words[(q.offset + i) * 4]!;
          const ship = b.getChild('l_shipdate')!.data[0]!.values as Int32Array;
          let localMax = Number.NEGATIVE_INFINITY;
          for (const d of ship) localMax = Math.max(localMax, d);
          expect(stats?.max).toBe(localMax);
          maxShip = Math.max(maxShip, localMax);
        }
      }
    }
    const want = await db.one(`
      select count(*) as n, sum(l_quantity)::varchar as q, max(l_shipdate)::varchar as d
      from ${source('dbgen', 'lineitem')}`);
    expect(rows).toBe(Number(want.n));
    expect((quantity / 100).toFixed(2)).toBe(want.q);
    expect(new Date(maxShip * 86_400_000).toISOString().slice(0, 10)).toBe(want.d);
  });
});
