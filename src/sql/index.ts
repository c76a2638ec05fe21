/**
 * The SQL front end: text → {@link Statement} trees with source positions, and back to text.
 *
 * @example
 * import { parseStatement, printStatement } from './sql/index.ts';
 * const stmt = parseStatement('select sum(x) from t where d >= date \'1994-01-01\'');
 * printStatement(stmt); // "SELECT sum(x) FROM t WHERE d >= DATE '1994-01-01'"
 */
export type * from './ast.ts';
export { withoutPositions } from './ast.ts';
export { parseExpression, parseStatement, parseStatements } from './parser.ts';
export {
  printDataType,
  printExpr,
  printIdentifier,
  printQuery,
  printStatement,
  printTableRef,
} from './print.ts';
