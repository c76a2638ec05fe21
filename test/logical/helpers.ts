import { Catalog } from '../../src/catalog/catalog.ts';
import { bindStatement } from '../../src/logical/binder/binder.ts';
import { explainPlan } from '../../src/logical/explain.ts';
import { type LogicalPlan, outputColumns } from '../../src/logical/plan.ts';
import type { StatementPlan } from '../../src/logical/statement.ts';
import { parseStatement } from '../../src/sql/index.ts';
import { FLOAT64, INT32, typeToString, VARCHAR } from '../../src/types/data-type.ts';

/** t(a INTEGER, b VARCHAR), u(a INTEGER, c DOUBLE) as memory tables. */
export function smallCatalog(): Catalog {
  const c = new Catalog();
  c.createMemoryTable('t', [
    { name: 'a', type: INT32, nullable: true },
    { name: 'b', type: VARCHAR, nullable: true },
  ]);
  c.createMemoryTable('u', [
    { name: 'a', type: INT32, nullable: true },
    { name: 'c', type: FLOAT64, nullable: true },
  ]);
  return c;
}

export function bind(sql: string, catalog: Catalog = smallCatalog()): StatementPlan {
  return bindStatement(parseStatement(sql), { catalog });
}

export function bindQuery(sql: string, catalog: Catalog = smallCatalog()): LogicalPlan {
  const s = bind(sql, catalog);
  if (s.kind !== 'query') throw new Error(`not a query: ${sql}`);
  return s.plan;
}

/** `name TYPE` of each result column. */
export function columns(sql: string, catalog?: Catalog): string[] {
  return outputColumns(bindQuery(sql, catalog)).map((c) => `${c.name} ${typeToString(c.type)}`);
}

export function explain(sql: string, catalog?: Catalog): string {
  return explainPlan(bindQuery(sql, catalog), { rows: false });
}
