import { describe, expect, it } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import { tpchCatalog } from '../optimizer/tpch-catalog.ts';
import { bind } from './helpers.ts';

const tpch = tpchCatalog();

/** The SkeinError binding `sql` throws. */
function error(sql: string, catalog = undefined as ReturnType<typeof tpchCatalog> | undefined): SkeinError {
  try {
    bind(sql, catalog);
  } catch (err) {
    if (err instanceof SkeinError) return err;
    throw err;
  }
  throw new Error(`no error for: ${sql}`);
}

describe('binder errors name the thing, suggest candidates and say where', () => {
  it('unknown table, with the nearest table names', () => {
    const e = error('SELECT *\nFROM lineitme', tpch);
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toBe("table 'lineitme' does not exist at line 2, column 6 (did you mean 'lineitem'?)");
    expect(e.position).toEqual({ line: 2, column: 6 });
  });

  it('unknown column, with the nearest column names', () => {
    const e = error('SELECT l_orderkey,\n       l_quantty\nFROM lineitem', tpch);
    expect(e.code).toBe('PLAN');
    expect(e.message).toBe(
      "column 'l_quantty' does not exist at line 2, column 8 (did you mean 'l_quantity'?)",
    );
    expect(e.position).toEqual({ line: 2, column: 8 });
  });

  it('unknown qualified column and unknown table qualifier', () => {
    expect(error('SELECT t.c FROM t').message).toBe("column 't.c' does not exist at line 1, column 8");
    expect(error('SELECT x.a FROM t').message).toBe(
      "table 'x' referenced by 'x.a' is not in the FROM clause at line 1, column 8",
    );
  });

  it('ambiguous column, naming the tables', () => {
    const e = error('SELECT a FROM t, u');
    expect(e.code).toBe('PLAN');
    expect(e.message).toBe(
      "column reference 'a' is ambiguous: it is a column of 't' and 'u' at line 1, column 8; qualify it, e.g. t.a",
    );
  });

  it('a column neither grouped nor aggregated', () => {
    const e = error('SELECT b,\n  count(*)\nFROM t\nGROUP BY a');
    expect(e.message).toBe(
      "column 'b' must appear in the GROUP BY clause or be used in an aggregate function at line 1, column 8",
    );
    expect(error('SELECT count(*) FROM t ORDER BY b').message).toMatch(
      /column 'b' must appear in the GROUP BY clause/,
    );
  });

  it('aggregates where they are not allowed', () => {
    expect(error('SELECT a FROM t WHERE sum(a) > 1').message).toBe(
      'aggregate functions are not allowed in WHERE at line 1, column 23',
    );
    expect(error('SELECT sum(max(a)) FROM t').message).toMatch(/aggregate function calls cannot be nested/);
    expect(error('SELECT a FROM t GROUP BY sum(a)').message).toMatch(
      /aggregate functions are not allowed in GROUP BY/,
    );
  });

  it('unknown function, from the function catalogue', () => {
    const e = error('SELECT uper(b) FROM t');
    expect(e.code).toBe('PLAN');
    expect(e.message).toMatch(/^unknown function 'uper'.*upper/);
    expect(e.position).toEqual({ line: 1, column: 8 });
  });

  it('type mismatches name both types', () => {
    const cmp = error("SELECT a FROM t WHERE a = DATE '2020-01-01'");
    expect(cmp.code).toBe('TYPE');
    expect(cmp.message).toMatch(/INTEGER.*DATE/);
    expect(cmp.position).toEqual({ line: 1, column: 25 });
    expect(error('SELECT a + b FROM t').message).toMatch(/\+\(INTEGER, VARCHAR\)/);
    expect(error("SELECT CASE WHEN a > 0 THEN 1 ELSE DATE '2020-01-01' END FROM t").message).toMatch(
      /cannot mix INTEGER and DATE in CASE/,
    );
    expect(error('SELECT a FROM t WHERE b').message).toBe(
      'WHERE must be BOOLEAN, not VARCHAR at line 1, column 23',
    );
  });

  it('bad constants', () => {
    const e = error("SELECT CAST('1995-13-45' AS DATE)");
    expect(e.code).toBe('TYPE');
    expect(e.message).toMatch(/cannot cast VARCHAR '1995-13-45' to DATE at line 1, column 8/);
    expect(error("SELECT DATE 'tomorrow'").message).toMatch(/'tomorrow' is not a valid DATE/);
    expect(error('SELECT CAST(1 AS DECIMAL(40, 2))').message).toMatch(/DECIMAL\(40,2\) is not a valid type/);
  });

  it('shape errors: subquery width, set operation width, ordinals', () => {
    expect(error('SELECT (SELECT a, b FROM t)').message).toMatch(/must return one column, not 2/);
    expect(error('SELECT a FROM t UNION SELECT a, c FROM u').message).toMatch(
      /each side of UNION must have the same number of columns: 1 and 2 at line 1, column 17/,
    );
    expect(error('SELECT a FROM t ORDER BY 3').message).toMatch(
      /ORDER BY position 3 is not in the select list \(1 to 1\)/,
    );
    expect(error('SELECT a, count(*) FROM t GROUP BY 2').message).toMatch(
      /GROUP BY position 2 refers to an aggregate/,
    );
  });

  it('unsupported features say so', () => {
    const e = error('WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r');
    expect(e.code).toBe('NOT_IMPLEMENTED');
    expect(error('SELECT a FROM t GROUP BY ROLLUP (a)').code).toBe('NOT_IMPLEMENTED');
  });
});
