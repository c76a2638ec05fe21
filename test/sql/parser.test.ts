import { describe, expect, it } from 'vitest';
import type { Query, QueryBody, Select, Statement } from '../../src/sql/ast.ts';
import { withoutPositions } from '../../src/sql/ast.ts';
import { parseExpression, parseStatement, parseStatements } from '../../src/sql/parser.ts';
import { bin, call, col, type E, id, neg, not, num, str } from './builders.ts';

const expr = (sql: string) => withoutPositions(parseExpression(sql)) as unknown as E;
const stmt = (sql: string) => withoutPositions(parseStatement(sql));

function query(sql: string): Query {
  const s = parseStatement(sql);
  if (s.kind !== 'query') throw new Error(`expected a query, got ${s.kind}`);
  return s;
}

function select(sql: string): Select {
  const q = query(sql);
  if (q.body.kind !== 'select') throw new Error(`expected a select, got ${q.body.kind}`);
  return q.body;
}

/** A set-operation tree as a compact string: `union(a, intersect(b, c))`. */
function shape(b: QueryBody): string {
  switch (b.kind) {
    case 'set_operation':
      return `${b.op}${b.all ? '_all' : ''}(${shape(b.left)}, ${shape(b.right)})`;
    case 'select': {
      const t = b.from[0];
      return t?.kind === 'table' ? t.name.map((n) => n.value).join('.') : 'select';
    }
    case 'values':
      return 'values';
    case 'query':
      return `(${shape(b.body)}${b.limit ? ' limit' : ''})`;
  }
}

describe('names and literals', () => {
  it('folds unquoted names to lower case and keeps quoted ones as written', () => {
    expect(expr('Foo.BAR')).toEqual(col('foo', 'bar'));
    expect(expr('"Foo"."B ""x"""')).toEqual({
      kind: 'column',
      qualifier: [id('Foo', true)],
      name: id('B "x"', true),
    });
    expect(expr('s.t.c')).toEqual(col('s', 't', 'c'));
  });

  it('keeps the text of numbers and says which form they take', () => {
    expect(['42', '100.00', '.5', '1.', '1e10', '2.5E-3'].map((t) => expr(t))).toEqual([
      { kind: 'number', text: '42', form: 'integer' },
      { kind: 'number', text: '100.00', form: 'decimal' },
      { kind: 'number', text: '.5', form: 'decimal' },
      { kind: 'number', text: '1.', form: 'decimal' },
      { kind: 'number', text: '1e10', form: 'exponent' },
      { kind: 'number', text: '2.5E-3', form: 'exponent' },
    ]);
    expect(expr('-1')).toEqual(neg(num('1')));
  });

  it('reads strings with doubled quotes, across lines', () => {
    expect(expr("'it''s'")).toEqual(str("it's"));
    expect(expr("'a\nb'")).toEqual(str('a\nb'));
    expect(expr("''")).toEqual(str(''));
  });

  it('reads TRUE, FALSE, NULL, typed literals and parameters', () => {
    expect(expr('TRUE')).toEqual({ kind: 'boolean', value: true });
    expect(expr('null')).toEqual({ kind: 'null' });
    expect(expr("timestamp '2024-01-01 10:00:00'")).toEqual({
      kind: 'typed_literal',
      type: { name: 'timestamp', params: [] },
      value: '2024-01-01 10:00:00',
    });
    const where = select('SELECT 1 FROM t WHERE a = ? AND b = ? AND c = $7').where!;
    const params: number[] = [];
    const walk = (e: typeof where): void => {
      if (e.kind === 'binary') [e.left, e.right].forEach(walk);
      if (e.kind === 'parameter') params.push(e.index);
    };
    walk(where);
    expect(params).toEqual([1, 2, 7]);
  });

  it('reads every INTERVAL form', () => {
    const iv = (value: string, unit: string | null, more: object = {}) => ({
      kind: 'interval',
      value,
      unit,
      precision: null,
      toUnit: null,
      fractionalPrecision: null,
      ...more,
    });
    expect(expr("INTERVAL '90' DAY (3)")).toEqual(iv('90', 'day', { precision: 3 }));
    expect(expr("interval '3' month")).toEqual(iv('3', 'month'));
    expect(expr("INTERVAL '1' YEAR")).toEqual(iv('1', 'year'));
    expect(expr("INTERVAL '1 year 2 months'")).toEqual(iv('1 year 2 months', null));
    expect(expr("INTERVAL '1-2' YEAR TO MONTH")).toEqual(iv('1-2', 'year', { toUnit: 'month' }));
    expect(expr("INTERVAL '1 2:03:04.5' DAY TO SECOND (3)")).toEqual(
      iv('1 2:03:04.5', 'day', { toUnit: 'second', fractionalPrecision: 3 }),
    );
    expect(expr("INTERVAL '1.5' SECOND (2, 3)")).toEqual(
      iv('1.5', 'second', { precision: 2, fractionalPrecision: 3 }),
    );
    expect(expr('INTERVAL 7 DAYS')).toEqual(iv('7', 'day'));
    // without a literal after it, `interval` is a name
    expect(expr('interval')).toEqual(col('interval'));
  });

  it('treats non-reserved keywords as names where no keyword fits', () => {
    const s = select('SELECT date, year, value, position, rows FROM t AS over');
    expect(withoutPositions(s.items.map((i) => (i.kind === 'select_expr' ? i.expr : null)))).toEqual(
      ['date', 'year', 'value', 'position', 'rows'].map((n) => col(n)),
    );
    expect(s.from[0]?.kind === 'table' && s.from[0].alias?.name.value).toBe('over');
  });
});

