/**
 * The bound and optimized plans of all 22 TPC-H queries compute DuckDB's answers: each plan runs
 * in a reference interpreter over TPC-H SF 0.01 (generated as Parquet, read back by DuckDB) and
 * its rows are compared with DuckDB's own result for the query, as multisets, numbers within a
 * relative 1e-9 (the interpreter computes decimals in doubles).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.ts';
import { bindStatement } from '../../src/logical/binder/binder.ts';
import { formatDate, parseDate } from '../../src/logical/literal.ts';
import { outputColumns } from '../../src/logical/plan.ts';
import { optimize } from '../../src/optimizer/optimizer.ts';
import { parseStatement } from '../../src/sql/index.ts';
import { generateTpch } from '../../src/tpch/generate.ts';
import { TPCH_SCHEMAS, TPCH_TABLES } from '../../src/tpch/schema.ts';
import { type DuckDb, openDuckDb, sqlString } from '../helpers/duckdb.ts';
import { run, type Tables, type Value } from './reference-interpreter.ts';
import { tpchQuery } from './tpch-catalog.ts';

let dir: string;
let duck: DuckDb;
const catalog = new Catalog();
const tables = new Map<string, Record<string, Value>[]>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-tpch-results-'));
  await generateTpch({ sf: 0.01, out: dir, threads: 1 });
  await catalog.registerDataDir(dir);
  duck = await openDuckDb({ threads: 1 });
  for (const t of TPCH_TABLES) {
    await duck.query(
      `CREATE VIEW ${t} AS SELECT * FROM read_parquet(${sqlString(join(dir, t, '*.parquet'))})`,
    );
    const dates = new Set(TPCH_SCHEMAS[t].filter((c) => c.type === 'date').map((c) => c.name));
    const rows = await duck.query(`SELECT * FROM ${t}`);
    tables.set(
      t,
      rows.map((r) => {
        const o: Record<string, Value> = {};
        for (const [k, v] of Object.entries(r)) o[k] = dates.has(k) ? parseDate(String(v))! : plain(v);
        return o;
      }),
    );
  }
}, 120_000);
afterAll(async () => {
  duck?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function plain(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^-?\d+\.\d+$/.test(v)) return Number(v);
  return v as Value;
}

/** Rows as plain values, sorted by a rounded rendering (so float noise does not reorder them). */
function sorted(rows: readonly (readonly unknown[])[]): Value[][] {
  const key = (r: readonly Value[]) =>
    JSON.stringify(r.map((v) => (typeof v === 'number' ? Number(v.toPrecision(6)) : v)));
  return rows
    .map((r) => r.map(plain))
    .map((r) => ({ r, k: key(r) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((x) => x.r);
}

/** Equal rows, numbers within 1e-9 relative (the interpreter computes decimals in doubles). */
function expectSameRows(
  ours: readonly (readonly unknown[])[],
  theirs: readonly (readonly unknown[])[],
): void {
  const a = sorted(ours);
  const b = sorted(theirs);
  expect(a.length).toBe(b.length);
  a.forEach((row, i) => {
    const other = b[i]!;
    const close = row.every((v, j) => {
      const w = other[j];
      if (typeof v === 'number' && typeof w === 'number')
        return Math.abs(v - w) <= 1e-9 * Math.max(1, Math.abs(v), Math.abs(w));
      return v === w;
    });
    if (!close) expect(row).toEqual(other);
  });
}

describe('TPC-H plans compute what DuckDB computes (SF 0.01)', () => {
  for (let n = 1; n <= 22; n++) {
    it(`Q${n}`, async () => {
      const sql = tpchQuery(n).trim().replace(/;$/, '');
      const stmt = bindStatement(parseStatement(sql), { catalog });
      if (stmt.kind !== 'query') throw new Error('query expected');
      const plan = optimize(stmt.plan).plan;
      const types = outputColumns(plan).map((c) => c.type.kind);
      const ours = run(plan, tables as Tables).map((r) =>
        r.map((v, i) => (types[i] === 'date' && v !== null ? formatDate(v as number) : v)),
      );
      const duckRows = (await duck.query(sql)).map((r) => Object.values(r));
      expectSameRows(ours, duckRows);
    });
  }
});
