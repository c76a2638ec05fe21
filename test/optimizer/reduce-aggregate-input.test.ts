/**
 * Rule `reduce-aggregate-input` (and the `push-down-semi-joins` guard that came with it): an
 * aggregate joined on its group keys to a much smaller input aggregates only the groups that join
 * can match; a semi join is not pushed below an inner join that shrinks its side.
 */
import { describe, expect, it } from 'vitest';
import { bindStatement } from '../../src/logical/binder/binder.ts';
import { explainPlan } from '../../src/logical/explain.ts';
import type { LogicalPlan } from '../../src/logical/plan.ts';
import { optimize } from '../../src/optimizer/optimizer.ts';
import { parseStatement } from '../../src/sql/index.ts';
import { tpchCatalog, tpchQuery } from './tpch-catalog.ts';

const catalog = tpchCatalog();

function plan(sql: string, disable: string[] = []): string {
  const stmt = bindStatement(parseStatement(sql), { catalog });
  if (stmt.kind !== 'query') throw new Error('not a query');
  const p: LogicalPlan = optimize(stmt.plan, { disable }).plan;
  return explainPlan(p, { rows: false });
}

describe('reduce-aggregate-input', () => {
  it('semi-joins the input of a per-part aggregate with the few parts it is joined to (Q17)', () => {
    const text = plan(tpchQuery(17));
    expect(text).toMatch(
      /Aggregate: group=\[l_partkey#\d+\].*\n\s+Join semi: l_partkey#\d+ = p_partkey\n\s+Scan: lineitem/,
    );
    expect(plan(tpchQuery(17), ['reduce-aggregate-input'])).not.toMatch(/Join semi/);
  });

  it('leaves an aggregate alone when the other side is not much smaller', () => {
    const sql = `SELECT o_orderkey, s FROM orders JOIN (SELECT l_orderkey, sum(l_quantity) AS s FROM lineitem GROUP BY l_orderkey) t ON o_orderkey = l_orderkey`;
    expect(plan(sql)).not.toMatch(/Join semi/);
  });

  it('only uses equalities on plain group columns', () => {
    const sql = `SELECT p_partkey, m FROM part JOIN (SELECT l_partkey + 1 AS k, max(l_quantity) AS m FROM lineitem GROUP BY l_partkey + 1) t ON p_partkey = k WHERE p_size = 3 AND p_brand = 'Brand#11'`;
    expect(plan(sql)).not.toMatch(/Join semi/);
  });
});

describe('push-down-semi-joins', () => {
  it('keeps the semi and anti joins above the selective supplier join (Q21)', () => {
    const text = plan(tpchQuery(21));
    const anti = text.indexOf('Join anti');
    const semi = text.indexOf('Join semi');
    const supplier = text.indexOf('Join inner: s_suppkey');
    expect(anti).toBeGreaterThan(-1);
    expect(anti).toBeLessThan(semi);
    expect(semi).toBeLessThan(supplier);
  });

  it('still moves an IN-subquery filter onto orders before the lineitem join (Q18)', () => {
    expect(plan(tpchQuery(18))).toMatch(/Join semi: o_orderkey = l_orderkey#\d+\n\s+Scan: orders/);
  });
});