describe('operators', () => {
  it('follows precedence: OR < AND < NOT < comparison < || < + - < * / % < unary < ::', () => {
    expect(expr('a OR b AND c')).toEqual(bin('or', col('a'), bin('and', col('b'), col('c'))));
    expect(expr('NOT a = b AND c')).toEqual(bin('and', not(bin('=', col('a'), col('b'))), col('c')));
    expect(expr('a = b || c')).toEqual(bin('=', col('a'), bin('||', col('b'), col('c'))));
    expect(expr('a || b + c')).toEqual(bin('||', col('a'), bin('+', col('b'), col('c'))));
    expect(expr('a + b * c - d')).toEqual(
      bin('-', bin('+', col('a'), bin('*', col('b'), col('c'))), col('d')),
    );
    expect(expr('a / b % c')).toEqual(bin('%', bin('/', col('a'), col('b')), col('c')));
    expect(expr('-a * b')).toEqual(bin('*', neg(col('a')), col('b')));
    expect(expr('-a::int')).toEqual(
      neg({ kind: 'cast', expr: col('a'), type: { name: 'int', params: [] }, try: false }),
    );
    expect(expr('(a + b) * c')).toEqual(bin('*', bin('+', col('a'), col('b')), col('c')));
  });

  it('spells != as <>', () => {
    expect(expr('a != b')).toEqual(bin('<>', col('a'), col('b')));
  });

  it('reads IS, BETWEEN, IN, LIKE and their negations', () => {
    expect(expr('a IS NOT NULL')).toEqual({ kind: 'is_null', expr: col('a'), negated: true });
    expect(expr('a IS NOT TRUE')).toEqual({ kind: 'is_truth', expr: col('a'), value: 'true', negated: true });
    expect(expr('a IS UNKNOWN')).toEqual({
      kind: 'is_truth',
      expr: col('a'),
      value: 'unknown',
      negated: false,
    });
    expect(expr('a IS NOT DISTINCT FROM b')).toEqual({
      kind: 'is_distinct_from',
      left: col('a'),
      right: col('b'),
      negated: true,
    });
    expect(expr('a = b IS NULL')).toEqual({
      kind: 'is_null',
      expr: bin('=', col('a'), col('b')),
      negated: false,
    });
    expect(expr('x NOT BETWEEN 1 AND 2 AND y')).toEqual(
      bin('and', { kind: 'between', expr: col('x'), low: num('1'), high: num('2'), negated: true }, col('y')),
    );
    expect(expr("x NOT IN (1, 'a')")).toEqual({
      kind: 'in_list',
      expr: col('x'),
      list: [num('1'), str('a')],
      negated: true,
    });
    expect(expr("x ILIKE 'a!%' ESCAPE '!'")).toEqual({
      kind: 'like',
      expr: col('x'),
      pattern: str('a!%'),
      escape: str('!'),
      caseInsensitive: true,
      negated: false,
    });
    const sub = parseExpression('x IN (SELECT y FROM u)');
    expect(sub.kind === 'in_subquery' && sub.negated).toBe(false);
  });

  it('reads [NOT] EXISTS as one node, but NOT over a larger expression as NOT', () => {
    expect(parseExpression('NOT EXISTS (SELECT 1)')).toMatchObject({ kind: 'exists', negated: true });
    expect(parseExpression('NOT (EXISTS (SELECT 1))')).toMatchObject({ kind: 'exists', negated: true });
    expect(parseExpression('NOT EXISTS (SELECT 1) = TRUE')).toMatchObject({
      kind: 'unary',
      op: 'not',
      operand: { kind: 'binary', op: '=', left: { kind: 'exists', negated: false } },
    });
  });

  it('reads quantified comparisons and rows', () => {
    expect(parseExpression('a >= ALL (SELECT b FROM u)')).toMatchObject({
      kind: 'quantified',
      op: '>=',
      quantifier: 'all',
      left: { kind: 'column' },
    });
    expect(parseExpression('a = SOME (SELECT b FROM u)')).toMatchObject({
      kind: 'quantified',
      quantifier: 'any',
    });
    expect(expr('(a, b) IN ((1, 2))')).toEqual({
      kind: 'in_list',
      expr: { kind: 'row', items: [col('a'), col('b')] },
      list: [{ kind: 'row', items: [num('1'), num('2')] }],
      negated: false,
    });
  });

  it('reads scalar subqueries, also inside double parentheses with a set operation', () => {
    const e = parseExpression('((SELECT 1) UNION (SELECT 2))');
    expect(e.kind).toBe('subquery');
    expect(e.kind === 'subquery' && shape(e.query.body)).toBe('union(select, select)');
    expect(expr('((a))')).toEqual(col('a'));
  });
});

