/**
 * `skein serve` through the official `trino-client` package, as users' programs talk to it:
 * TPC-H queries give DuckDB's results on the same Parquet files, an unknown table's error arrives
 * on the first page with its location, a cancelled query ends FAILED, and 8 queries at once all
 * get the right answers.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type QueryResult, Trino } from 'trino-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServe, startServe } from '../../src/cli/serve.ts';
import { generateTpch } from '../../src/tpch/generate.ts';
import { type Cell, diffRows, duckRows, type Rows } from '../engine/result-compare.ts';
import { type DuckDb, openDuckDb, sqlString } from '../helpers/duckdb.ts';

const TABLES = ['customer', 'orders', 'lineitem'] as const;
const QUERIES = new URL('../data/tpch/queries/', import.meta.url);
/** The ORDER BY keys (output positions) of the queries used here. */
const ORDER_KEYS: Record<string, number[]> = { q01: [0, 1], q03: [1, 2], q06: [], q13: [1, 0] };

let dir: string;
let server: RunningServe;
let duck: DuckDb;
let trino: Trino;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-gw-trino-'));
  await generateTpch({ sf: 0.01, out: dir, tables: [...TABLES], threads: 1 });
  server = await startServe({ host: '127.0.0.1', port: 0, data: dir });
  trino = Trino.create({
    server: server.url,
    source: 'skein-test',
    extraHeaders: { 'X-Trino-User': 'tester' },
  });
  duck = await openDuckDb({ threads: 1 });
  for (const t of TABLES) {
    await duck.query(
      `CREATE VIEW ${t} AS SELECT * FROM read_parquet(${sqlString(join(dir, t, '*.parquet'))})`,
    );
  }
}, 120_000);

afterAll(async () => {
  duck?.close();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every QueryResult of a query, read through the client's iterator. */
async function results(sql: string): Promise<QueryResult[]> {
  const out: QueryResult[] = [];
  for await (const r of await trino.query(sql)) out.push(r);
  return out;
}

/** The rows of a query in the comparable form of result-compare.ts. */
async function rowsOf(sql: string): Promise<Rows> {
  const all = await results(sql);
  const failed = all.find((r) => r.error);
  if (failed) throw new Error(`query failed: ${failed.error!.message}`);
  const columns = all.find((r) => r.columns)?.columns ?? [];
  const rows = all.flatMap((r) => r.data ?? []);
  return {
    names: columns.map((c) => c.name),
    rows: rows.map((row: unknown[]) =>
      row.map((v, i): Cell => {
        if (v === null) return null;
        return columns[i]!.type === 'double' ? Number(v) : String(v);
      }),
    ),
  };
}

describe('skein serve with trino-client', () => {
  for (const q of ['q01', 'q03', 'q06', 'q13']) {
    it(`TPC-H ${q} equals DuckDB`, async () => {
      const sql = (await readFile(new URL(`${q}.sql`, QUERIES), 'utf8')).trim().replace(/;\s*$/, '');
      const ours = await rowsOf(sql);
      const theirs = duckRows(await duck.query(sql));
      expect(ours.names).toEqual(theirs.names);
      expect(ours.rows.length).toBeGreaterThan(0);
      expect(diffRows(ours, theirs, ORDER_KEYS[q]!)).toEqual([]);
    }, 60_000);
  }

  it('reports an unknown table on the first page, with its location', async () => {
    const iter = await trino.query('SELECT count(*)\n  FROM lineitem JOIN no_such_table ON true');
    const first = await iter.next();
    expect(first.done).toBe(false);
    const error = first.value.error as QueryResult['error'] & {
      errorLocation?: { lineNumber: number; columnNumber: number };
    };
    expect(error).toMatchObject({ errorName: 'TABLE_NOT_FOUND', errorType: 'USER_ERROR' });
    expect(error!.message).toMatch(/no_such_table/);
    expect(error!.errorLocation).toEqual({ lineNumber: 2, columnNumber: 22 });
    expect(first.value.stats?.state).toBe('FAILED');
  });

  it('cancels a running query: it ends FAILED', async () => {
    const iter = await trino.query(
      'SELECT count(*) FROM orders a, orders b WHERE a.o_orderkey + b.o_custkey > 0 AND a.o_orderkey < 40000',
    );
    // The client hands out the POST's answer (with the query id) only through its iterator's state;
    // its first next() would wait for data, i.e. for the end of this long query.
    const id = (iter as unknown as { iter: { queryResult: QueryResult } }).iter.queryResult.id;
    expect(id).toMatch(/\S/);
    await trino.cancel(id);
    let last: QueryResult | undefined;
    for await (const r of iter) last = r;
    expect(last?.stats?.state).toBe('FAILED');
    expect(last?.error?.errorName).toBe('USER_CANCELED');
    const info = await trino.queryInfo(id);
    expect(info).toMatchObject({ queryId: id, state: 'FAILED' });
  }, 60_000);

  it('answers 8 concurrent queries, each correctly', async () => {
    const sqls = Array.from(
      { length: 8 },
      (_, i) => `SELECT count(*) AS n, sum(o_totalprice) AS s FROM orders WHERE o_orderkey % 8 = ${i}`,
    );
    const ours = await Promise.all(sqls.map((s) => rowsOf(s)));
    for (let i = 0; i < 8; i++) {
      const theirs = duckRows(await duck.query(sqls[i]!));
      expect(diffRows(ours[i]!, theirs, [])).toEqual([]);
    }
    const total = ours.reduce((s, r) => s + Number(r.rows[0]![0]), 0);
    expect(total).toBe(15_000);
  }, 60_000);
});
