import { SkeinError, type SqlPosition } from '../errors.ts';

/**
 * A `SYNTAX` error at a position: `syntax error at line 3, column 14: expected ')' but found 'FROM'`.
 *
 * @example
 * throw syntaxError({ line: 1, column: 8 }, "expected an expression but found 'FROM'");
 */
export function syntaxError(position: SqlPosition, detail: string): SkeinError {
  return new SkeinError(
    'SYNTAX',
    `syntax error at line ${position.line}, column ${position.column}: ${detail}`,
    {
      position: { line: position.line, column: position.column },
    },
  );
}
