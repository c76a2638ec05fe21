import { describe, expect, it } from 'vitest';
import { withoutPositions } from '../../src/sql/ast.ts';
import { parseExpression, parseStatement, parseStatements } from '../../src/sql/parser.ts';
import { printExpr, printStatement } from '../../src/sql/print.ts';
import { CORPUS, tpchQueries, tpchSpecFormQueries } from './corpus.ts';

const cases = [
  ...tpchQueries(),
  ...tpchSpecFormQueries(),
  ...CORPUS.map((c, i) => ({ name: `corpus #${i + 1}: ${c.sql.slice(0, 60)}`, sql: c.sql })),
];

describe('print → parse round trip', () => {
  it('the corpus is large and varied enough', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(60);
    const kinds = new Set(CORPUS.map((c) => parseStatement(c.sql).kind));
    expect([...kinds].sort()).toEqual([
      'create_external_table',
      'create_table',
      'create_table_as',
      'create_view',
      'describe',
      'drop',
      'explain',
      'insert',
      'query',
      'set',
      'show_tables',
      'show_variable',
    ]);
  });

  it.each(cases)('$name', ({ sql }) => {
    const ast = parseStatement(sql);
    const text = printStatement(ast);
    const again = parseStatement(text);
    expect(withoutPositions(again)).toEqual(withoutPositions(ast));
    // the canonical text is a fixed point
    expect(printStatement(again)).toBe(text);
  });
});

describe('canonical text', () => {
  it.each([
    ['select A+1 "X" from T where not (b or c)', 'SELECT a + 1 AS "X" FROM t WHERE NOT (b OR c)'],
    [
      'select (a + b) * c, a + (b * c), (a - b) - c, a - (b - c) from t',
      'SELECT (a + b) * c, a + b * c, a - b - c, a - (b - c) FROM t',
    ],
    ['select x from t where (a or b) and c', 'SELECT x FROM t WHERE (a OR b) AND c'],
    [
      'select x::decimal(15,2), - -1, -(a+b) from t',
      'SELECT CAST(x AS DECIMAL(15, 2)), - -1, -(a + b) FROM t',
    ],
    ["select interval '90' day (3), date '1998-12-01'", "SELECT INTERVAL '90' DAY(3), DATE '1998-12-01'"],
    [
      'select * from a left outer join b using (k) cross join c',
      'SELECT * FROM a LEFT JOIN b USING (k) CROSS JOIN c',
    ],
    [
      'select a from t union (select b from u union select c from v)',
      'SELECT a FROM t UNION (SELECT b FROM u UNION SELECT c FROM v)',
    ],
    [
      '(select a from t) union all select b from u order by 1 fetch first 3 rows only',
      'SELECT a FROM t UNION ALL SELECT b FROM u ORDER BY 1 LIMIT 3',
    ],
    [
      "create external table t stored as parquet location 's3://b/t/' options (k 'v')",
      "CREATE EXTERNAL TABLE t STORED AS PARQUET LOCATION 's3://b/t/' OPTIONS ('k' = 'v')",
    ],
    [
      'select count(*) filter (where x) over (partition by a rows unbounded preceding) from t',
      'SELECT count(*) FILTER (WHERE x) OVER (PARTITION BY a ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t',
    ],
    ['select \'it\'\'s\', "Quoted""Name" from "order"', 'SELECT \'it\'\'s\', "Quoted""Name" FROM "order"'],
  ])('%s', (sql, canonical) => {
    expect(printStatement(parseStatement(sql))).toBe(canonical);
  });

  it('puts back exactly the parentheses precedence needs', () => {
    const cases: [string, string][] = [
      ['(a = b) = c', 'a = b = c'],
      ['a = (b = c)', 'a = (b = c)'],
      ['(a || b) || c', 'a || b || c'],
      ['a || (b || c)', 'a || (b || c)'],
      ['(a + b) || c', 'a + b || c'],
      ['(a || b) + c', '(a || b) + c'],
      ['(a AND b) OR c', 'a AND b OR c'],
      ['a AND (b OR c)', 'a AND (b OR c)'],
      ['NOT (a = b)', 'NOT a = b'],
      ['(NOT a) = b', '(NOT a) = b'],
      ['(a IS NULL) = b', '(a IS NULL) = b'],
      ['(a = b) IS NULL', 'a = b IS NULL'],
      ['(a BETWEEN b AND c) = d', 'a BETWEEN b AND c = d'],
      ['a = (b BETWEEN c AND d)', 'a = b BETWEEN c AND d'],
      ['(a = b) BETWEEN c AND d', '(a = b) BETWEEN c AND d'],
      ['a BETWEEN (b AND c) AND d', 'a BETWEEN (b AND c) AND d'],
      ['(a LIKE b) LIKE c', 'a LIKE b LIKE c'],
      ['a LIKE (b LIKE c)', 'a LIKE (b LIKE c)'],
      ['(-a)::int', 'CAST(-a AS INT)'],
      ['-(a::int)', '-CAST(a AS INT)'],
      ['- (- a)', '- -a'],
      ['(NOT EXISTS (SELECT 1)) = TRUE', '(NOT EXISTS (SELECT 1)) = TRUE'],
      ['NOT (EXISTS (SELECT 1))', 'NOT EXISTS (SELECT 1)'],
      ['(a IN (1)) IN (TRUE)', 'a IN (1) IN (TRUE)'],
    ];
    for (const [input, expected] of cases) {
      const e = parseExpression(input);
      expect(printExpr(e), input).toBe(expected);
      expect(withoutPositions(parseExpression(expected)), input).toEqual(withoutPositions(e));
    }
  });

  it('round-trips a whole script statement by statement', () => {
    const script = tpchQueries()
      .map((q) => q.sql)
      .join('\n');
    const statements = parseStatements(script);
    expect(statements).toHaveLength(22);
    const printed = statements.map(printStatement).join(';\n');
    expect(withoutPositions(parseStatements(printed))).toEqual(withoutPositions(statements));
  });
});
