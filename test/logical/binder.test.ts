import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.ts';
import { outputColumns } from '../../src/logical/plan.ts';
import { bind, bindQuery, columns, explain, smallCatalog } from './helpers.ts';

describe('name resolution', () => {
  it('expands * and t.*, and shows a USING column once', () => {
    expect(columns('SELECT * FROM t')).toEqual(['a INTEGER', 'b VARCHAR']);
    expect(columns('SELECT * FROM t JOIN u USING (a)')).toEqual(['a INTEGER', 'b VARCHAR', 'c DOUBLE']);
    expect(columns('SELECT * FROM t NATURAL JOIN u')).toEqual(['a INTEGER', 'b VARCHAR', 'c DOUBLE']);
    expect(columns('SELECT u.*, t.b FROM t JOIN u ON t.a = u.a')).toEqual([
      'a INTEGER',
      'c DOUBLE',
      'b VARCHAR',
    ]);
    expect(columns('SELECT * FROM t FULL JOIN u USING (a)')).toEqual(['a INTEGER', 'b VARCHAR', 'c DOUBLE']);
  });

  it('a USING column is unqualified-unique but each side stays reachable qualified', () => {
    const plan = bindQuery('SELECT a, t.a, u.a FROM t JOIN u USING (a)');
    const ids = outputColumns(plan).map((c) => c.id);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[1]);
  });

  it('renames columns with a table alias column list', () => {
    expect(columns('SELECT x.p, q FROM t AS x(p, q)')).toEqual(['p INTEGER', 'q VARCHAR']);
    expect(() => bindQuery('SELECT a FROM t AS x(p)')).toThrow(/column 'a' does not exist/);
  });

  it('binds a CTE anew at each use, so a self-join has distinct columns', () => {
    const plan = bindQuery('WITH c AS (SELECT a FROM t) SELECT c1.a, c2.a FROM c c1, c c2 WHERE c1.a = c2.a');
    const [x, y] = outputColumns(plan);
    expect(x!.id).not.toBe(y!.id);
    expect(
      explain('WITH c AS (SELECT a FROM t) SELECT c1.a, c2.a FROM c c1, c c2').match(/Scan: t/g),
    ).toHaveLength(2);
  });

  it('lets a later CTE use an earlier one, and CTE column lists rename', () => {
    expect(
      columns('WITH x(k) AS (SELECT a FROM t), y AS (SELECT k + 1 AS j FROM x) SELECT * FROM y'),
    ).toEqual(['j INTEGER']);
  });

  it('resolves derived tables with column lists (TPC-H Q13 style)', () => {
    expect(
      columns('SELECT n, count(*) FROM (SELECT a, count(b) FROM t GROUP BY a) AS s (k, n) GROUP BY n'),
    ).toEqual(['n BIGINT', 'count_star() BIGINT']);
  });

  it('sees outer columns from a correlated subquery', () => {
    const text = explain('SELECT a FROM t WHERE EXISTS (SELECT * FROM u WHERE u.a = t.a)');
    expect(text).toContain('EXISTS (subquery #1)');
    expect(text).toMatch(/Filter: a#\d+ = a#\d+/);
  });

  it('expands views, with their column names', () => {
    const catalog = smallCatalog();
    const v = bind('CREATE VIEW v (x, y) AS SELECT a, b FROM t WHERE a > 0', catalog);
    expect(v.kind).toBe('create_view');
    if (v.kind !== 'create_view') return;
    catalog.createView(v.name, v.query, { columns: v.columns });
    expect(columns('SELECT y, x FROM v', catalog)).toEqual(['y VARCHAR', 'x INTEGER']);
    expect(explain('SELECT x FROM v', catalog)).toContain('Filter: a > 0');
  });
});

