/**
 * The Parquet scan over files DuckDB wrote: projection, row-group pruning from statistics,
 * row-group splits, values equal to DuckDB's, and errors that name the file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderBlobStore } from '../../src/adapters/local/folder-blob-store.ts';
import { SkeinError } from '../../src/errors.ts';
import { type ExecContext, MemoryPool } from '../../src/exec/context.ts';
import { vectorValue } from '../../src/exec/expr/scalar.ts';
import { filterStream } from '../../src/exec/filter.ts';
import { castVector } from '../../src/exec/kernels/cast.ts';
import { openParquetScan, type ParquetScanMetrics } from '../../src/exec/scan/parquet-scan.ts';
import type { Batch } from '../../src/exec/vector.ts';
import { ParquetReader } from '../../src/formats/parquet-reader.ts';
import {
  type and,
  between,
  call,
  column,
  dateLiteral,
  decimalLiteral,
  inList,
  int32Literal,
  intervalLiteral,
  isNull,
  varcharLiteral,
} from '../../src/physical/expr.ts';
import { DATE, decimal, INT32, INT64, VARCHAR } from '../../src/types/data-type.ts';
import { type DuckDb, openDuckDb, sqlString } from '../helpers/duckdb.ts';

let dir: string;
let db: DuckDb;
let store: FolderBlobStore;
const ctx = (): ExecContext => ({ batchSize: 4096, memory: new MemoryPool(1 << 30) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-pq-'));
  store = new FolderBlobStore(dir);
  db = await openDuckDb({ threads: 1 });
  // 20,000 rows sorted by shipdate, ~10 row groups of 2048 rows.
  await db.query(`
    COPY (
      SELECT i::INTEGER AS k,
             (i * 7919 % 100000)::BIGINT * 1000000000 AS big,
             ((i * 37) % 10000 / 100.0)::DECIMAL(15,2) AS price,
             (-(i % 11) / 100.0)::DECIMAL(15,2) AS disc,
             DATE '1992-01-01' + (i // 10)::INTEGER AS shipdate,
             CASE WHEN i % 5 = 0 THEN NULL ELSE 'item ' || (i % 97) END AS note,
             CASE WHEN i < 10000 THEN 'A' ELSE 'R' END AS flag
      FROM range(20000) t(i) ORDER BY i
    ) TO ${sqlString(join(dir, 'li.parquet'))} (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
  await writeFile(
    join(dir, 'bad.parquet'),
    new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
  );
});

afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

async function collect(stream: AsyncIterable<Batch>): Promise<string[][]> {
  const out: string[][] = [];
  for await (const b of stream) {
    const text = b.columns.map((c) => castVector(c, VARCHAR));
    for (let i = 0; i < b.length; i++) out.push(text.map((t) => String(vectorValue(t, i))));
  }
  return out;
}

async function duckRows(sql: string): Promise<string[][]> {
  const rows = await db.query(sql);
  return rows.map((r) => Object.values(r).map((v) => (v === null ? 'null' : String(v))));
}

describe('parquetScan', () => {
  it('reads projected columns in the asked order, equal to DuckDB', async () => {
    const scan = await openParquetScan(
      { store, splits: [{ key: 'li.parquet' }], columns: ['note', 'k', 'price', 'shipdate', 'big'] },
      ctx(),
    );
    const got = await collect(scan);
    const want = await duckRows(
      `SELECT note::VARCHAR, k::VARCHAR, price::VARCHAR, shipdate::VARCHAR, big::VARCHAR FROM read_parquet(${sqlString(join(dir, 'li.parquet'))})`,
    );
    expect(got).toEqual(want);
    expect(scan.schema.map((f) => [f.name, f.type])).toEqual([
      ['note', VARCHAR],
      ['k', INT32],
      ['price', decimal(15, 2)],
      ['shipdate', DATE],
      ['big', INT64],
    ]);
  });

  it('prunes row groups by min/max and keeps the answer', async () => {
    const metrics: ParquetScanMetrics = { rowGroupsRead: 0, rowGroupsPruned: 0, rowsRead: 0 };
    const schemaCols = ['k', 'shipdate', 'disc'];
    const d = column(1, DATE);
    // shipdate <= DATE '1992-05-01' - INTERVAL '30' DAY  (a TIMESTAMP, as DuckDB types it)
    const pred = call('<=', [d, call('-', [dateLiteral('1992-05-01'), intervalLiteral({ days: 30 })])]);
    const c = ctx();
    let consumed = 0;
    const scan = await openParquetScan(
      {
        store,
        splits: [{ key: 'li.parquet' }],
        columns: schemaCols,
        filter: pred,
        onRead: (rows) => {
          consumed += rows;
        },
      },
      c,
      metrics,
    );
    const got = await collect(filterStream(scan, pred, c));
    // Driver progress: skipped row groups count as consumed input, so all of it was.
    const file = await ParquetReader.open(store, 'li.parquet');
    expect(consumed).toBe(file.rowGroups.reduce((a, g) => a + g.numRows, 0));
    const want = await duckRows(
      `SELECT k::VARCHAR, shipdate::VARCHAR, disc::VARCHAR FROM read_parquet(${sqlString(join(dir, 'li.parquet'))}) WHERE shipdate <= DATE '1992-05-01' - INTERVAL '30' DAY`,
    );
    expect(got).toEqual(want);
    expect(metrics.rowGroupsRead).toBe(1);
    expect(metrics.rowGroupsPruned).toBeGreaterThanOrEqual(8);
  });

  it('prunes with IN, BETWEEN on decimals, IS NULL and strings; never wrongly', async () => {
    const cases: { filter: ReturnType<typeof and>; sql: string }[] = [
      { filter: inList(column(0, INT32), [int32Literal(5), int32Literal(19999)]), sql: 'k IN (5, 19999)' },
      {
        filter: between(column(1, decimal(15, 2)), decimalLiteral('-0.02'), decimalLiteral('-0.01')),
        sql: 'disc BETWEEN -0.02 AND -0.01',
      },
      { filter: call('=', [column(2, VARCHAR), varcharLiteral('R')]), sql: "flag = 'R'" },
      { filter: isNull(column(3, VARCHAR)), sql: 'note IS NULL' },
      { filter: call('>', [column(0, INT32), decimalLiteral('19000.5')]), sql: 'k > 19000.5' },
    ];
    for (const { filter, sql } of cases) {
      const metrics: ParquetScanMetrics = { rowGroupsRead: 0, rowGroupsPruned: 0, rowsRead: 0 };
      const c = ctx();
      const scan = await openParquetScan(
        { store, splits: [{ key: 'li.parquet' }], columns: ['k', 'disc', 'flag', 'note'], filter },
        c,
        metrics,
      );
      const got = await collect(filterStream(scan, filter, c));
      const want = await duckRows(
        `SELECT k::VARCHAR, disc::VARCHAR, flag, note FROM read_parquet(${sqlString(join(dir, 'li.parquet'))}) WHERE ${sql}`,
      );
      expect(got, sql).toEqual(want);
      if (sql.startsWith('k') || sql.startsWith('flag'))
        expect(metrics.rowGroupsPruned, sql).toBeGreaterThan(0);
    }
  });

  it('reads row-group splits and slices row groups into batches', async () => {
    const c: ExecContext = { batchSize: 1000, memory: new MemoryPool(1 << 30) };
    const scan = await openParquetScan(
      { store, splits: [{ key: 'li.parquet', rowGroups: [1, 3] }], columns: ['k'] },
      c,
    );
    let rows = 0;
    let maxBatch = 0;
    let first = -1;
    for await (const b of scan) {
      rows += b.length;
      maxBatch = Math.max(maxBatch, b.length);
      if (first < 0) first = vectorValue(b.columns[0]!, 0) as number;
    }
    expect(rows).toBe(2 * 2048);
    expect(maxBatch).toBe(1000);
    expect(first).toBe(2048);
    expect(c.memory.reserved).toBe(0);
  });

  it('names a corrupt or missing file, and an unknown column', async () => {
    const run = async (key: string, columns?: string[]) => {
      try {
        for await (const _ of await openParquetScan(
          { store, splits: [{ key }], ...(columns ? { columns } : {}) },
          ctx(),
        )) {
          // drain
        }
      } catch (err) {
        return err as SkeinError;
      }
      throw new Error('expected an error');
    };
    const bad = await run('bad.parquet');
    expect(bad).toBeInstanceOf(SkeinError);
    expect(bad.code).toBe('INVALID_ARGUMENT');
    expect(bad.message).toContain('bad.parquet');
    const missing = await run('nope.parquet');
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('nope.parquet');
    const col = await run('li.parquet', ['k', 'nope']);
    expect(col.code).toBe('NOT_FOUND');
    expect(col.message).toMatch(/column 'nope' is not in .*li\.parquet/);
  });
});
