/**
 * TPC-H correctness: the 22 queries give DuckDB's results on the same Parquet files — same
 * columns, same rows, DECIMAL and DATE values exactly, DOUBLE within a relative 1e-9, in order
 * where the query orders them (ties compared as multisets).
 *
 * Scale factor 0.01 (generated into a temporary folder) in `npm test`; `npm run test:tpch-large`
 * sets SKEIN_TPCH_SF=1 (or any other) and keeps the data in ./.bench-data/sf<sf> (shared with the
 * benchmark) between runs.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Skein } from '../../src/engine/skein.ts';
import type { OrderByItem, Query } from '../../src/sql/ast.ts';
import { parseStatements } from '../../src/sql/index.ts';
import { generateTpch } from '../../src/tpch/generate.ts';
import { TPCH_TABLES } from '../../src/tpch/schema.ts';
import { diffRows, duckRows, type Rows, skeinRows } from '../engine/result-compare.ts';
import { type DuckDb, openDuckDb, sqlString } from '../helpers/duckdb.ts';

const SF = Number(process.env.SKEIN_TPCH_SF ?? '0.01');
const QUERIES = new URL('../data/tpch/queries/', import.meta.url);

let dir: string;
let temporary = false;
let duck: DuckDb;
let skein: Skein;

beforeAll(async () => {
  if (SF === 0.01) {
    dir = await mkdtemp(join(tmpdir(), 'skein-tpch-queries-'));
    temporary = true;
  } else {
    dir = join('.bench-data', `sf${SF}`);
  }
  if (!TPCH_TABLES.every((t) => existsSync(join(dir, t)))) await generateTpch({ sf: SF, out: dir });
  skein = new Skein({ data: dir });
  duck = await openDuckDb({ threads: 1 });
  for (const t of TPCH_TABLES) {
    await duck.query(
      `CREATE VIEW ${t} AS SELECT * FROM read_parquet(${sqlString(join(dir, t, '*.parquet'))})`,
    );
  }
}, 30 * 60_000);

afterAll(async () => {
  duck?.close();
  if (temporary && dir) await rm(dir, { recursive: true, force: true });
});

/** Output positions of the ORDER BY items of the query's last statement (by name or ordinal). */
function orderKeys(sql: string, names: readonly string[]): number[] {
  const stmts = parseStatements(sql);
  const last = stmts[stmts.length - 1]!;
  if (last.kind !== 'query') return [];
  return (last as Query).orderBy.map((o: OrderByItem) => {
    const e = o.expr;
    if (e.kind === 'number') return Number(e.text) - 1;
    if (e.kind === 'column') {
      const i = names.indexOf(e.name.value.toLowerCase());
      if (i >= 0) return i;
    }
    throw new Error(`cannot find ORDER BY item ${JSON.stringify(e)} among the output columns`);
  });
}

describe(`TPC-H SF ${SF}: Skein's results equal DuckDB's`, () => {
  for (let n = 1; n <= 22; n++) {
    const name = `q${String(n).padStart(2, '0')}`;
    it(
      name,
      async () => {
        const sql = await readFile(new URL(`${name}.sql`, QUERIES), 'utf8');
        let ours: Rows | undefined;
        for await (const r of skein.execute(sql)) {
          const rows = await skeinRows(r);
          if (r.kind === 'query') ours = rows;
        }
        const theirs = duckRows(await duck.query(sql));
        expect(ours).toBeDefined();
        expect(ours!.names).toEqual(theirs.names);
        const diffs = diffRows(ours!, theirs, orderKeys(sql, ours!.names));
        expect(diffs).toEqual([]);
        expect(ours!.rows.length).toBeGreaterThan(0);
      },
      10 * 60_000,
    );
  }
});