describe('special forms and calls', () => {
  it('reads CASE in both forms', () => {
    expect(expr("CASE WHEN a THEN 'x' ELSE 'y' END")).toEqual({
      kind: 'case',
      operand: null,
      whens: [{ condition: col('a'), result: str('x') }],
      else: str('y'),
    });
    expect(expr('CASE a WHEN 1 THEN 2 WHEN 3 THEN 4 END')).toEqual({
      kind: 'case',
      operand: col('a'),
      whens: [
        { condition: num('1'), result: num('2') },
        { condition: num('3'), result: num('4') },
      ],
      else: null,
    });
  });

  it('reads type names with parameters and multiple words', () => {
    const types = [
      'decimal(15,2)',
      'varchar(25)',
      'char(1)',
      'integer',
      'bigint',
      'double',
      'double precision',
      'character varying(10)',
      'date',
      'timestamp',
      'timestamp(3) with time zone',
      'time without time zone',
      'interval',
      'boolean',
    ].map((t) => {
      const e = parseExpression(`CAST(x AS ${t})`);
      return e.kind === 'cast' ? withoutPositions(e.type) : null;
    });
    expect(types).toEqual([
      { name: 'decimal', params: [15, 2] },
      { name: 'varchar', params: [25] },
      { name: 'char', params: [1] },
      { name: 'integer', params: [] },
      { name: 'bigint', params: [] },
      { name: 'double', params: [] },
      { name: 'double precision', params: [] },
      { name: 'character varying', params: [10] },
      { name: 'date', params: [] },
      { name: 'timestamp', params: [] },
      { name: 'timestamp with time zone', params: [3] },
      { name: 'time without time zone', params: [] },
      { name: 'interval', params: [] },
      { name: 'boolean', params: [] },
    ]);
    expect(parseExpression('TRY_CAST(x AS int)')).toMatchObject({ kind: 'cast', try: true });
    expect(expr('x::varchar(3)')).toEqual(expr('CAST(x AS varchar(3))'));
  });

  it('reads calls: *, DISTINCT, ORDER BY inside, FILTER, qualified names, left/right', () => {
    expect(expr('count(*)')).toEqual({ ...call('count'), star: true });
    expect(expr('count(DISTINCT a)')).toEqual({ ...call('count', col('a')), distinct: true });
    expect(expr("string_agg(a, ',' ORDER BY b DESC)")).toEqual({
      ...call('string_agg', col('a'), str(',')),
      orderBy: [{ expr: col('b'), descending: true, nullsFirst: null }],
    });
    expect(expr('sum(a) FILTER (WHERE b > 0)')).toEqual({
      ...call('sum', col('a')),
      filter: bin('>', col('b'), num('0')),
    });
    expect(expr('s.f(1)')).toEqual({ ...call('f', num('1')), name: [id('s'), id('f')] });
    expect(expr("left('abc', 2)")).toEqual(call('left', str('abc'), num('2')));
    expect(expr('CURRENT_DATE')).toEqual(call('current_date'));
    expect(expr('current_timestamp()')).toEqual(call('current_timestamp'));
  });

  it('reads window calls with frames and named windows', () => {
    expect(
      expr('sum(x) OVER (PARTITION BY a ORDER BY b ROWS BETWEEN 2 PRECEDING AND UNBOUNDED FOLLOWING)'),
    ).toEqual({
      ...call('sum', col('x')),
      over: {
        base: null,
        partitionBy: [col('a')],
        orderBy: [{ expr: col('b'), descending: false, nullsFirst: null }],
        frame: {
          units: 'rows',
          start: { kind: 'preceding', offset: num('2') },
          end: { kind: 'unbounded_following' },
        },
      },
    });
    expect(expr('rank() OVER w')).toEqual({
      ...call('rank'),
      over: { base: id('w'), partitionBy: [], orderBy: [], frame: null },
    });
    // a frame with only a start ends at the current row
    expect(parseExpression('avg(x) OVER (RANGE UNBOUNDED PRECEDING)')).toMatchObject({
      over: {
        frame: { units: 'range', start: { kind: 'unbounded_preceding' }, end: { kind: 'current_row' } },
      },
    });
    const s = select('SELECT rank() OVER (w ORDER BY b) FROM t WINDOW w AS (PARTITION BY a)');
    expect(withoutPositions(s.windows)).toEqual([
      { name: id('w'), spec: { base: null, partitionBy: [col('a')], orderBy: [], frame: null } },
    ]);
  });

  it('reads EXTRACT, SUBSTRING, POSITION and TRIM, and their comma forms as calls', () => {
    expect(expr('EXTRACT(YEAR FROM d)')).toEqual({ kind: 'extract', field: 'year', expr: col('d') });
    expect(expr('substring(s FROM 2)')).toEqual({
      kind: 'substring',
      expr: col('s'),
      start: num('2'),
      length: null,
    });
    expect(expr('substring(s FOR 2)')).toEqual({
      kind: 'substring',
      expr: col('s'),
      start: null,
      length: num('2'),
    });
    expect(expr('substring(s, 1, 2)')).toEqual(call('substring', col('s'), num('1'), num('2')));
    expect(expr("POSITION('a' IN s)")).toEqual({ kind: 'position', needle: str('a'), haystack: col('s') });
    expect(expr('TRIM(s)')).toEqual({ kind: 'trim', side: 'both', characters: null, expr: col('s') });
    expect(expr("TRIM(LEADING 'x' FROM s)")).toEqual({
      kind: 'trim',
      side: 'leading',
      characters: str('x'),
      expr: col('s'),
    });
    expect(expr('TRIM(TRAILING FROM s)')).toEqual({
      kind: 'trim',
      side: 'trailing',
      characters: null,
      expr: col('s'),
    });
    expect(expr("trim(s, 'x')")).toEqual(call('trim', col('s'), str('x')));
  });
});

