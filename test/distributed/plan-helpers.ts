import { readFile } from 'node:fs/promises';
import type { Skein } from '../../src/engine/skein.ts';
import { bindStatement } from '../../src/logical/binder/binder.ts';
import type { PhysicalPlan } from '../../src/physical/plan.ts';
import { parseStatements } from '../../src/sql/index.ts';

/** The physical plan of a query's last statement (earlier ones, e.g. CREATE VIEW, are run). */
export async function physicalPlan(db: Skein, sql: string): Promise<PhysicalPlan> {
  await db.sql('SELECT 1');
  const stmts = parseStatements(sql);
  const bound = bindStatement(stmts[stmts.length - 1]!, { catalog: db.catalog });
  if (bound.kind !== 'query') throw new Error(`not a query: ${sql}`);
  return db.planQuery(bound.plan).physical;
}

export async function tpchQuery(n: number): Promise<string> {
  return readFile(
    new URL(`../data/tpch/queries/q${String(n).padStart(2, '0')}.sql`, import.meta.url),
    'utf8',
  );
}
