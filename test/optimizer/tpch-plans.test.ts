/**
 * Golden optimized plans of TPC-H queries over SF 1 statistics. Run with UPDATE_GOLDEN=1 to
 * rewrite the files under `golden/`, then review the diff like code.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bindStatement } from '../../src/logical/binder/binder.ts';
import { explainPlan } from '../../src/logical/explain.ts';
import { hasSubquery } from '../../src/logical/expr.ts';
import { type LogicalPlan, nodeExprs, visitPlan } from '../../src/logical/plan.ts';
import { optimize } from '../../src/optimizer/optimizer.ts';
import { parseStatement } from '../../src/sql/index.ts';
import { tpchCatalog, tpchQuery } from './tpch-catalog.ts';

const catalog = tpchCatalog();
const GOLDEN = new URL('./golden/', import.meta.url);

function optimized(n: number): LogicalPlan {
  const stmt = bindStatement(parseStatement(tpchQuery(n)), { catalog });
  if (stmt.kind !== 'query') throw new Error('not a query');
  return optimize(stmt.plan).plan;
}

function kinds(plan: LogicalPlan): string[] {
  const out: string[] = [];
  visitPlan(plan, (p) => out.push(p.kind === 'join' ? `join:${p.joinType}` : p.kind));
  return out;
}

describe('golden optimized plans', () => {
  for (const n of [1, 3, 5, 17, 18, 21]) {
    it(`TPC-H Q${n}`, () => {
      const text = `${explainPlan(optimized(n))}\n`;
      const file = new URL(`q${String(n).padStart(2, '0')}.txt`, GOLDEN);
      if (process.env.UPDATE_GOLDEN) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, text);
      }
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }
});

describe('all 22 TPC-H queries optimize to join plans', () => {
  for (let n = 1; n <= 22; n++) {
    it(`Q${n} has no subquery expressions and no cross joins left`, () => {
      const plan = optimized(n);
      visitPlan(plan, (p) => {
        expect(nodeExprs(p).some(hasSubquery)).toBe(false);
        // A cross join is only acceptable against a single-row input (Q11, Q15, Q22's scalar subqueries).
        if (p.kind === 'join' && p.joinType === 'inner' && p.condition === null) {
          expect(kinds(p.right)[0]).toMatch(/aggregate|project/);
        }
      });
    });
  }

  it('Q17 joins the per-part average instead of running a subquery per row', () => {
    const ks = kinds(optimized(17));
    expect(ks.filter((k) => k === 'aggregate')).toHaveLength(2);
    expect(ks).not.toContain('join:left');
  });

  it('Q21 has one semi and one anti join on l_orderkey', () => {
    const ks = kinds(optimized(21));
    expect(ks).toContain('join:semi');
    expect(ks).toContain('join:anti');
  });

  it('Q16 NOT IN becomes an anti join (no NULLs possible), Q18 IN a semi join below the lineitem join', () => {
    expect(kinds(optimized(16))).toContain('join:anti');
    const text = explainPlan(optimized(18));
    expect(text).toMatch(/Join semi: o_orderkey = l_orderkey#\d+/);
  });
});