describe('SELECT', () => {
  it('reads select items: *, qualified *, aliases with and without AS, DISTINCT', () => {
    const s = select('SELECT DISTINCT *, t.*, a AS x, b y, c FROM t');
    expect(s.distinct).toBe(true);
    expect(withoutPositions(s.items)).toEqual([
      { kind: 'wildcard', qualifier: [] },
      { kind: 'wildcard', qualifier: [id('t')] },
      { kind: 'select_expr', expr: col('a'), alias: id('x') },
      { kind: 'select_expr', expr: col('b'), alias: id('y') },
      { kind: 'select_expr', expr: col('c'), alias: null },
    ]);
  });

  it('reads joins left-deep, with ON, USING, NATURAL and CROSS', () => {
    const s = select('SELECT * FROM a JOIN b USING (k) NATURAL FULL OUTER JOIN c CROSS JOIN d, e');
    expect(s.from).toHaveLength(2);
    expect(withoutPositions(s.from[0])).toEqual({
      kind: 'join',
      type: 'cross',
      natural: false,
      condition: null,
      right: { kind: 'table', name: [id('d')], alias: null },
      left: {
        kind: 'join',
        type: 'full',
        natural: true,
        condition: null,
        right: { kind: 'table', name: [id('c')], alias: null },
        left: {
          kind: 'join',
          type: 'inner',
          natural: false,
          condition: { kind: 'using', columns: [id('k')] },
          left: { kind: 'table', name: [id('a')], alias: null },
          right: { kind: 'table', name: [id('b')], alias: null },
        },
      },
    });
  });

  it('keeps a parenthesized join on the right as a join node', () => {
    const from = select('SELECT * FROM a LEFT JOIN (b JOIN c ON b.k = c.k) ON a.k = b.k').from[0]!;
    expect(from.kind === 'join' && from.type).toBe('left');
    expect(from.kind === 'join' && from.right.kind).toBe('join');
  });

  it('reads derived tables, LATERAL, table functions and alias column lists', () => {
    const s = select(
      "SELECT * FROM (SELECT 1) AS d (x), LATERAL (SELECT 2) l, read_parquet('f.parquet') p (a, b)",
    );
    expect(s.from.map((t) => t.kind)).toEqual(['derived', 'derived', 'table_function']);
    expect(s.from[0]?.kind === 'derived' && withoutPositions(s.from[0].alias)).toEqual({
      name: id('d'),
      columns: [id('x')],
    });
    expect(s.from[1]?.kind === 'derived' && s.from[1].lateral).toBe(true);
    expect(withoutPositions(s.from[2])).toEqual({
      kind: 'table_function',
      name: [id('read_parquet')],
      args: [str('f.parquet')],
      alias: { name: id('p'), columns: [id('a'), id('b')] },
    });
  });

  it('reads GROUP BY expressions, ordinals, ROLLUP, CUBE and GROUPING SETS', () => {
    expect(withoutPositions(select('SELECT 1 FROM t GROUP BY 1, a + b').groupBy)).toEqual([
      num('1'),
      bin('+', col('a'), col('b')),
    ]);
    expect(withoutPositions(select('SELECT 1 FROM t GROUP BY ROLLUP (a, (b, c)), CUBE (d)').groupBy)).toEqual(
      [
        { kind: 'rollup', sets: [[col('a')], [col('b'), col('c')]] },
        { kind: 'cube', sets: [[col('d')]] },
      ],
    );
    expect(
      withoutPositions(select('SELECT 1 FROM t GROUP BY GROUPING SETS ((a, b), a, ())').groupBy),
    ).toEqual([{ kind: 'grouping_sets', sets: [[col('a'), col('b')], [col('a')], []] }]);
  });

  it('reads ORDER BY, LIMIT, OFFSET and FETCH FIRST', () => {
    const q = query('SELECT a FROM t ORDER BY a DESC NULLS FIRST, 2 ASC NULLS LAST OFFSET 5 ROWS LIMIT 10');
    expect(withoutPositions(q.orderBy)).toEqual([
      { expr: col('a'), descending: true, nullsFirst: true },
      { expr: num('2'), descending: false, nullsFirst: false },
    ]);
    expect(withoutPositions([q.limit, q.offset])).toEqual([num('10'), num('5')]);
    expect(withoutPositions(query('SELECT a FROM t FETCH FIRST 3 ROWS ONLY').limit)).toEqual(num('3'));
    expect(withoutPositions(query('SELECT a FROM t FETCH NEXT ROW ONLY').limit)).toEqual(num('1'));
    expect(query('SELECT a FROM t LIMIT ALL').limit).toBeNull();
  });
});

