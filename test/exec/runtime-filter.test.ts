/**
 * Runtime filters (`runtime-filter.ts`): a hash join hands its build keys to the Parquet scan
 * below its probe side, which drops rows that cannot match. Results stay DuckDB's for every join
 * type — including those whose probe rows must all survive (outer joins' preserved side, anti,
 * NOT IN, mark) — with NULL keys, keys out of the build range, several keys, decimal keys, a
 * build side too dense to filter, and an empty one; and the filter does drop rows.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Skein } from '../../src/engine/skein.ts';
import { keyFilterOf, RuntimeFilterSlot, selectByKeyFilter } from '../../src/exec/join/runtime-filter.ts';
import { f64Vector, i32Vector } from '../../src/exec/vector.ts';
import { decimal, INT32 } from '../../src/types/data-type.ts';
import { diffRows, duckRows, type Rows, skeinRows } from '../engine/result-compare.ts';
import { type DuckDb, openDuckDb, sqlString } from '../helpers/duckdb.ts';

let dir: string;
let duck: DuckDb;
let skein: Skein;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-runtime-filter-'));
  duck = await openDuckDb({ threads: 1 });
  const copy = async (name: string, select: string) => {
    await mkdir(join(dir, name));
    await duck.query(
      `COPY (${select}) TO ${sqlString(join(dir, name, 'part-0.parquet'))} (FORMAT PARQUET, ROW_GROUP_SIZE 20000)`,
    );
    await duck.query(
      `CREATE VIEW ${name} AS SELECT * FROM read_parquet(${sqlString(join(dir, name, '*.parquet'))})`,
    );
  };
  await copy(
    'fact',
    `SELECT CASE WHEN i % 97 = 0 THEN NULL ELSE (i * 7919) % 100000 END::INTEGER AS k,
            (i % 5)::BIGINT AS k2, ((i * 31) % 5000 * 0.25)::DECIMAL(12,2) AS dk,
            (i % 1000 * 1.5)::DECIMAL(15,2) AS v, 'f' || i AS s
     FROM range(100000) t(i)`,
  );
  // 300 keys from across the range (some outside it, some NULL), a few duplicates.
  await copy(
    'dim',
    `SELECT CASE WHEN i % 50 = 7 THEN NULL ELSE (i * 331) % 120000 - 1000 END::INTEGER AS k,
            (i % 5)::BIGINT AS k2, (i * 17 % 5000 * 0.25)::DECIMAL(12,2) AS dk, 'd' || i AS name
     FROM range(300) t(i) UNION ALL SELECT 331, 1, 2.5, 'again'`,
  );
  await copy('dense', 'SELECT i::INTEGER AS k FROM range(100000) t(i)');
  await copy('nokeys', 'SELECT NULL::INTEGER AS k FROM range(3)');
  skein = new Skein({ data: dir });
});

afterAll(async () => {
  duck?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function ours(sql: string): Promise<Rows> {
  let rows: Rows | undefined;
  for await (const r of skein.execute(sql)) rows = await skeinRows(r);
  return rows!;
}

const QUERIES = [
  'SELECT f.k, f.v, d.name FROM fact f JOIN dim d ON f.k = d.k',
  'SELECT count(*), sum(f.v) FROM fact f WHERE f.k IN (SELECT k FROM dim)',
  'SELECT count(*) FROM fact f WHERE EXISTS (SELECT 1 FROM dim d WHERE d.k = f.k AND d.k2 = f.k2)',
  'SELECT count(*), sum(f.v) FROM fact f JOIN dim d ON f.k = d.k WHERE f.v > 100 AND f.k2 <> 3',
  'SELECT count(*), sum(f.v) FROM fact f JOIN dim d ON f.dk = d.dk',
  // The probe side preserved or needed whole: no rows may be dropped.
  'SELECT count(*), count(d.k), sum(f.v) FROM fact f LEFT JOIN dim d ON f.k = d.k',
  'SELECT count(*), count(f.k) FROM dim d LEFT JOIN fact f ON f.k = d.k',
  'SELECT count(*), count(f.k) FROM fact f RIGHT JOIN dim d ON f.k = d.k',
  'SELECT count(*), count(f.k), count(d.k) FROM fact f FULL JOIN dim d ON f.k = d.k',
  'SELECT count(*) FROM fact f WHERE NOT EXISTS (SELECT 1 FROM dim d WHERE d.k = f.k)',
  'SELECT count(*) FROM fact f WHERE f.k NOT IN (SELECT k FROM dim WHERE k IS NOT NULL)',
  'SELECT count(*) FROM fact f WHERE f.k NOT IN (SELECT k FROM dim)',
  'SELECT count(*) FROM fact f WHERE f.k IN (SELECT k FROM dim) OR f.v > 1400',
  // A LIMIT pushed into the probe scan must see the rows before any filter (one thread: file order).
  'SELECT count(*) FROM (SELECT k FROM fact LIMIT 5000) f JOIN dim d ON f.k = d.k',
  // Too dense to filter; nothing to match.
  'SELECT count(*) FROM fact f JOIN dense x ON f.k = x.k',
  'SELECT count(*) FROM fact f JOIN nokeys n ON f.k = n.k',
  'SELECT count(*) FROM fact f WHERE f.k IN (SELECT k FROM nokeys)',
];

describe('runtime filters from hash joins to Parquet scans', () => {
  it("give DuckDB's results for every join type", async () => {
    for (const sql of QUERIES) {
      const got = await ours(sql);
      const want = duckRows(await duck.query(sql));
      expect(got.rows.length, sql).toBe(want.rows.length);
      expect(diffRows(got, want, []), sql).toEqual([]);
    }
  });

  it('drop probe rows in the scan', async () => {
    const plan = await ours('EXPLAIN ANALYZE SELECT count(*) FROM fact f JOIN dim d ON f.k = d.k');
    const text = plan.rows.map((r) => r.join(' ')).join('\n');
    const scanned = /ParquetScan: fact .*\(rows=(\d+)/.exec(text);
    expect(scanned, text).not.toBeNull();
    // 100,000 rows read; about 300 of 100,000 keys match.
    expect(Number(scanned![1])).toBeLessThan(2000);
    expect(Number(scanned![1])).toBeGreaterThan(0);
  });
});

describe('keyFilterOf / selectByKeyFilter', () => {
  it('keeps exactly the rows whose key is a build key, never NULLs or keys out of range', () => {
    const build = i32Vector(INT32, Int32Array.of(10, 12, 12, 40, 0), Uint8Array.of(0b01111));
    const f = keyFilterOf(build, 2)!;
    expect(f).toMatchObject({ column: 2, base: 10, range: 31 });
    const probe = i32Vector(INT32, Int32Array.of(9, 10, 11, 12, 40, 41, 0, 10), Uint8Array.of(0b01111111));
    const out = new Uint32Array(8);
    expect([...out.subarray(0, selectByKeyFilter(probe, f, null, 8, out))]).toEqual([1, 3, 4]);
    // Over a selection.
    const k = selectByKeyFilter(probe, f, Uint32Array.of(0, 3, 4), 3, out);
    expect([...out.subarray(0, k)]).toEqual([3, 4]);
  });

  it('decimal keys; no filter for DOUBLE, too wide or too dense keys; all-NULL keys match nothing', () => {
    const d = decimal(12, 2);
    const f = keyFilterOf(f64Vector(d, Float64Array.of(250, 1000), null), 0)!;
    const out = new Uint32Array(3);
    expect(selectByKeyFilter(f64Vector(d, Float64Array.of(250, 251, 1000), null), f, null, 3, out)).toBe(2);
    expect(keyFilterOf(f64Vector({ kind: 'float64' }, Float64Array.of(1, 2), null), 0)).toBeNull();
    expect(keyFilterOf(i32Vector(INT32, Int32Array.of(0, 2 ** 30), null), 0)).toBeNull();
    expect(keyFilterOf(i32Vector(INT32, Int32Array.of(1, 2, 3, 4), null), 0)).toBeNull();
    const none = keyFilterOf(i32Vector(INT32, Int32Array.of(5), Uint8Array.of(0)), 0)!;
    expect(selectByKeyFilter(i32Vector(INT32, Int32Array.of(5, 0), null), none, null, 2, out)).toBe(0);
  });

  it('turns itself off when it lets most rows through', () => {
    const slot = new RuntimeFilterSlot();
    slot.add(keyFilterOf(i32Vector(INT32, Int32Array.of(1, 100), null), 0));
    expect(slot.active()).toHaveLength(1);
    slot.record(1 << 17, 1 << 10);
    slot.record(1 << 17, 1 << 10);
    expect(slot.active()).toHaveLength(1);
    slot.record(1 << 20, 1 << 20);
    expect(slot.active()).toHaveLength(0);
  });
});
