import { describe, expect, it } from 'vitest';
import type { Query, Select, Statement } from '../../src/sql/ast.ts';
import { withoutPositions } from '../../src/sql/ast.ts';
import { parseStatement } from '../../src/sql/parser.ts';
import { bin, call, col, id, num, str } from './builders.ts';
import { tpchQueries, tpchSpecFormQueries } from './corpus.ts';

const queries = Object.fromEntries(tpchQueries().map((q) => [q.name, q.sql]));

function asQuery(s: Statement): Query {
  if (s.kind !== 'query') throw new Error(`expected a query, got ${s.kind}`);
  return s;
}

function asSelect(q: Query): Select {
  if (q.body.kind !== 'select') throw new Error(`expected a select body, got ${q.body.kind}`);
  return q.body;
}

function parseTpch(name: string): Query {
  return asQuery(parseStatement(queries[name]!));
}

describe('TPC-H', () => {
  it.each(tpchQueries())('$name parses to a SELECT query', ({ name, sql }) => {
    const q = asQuery(parseStatement(sql));
    // q15 is the only one with a WITH clause; every body is a plain SELECT
    expect(q.with === null).toBe(name !== 'q15');
    expect(q.body.kind).toBe('select');
  });

  it.each(tpchSpecFormQueries())('$name (specification date arithmetic) parses', ({ sql }) => {
    expect(parseStatement(sql).kind).toBe('query');
  });

  it('q01: CAST to date, aggregates, count(*), GROUP BY and ORDER BY columns', () => {
    const q = parseTpch('q01');
    const s = asSelect(q);
    expect(s.items).toHaveLength(10);
    expect(withoutPositions(s.where)).toEqual(
      bin('<=', col('l_shipdate'), {
        kind: 'cast',
        expr: str('1998-09-02'),
        type: { name: 'date', params: [] },
        try: false,
      }),
    );
    const last = s.items[9]!;
    expect(withoutPositions(last)).toEqual({
      kind: 'select_expr',
      expr: { ...call('count'), star: true },
      alias: id('count_order'),
    });
    expect(withoutPositions(s.groupBy)).toEqual([col('l_returnflag'), col('l_linestatus')]);
    expect(withoutPositions(q.orderBy)).toEqual([
      { expr: col('l_returnflag'), descending: false, nullsFirst: null },
      { expr: col('l_linestatus'), descending: false, nullsFirst: null },
    ]);
    // positions point at the source: `sum(l_quantity)` starts on line 4, column 5
    const sumQty = s.items[2]!;
    expect(sumQty.pos).toEqual({ line: 4, column: 5 });
    expect(
      sumQty.kind === 'select_expr' && sumQty.expr.kind === 'function' && sumQty.expr.args[0]!.pos,
    ).toEqual({
      line: 4,
      column: 9,
    });
  });

  it('q01 in specification form: date minus INTERVAL with a leading field precision', () => {
    const spec = tpchSpecFormQueries().find((q) => q.name === 'q01-spec')!;
    const s = asSelect(asQuery(parseStatement(spec.sql)));
    expect(withoutPositions(s.where)).toEqual(
      bin(
        '<=',
        col('l_shipdate'),
        bin(
          '-',
          { kind: 'typed_literal', type: { name: 'date', params: [] }, value: '1998-12-01' },
          {
            kind: 'interval',
            value: '90',
            unit: 'day',
            precision: 3,
            toUnit: null,
            fractionalPrecision: null,
          },
        ),
      ),
    );
  });

  it('q04: EXISTS with a correlated subquery', () => {
    const s = asSelect(parseTpch('q04'));
    const where = s.where!;
    expect(where.kind === 'binary' && where.op).toBe('and');
    const exists = where.kind === 'binary' ? where.right : null;
    expect(exists?.kind).toBe('exists');
    if (exists?.kind !== 'exists') return;
    expect(exists.negated).toBe(false);
    expect(exists.pos).toEqual({ line: 9, column: 9 });
    expect(withoutPositions(asSelect(exists.query).items)).toEqual([{ kind: 'wildcard', qualifier: [] }]);
  });

  it('q07: derived table with alias, EXTRACT, qualified columns and table aliases', () => {
    const s = asSelect(parseTpch('q07'));
    const from = s.from[0]!;
    expect(from.kind).toBe('derived');
    if (from.kind !== 'derived') return;
    expect(withoutPositions(from.alias)).toEqual({ name: id('shipping'), columns: [] });
    const inner = asSelect(from.query);
    expect(withoutPositions(inner.items[0])).toEqual({
      kind: 'select_expr',
      expr: col('n1', 'n_name'),
      alias: id('supp_nation'),
    });
    expect(withoutPositions(inner.items[2])).toEqual({
      kind: 'select_expr',
      expr: { kind: 'extract', field: 'year', expr: col('l_shipdate') },
      alias: id('l_year'),
    });
    expect(withoutPositions(inner.from[4])).toEqual({
      kind: 'table',
      name: [id('nation')],
      alias: { name: id('n1'), columns: [] },
    });
  });

  it('q13: LEFT OUTER JOIN with a compound ON, and a derived table with a column list', () => {
    const s = asSelect(parseTpch('q13'));
    const from = s.from[0]!;
    expect(from.kind).toBe('derived');
    if (from.kind !== 'derived') return;
    expect(withoutPositions(from.alias)).toEqual({
      name: id('c_orders'),
      columns: [id('c_custkey'), id('c_count')],
    });
    const join = asSelect(from.query).from[0]!;
    expect(withoutPositions(join)).toEqual({
      kind: 'join',
      type: 'left',
      natural: false,
      left: { kind: 'table', name: [id('customer')], alias: null },
      right: { kind: 'table', name: [id('orders')], alias: null },
      condition: {
        kind: 'on',
        expr: bin('and', bin('=', col('c_custkey'), col('o_custkey')), {
          kind: 'like',
          expr: col('o_comment'),
          pattern: str('%special%requests%'),
          escape: null,
          caseInsensitive: false,
          negated: true,
        }),
      },
    });
  });

  it('q14: decimal literal keeps its text, DATE literal, LIKE inside CASE', () => {
    const s = asSelect(parseTpch('q14'));
    const item = s.items[0]!;
    if (item.kind !== 'select_expr' || item.expr.kind !== 'binary') throw new Error('unexpected shape');
    // 100.00 * sum(...) / sum(...) is (100.00 * sum(...)) / sum(...)
    expect(item.expr.op).toBe('/');
    const left = item.expr.left;
    expect(left.kind === 'binary' && withoutPositions(left.left)).toEqual(num('100.00'));
    expect(left.kind === 'binary' && left.left.kind === 'number' && left.left.form).toBe('decimal');
    const where = s.where!;
    if (where.kind !== 'binary' || where.left.kind !== 'binary') throw new Error('unexpected shape');
    expect(withoutPositions(where.left.right)).toEqual(
      bin('>=', col('l_shipdate'), {
        kind: 'typed_literal',
        type: { name: 'date', params: [] },
        value: '1995-09-01',
      }),
    );
  });

  it('q15: a CTE used twice, once in a scalar subquery', () => {
    const q = parseTpch('q15');
    expect(q.with?.recursive).toBe(false);
    expect(q.with?.ctes).toHaveLength(1);
    const cte = q.with!.ctes[0]!;
    expect(cte.name).toEqual({ value: 'revenue', quoted: false, pos: { line: 1, column: 6 } });
    expect(cte.columns).toEqual([]);
    expect(withoutPositions(asSelect(cte.query).groupBy)).toEqual([col('supplier_no')]);
    const s = asSelect(q);
    expect(withoutPositions(s.from)).toEqual([
      { kind: 'table', name: [id('supplier')], alias: null },
      { kind: 'table', name: [id('revenue')], alias: null },
    ]);
    const where = s.where!;
    if (where.kind !== 'binary' || where.right.kind !== 'binary') throw new Error('unexpected shape');
    expect(where.right.right.kind).toBe('subquery');
  });

  it('q16: count(DISTINCT …), NOT LIKE, IN list, NOT IN subquery', () => {
    const s = asSelect(parseTpch('q16'));
    const cnt = s.items[3]!;
    expect(withoutPositions(cnt)).toEqual({
      kind: 'select_expr',
      expr: { ...call('count', col('ps_suppkey')), distinct: true },
      alias: id('supplier_cnt'),
    });
    const conjuncts: string[] = [];
    let e = s.where!;
    while (e.kind === 'binary' && e.op === 'and') {
      conjuncts.unshift(e.right.kind + ('negated' in e.right && e.right.negated ? ' negated' : ''));
      e = e.left;
    }
    conjuncts.unshift(e.kind);
    expect(conjuncts).toEqual(['binary', 'binary', 'like negated', 'in_list', 'in_subquery negated']);
  });

  it('q21: NOT EXISTS is an exists node with negated: true', () => {
    const s = asSelect(parseTpch('q21'));
    const where = s.where!;
    const found: string[] = [];
    const walk = (e: typeof where): void => {
      if (e.kind === 'binary') {
        walk(e.left);
        walk(e.right);
      } else if (e.kind === 'exists') {
        found.push(e.negated ? 'NOT EXISTS' : 'EXISTS');
      }
    };
    walk(where);
    expect(found).toEqual(['EXISTS', 'NOT EXISTS']);
  });

  it('q22: SUBSTRING(x FROM a FOR b) as a substring node, compared IN a list', () => {
    const s = asSelect(parseTpch('q22'));
    const from = s.from[0]!;
    if (from.kind !== 'derived') throw new Error('expected a derived table');
    const inner = asSelect(from.query);
    expect(withoutPositions(inner.items[0])).toEqual({
      kind: 'select_expr',
      expr: { kind: 'substring', expr: col('c_phone'), start: num('1'), length: num('2') },
      alias: id('cntrycode'),
    });
    const where = inner.where!;
    if (where.kind !== 'binary' || where.left.kind !== 'binary') throw new Error('unexpected shape');
    const inList = where.left.left;
    expect(inList.kind).toBe('in_list');
    expect(
      inList.kind === 'in_list' && inList.list.map((v) => (v.kind === 'string' ? v.value : '?')),
    ).toEqual(['13', '31', '23', '29', '30', '18', '17']);
    expect(inList.pos).toEqual({ line: 12, column: 9 });
  });
});