describe('set operations, WITH and VALUES', () => {
  it('binds INTERSECT tighter than UNION and EXCEPT, which associate left', () => {
    expect(shape(query('SELECT * FROM a UNION SELECT * FROM b INTERSECT SELECT * FROM c').body)).toBe(
      'union(a, intersect(b, c))',
    );
    expect(shape(query('SELECT * FROM a EXCEPT SELECT * FROM b UNION ALL SELECT * FROM c').body)).toBe(
      'union_all(except(a, b), c)',
    );
    expect(shape(query('SELECT * FROM a EXCEPT (SELECT * FROM b UNION SELECT * FROM c)').body)).toBe(
      'except(a, union(b, c))',
    );
    expect(query('SELECT * FROM a UNION DISTINCT SELECT * FROM b').body).toMatchObject({ all: false });
  });

  it('applies ORDER BY and LIMIT after a set operation to the whole, and keeps parenthesized ones', () => {
    const q = query('(SELECT * FROM a LIMIT 1) UNION (SELECT * FROM b) ORDER BY 1 LIMIT 5');
    expect(shape(q.body)).toBe('union((a limit), b)');
    expect(withoutPositions(q.limit)).toEqual(num('5'));
    expect(q.orderBy).toHaveLength(1);
    // redundant parentheses leave no nested query behind
    expect(withoutPositions(query('((SELECT 1))'))).toEqual(withoutPositions(query('SELECT 1')));
  });

  it('reads WITH [RECURSIVE] with column lists', () => {
    const q = query(
      'WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r), s AS (SELECT 2) SELECT * FROM r',
    );
    expect(q.with?.recursive).toBe(true);
    expect(
      q.with?.ctes.map((c) => [c.name.value, c.columns.map((x) => x.value), shape(c.query.body)]),
    ).toEqual([
      ['r', ['n'], 'union_all(select, r)'],
      ['s', [], 'select'],
    ]);
  });

  it('reads VALUES as a query', () => {
    expect(stmt("VALUES (1, 'a'), (2, 'b')")).toEqual({
      kind: 'query',
      with: null,
      body: {
        kind: 'values',
        rows: [
          [num('1'), str('a')],
          [num('2'), str('b')],
        ],
      },
      orderBy: [],
      limit: null,
      offset: null,
    });
  });
});

