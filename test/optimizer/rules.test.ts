import { describe, expect, it } from 'vitest';
import { CardinalityEstimator } from '../../src/logical/cardinality.ts';
import { explainPlan } from '../../src/logical/explain.ts';
import { splitJoinCondition } from '../../src/logical/join-keys.ts';
import { IdAllocator, type LogicalPlan, outputColumns, visitPlan } from '../../src/logical/plan.ts';
import { decorrelateSubqueries } from '../../src/optimizer/decorrelate-subqueries.ts';
import { eliminateOuterJoins } from '../../src/optimizer/eliminate-outer-joins.ts';
import { mergeProjections } from '../../src/optimizer/merge-projections.ts';
import { explainVerbose, formatTrace, optimize } from '../../src/optimizer/optimizer.ts';
import { pruneColumns } from '../../src/optimizer/prune-columns.ts';
import { pushDownFilters } from '../../src/optimizer/push-down-filters.ts';
import { pushDownLimit } from '../../src/optimizer/push-down-limit.ts';
import type { OptimizerRule } from '../../src/optimizer/rule.ts';
import { simplifyExpressions } from '../../src/optimizer/simplify-expressions.ts';
import { bindQuery, smallCatalog } from '../logical/helpers.ts';
import { tpchCatalog } from './tpch-catalog.ts';

const tpch = tpchCatalog();

function apply(rule: OptimizerRule, plan: LogicalPlan): LogicalPlan {
  const ids = IdAllocator.after(plan);
  return rule.apply(plan, { freshId: () => ids.fresh() });
}

/** EXPLAIN without estimates of `sql` after `rules`, in order. */
function withRules(sql: string, rules: readonly OptimizerRule[], catalog = smallCatalog()): string {
  let plan = bindQuery(sql, catalog);
  for (const r of rules) plan = apply(r, plan);
  return explainPlan(plan, { rows: false });
}

function joinTypes(plan: LogicalPlan): string[] {
  const out: string[] = [];
  visitPlan(plan, (p) => {
    if (p.kind === 'join') out.push(p.joinType);
  });
  return out;
}

describe('simplify-expressions', () => {
  it('folds casts and arithmetic on constants', () => {
    expect(
      withRules("SELECT a FROM t WHERE CAST('1998-09-02' AS DATE) > DATE '1998-01-01' AND a <= 1 + 10", [
        simplifyExpressions,
      ]),
    ).toContain('Filter: a <= 11');
    expect(withRules('SELECT CAST(0.05 AS DECIMAL(15,2)) * 2, 7 / 2, -(3)', [simplifyExpressions])).toContain(
      'Project: 0.10 AS',
    );
  });

  it('simplifies boolean logic and NOT', () => {
    expect(withRules('SELECT a FROM t WHERE a > 1 AND TRUE AND a > 1', [simplifyExpressions])).toContain(
      'Filter: a > 1\n',
    );
    expect(withRules('SELECT a FROM t WHERE a > 1 OR FALSE OR NULL', [simplifyExpressions])).toContain(
      'Filter: a > 1 OR NULL',
    );
    expect(
      withRules('SELECT a FROM t WHERE NOT (a < 1) AND NOT NOT (b IS NULL)', [simplifyExpressions]),
    ).toContain('Filter: a >= 1 AND b IS NULL');
    expect(withRules('SELECT a FROM t WHERE a > 1 AND FALSE', [simplifyExpressions])).toContain(
      'Filter: FALSE',
    );
  });

  it('factors conjuncts common to every OR branch (TPC-H Q19)', () => {
    expect(
      withRules("SELECT t.a FROM t, u WHERE (t.a = u.a AND b = 'x') OR (u.a = t.a AND t.a = u.a AND c > 1)", [
        simplifyExpressions,
      ]),
    ).toContain("Filter: a#0 = a#2 AND (b = 'x' OR c > 1.0)");
  });

  it('resolves constant CASE branches and one-item IN lists', () => {
    expect(
      withRules("SELECT CASE WHEN 1 > 2 THEN 'x' WHEN a > 0 THEN 'y' END FROM t WHERE a IN (3)", [
        simplifyExpressions,
      ]),
    ).toMatch(/Project: CASE WHEN a > 0 THEN 'y' END AS .*\n\s+Filter: a = 3/);
  });

  it('is idempotent: a second run returns the same plan object', () => {
    const once = apply(simplifyExpressions, bindQuery('SELECT a FROM t WHERE a > 1 + 1'));
    expect(apply(simplifyExpressions, once)).toBe(once);
  });
});

