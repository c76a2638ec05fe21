/**
 * Reserved words: they cannot be used, unquoted, as a column, table or alias name, because the
 * grammar needs them to find where a clause or an expression ends (`FROM t WHERE …` must not read
 * WHERE as an alias of t). Every other keyword — `date`, `year`, `value`, `name`, `interval`,
 * `position`, `rows`, `over`, `filter` … — is also a valid name, recognised as a keyword only
 * where its position says so. The list is close to PostgreSQL's reserved words, plus the join
 * words (which PostgreSQL reserves for table aliases only).
 *
 * Quote a reserved word to use it as a name: `SELECT "order" FROM t`.
 */
export const RESERVED: ReadonlySet<string> = new Set([
  'ALL',
  'AND',
  'ANY',
  'AS',
  'ASC',
  'BETWEEN',
  'BOTH',
  'CASE',
  'CAST',
  'CHECK',
  'COLLATE',
  'CONSTRAINT',
  'CREATE',
  'CROSS',
  'CURRENT_DATE',
  'CURRENT_TIME',
  'CURRENT_TIMESTAMP',
  'DEFAULT',
  'DESC',
  'DISTINCT',
  'ELSE',
  'END',
  'EXCEPT',
  'EXISTS',
  'FALSE',
  'FETCH',
  'FOR',
  'FOREIGN',
  'FROM',
  'FULL',
  'GROUP',
  'HAVING',
  'ILIKE',
  'IN',
  'INNER',
  'INTERSECT',
  'INTO',
  'IS',
  'JOIN',
  'LATERAL',
  'LEADING',
  'LEFT',
  'LIKE',
  'LIMIT',
  'LOCALTIME',
  'LOCALTIMESTAMP',
  'NATURAL',
  'NOT',
  'NULL',
  'OFFSET',
  'ON',
  'OR',
  'ORDER',
  'OUTER',
  'PRIMARY',
  'REFERENCES',
  'RIGHT',
  'SELECT',
  'SIMILAR',
  'SOME',
  'TABLE',
  'THEN',
  'TO',
  'TRAILING',
  'TRUE',
  'UNION',
  'UNIQUE',
  'USING',
  'VALUES',
  'WHEN',
  'WHERE',
  'WINDOW',
  'WITH',
]);

/** Reserved words that still name functions when a `(` follows: `left(s, 3)`, `right(s, 2)`. */
export const RESERVED_FUNCTION_NAMES: ReadonlySet<string> = new Set(['LEFT', 'RIGHT']);

/**
 * Keyword values that read as calls without parentheses. `CURRENT_DATE` is
 * `{ kind: 'function', name: [current_date], args: [] }`, and the printer writes such a call back
 * without parentheses.
 */
export const NILADIC_FUNCTIONS: ReadonlySet<string> = new Set([
  'CURRENT_DATE',
  'CURRENT_TIME',
  'CURRENT_TIMESTAMP',
  'LOCALTIME',
  'LOCALTIMESTAMP',
]);
