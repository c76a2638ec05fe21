/**
 * SQL semantics the optimizer must keep, on small tables with NULLs: each query's optimized plan
 * runs in the reference interpreter and must give DuckDB's rows (NOT IN with NULLs, EXISTS under
 * OR, COUNT in a correlated subquery, outer joins under filters, set operations, …).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optimize } from '../../src/optimizer/optimizer.ts';
import { type DuckDb, openDuckDb } from '../helpers/duckdb.ts';
import { bindQuery, smallCatalog } from '../logical/helpers.ts';
import { run, type Value } from './reference-interpreter.ts';

const T: [number | null, string | null][] = [
  [1, 'x'],
  [2, 'y'],
  [null, 'z'],
  [3, null],
  [2, 'w'],
];
const U: [number | null, number | null][] = [
  [1, 1.5],
  [2, null],
  [null, 3],
  [4, 4.5],
];
const tables = new Map<string, Record<string, Value>[]>([
  ['t', T.map(([a, b]) => ({ a, b }))],
  ['u', U.map(([a, c]) => ({ a, c }))],
]);
const lit = (v: unknown) => (v === null ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v));

let duck: DuckDb;
beforeAll(async () => {
  duck = await openDuckDb({ threads: 1 });
  await duck.query('CREATE TABLE t (a INTEGER, b VARCHAR); CREATE TABLE u (a INTEGER, c DOUBLE)');
  await duck.query(`INSERT INTO t VALUES ${T.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`);
  await duck.query(`INSERT INTO u VALUES ${U.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`);
});
afterAll(() => duck?.close());

const QUERIES = [
  'SELECT a, b FROM t WHERE a NOT IN (SELECT a FROM u)',
  'SELECT a, b FROM t WHERE a NOT IN (SELECT a FROM u WHERE a IS NOT NULL)',
  'SELECT a, b FROM t WHERE a NOT IN (SELECT a FROM u WHERE c > 100)',
  'SELECT a, b FROM t WHERE a IN (SELECT a FROM u)',
  'SELECT a, b FROM t WHERE b = $$y$$ OR EXISTS (SELECT * FROM u WHERE u.a = t.a AND c > 2)',
  'SELECT a, (SELECT count(*) FROM u WHERE u.a = t.a) AS n FROM t',
  'SELECT a, (SELECT count(c) + 1 FROM u WHERE u.a = t.a) AS n FROM t',
  'SELECT a, (SELECT max(c) FROM u WHERE u.a = t.a) AS m FROM t',
  'SELECT a FROM t WHERE a > (SELECT avg(a) FROM u)',
  'SELECT a FROM t WHERE NOT EXISTS (SELECT * FROM u WHERE u.a = t.a)',
  'SELECT t.a, c FROM t LEFT JOIN u ON t.a = u.a WHERE c IS NULL',
  'SELECT t.a, c FROM t LEFT JOIN u ON t.a = u.a AND c > 2 WHERE t.a > 1',
  'SELECT t.a, c FROM t LEFT JOIN u ON t.a = u.a WHERE c > 1 OR c IS NULL',
  'SELECT * FROM t JOIN u USING (a)',
  'SELECT a FROM t UNION SELECT a FROM u',
  'SELECT a FROM t UNION ALL SELECT a FROM u',
  'SELECT a FROM t INTERSECT SELECT a FROM u',
  'SELECT a FROM t EXCEPT SELECT a FROM u',
  'SELECT DISTINCT a FROM t',
  'SELECT a, count(*), count(b), sum(a) FROM t GROUP BY a HAVING count(*) > 0',
  'SELECT count(*), sum(a), min(b), max(b), count(DISTINCT a) FROM t WHERE a > 100',
  'SELECT b FROM t ORDER BY a DESC NULLS FIRST, b LIMIT 3 OFFSET 1',
  'SELECT k FROM (SELECT a + 1 AS k FROM t) s WHERE k > 2',
  'SELECT CASE WHEN a > 1 THEN $$big$$ WHEN a IS NULL THEN $$none$$ ELSE $$small$$ END FROM t',
  'SELECT a FROM t WHERE (a > 1 AND b = $$y$$) OR (a > 1 AND b = $$w$$)',
  'SELECT t.a, u.c FROM t, u WHERE t.a = u.a AND (t.b = $$x$$ AND u.c > 1 OR t.b = $$y$$ AND u.c IS NULL)',
  'SELECT a FROM t WHERE a = ANY (SELECT a FROM u)',
  'SELECT sum(a) FILTER (WHERE b <> $$y$$) FROM t',
  'SELECT a, (SELECT c FROM u WHERE u.a = t.a AND c IS NOT NULL) AS c FROM t',
].map((q) => q.replaceAll('$$', "'"));

function normalize(rows: readonly (readonly unknown[])[]): string[] {
  return rows.map((r) => JSON.stringify(r.map((v) => (typeof v === 'bigint' ? Number(v) : v)))).sort();
}

describe('optimized plans keep SQL semantics', () => {
  for (const sql of QUERIES) {
    it(sql, async () => {
      const plan = optimize(bindQuery(sql, smallCatalog())).plan;
      const ours = run(plan, tables);
      const theirs = (await duck.query(sql)).map((r) => Object.values(r));
      expect(normalize(ours)).toEqual(normalize(theirs));
    });
  }

  it('keeps ORDER BY and LIMIT/OFFSET order exactly', async () => {
    const sql = 'SELECT b, a FROM t ORDER BY a DESC NULLS FIRST, b LIMIT 3 OFFSET 1';
    const ours = run(optimize(bindQuery(sql, smallCatalog())).plan, tables);
    const theirs = (await duck.query(sql)).map((r) => Object.values(r));
    expect(ours).toEqual(theirs);
  });
});
