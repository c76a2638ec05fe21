import { describe, expect, it } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import { parseExpression, parseStatement, parseStatements } from '../../src/sql/parser.ts';

/** The SkeinError thrown by `fn`, or a failure when nothing was thrown. */
function errorOf(fn: () => unknown): SkeinError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SkeinError) return e;
    throw e;
  }
  throw new Error('expected a syntax error, but the SQL parsed');
}

function syntaxErrorOf(sql: string) {
  const e = errorOf(() => parseStatement(sql));
  return { code: e.code, position: e.position, message: e.message };
}

describe('syntax errors', () => {
  it('are user errors with code SYNTAX and a 1-based position', () => {
    const e = errorOf(() => parseStatement('SELECT * FROM t WHERE a = = 1'));
    expect(e).toBeInstanceOf(SkeinError);
    expect(e.code).toBe('SYNTAX');
    expect(e.isUserError).toBe(true);
    expect(e.position).toEqual({ line: 1, column: 27 });
    expect(e.message).toBe("syntax error at line 1, column 27: expected an expression but found '='");
  });

  it.each([
    // unexpected tokens
    ['SELECT * FROM t WHERE a = = 1', 1, 27, "expected an expression but found '='"],
    [
      'SELEC * FROM t',
      1,
      1,
      "expected a statement (SELECT, WITH, VALUES, CREATE, INSERT, DROP, EXPLAIN, SET, SHOW or DESCRIBE) but found 'SELEC'",
    ],
    ['SELECT a FROM t GROUP a', 1, 23, "expected BY but found 'a'"],
    ['SELECT a FROM t JOIN u WHERE x', 1, 24, "expected ON or USING but found 'WHERE'"],
    [
      'SELECT a FROM t WHERE a IS 5',
      1,
      28,
      "expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM but found '5'",
    ],
    ['SELECT CAST(a AS) FROM t', 1, 17, "expected a type name but found ')'"],
    [
      "SELECT INTERVAL '1' DAY TO fortnight",
      1,
      28,
      "expected an interval unit (MONTH, DAY, HOUR, …) but found 'fortnight'",
    ],
    ['SELECT a FROM t UNION 1', 1, 23, "expected SELECT, VALUES or '(' but found '1'"],
    ['CREATE TABLE t (a int,)', 1, 23, "expected a column name but found ')'"],
    ['CREATE INDEX i ON t (a)', 1, 8, "expected TABLE, EXTERNAL TABLE or VIEW but found 'INDEX'"],
    ['CREATE EXTERNAL TABLE t STORED AS PARQUET', 1, 42, 'expected LOCATION but found end of input'],
    [
      "CREATE EXTERNAL TABLE t STORED AS csv STORED AS parquet LOCATION 'x'",
      1,
      39,
      'STORED AS is given twice',
    ],
    ['SET x 1', 1, 7, "expected '=' or TO but found '1'"],
    [
      '',
      1,
      1,
      'expected a statement (SELECT, WITH, VALUES, CREATE, INSERT, DROP, EXPLAIN, SET, SHOW or DESCRIBE) but found end of input',
    ],
    // unterminated strings, identifiers and comments: at their start
    [
      "SELECT a\nFROM t\nWHERE b = 'abc\n",
      3,
      11,
      "unterminated string literal: expected a closing ' but found end of input",
    ],
    [
      'SELECT "abc FROM t',
      1,
      8,
      'unterminated quoted identifier: expected a closing " but found end of input',
    ],
    [
      'SELECT 1 /* a comment\n /* nested */ still open',
      1,
      10,
      "unterminated comment: expected '*/' but found end of input",
    ],
    // missing ')'
    ['SELECT (a + b\nFROM t', 2, 1, "expected ')' but found 'FROM'"],
    ['SELECT sum(a\nFROM t', 2, 1, "expected ',' or ')' but found 'FROM'"],
    ['SELECT * FROM t WHERE a IN (1, 2', 1, 33, "expected ',' or ')' but found end of input"],
    ['SELECT * FROM (SELECT 1 AS x', 1, 29, "expected ')' but found end of input"],
    [
      'SELECT count(*) OVER (PARTITION BY a',
      1,
      37,
      "expected ',', ORDER BY, ROWS, RANGE, GROUPS or ')' but found end of input",
    ],
    // trailing garbage
    ['SELECT a FROM t WHERE a = 1 xyz abc', 1, 29, "expected ';' or end of input but found 'xyz'"],
    ['SELECT 1 2', 1, 10, "expected ';' or end of input but found '2'"],
    ['SELECT a FROM t)', 1, 16, "expected ';' or end of input but found ')'"],
    // a keyword where an expression belongs
    ['SELECT a,\n  FROM t', 2, 3, "expected an expression but found 'FROM'"],
    ['SELECT * FROM t WHERE ORDER BY a', 1, 23, "expected an expression but found 'ORDER'"],
    ['SELECT a + FROM t', 1, 12, "expected an expression but found 'FROM'"],
    ['SELECT CASE WHEN a THEN b', 1, 26, 'expected WHEN, ELSE or END but found end of input'],
    // reserved words as names
    [
      'SELECT * FROM order',
      1,
      15,
      'expected a table name but found \'order\' (a reserved word; write "order" to use it as a name)',
    ],
    [
      'SELECT a AS select FROM t',
      1,
      13,
      'expected an alias but found \'select\' (a reserved word; write "select" to use it as a name)',
    ],
    // characters and numbers that make no token
    ['SELECT a # b', 1, 10, "unexpected character '#'"],
    ['SELECT 12abc', 1, 8, "invalid number '12abc'"],
    ['SELECT "" FROM t', 1, 8, 'a quoted identifier cannot be empty'],
  ])('%j → line %i, column %i: %s', (sql, line, column, detail) => {
    expect(syntaxErrorOf(sql)).toEqual({
      code: 'SYNTAX',
      position: { line, column },
      message: `syntax error at line ${line}, column ${column}: ${detail}`,
    });
  });

  it('counts lines across \\r\\n and \\r, and a tab as one column', () => {
    expect(syntaxErrorOf('SELECT a,\r\n\tb\r\nFROM t WHERE\r\t)').position).toEqual({ line: 4, column: 2 });
  });

  it('reports the first error in source order, even when a later token could not be read', () => {
    expect(syntaxErrorOf("SELECT FROM 'unterminated").message).toBe(
      "syntax error at line 1, column 8: expected an expression but found 'FROM'",
    );
  });

  it('parseStatements gives positions in the whole text, for errors in later statements too', () => {
    const e = errorOf(() => parseStatements("SELECT 1;\n\nSELECT 'x"));
    expect(e.position).toEqual({ line: 3, column: 8 });
    expect(e.message).toBe(
      "syntax error at line 3, column 8: unterminated string literal: expected a closing ' but found end of input",
    );
    expect(errorOf(() => parseStatements('SELECT 1;\nSELECT 2 3')).message).toBe(
      "syntax error at line 2, column 10: expected ';' or end of input but found '3'",
    );
  });

  it('parseStatement accepts one statement and one trailing semicolon, no more', () => {
    expect(parseStatement('SELECT 1;').kind).toBe('query');
    const e = errorOf(() => parseStatement('SELECT 1; SELECT 2'));
    expect(e.message).toBe(
      "syntax error at line 1, column 11: expected end of input (only one statement is allowed here) but found 'SELECT'",
    );
  });

  it('parseExpression rejects anything after the expression', () => {
    const e = errorOf(() => parseExpression('a + b c'));
    expect(e.message).toBe("syntax error at line 1, column 7: expected end of input but found 'c'");
  });

  it('when back-tracking over "((", reports the error that got furthest', () => {
    // parsed first as a derived table (fails at 'WHERE'), then as a nested join (fails earlier)
    expect(syntaxErrorOf('SELECT * FROM ((SELECT 1) UNION (SELECT 2 WHERE)) AS u').message).toBe(
      "syntax error at line 1, column 48: expected an expression but found ')'",
    );
  });
});
