/**
 * Every TPC-H query binds, and its result columns have DuckDB's names and types over tables of the
 * same schema (`DESCRIBE <query>`). One deliberate difference: DuckDB sums integers into HUGEINT,
 * which Skein does not have; Skein's sum of integers is BIGINT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindStatement } from '../../src/logical/binder/binder.ts';
import { outputColumns } from '../../src/logical/plan.ts';
import { parseStatement } from '../../src/sql/index.ts';
import { TPCH_SCHEMAS, TPCH_TABLES } from '../../src/tpch/schema.ts';
import { typeToString } from '../../src/types/data-type.ts';
import { type DuckDb, openDuckDb } from '../helpers/duckdb.ts';
import { tpchCatalog, tpchQuery } from '../optimizer/tpch-catalog.ts';

const DUCK_TYPES = {
  int64: 'BIGINT',
  int32: 'INTEGER',
  decimal: 'DECIMAL(15,2)',
  date: 'DATE',
  string: 'VARCHAR',
} as const;
const catalog = tpchCatalog();
let duck: DuckDb;

beforeAll(async () => {
  duck = await openDuckDb({ threads: 1 });
  for (const t of TPCH_TABLES) {
    const cols = TPCH_SCHEMAS[t].map((c) => `${c.name} ${DUCK_TYPES[c.type]} NOT NULL`).join(', ');
    await duck.query(`CREATE TABLE ${t} (${cols})`);
  }
});
afterAll(() => duck.close());

describe('TPC-H queries bind with DuckDB result types', () => {
  for (let n = 1; n <= 22; n++) {
    it(`Q${n}`, async () => {
      const sql = tpchQuery(n);
      const stmt = bindStatement(parseStatement(sql), { catalog });
      expect(stmt.kind).toBe('query');
      if (stmt.kind !== 'query') return;
      const ours = outputColumns(stmt.plan).map((c) => `${c.name} ${typeToString(c.type)}`);
      const rows = await duck.query(`DESCRIBE ${sql.trim().replace(/;$/, '')}`);
      const theirs = rows.map(
        (r) => `${r.column_name} ${String(r.column_type).replace('HUGEINT', 'BIGINT')}`,
      );
      expect(ours).toEqual(theirs);
    });
  }
});
