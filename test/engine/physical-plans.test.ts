/**
 * Physical plans: golden EXPLAIN text of the 22 TPC-H queries over SF 1 statistics (run with
 * UPDATE_GOLDEN=1 to rewrite `golden/`, then review the diff), plans as plain JSON data, and the
 * planner's choices (hash joins with the smaller input as build side, TopK for ORDER BY + LIMIT).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Skein } from '../../src/engine/skein.ts';
import { bindStatement } from '../../src/logical/binder/binder.ts';
import { optimize } from '../../src/optimizer/optimizer.ts';
import { explainPhysical } from '../../src/physical/explain.ts';
import { type PhysicalPlan, visitPhysical } from '../../src/physical/plan.ts';
import { planPhysical } from '../../src/physical/planner.ts';
import { parseStatement } from '../../src/sql/index.ts';
import { tpchCatalog, tpchQuery } from '../optimizer/tpch-catalog.ts';

const catalog = tpchCatalog();
const GOLDEN = new URL('./golden/', import.meta.url);

function physical(n: number): PhysicalPlan {
  const stmt = bindStatement(parseStatement(tpchQuery(n)), { catalog });
  if (stmt.kind !== 'query') throw new Error('not a query');
  return planPhysical(optimize(stmt.plan).plan, { catalog });
}

function nodes(plan: PhysicalPlan): PhysicalPlan[] {
  const out: PhysicalPlan[] = [];
  visitPhysical(plan, (p) => out.push(p));
  return out;
}

describe('TPC-H physical plans', () => {
  for (let n = 1; n <= 22; n++) {
    const name = `q${String(n).padStart(2, '0')}`;
    it(`${name}: golden EXPLAIN text`, () => {
      const text = `${explainPhysical(physical(n))}\n`;
      const file = new URL(`${name}.txt`, GOLDEN);
      if (process.env.UPDATE_GOLDEN) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, text);
      }
      expect(text).toBe(readFileSync(file, 'utf8'));
    });

    it(`${name}: plain JSON data, frozen, with unique node ids`, () => {
      const plan = physical(n);
      expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
      const all = nodes(plan);
      expect(all.every((p) => Object.isFrozen(p))).toBe(true);
      expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
    });

    it(`${name}: hash joins build on the smaller input; aggregates run in single mode`, () => {
      for (const p of nodes(physical(n))) {
        if (p.kind === 'hash_join' && p.left.estimatedRows !== null && p.right.estimatedRows !== null) {
          const build = p.config.buildSide === 'right' ? p.right : p.left;
          const probe = p.config.buildSide === 'right' ? p.left : p.right;
          expect(build.estimatedRows!).toBeLessThanOrEqual(probe.estimatedRows!);
        }
        if (p.kind === 'hash_aggregate') expect(p.config.mode).toBe('single');
        // Nested loops only against a handful of rows (scalar subqueries; Q7's two nations).
        if (p.kind === 'nested_loop_join') expect(p.right.estimatedRows).toBeLessThanOrEqual(10);
      }
    });
  }

  it('ORDER BY … LIMIT becomes TopK', () => {
    for (const n of [2, 3, 10, 18, 21]) {
      expect(nodes(physical(n)).some((p) => p.kind === 'top_k')).toBe(true);
      expect(nodes(physical(n)).some((p) => p.kind === 'sort')).toBe(false);
    }
  });

  it('scans read only the columns the query needs and carry its filters', () => {
    const scan = nodes(physical(6)).find((p) => p.kind === 'memory_scan');
    expect(scan?.schema.map((f) => f.name)).toEqual([
      'l_quantity',
      'l_extendedprice',
      'l_discount',
      'l_shipdate',
    ]);
    expect(scan?.kind === 'memory_scan' && scan.predicate !== null).toBe(true);
  });
});

describe('a plan survives a JSON round trip and still runs', () => {
  it('gives the same rows', async () => {
    const db = new Skein({ data: 'test/data/slt' });
    await db.sql('SELECT 1'); // the data folder is registered
    const sql =
      "SELECT p.city, count(*) AS n, sum(o.amount) AS total FROM orders o JOIN people p ON o.id = p.id WHERE p.born < DATE '1950-01-01' GROUP BY p.city ORDER BY n DESC, p.city";
    const stmt = bindStatement(parseStatement(sql), { catalog: db.catalog });
    if (stmt.kind !== 'query') throw new Error('not a query');
    const plan = db.planQuery(stmt.plan).physical;
    const rows = async (p: PhysicalPlan) => {
      const out: string[] = [];
      for await (const b of db.runPlan(p).stream) {
        for (let i = 0; i < b.length; i++)
          out.push(JSON.stringify(b.columns.map((v) => ('values' in v ? String(v.values[i]) : v.kind))));
      }
      return out;
    };
    const direct = await rows(plan);
    expect(direct.length).toBeGreaterThan(0);
    expect(await rows(JSON.parse(JSON.stringify(plan)))).toEqual(direct);
  });
});