describe('decorrelate-subqueries', () => {
  const dec = (sql: string) => apply(decorrelateSubqueries, bindQuery(sql));

  it('turns [NOT] EXISTS into semi / anti joins on the correlated predicates', () => {
    const semi = dec('SELECT a FROM t WHERE EXISTS (SELECT * FROM u WHERE u.a = t.a AND c > 0)');
    expect(joinTypes(semi)).toEqual(['semi']);
    expect(explainPlan(semi, { rows: false })).toMatch(/Join semi: a#\d+ = a#\d+\n/);
    expect(joinTypes(dec('SELECT a FROM t WHERE NOT EXISTS (SELECT * FROM u WHERE u.a = t.a)'))).toEqual([
      'anti',
    ]);
  });

  it('turns IN into a semi join and NOT IN into a null-aware anti join', () => {
    expect(joinTypes(dec('SELECT a FROM t WHERE a IN (SELECT a FROM u)'))).toEqual(['semi']);
    expect(joinTypes(dec('SELECT a FROM t WHERE a NOT IN (SELECT a FROM u)'))).toEqual(['anti_null_aware']);
    const nonNull = tpchCatalog();
    const p = bindQuery(
      'SELECT n_name FROM nation WHERE n_regionkey NOT IN (SELECT r_regionkey FROM region)',
      nonNull,
    );
    expect(joinTypes(apply(decorrelateSubqueries, p))).toEqual(['anti']);
  });

  it('joins an uncorrelated scalar subquery: a cross join for an aggregate, else a single-row join', () => {
    const agg = dec('SELECT a FROM t WHERE a > (SELECT max(a) FROM u)');
    expect(joinTypes(agg)).toEqual(['inner']);
    expect(explainPlan(agg, { rows: false })).toContain('Cross Join');
    expect(joinTypes(dec('SELECT a FROM t WHERE a > (SELECT a FROM u LIMIT 1)'))).toEqual(['single']);
  });

  it('groups a correlated aggregate by its correlation keys and left-joins it (TPC-H Q17)', () => {
    const text = explainPlan(dec('SELECT a FROM t WHERE a > (SELECT avg(c) FROM u WHERE u.a = t.a)'), {
      rows: false,
    });
    expect(text).toMatch(/Join left: a#\d+ = a#\d+/);
    expect(text).toMatch(/Aggregate: group=\[a#2\] aggs=\[avg\(c\)/);
  });

  it('keeps COUNT at 0 for keys without rows', () => {
    const text = explainPlan(dec('SELECT a, (SELECT count(*) FROM u WHERE u.a = t.a) AS n FROM t'), {
      rows: false,
    });
    expect(text).toContain('CASE WHEN present IS NULL THEN 0 ELSE count_star() END AS n');
  });

  it('uses a mark join for EXISTS that is not a conjunct', () => {
    const p = dec("SELECT a FROM t WHERE b = 'x' OR EXISTS (SELECT * FROM u WHERE u.a = t.a)");
    expect(joinTypes(p)).toEqual(['mark']);
    expect(explainPlan(p, { rows: false })).toContain("Filter: b = 'x' OR coalesce(exists, FALSE)");
  });

  it('decorrelates nested subqueries bottom-up (TPC-H Q20 shape)', () => {
    const p = dec(
      'SELECT b FROM t WHERE a IN (SELECT a FROM u WHERE c > (SELECT count(*) FROM t t2 WHERE t2.a = u.a) AND a IN (SELECT a FROM t))',
    );
    expect(joinTypes(p).sort()).toEqual(['left', 'semi', 'semi']);
  });
});

describe('push-down-filters', () => {
  it('moves WHERE equalities of a comma join into the join and single-table ones into scans', () => {
    const text = withRules("SELECT t.a FROM t, u WHERE t.a = u.a AND b = 'x' AND c > 1", [pushDownFilters]);
    expect(text).toContain('Join inner: a#0 = a#2');
    expect(text).toContain("Scan: t [a#0, b] filters=[b = 'x']");
    expect(text).toContain('Scan: u [a#2, c] filters=[c > 1.0]');
  });

  it('moves through projections by substituting computed columns', () => {
    expect(withRules('SELECT k FROM (SELECT a + 1 AS k FROM t) s WHERE k > 5', [pushDownFilters])).toContain(
      'Scan: t [a, b] filters=[a + 1 > 5]',
    );
  });

  it('respects outer joins: only the preserved side gets WHERE filters; ON filters go to the other', () => {
    const text = withRules(
      'SELECT * FROM t LEFT JOIN u ON t.a = u.a AND c > 0 WHERE b IS NULL AND c IS NULL',
      [pushDownFilters],
    );
    expect(text).toMatch(/^Project: .*\n\s+Filter: c IS NULL\n\s+Join left: a#0 = a#2\n/);
    expect(text).toContain('Scan: t [a#0, b] filters=[b IS NULL]');
    expect(text).toContain('Scan: u [a#2, c] filters=[c > 0.0]');
  });

  it('derives a filter for each side from an OR that spans both (TPC-H Q7, Q19)', () => {
    const text = withRules("SELECT t.a FROM t, u WHERE (b = 'x' AND c = 1) OR (b = 'y' AND c = 2)", [
      pushDownFilters,
    ]);
    expect(text).toContain("Join inner: b = 'x' AND c = 1.0 OR b = 'y' AND c = 2.0");
    expect(text).toContain("Scan: t [a#0, b] filters=[b = 'x' OR b = 'y']");
    expect(text).toContain('Scan: u [a#2, c] filters=[c = 1.0 OR c = 2.0]');
  });

  it('does not move filters through a LIMIT', () => {
    expect(withRules('SELECT a FROM (SELECT a FROM t LIMIT 5) s WHERE a > 1', [pushDownFilters])).toMatch(
      /Filter: a > 1\n\s+Limit: 5/,
    );
  });
});

describe('eliminate-outer-joins', () => {
  it('makes a LEFT JOIN inner under a filter that rejects NULLs of its right side', () => {
    expect(
      joinTypes(
        apply(eliminateOuterJoins, bindQuery('SELECT * FROM t LEFT JOIN u ON t.a = u.a WHERE c > 1')),
      ),
    ).toEqual(['inner']);
    expect(
      joinTypes(
        apply(eliminateOuterJoins, bindQuery('SELECT * FROM t LEFT JOIN u ON t.a = u.a WHERE c IS NULL')),
      ),
    ).toEqual(['left']);
    expect(
      joinTypes(
        apply(eliminateOuterJoins, bindQuery('SELECT * FROM t FULL JOIN u ON t.a = u.a WHERE b > 1')),
      ),
    ).toEqual(['left']);
  });
});

describe('reorder-joins', () => {
  it('joins along predicates, smallest result first, smaller input on the right', () => {
    const { plan } = optimize(
      bindQuery(
        "SELECT count(*) FROM lineitem, orders, customer WHERE l_orderkey = o_orderkey AND o_custkey = c_custkey AND c_mktsegment = 'BUILDING'",
        tpch,
      ),
    );
    const text = explainPlan(plan, { rows: false });
    expect(text).toMatch(
      /Join inner: l_orderkey = o_orderkey\n\s+Scan: lineitem.*\n\s+Join inner: o_custkey = c_custkey\n\s+Scan: orders.*\n\s+Scan: customer/,
    );
    expect(text).not.toContain('Cross Join');
  });

  it('uses equivalence classes: a join the query only implies', () => {
    const { plan } = optimize(
      bindQuery(
        'SELECT count(*) FROM customer, supplier, nation WHERE c_nationkey = s_nationkey AND s_nationkey = n_nationkey',
        tpch,
      ),
    );
    expect(explainPlan(plan, { rows: false })).toMatch(
      /c_nationkey = n_nationkey|n_nationkey = c_nationkey|c_nationkey = s_nationkey/,
    );
    expect(explainPlan(plan, { rows: false })).not.toContain('Cross Join');
  });
});

describe('push-down-limit', () => {
  it('makes LIMIT over ORDER BY a top-k and moves LIMIT through projections into scans', () => {
    expect(withRules('SELECT a FROM t ORDER BY a LIMIT 5', [pushDownLimit])).toMatch(/^Sort: a top=5\n/);
    expect(withRules('SELECT a FROM t ORDER BY a LIMIT 5 OFFSET 2', [pushDownLimit])).toMatch(
      /^Limit: 5 offset=2\n\s+Sort: a top=7/,
    );
    expect(withRules('SELECT a + 1 FROM t LIMIT 3', [pushDownLimit])).toMatch(
      /Project: .*\n\s+Limit: 3\n\s+Scan: t \[a, b\] limit=3/,
    );
  });
});

describe('prune-columns and merge-projections', () => {
  it('reads only the columns the query uses', () => {
    expect(withRules('SELECT b FROM t, u WHERE t.a = u.a', [pushDownFilters, pruneColumns])).toMatch(
      /Scan: t \[a#0, b\]\n\s+Scan: u \[a#2\]$/,
    );
    expect(withRules('SELECT count(*) FROM t', [pruneColumns])).toContain('Scan: t []');
  });

  it('merges stacked projections and drops identity ones', () => {
    expect(withRules('SELECT k + 1 FROM (SELECT a * 2 AS k FROM t) s', [mergeProjections])).toMatch(
      /^Project: a \* 2 \+ 1 AS .*\n\s+Scan/,
    );
    expect(withRules('SELECT * FROM (SELECT a, b FROM t) s', [mergeProjections])).toMatch(
      /^Scan: t \[a, b\]$/,
    );
  });
});

describe('optimize', () => {
  it('traces which rules changed the plan, with the plan after each', () => {
    const r = optimize(
      bindQuery('SELECT a FROM t WHERE EXISTS (SELECT * FROM u WHERE u.a = t.a) AND a > 1 + 1'),
      { trace: true },
    );
    const fired = r.trace.filter((t) => t.changed).map((t) => t.rule);
    expect(fired).toEqual(
      expect.arrayContaining([
        'simplify-expressions',
        'decorrelate-subqueries',
        'push-down-filters',
        'prune-columns',
      ]),
    );
    expect(formatTrace(r.trace)).toMatch(/-- after decorrelate-subqueries:\n(.*\n)*.*Join semi/);
  });

  it('leaves the result columns as they were', () => {
    const bound = bindQuery('SELECT b AS x, a FROM t JOIN u USING (a) WHERE c > 0 ORDER BY 1 LIMIT 3');
    expect(outputColumns(optimize(bound).plan)).toEqual(outputColumns(bound));
  });
});

describe('helpers', () => {
  it('splitJoinCondition finds equi-keys either way round and keeps the rest', () => {
    const plan = bindQuery('SELECT * FROM t JOIN u ON u.a = t.a AND t.a + 1 = u.a AND c > t.a');
    const j = (plan as { input: LogicalPlan }).input as Extract<LogicalPlan, { kind: 'join' }>;
    const { keys, residual } = splitJoinCondition(j.condition, outputColumns(j.left), outputColumns(j.right));
    expect(keys).toHaveLength(2);
    expect(keys.every((k) => !k.nullSafe)).toBe(true);
    expect(residual).not.toBeNull();
  });

  it('estimates range predicates from min/max', () => {
    const plan = bindQuery("SELECT * FROM orders WHERE o_orderdate < DATE '1995-03-15'", tpch);
    const est = new CardinalityEstimator(plan);
    const optimized = optimize(plan).plan;
    // 1992-01-01 .. 1998-08-02, cut at 1995-03-15: about half the orders.
    const e2 = new CardinalityEstimator(optimized);
    expect(e2.rows(optimized)).toBeGreaterThan(650_000);
    expect(e2.rows(optimized)).toBeLessThan(800_000);
    expect(est.rows(plan)).toBeGreaterThan(0);
  });
});

describe('plans are plain data', () => {
  it('survive a JSON round trip unchanged, before and after optimization', () => {
    const bound = bindQuery(
      "SELECT a, count(*) FROM t WHERE b LIKE 'x%' AND a IN (SELECT a FROM u WHERE c > 0.5) GROUP BY a ORDER BY 2 DESC LIMIT 3",
    );
    expect(JSON.parse(JSON.stringify(bound))).toEqual(bound);
    const { plan } = optimize(bound);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    expect(Object.isFrozen(plan)).toBe(true);
  });

  it('explainVerbose shows the bound plan, each rule that fired and its output', () => {
    const text = explainVerbose(bindQuery('SELECT a FROM t WHERE a IN (SELECT a FROM u)'));
    expect(text).toMatch(/^-- bound plan:\n/);
    expect(text).toContain('-- after decorrelate-subqueries:');
    expect(text).toMatch(/-- rules that changed the plan: .*decorrelate-subqueries/);
  });
});
