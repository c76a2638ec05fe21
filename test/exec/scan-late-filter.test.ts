/**
 * Late materialization in the Parquet scan (`scan-filter.ts`): a filter pushed into the scan
 * converts only the columns and rows it needs — yet every query gives DuckDB's rows, for every
 * column type, NULLs, selective and non-selective conjuncts, conjuncts that read only selected
 * rows and ones that do not, OR, and batch sizes that cut row groups at unaligned rows (so
 * validity and boolean bitmaps are shifted).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Skein } from '../../src/engine/skein.ts';
import { diffRows, duckRows, type Rows, skeinRows } from '../engine/result-compare.ts';
import { type DuckDb, openDuckDb, sqlString } from '../helpers/duckdb.ts';

let dir: string;
let duck: DuckDb;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-late-'));
  await mkdir(join(dir, 't'));
  duck = await openDuckDb({ threads: 1 });
  await duck.query(`COPY (
    SELECT
      i::INTEGER AS i32, i::BIGINT * 1000000007 AS i64, (i / 7)::DOUBLE AS f64,
      (i * 1.25)::DECIMAL(15,2) AS d15, (i * 12345.6789)::DECIMAL(38,4) AS d38,
      (i % 100)::SMALLINT AS i16, i % 3 = 0 AS b,
      CASE WHEN i % 5 = 0 THEN NULL WHEN i % 7 = 0 THEN '' ELSE 'row ' || i || repeat('x', i % 13) END AS s,
      ['AIR', 'MAIL', 'SHIP', 'TRUCK'][1 + i % 4] AS mode,
      DATE '2000-01-01' + (i * 7919 % 3000)::INTEGER AS d,
      TIMESTAMP '2020-01-01 00:00:00' + to_microseconds(i * 1000003) AS ts,
      CASE WHEN i % 4 = 0 THEN NULL ELSE i % 1000 END AS maybe
    FROM range(30000) t(i)
  ) TO ${sqlString(join(dir, 't', 'part-0.parquet'))} (FORMAT PARQUET, ROW_GROUP_SIZE 10000)`);
  await duck.query(`CREATE VIEW t AS SELECT * FROM read_parquet(${sqlString(join(dir, 't', '*.parquet'))})`);
});

afterAll(async () => {
  duck?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const QUERIES = [
  // One conjunct; columns it does not read converted at passing rows only.
  'SELECT i32, d15, s FROM t WHERE d15 < 1000',
  // Selective conjuncts in a row: later ones convert their columns at the selected rows.
  `SELECT i64, f64, mode FROM t
   WHERE d >= DATE '2003-01-01' AND d < DATE '2004-01-01' AND d15 BETWEEN 10 AND 30000 AND i32 < 20000 AND f64 > 100`,
  // A first conjunct that is not a plain comparison; an int64 read by a later comparison.
  'SELECT i32, d38 FROM t WHERE i32 % 7 = 0 AND i64 > 5000000000000',
  // Strings and LIKE after a selective conjunct; booleans.
  "SELECT i32, b, s FROM t WHERE i32 > 100 AND s LIKE 'row 1%' AND b",
  "SELECT count(*), sum(d15) FROM t WHERE mode IN ('AIR', 'SHIP') AND i16 < 10",
  // Nullable columns (the general conversion path), IS NULL, wide decimals, timestamps.
  'SELECT i32, maybe, s FROM t WHERE maybe > 500 AND d15 > 5',
  'SELECT i32, maybe FROM t WHERE s IS NULL AND i32 < 2000',
  "SELECT i32, d38 FROM t WHERE ts > TIMESTAMP '2020-01-01 05:00:00' AND d38 > 1000 AND i16 = 3",
  // A later conjunct that evaluates every row (arithmetic over a column first read there).
  'SELECT i32 FROM t WHERE i32 > 15000 AND i64 + i32 > 20000000000000',
  // Ranges fused into one check: both bounds exclusive or inclusive, the constant first, NULLs,
  // BIGINT and DECIMAL, an empty range.
  'SELECT i32, maybe FROM t WHERE maybe > 100 AND maybe < 200 AND i32 < 20000',
  'SELECT i32 FROM t WHERE 5000000000000 < i64 AND i64 <= 9000000007000',
  'SELECT i32, d15 FROM t WHERE d15 >= 1000.25 AND 2000.50 > d15',
  'SELECT i32 FROM t WHERE i32 > 500 AND i32 < 400',
  // Top-level OR; nothing passes; almost nothing passes (small batches coalesced); everything passes.
  'SELECT i32, d FROM t WHERE d15 < 50 OR i32 > 29950',
  'SELECT i32, s FROM t WHERE i32 < 0',
  'SELECT i32, s, d15 FROM t WHERE i32 % 997 = 1',
  'SELECT count(*), sum(i64), min(s), max(d) FROM t WHERE i32 >= 0 AND d15 >= 0',
];

async function skeinResult(batchSize: number, sql: string): Promise<Rows> {
  const skein = new Skein({ data: dir, settings: { batchSize } });
  let rows: Rows | undefined;
  for await (const r of skein.execute(sql)) rows = await skeinRows(r);
  return rows!;
}

describe('a filter pushed into a Parquet scan (late materialization)', () => {
  // 65,536: whole row groups; 4,099: slices starting at rows that are not multiples of 8.
  for (const batchSize of [65_536, 4_099]) {
    it(`gives DuckDB's rows, batches of ${batchSize} rows`, async () => {
      for (const sql of QUERIES) {
        const ours = await skeinResult(batchSize, sql);
        const theirs = duckRows(await duck.query(sql));
        if (theirs.rows.length === 0) {
          // DuckDB's rows carry the names; with none, there are none to compare.
          expect(ours.rows, sql).toEqual([]);
          continue;
        }
        expect(ours.names, sql).toEqual(theirs.names);
        expect(diffRows(ours, theirs, []), sql).toEqual([]);
      }
    });
  }

  it('reads the predicate through the scan, not a Filter above it', async () => {
    const skein = new Skein({ data: dir });
    let plan = '';
    for await (const r of skein.execute('EXPLAIN SELECT i32 FROM t WHERE d15 < 1000 AND i64 > 5')) {
      const rows = await skeinRows(r);
      plan = rows.rows.map((row) => row.join(' ')).join('\n');
    }
    expect(plan).toMatch(/ParquetScan: t .*predicate=/);
    expect(plan).not.toMatch(/Filter/);
  });
});