describe('other statements', () => {
  it('reads CREATE TABLE with NOT NULL, DEFAULT and PRIMARY KEY', () => {
    expect(
      stmt(
        "CREATE TABLE IF NOT EXISTS s.t (a int PRIMARY KEY, b decimal(15,2) NOT NULL, c text DEFAULT 'x')",
      ),
    ).toEqual({
      kind: 'create_table',
      name: [id('s'), id('t')],
      columns: [
        { name: id('a'), type: { name: 'int', params: [] }, notNull: false, default: null },
        { name: id('b'), type: { name: 'decimal', params: [15, 2] }, notNull: true, default: null },
        { name: id('c'), type: { name: 'text', params: [] }, notNull: false, default: str('x') },
      ],
      primaryKey: [id('a')],
      ifNotExists: true,
      orReplace: false,
    });
    expect(stmt('CREATE TABLE t (a int, b int, PRIMARY KEY (a, b))')).toMatchObject({
      primaryKey: [id('a'), id('b')],
    });
  });

  it('reads CREATE TABLE AS and CREATE VIEW', () => {
    expect(parseStatement('CREATE OR REPLACE TABLE t AS SELECT 1')).toMatchObject({
      kind: 'create_table_as',
      orReplace: true,
      query: { kind: 'query', body: { kind: 'select' } },
    });
    expect(stmt('CREATE VIEW v (a, b) AS SELECT 1, 2')).toMatchObject({
      kind: 'create_view',
      name: [id('v')],
      columns: [id('a'), id('b')],
      orReplace: false,
      ifNotExists: false,
    });
  });

  it('reads CREATE EXTERNAL TABLE with its clauses in any order', () => {
    expect(
      stmt(
        "CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/t/' PARTITIONED BY (d) STORED AS Parquet " +
          "OPTIONS ('format.has_header' 'true', delimiter = '|', skip = 1, \"Key\" = On)",
      ),
    ).toEqual({
      kind: 'create_external_table',
      name: [id('t')],
      columns: [{ name: id('a'), type: { name: 'int', params: [] }, notNull: false, default: null }],
      format: 'parquet',
      location: 's3://b/t/',
      partitionedBy: [id('d')],
      options: [
        { key: 'format.has_header', value: 'true' },
        { key: 'delimiter', value: '|' },
        { key: 'skip', value: '1' },
        { key: 'Key', value: 'On' },
      ],
      ifNotExists: false,
      orReplace: false,
    });
  });

  it('reads INSERT with and without a column list', () => {
    expect(parseStatement('INSERT INTO t (a, b) VALUES (1, 2)')).toMatchObject({
      kind: 'insert',
      table: [{ value: 't' }],
      columns: [{ value: 'a' }, { value: 'b' }],
      source: { body: { kind: 'values' } },
    });
    expect(parseStatement('INSERT INTO t (SELECT 1)')).toMatchObject({
      columns: [],
      source: { body: { kind: 'select' } },
    });
  });

  it('reads DROP, EXPLAIN, SET, SHOW and DESCRIBE', () => {
    expect(stmt('DROP TABLE IF EXISTS a, s.b')).toEqual({
      kind: 'drop',
      objectType: 'table',
      ifExists: true,
      names: [[id('a')], [id('s'), id('b')]],
    });
    expect(parseStatement('EXPLAIN ANALYZE VERBOSE SELECT 1')).toMatchObject({
      kind: 'explain',
      analyze: true,
      verbose: true,
      statement: { kind: 'query' },
    });
    expect(stmt('SET SESSION a.b = 10')).toEqual({
      kind: 'set',
      session: true,
      name: [id('a'), id('b')],
      value: num('10'),
    });
    expect(stmt('SET x TO On')).toEqual({ kind: 'set', session: false, name: [id('x')], value: str('On') });
    expect(stmt('SET x = false')).toMatchObject({ value: { kind: 'boolean', value: false } });
    expect(stmt('SHOW TABLES IN tpch')).toEqual({ kind: 'show_tables', schema: [id('tpch')] });
    expect(stmt('SHOW COLUMNS FROM s.t')).toEqual({ kind: 'describe', table: [id('s'), id('t')] });
    expect(stmt('DESCRIBE t')).toEqual({ kind: 'describe', table: [id('t')] });
    expect(stmt('SHOW ALL')).toEqual({ kind: 'show_variable', name: null });
    expect(stmt('SHOW batch_size')).toEqual({ kind: 'show_variable', name: [id('batch_size')] });
  });

  it('splits a script on semicolons, skipping empty statements', () => {
    const all = parseStatements(
      ';; CREATE TABLE t (a int);\n-- a comment\nINSERT INTO t VALUES (1);;\nSELECT * FROM t',
    );
    expect(all.map((s: Statement) => s.kind)).toEqual(['create_table', 'insert', 'query']);
    expect(all.map((s) => s.pos)).toEqual([
      { line: 1, column: 4 },
      { line: 3, column: 1 },
      { line: 4, column: 1 },
    ]);
    expect(parseStatements('  -- nothing\n ; ')).toEqual([]);
  });
});