describe('SELECT clauses', () => {
  it('orders by a select alias, an ordinal, or a column not selected', () => {
    expect(explain('SELECT a AS x FROM t ORDER BY x DESC')).toMatch(/^Sort: x DESC\n/);
    expect(explain('SELECT a, b FROM t ORDER BY 2')).toMatch(/^Sort: b\n/);
    const text = explain('SELECT a FROM t ORDER BY b');
    expect(text.split('\n').map((l) => l.trim().split(':')[0])).toEqual([
      'Project',
      'Sort',
      'Project',
      'Scan',
    ]);
    expect(columns('SELECT a FROM t ORDER BY b')).toEqual(['a INTEGER']);
  });

  it('groups by ordinal, by alias and by an expression matching the select list', () => {
    for (const g of ['1', 'k', 'a + 1']) {
      const text = explain(`SELECT a + 1 AS k, count(*) FROM t GROUP BY ${g}`);
      expect(text).toContain('Aggregate: group=[a + 1 AS k] aggs=[count_star() AS count_star()]');
    }
  });

  it('applies HAVING over aggregates after grouping', () => {
    const text = explain(
      'SELECT a FROM t GROUP BY a HAVING count(*) > 1 AND max(b) <> $$x$$'.replace('$$x$$', "'x'"),
    );
    expect(text).toMatch(
      /Filter: count_star\(\) > 1 AND max\(b\) <> 'x'\n\s+Aggregate: group=\[a\] aggs=\[count_star\(\) AS count_star\(\), max\(b\) AS max\(b\)\]/,
    );
  });

  it('aggregates without GROUP BY, with DISTINCT and FILTER', () => {
    expect(explain('SELECT count(DISTINCT a) FILTER (WHERE b IS NOT NULL) FROM t')).toContain(
      'aggs=[count(DISTINCT a) FILTER (WHERE b IS NOT NULL) AS',
    );
  });

  it('computes window functions after aggregation', () => {
    expect(columns('SELECT a, sum(count(*)) OVER (ORDER BY a) AS s FROM t GROUP BY a')).toEqual([
      'a INTEGER',
      's BIGINT',
    ]);
    expect(explain('SELECT b, row_number() OVER (PARTITION BY a ORDER BY b) FROM t')).toContain(
      'Window: row_number() OVER (PARTITION BY a ORDER BY b)',
    );
  });

  it('unifies types across UNION and VALUES like DuckDB', () => {
    expect(columns('SELECT 1 UNION ALL SELECT 2.5')).toEqual(['1 DECIMAL(11,1)']);
    expect(columns("VALUES (1, 'x'), (2, NULL)")).toEqual(['col0 INTEGER', 'col1 VARCHAR']);
    expect(explain('SELECT a FROM t UNION SELECT a FROM u')).toMatch(/^Distinct\n\s+Union All/);
    expect(explain('SELECT a FROM t EXCEPT SELECT a FROM u')).toContain(
      'Join anti: a#0 IS NOT DISTINCT FROM a#2',
    );
  });

  it('types literals like DuckDB', () => {
    expect(
      columns("SELECT 100.00, 1, 3000000000, 'x', DATE '1995-01-01', INTERVAL '3' MONTH, 1e3, 0.0001000000"),
    ).toEqual([
      '100.00 DECIMAL(5,2)',
      '1 INTEGER',
      '3000000000 BIGINT',
      "'x' VARCHAR",
      "DATE '1995-01-01' DATE",
      "INTERVAL '3' MONTH INTERVAL",
      '1e3 DOUBLE',
      '0.0001000000 DECIMAL(11,10)',
    ]);
  });

  it('converts constants to the type they are compared with', () => {
    expect(explain("SELECT a FROM t WHERE a = '5'")).toContain('Filter: a = 5');
    const d = new Catalog();
    d.createMemoryTable('e', [{ name: 'd', type: { kind: 'date' }, nullable: false }]);
    expect(explain("SELECT d FROM e WHERE d < '1998-12-01'", d)).toContain("Filter: d < DATE '1998-12-01'");
  });

  it('lowers BETWEEN, IN lists, simple CASE and IS TRUE', () => {
    expect(explain('SELECT a FROM t WHERE a BETWEEN 1 AND 3')).toContain('Filter: a >= 1 AND a <= 3');
    expect(explain('SELECT a FROM t WHERE a NOT IN (1, 2)')).toContain('Filter: a NOT IN (1, 2)');
    expect(explain("SELECT CASE a WHEN 1 THEN 'one' END FROM t")).toContain("CASE WHEN a = 1 THEN 'one' END");
    expect(explain('SELECT a FROM t WHERE (a > 1) IS TRUE')).toContain('Filter: coalesce(a > 1, FALSE)');
  });
});

describe('statements', () => {
  it('binds DDL and DML', () => {
    const catalog = smallCatalog();
    const ct = bind('CREATE TABLE w (x INT NOT NULL, y DECIMAL(10,2), PRIMARY KEY (x))', catalog);
    expect(ct).toMatchObject({ kind: 'create_table', name: 'w', primaryKey: ['x'] });
    if (ct.kind !== 'create_table') return;
    catalog.createMemoryTable(ct.name, ct.schema);
    const ins = bind('INSERT INTO w (y, x) VALUES (1.5, 2)', catalog);
    expect(ins.kind).toBe('insert');
    if (ins.kind !== 'insert') return;
    expect(outputColumns(ins.plan).map((c) => `${c.name} ${c.type.kind}`)).toEqual(['x int32', 'y decimal']);
    expect(() => bind('INSERT INTO w (y) VALUES (1)', catalog)).toThrow(/column 'x' of 'w' is NOT NULL/);
    expect(bind('CREATE TABLE z AS SELECT a FROM t', catalog)).toMatchObject({
      kind: 'create_table_as',
      name: 'z',
    });
    expect(() => bind('CREATE TABLE t (a INT)', catalog)).toThrow(/a table named 't' already exists/);
    expect(bind('DROP TABLE IF EXISTS t, nope', catalog)).toMatchObject({
      kind: 'drop',
      names: ['t', 'nope'],
      ifExists: true,
    });
    expect(bind('SET threads = 4', catalog)).toMatchObject({ kind: 'set', name: 'threads', value: 4 });
    expect(bind('DESCRIBE u', catalog)).toMatchObject({
      kind: 'describe',
      columns: [{ name: 'a' }, { name: 'c' }],
    });
    expect(bind("CREATE EXTERNAL TABLE x STORED AS PARQUET LOCATION '/data/x'", catalog)).toMatchObject({
      kind: 'create_external_table',
      format: 'parquet',
      location: '/data/x',
    });
    const ex = bind('EXPLAIN VERBOSE SELECT 1', catalog);
    expect(ex).toMatchObject({ kind: 'explain', verbose: true, statement: { kind: 'query' } });
  });
});
