/**
 * The library API: `new Skein({ data, settings })`, `.sql()` → Arrow Table, `.stream()` → record
 * batches, `.explain()`, statements on the session's catalog, settings and their effect.
 */
import { DateDay, Decimal, Int32, Int64, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import { Skein } from '../../src/index.ts';

const DIGITS = '(VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9))';

describe('Skein.sql', () => {
  it('returns an Arrow table with SQL types mapped to Arrow types', async () => {
    const db = new Skein();
    const t = await db.sql(
      "SELECT 1 AS i, 2::BIGINT AS b, 'x' AS s, 1.25 AS d, DATE '2024-02-29' AS day UNION ALL SELECT 3, NULL, NULL, NULL, NULL",
    );
    expect(t.numRows).toBe(2);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['i', 'b', 's', 'd', 'day']);
    const types = t.schema.fields.map((f) => f.type);
    expect(types[0]).toBeInstanceOf(Int32);
    expect(types[1]).toBeInstanceOf(Int64);
    expect(types[2]).toBeInstanceOf(Utf8);
    expect(types[3]).toBeInstanceOf(Decimal);
    expect(types[4]).toBeInstanceOf(DateDay);
    const rows = t.toArray().map((r) => r.toJSON());
    const sorted = rows.sort((a, b) => Number(a.i) - Number(b.i));
    expect(sorted[0]!.i).toBe(1);
    expect(sorted[0]!.s).toBe('x');
    expect(sorted[1]!.s).toBeNull();
  });

  it('reads a data folder: each subfolder or file of Parquet/CSV is a table', async () => {
    const db = new Skein({ data: 'test/data/slt' });
    const t = await db.sql('SELECT count(*) AS n FROM people JOIN orders USING (id)');
    expect(Number(t.get(0)!.n)).toBe(4);
  });

  it('runs several statements and returns the last one’s rows', async () => {
    const db = new Skein();
    const t = await db.sql(`
      CREATE TABLE t (x INTEGER);
      INSERT INTO t SELECT a.d * 10 + b.d FROM ${DIGITS} a(d), ${DIGITS} b(d);
      SELECT count(*) AS n, sum(x) AS s FROM t`);
    expect(Number(t.get(0)!.n)).toBe(100);
    expect(Number(t.get(0)!.s)).toBe(4950);
  });

  it('gives an empty table for a statement without rows', async () => {
    const t = await new Skein().sql('CREATE TABLE t (x INTEGER)');
    expect(t.numRows).toBe(0);
    expect(t.schema.fields).toHaveLength(0);
  });

  it('throws SkeinError with a code and a position', async () => {
    const db = new Skein();
    const err = await db.sql('SELECT nope FROM (VALUES (1)) t(x)').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkeinError);
    expect((err as SkeinError).code).toBe('PLAN');
    expect((err as SkeinError).position).toEqual({ line: 1, column: 8 });
  });
});

describe('Skein.stream', () => {
  it('yields record batches of the last statement, sized by batch_size', async () => {
    const db = new Skein({ settings: { batchSize: 16 } });
    let rows = 0;
    let batches = 0;
    for await (const b of db.stream(`SELECT a.d AS x FROM ${DIGITS} a(d), ${DIGITS} b(d), ${DIGITS} c(d)`)) {
      rows += b.numRows;
      batches++;
      expect(b.numRows).toBeLessThanOrEqual(16);
    }
    expect(rows).toBe(1000);
    expect(batches).toBeGreaterThanOrEqual(1000 / 16);
  });
});

describe('settings', () => {
  it('SET changes them for the session and SHOW shows them', async () => {
    const db = new Skein();
    await db.sql("SET memory_limit = '512MiB'");
    expect(db.settings.memoryLimit).toBe(512 * 2 ** 20);
    const t = await db.sql('SHOW memory_limit');
    expect(t.get(0)!.value).toBe('512 MiB');
    await expect(db.sql('SET batch_size = 0')).rejects.toThrow(/batch_size must be a whole number/);
  });

  it('the memory limit stops a query that needs more, naming the operator', async () => {
    const db = new Skein({ settings: { memoryLimit: '64KiB' } });
    const err = await db
      .sql(
        `SELECT a.d + b.d * 10 + c.d * 100 AS x FROM ${DIGITS} a(d), ${DIGITS} b(d), ${DIGITS} c(d), ${DIGITS} e(d) ORDER BY x`,
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkeinError);
    expect((err as SkeinError).code).toBe('RESOURCES_EXHAUSTED');
    expect((err as SkeinError).message).toMatch(/needs more memory than the query's budget of 0 MiB/);
  });
});

describe('Skein.explain', () => {
  it('shows the physical plan; verbose adds the logical plans and the optimizer rules', async () => {
    const db = new Skein({ data: 'test/data/slt' });
    const sql = "SELECT name FROM people WHERE city = 'London' ORDER BY born LIMIT 1";
    const plain = await db.explain(sql);
    expect(plain).toMatch(/^Project: name {2}\[rows≈\d+\]\n {2}TopK: born limit=1/);
    expect(plain).toMatch(/CsvScan: people \[name, city, born\] predicate=\(city = 'London'\)/);
    const verbose = await db.explain(sql, { verbose: true });
    expect(verbose).toMatch(/^Logical plan:/);
    expect(verbose).toMatch(/Optimizer rules:\n/);
    expect(verbose).toMatch(/Physical plan:\n {2}Project: name/);
    expect(verbose).toMatch(/→ name VARCHAR/);
    const analyzed = await db.explain(sql, { analyze: true });
    expect(analyzed).toMatch(/CsvScan: .*\(rows=2, time=/);
    await expect(db.explain('CREATE TABLE x (a INTEGER)')).rejects.toThrow(/EXPLAIN shows plans of queries/);
  });

  it('EXPLAIN in SQL returns the plan as rows of text', async () => {
    const t = await new Skein().sql('EXPLAIN SELECT 1');
    expect(t.schema.fields.map((f) => f.name)).toEqual(['plan']);
    expect(String(t.get(0)!.plan)).toMatch(/^(Values|Project)/);
  });
});