describe('positions', () => {
  it('puts every node at its first character, and operators at theirs', () => {
    const s = select('SELECT\n  t.a + 1 AS b\nFROM sch.t\n  JOIN u ON t.k = u.k\nWHERE x IN (1)');
    const item = s.items[0]!;
    expect(item.pos).toEqual({ line: 2, column: 3 });
    if (item.kind !== 'select_expr' || item.expr.kind !== 'binary') throw new Error('unexpected shape');
    expect(item.expr.pos).toEqual({ line: 2, column: 3 });
    expect(item.expr.opPos).toEqual({ line: 2, column: 7 });
    expect(item.expr.right.pos).toEqual({ line: 2, column: 9 });
    expect(item.alias?.pos).toEqual({ line: 2, column: 14 });
    const join = s.from[0]!;
    if (join.kind !== 'join' || join.left.kind !== 'table') throw new Error('unexpected shape');
    expect(join.pos).toEqual({ line: 3, column: 6 });
    expect(join.opPos).toEqual({ line: 4, column: 3 });
    expect(join.left.name.map((n) => n.pos)).toEqual([
      { line: 3, column: 6 },
      { line: 3, column: 10 },
    ]);
    expect(join.right.pos).toEqual({ line: 4, column: 8 });
    expect(s.where?.pos).toEqual({ line: 5, column: 7 });
  });

  it('skips comments and counts lines inside them and inside strings', () => {
    const e = parseExpression("/* one\ntwo */ 'x\ny' || -- three\n  z");
    if (e.kind !== 'binary') throw new Error('unexpected shape');
    expect(e.left.pos).toEqual({ line: 2, column: 8 });
    expect(e.opPos).toEqual({ line: 3, column: 4 });
    expect(e.right.pos).toEqual({ line: 4, column: 3 });
  });
});
