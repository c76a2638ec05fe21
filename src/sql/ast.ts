/**
 * The SQL abstract syntax tree: what `parseStatement` returns and what the binder consumes.
 *
 * Plain, immutable, JSON-serializable data: every node is an object literal, unions discriminate
 * on `kind`, lists are arrays, and absent parts are `null` or `[]` (never `undefined`), so that two
 * parses of equivalent text give deeply-equal trees.
 *
 * What the parser settles and what it leaves to the binder:
 * - **Names.** An unquoted identifier is folded to lower case; a "quoted" one keeps its case and has
 *   `quoted: true`. Qualified names (`schema.table`, `t.col`) are arrays of identifiers.
 * - **Numbers** keep their source text (`100.00` stays `'100.00'`, so it can be typed DECIMAL(5,2))
 *   and say whether they are written as an integer, a decimal or with an exponent. A leading minus
 *   is a `unary` node, not part of the literal.
 * - **Types** are kept as written (`{ name: 'double precision', params: [] }`,
 *   `{ name: 'decimal', params: [15, 2] }`); mapping names and aliases to engine types is the
 *   binder's job.
 * - **Parentheses** around expressions leave no trace: the tree is the structure, and the printer
 *   puts back the parentheses that precedence needs. A parenthesized query that has its own
 *   `WITH`, `ORDER BY`, `LIMIT` or `OFFSET` stays a nested {@link Query}; otherwise it dissolves into
 *   its body.
 * - **Ordinals** (`ORDER BY 2`, `GROUP BY 1`) are plain integer literals; the binder decides that
 *   they refer to select items.
 * - Equivalent spellings share one shape: `a != b` and `a <> b`; `x::t` and `CAST(x AS t)`;
 *   `NOT EXISTS (q)` is an `exists` node with `negated: true` (as are `NOT IN`, `NOT LIKE`,
 *   `NOT BETWEEN`, `IS NOT …`); `FETCH FIRST n ROWS ONLY` is a `limit`; a window frame written
 *   with only a start bound gets the implied `CURRENT ROW` end; `OVER w` is a window spec with only
 *   `base` set; a column-level `PRIMARY KEY` joins the table's `primaryKey` list; `UNION DISTINCT`
 *   is `UNION`; `DESC t` and `SHOW COLUMNS FROM t` are `DESCRIBE t`.
 *
 * Every expression, table reference, statement, query and identifier carries `pos`, the 1-based
 * line and column where it starts in the source (columns count UTF-16 code units; a tab is one),
 * so the binder can say "unknown column x at line 2, column 8". Binary operators, set operations
 * and joins also carry `opPos`, the position of the operator keyword or symbol.
 * {@link withoutPositions} drops them all, for comparing trees.
 *
 * @example
 * const stmt = parseStatement('SELECT a + 1 AS b FROM t');
 * // stmt.kind === 'query'; stmt.body.kind === 'select'
 * // stmt.body.items[0] → { kind: 'select_expr', alias: { value: 'b', … },
 * //   expr: { kind: 'binary', op: '+', left: { kind: 'column', … }, right: { kind: 'number', text: '1', … } } }
 */

import type { SqlPosition } from '../errors.ts';

/** Where a node starts in the SQL text: 1-based line and column. */
export type Pos = SqlPosition;

// ───────────────────────────── names and types ─────────────────────────────

/** A name. `value` is lower case unless `quoted` (then it is exactly as written, without quotes). */
export interface Identifier {
  readonly value: string;
  readonly quoted: boolean;
  readonly pos: Pos;
}

/** A possibly qualified name of a table, view, schema, function or setting: `[catalog.][schema.]name`. Never empty. */
export type ObjectName = readonly Identifier[];

/**
 * A type name as written, lower-cased, with multi-word names joined by one space: `'integer'`,
 * `'decimal'` (params `[15, 2]`), `'varchar'` (`[25]`), `'double precision'`, `'character varying'`,
 * `'timestamp'`, `'timestamp with time zone'`, `'interval'`. Any single word is accepted here; the
 * binder rejects names it does not know.
 */
export interface DataType {
  readonly name: string;
  /** Length, or precision and scale; `[]` when none were given. */
  readonly params: readonly number[];
  readonly pos: Pos;
}

// ───────────────────────────── statements ─────────────────────────────

export type Statement =
  | Query
  | CreateTable
  | CreateTableAs
  | CreateExternalTable
  | CreateView
  | Insert
  | Drop
  | Explain
  | SetVariable
  | ShowTables
  | ShowVariable
  | Describe;

/** `CREATE [OR REPLACE] TABLE [IF NOT EXISTS] name (col type [NOT NULL] [DEFAULT e] [PRIMARY KEY], …, [PRIMARY KEY (cols)])` */
export interface CreateTable {
  readonly kind: 'create_table';
  readonly name: ObjectName;
  readonly columns: readonly ColumnDef[];
  /** From a table constraint or a column's own `PRIMARY KEY`; `[]` when there is none. */
  readonly primaryKey: readonly Identifier[];
  readonly ifNotExists: boolean;
  readonly orReplace: boolean;
  readonly pos: Pos;
}

export interface ColumnDef {
  readonly name: Identifier;
  readonly type: DataType;
  /** True for `NOT NULL`; an explicit `NULL` and no constraint both give false. */
  readonly notNull: boolean;
  readonly default: Expr | null;
  readonly pos: Pos;
}

/** `CREATE [OR REPLACE] TABLE [IF NOT EXISTS] name AS query` */
export interface CreateTableAs {
  readonly kind: 'create_table_as';
  readonly name: ObjectName;
  readonly query: Query;
  readonly ifNotExists: boolean;
  readonly orReplace: boolean;
  readonly pos: Pos;
}

/**
 * `CREATE [OR REPLACE] EXTERNAL TABLE [IF NOT EXISTS] name [(col type, …)] STORED AS format
 * [PARTITIONED BY (cols)] LOCATION 'url' [OPTIONS|WITH (key = value, …)]` — the clauses after the
 * columns in any order. `format` is lower case as written (`'parquet'`, `'csv'`); the catalog
 * decides which it supports.
 */
export interface CreateExternalTable {
  readonly kind: 'create_external_table';
  readonly name: ObjectName;
  /** `[]` when the schema is to be inferred from the files. */
  readonly columns: readonly ColumnDef[];
  readonly format: string;
  readonly location: string;
  readonly partitionedBy: readonly Identifier[];
  /**
   * Keys as written (a quoted key keeps its case, an unquoted or dotted one is lower-cased);
   * values as text: a string's content, a number's text, `'true'`/`'false'`, or a bare word.
   */
  readonly options: readonly TableOption[];
  readonly ifNotExists: boolean;
  readonly orReplace: boolean;
  readonly pos: Pos;
}

export interface TableOption {
  readonly key: string;
  readonly value: string;
}

/** `CREATE [OR REPLACE] VIEW [IF NOT EXISTS] name [(cols)] AS query` */
export interface CreateView {
  readonly kind: 'create_view';
  readonly name: ObjectName;
  readonly columns: readonly Identifier[];
  readonly query: Query;
  readonly orReplace: boolean;
  readonly ifNotExists: boolean;
  readonly pos: Pos;
}

/** `INSERT INTO name [(cols)] query` — `VALUES …` is a query whose body is {@link Values}. */
export interface Insert {
  readonly kind: 'insert';
  readonly table: ObjectName;
  /** `[]` when no column list was given. */
  readonly columns: readonly Identifier[];
  readonly source: Query;
  readonly pos: Pos;
}

/** `DROP TABLE|VIEW [IF EXISTS] name [, name …]` */
export interface Drop {
  readonly kind: 'drop';
  readonly objectType: 'table' | 'view';
  readonly ifExists: boolean;
  readonly names: readonly ObjectName[];
  readonly pos: Pos;
}

/** `EXPLAIN [ANALYZE] [VERBOSE] statement` */
export interface Explain {
  readonly kind: 'explain';
  readonly analyze: boolean;
  readonly verbose: boolean;
  readonly statement: Statement;
  readonly pos: Pos;
}

/**
 * `SET [SESSION] name = value` (or `TO value`). A bare word as the value (`SET x = on`) becomes a
 * string literal of its text as written; anything else is an expression (usually a literal).
 */
export interface SetVariable {
  readonly kind: 'set';
  readonly session: boolean;
  readonly name: ObjectName;
  readonly value: Expr;
  readonly pos: Pos;
}

/** `SHOW TABLES [FROM|IN schema]` */
export interface ShowTables {
  readonly kind: 'show_tables';
  readonly schema: ObjectName | null;
  readonly pos: Pos;
}

/** `SHOW name`, or `SHOW ALL` (then `name` is null). */
export interface ShowVariable {
  readonly kind: 'show_variable';
  readonly name: ObjectName | null;
  readonly pos: Pos;
}

/** `DESCRIBE name`, `DESC name`, `SHOW COLUMNS FROM|IN name`. */
export interface Describe {
  readonly kind: 'describe';
  readonly table: ObjectName;
  readonly pos: Pos;
}

// ───────────────────────────── queries ─────────────────────────────

/**
 * A query: `[WITH …] body [ORDER BY …] [LIMIT n] [OFFSET m]`. It is a statement on its own, the
 * operand of a subquery, a derived table, a CTE, and — when parenthesized with its own ORDER BY,
 * LIMIT, OFFSET or WITH — a body inside a set operation.
 */
export interface Query {
  readonly kind: 'query';
  readonly with: With | null;
  readonly body: QueryBody;
  readonly orderBy: readonly OrderByItem[];
  /** `LIMIT n` or `FETCH FIRST n ROWS ONLY`; null for none or `LIMIT ALL`. */
  readonly limit: Expr | null;
  readonly offset: Expr | null;
  readonly pos: Pos;
}

export interface With {
  readonly recursive: boolean;
  readonly ctes: readonly Cte[];
}

/** `name [(col, …)] AS (query)` */
export interface Cte {
  readonly name: Identifier;
  readonly columns: readonly Identifier[];
  readonly query: Query;
  readonly pos: Pos;
}

export type QueryBody = Select | SetOperation | Values | Query;

/**
 * `left UNION|INTERSECT|EXCEPT [ALL|DISTINCT] right`. INTERSECT binds tighter than UNION and
 * EXCEPT, which associate to the left. `all` is false for both the default and an explicit DISTINCT.
 */
export interface SetOperation {
  readonly kind: 'set_operation';
  readonly op: 'union' | 'intersect' | 'except';
  readonly all: boolean;
  readonly left: QueryBody;
  readonly right: QueryBody;
  readonly pos: Pos;
  readonly opPos: Pos;
}

/** `VALUES (a, b), (c, d)`. Rows are not checked for equal length here. */
export interface Values {
  readonly kind: 'values';
  readonly rows: readonly (readonly Expr[])[];
  readonly pos: Pos;
}

export interface Select {
  readonly kind: 'select';
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  /** The comma-separated FROM list (an implicit cross join); `[]` without FROM. */
  readonly from: readonly TableRef[];
  readonly where: Expr | null;
  readonly groupBy: readonly GroupByItem[];
  readonly having: Expr | null;
  /** The `WINDOW w AS (…)` clause. */
  readonly windows: readonly NamedWindow[];
  readonly pos: Pos;
}

export type SelectItem = Wildcard | SelectExpr;

/** `*` (qualifier `[]`) or `t.*` / `s.t.*`. */
export interface Wildcard {
  readonly kind: 'wildcard';
  readonly qualifier: readonly Identifier[];
  readonly pos: Pos;
}

/** `expr [[AS] alias]` */
export interface SelectExpr {
  readonly kind: 'select_expr';
  readonly expr: Expr;
  readonly alias: Identifier | null;
  readonly pos: Pos;
}

export interface OrderByItem {
  readonly expr: Expr;
  readonly descending: boolean;
  /** `NULLS FIRST` → true, `NULLS LAST` → false, unspecified → null (the engine's default). */
  readonly nullsFirst: boolean | null;
}

/**
 * A GROUP BY element: an expression (or ordinal), or `ROLLUP (…)`, `CUBE (…)`,
 * `GROUPING SETS (…)`. Their `sets` hold one list per element: `ROLLUP (a, (b, c))` →
 * `[[a], [b, c]]`; `GROUPING SETS ((a, b), a, ())` → `[[a, b], [a], []]`.
 */
export type GroupByItem = Expr | GroupingSets;

export interface GroupingSets {
  readonly kind: 'rollup' | 'cube' | 'grouping_sets';
  readonly sets: readonly (readonly Expr[])[];
  readonly pos: Pos;
}

export interface NamedWindow {
  readonly name: Identifier;
  readonly spec: WindowSpec;
}

// ───────────────────────────── FROM ─────────────────────────────

export type TableRef = TableName | DerivedTable | TableFunction | Join;

/** `AS alias [(col, …)]` — the `AS` is optional. */
export interface TableAlias {
  readonly name: Identifier;
  /** `[]` when no column list was given. */
  readonly columns: readonly Identifier[];
}

/** A table or view by name: `lineitem`, `tpch.lineitem l1`. */
export interface TableName {
  readonly kind: 'table';
  readonly name: ObjectName;
  readonly alias: TableAlias | null;
  readonly pos: Pos;
}

/** `[LATERAL] (query) [AS] alias [(cols)]` */
export interface DerivedTable {
  readonly kind: 'derived';
  readonly query: Query;
  readonly lateral: boolean;
  readonly alias: TableAlias | null;
  readonly pos: Pos;
}

/** A function in FROM: `read_parquet('s3://…') AS t`, `generate_series(1, 10)`. */
export interface TableFunction {
  readonly kind: 'table_function';
  readonly name: ObjectName;
  readonly args: readonly Expr[];
  readonly alias: TableAlias | null;
  readonly pos: Pos;
}

/**
 * `left [NATURAL] [INNER|LEFT|RIGHT|FULL [OUTER]|CROSS] JOIN right [ON e | USING (cols)]`.
 * Joins are left-deep as written; a parenthesized join on the right stays a `join` node there.
 * `condition` is null for CROSS and NATURAL joins.
 */
export interface Join {
  readonly kind: 'join';
  readonly type: 'inner' | 'left' | 'right' | 'full' | 'cross';
  readonly natural: boolean;
  readonly left: TableRef;
  readonly right: TableRef;
  readonly condition: JoinOn | JoinUsing | null;
  readonly pos: Pos;
  readonly opPos: Pos;
}

export interface JoinOn {
  readonly kind: 'on';
  readonly expr: Expr;
}

export interface JoinUsing {
  readonly kind: 'using';
  readonly columns: readonly Identifier[];
}

// ───────────────────────────── expressions ─────────────────────────────

export type Expr =
  | NumberLiteral
  | StringLiteral
  | BooleanLiteral
  | NullLiteral
  | TypedLiteral
  | IntervalLiteral
  | Parameter
  | ColumnRef
  | Unary
  | Binary
  | IsNull
  | IsTruth
  | IsDistinctFrom
  | Between
  | InList
  | InSubquery
  | Like
  | Exists
  | ScalarSubquery
  | Quantified
  | Case
  | Cast
  | FunctionCall
  | Extract
  | Substring
  | Position
  | Trim
  | Row;

/** `42` (integer), `100.00` / `.5` / `1.` (decimal), `1e-3` / `2.5E10` (exponent); `text` as written. */
export interface NumberLiteral {
  readonly kind: 'number';
  readonly text: string;
  readonly form: 'integer' | 'decimal' | 'exponent';
  readonly pos: Pos;
}

/** `'it''s'` → value `it's`. */
export interface StringLiteral {
  readonly kind: 'string';
  readonly value: string;
  readonly pos: Pos;
}

export interface BooleanLiteral {
  readonly kind: 'boolean';
  readonly value: boolean;
  readonly pos: Pos;
}

export interface NullLiteral {
  readonly kind: 'null';
  readonly pos: Pos;
}

/** `DATE '1995-03-15'`, `TIME '12:00:00'`, `TIMESTAMP '…'`, `TIMESTAMPTZ '…'`: a string to be read as `type`. */
export interface TypedLiteral {
  readonly kind: 'typed_literal';
  readonly type: DataType;
  readonly value: string;
  readonly pos: Pos;
}

export type IntervalUnit =
  | 'year'
  | 'quarter'
  | 'month'
  | 'week'
  | 'day'
  | 'hour'
  | 'minute'
  | 'second'
  | 'millisecond'
  | 'microsecond';

/**
 * `INTERVAL '90' DAY (3)` → `{ value: '90', unit: 'day', precision: 3, toUnit: null }`;
 * `INTERVAL '1-2' YEAR TO MONTH` → `{ value: '1-2', unit: 'year', toUnit: 'month' }`;
 * `INTERVAL '1 year 2 months'` → `{ value: '1 year 2 months', unit: null }` (the text carries the units).
 * An unquoted number (`INTERVAL 3 DAY`) is kept as its text. Plural units (`DAYS`) are made singular.
 */
export interface IntervalLiteral {
  readonly kind: 'interval';
  readonly value: string;
  readonly unit: IntervalUnit | null;
  /** Leading field precision: `DAY (3)` → 3, `SECOND (3, 6)` → 3. */
  readonly precision: number | null;
  readonly toUnit: IntervalUnit | null;
  /** Fractional seconds precision: `SECOND (3, 6)` or `TO SECOND (6)` → 6. */
  readonly fractionalPrecision: number | null;
  readonly pos: Pos;
}

/** A statement parameter: `$1` → 1; each `?` takes the next number, from 1, in order of appearance. */
export interface Parameter {
  readonly kind: 'parameter';
  readonly index: number;
  readonly pos: Pos;
}

/** `col`, `t.col`, `s.t.col` → qualifier `[]`, `[t]`, `[s, t]`. */
export interface ColumnRef {
  readonly kind: 'column';
  readonly qualifier: readonly Identifier[];
  readonly name: Identifier;
  readonly pos: Pos;
}

/** `-x`, `+x`, `NOT x`. */
export interface Unary {
  readonly kind: 'unary';
  readonly op: '-' | '+' | 'not';
  readonly operand: Expr;
  readonly pos: Pos;
}

export type BinaryOp =
  | 'or'
  | 'and'
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | '||'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  /** Integer division (DuckDB's `//`). */
  | '//';

export type ComparisonOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

export interface Binary {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly pos: Pos;
  readonly opPos: Pos;
}

/** `x IS [NOT] NULL` */
export interface IsNull {
  readonly kind: 'is_null';
  readonly expr: Expr;
  readonly negated: boolean;
  readonly pos: Pos;
}

/** `x IS [NOT] TRUE|FALSE|UNKNOWN` */
export interface IsTruth {
  readonly kind: 'is_truth';
  readonly expr: Expr;
  readonly value: 'true' | 'false' | 'unknown';
  readonly negated: boolean;
  readonly pos: Pos;
}

/** `a IS [NOT] DISTINCT FROM b` (`negated` for IS NOT DISTINCT FROM, i.e. null-safe equality). */
export interface IsDistinctFrom {
  readonly kind: 'is_distinct_from';
  readonly left: Expr;
  readonly right: Expr;
  readonly negated: boolean;
  readonly pos: Pos;
}

/** `x [NOT] BETWEEN low AND high` */
export interface Between {
  readonly kind: 'between';
  readonly expr: Expr;
  readonly low: Expr;
  readonly high: Expr;
  readonly negated: boolean;
  readonly pos: Pos;
}

/** `x [NOT] IN (a, b, …)` */
export interface InList {
  readonly kind: 'in_list';
  readonly expr: Expr;
  readonly list: readonly Expr[];
  readonly negated: boolean;
  readonly pos: Pos;
}

/** `x [NOT] IN (query)` */
export interface InSubquery {
  readonly kind: 'in_subquery';
  readonly expr: Expr;
  readonly query: Query;
  readonly negated: boolean;
  readonly pos: Pos;
}

/** `x [NOT] LIKE|ILIKE pattern [ESCAPE e]` */
export interface Like {
  readonly kind: 'like';
  readonly expr: Expr;
  readonly pattern: Expr;
  readonly escape: Expr | null;
  readonly caseInsensitive: boolean;
  readonly negated: boolean;
  readonly pos: Pos;
}

/** `[NOT] EXISTS (query)` */
export interface Exists {
  readonly kind: 'exists';
  readonly query: Query;
  readonly negated: boolean;
  readonly pos: Pos;
}

/** `(query)` used as a value. */
export interface ScalarSubquery {
  readonly kind: 'subquery';
  readonly query: Query;
  readonly pos: Pos;
}

/** `x op ANY|SOME|ALL (query)`; SOME is read as ANY. */
export interface Quantified {
  readonly kind: 'quantified';
  readonly op: ComparisonOp;
  readonly left: Expr;
  readonly quantifier: 'any' | 'all';
  readonly query: Query;
  readonly pos: Pos;
}

/** `CASE [operand] WHEN … THEN … [ELSE …] END`; `operand` is null for the searched form. */
export interface Case {
  readonly kind: 'case';
  readonly operand: Expr | null;
  readonly whens: readonly CaseWhen[];
  readonly else: Expr | null;
  readonly pos: Pos;
}

/** `WHEN condition THEN result` (named so, not `when`/`then`, so that no node looks like a promise). */
export interface CaseWhen {
  readonly condition: Expr;
  readonly result: Expr;
}

/** `CAST(x AS type)`, `x::type`, and `TRY_CAST(x AS type)` (`try: true`: null instead of an error). */
export interface Cast {
  readonly kind: 'cast';
  readonly expr: Expr;
  readonly type: DataType;
  readonly try: boolean;
  readonly pos: Pos;
}

/**
 * A call: `f(a, b)`, `count(*)` (`star: true`, no args), `count(DISTINCT x)`,
 * `string_agg(x, ',' ORDER BY y)`, `sum(x) FILTER (WHERE p)`, `rank() OVER (…)`. Keyword-like
 * calls written without parentheses — `CURRENT_DATE`, `CURRENT_TIME`, `CURRENT_TIMESTAMP`,
 * `LOCALTIME`, `LOCALTIMESTAMP` — are calls with no arguments.
 */
export interface FunctionCall {
  readonly kind: 'function';
  readonly name: ObjectName;
  readonly args: readonly Expr[];
  readonly distinct: boolean;
  readonly star: boolean;
  readonly orderBy: readonly OrderByItem[];
  readonly filter: Expr | null;
  readonly over: WindowSpec | null;
  readonly pos: Pos;
}

/**
 * `OVER (…)` or a `WINDOW` clause entry. `base` names another window (`OVER w` is `{ base: w }`
 * with nothing else; `OVER (w ORDER BY x)` refines it).
 */
export interface WindowSpec {
  readonly base: Identifier | null;
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly OrderByItem[];
  readonly frame: WindowFrame | null;
  readonly pos: Pos;
}

/** `ROWS|RANGE|GROUPS BETWEEN start AND end`; `ROWS start` alone gets `end` = CURRENT ROW. */
export interface WindowFrame {
  readonly units: 'rows' | 'range' | 'groups';
  readonly start: FrameBound;
  readonly end: FrameBound;
}

export type FrameBound =
  | { readonly kind: 'unbounded_preceding' }
  | { readonly kind: 'preceding'; readonly offset: Expr }
  | { readonly kind: 'current_row' }
  | { readonly kind: 'following'; readonly offset: Expr }
  | { readonly kind: 'unbounded_following' };

/** `EXTRACT(field FROM x)`; `field` lower case as written: `year`, `month`, `day`, `hour`, `epoch`, `dow`, … */
export interface Extract {
  readonly kind: 'extract';
  readonly field: string;
  readonly expr: Expr;
  readonly pos: Pos;
}

/**
 * `SUBSTRING(x FROM start [FOR length])` or `SUBSTRING(x FOR length)`. The comma form
 * `substring(x, a, b)` is an ordinary {@link FunctionCall} named `substring`.
 */
export interface Substring {
  readonly kind: 'substring';
  readonly expr: Expr;
  readonly start: Expr | null;
  readonly length: Expr | null;
  readonly pos: Pos;
}

/** `POSITION(needle IN haystack)` — 1-based index of `needle` in `haystack`, 0 if absent. */
export interface Position {
  readonly kind: 'position';
  readonly needle: Expr;
  readonly haystack: Expr;
  readonly pos: Pos;
}

/**
 * `TRIM([LEADING|TRAILING|BOTH] [characters] FROM x)` and `TRIM(x)`; `characters` null means
 * spaces. The comma form `trim(x, chars)` is an ordinary {@link FunctionCall}.
 */
export interface Trim {
  readonly kind: 'trim';
  readonly side: 'both' | 'leading' | 'trailing';
  readonly characters: Expr | null;
  readonly expr: Expr;
  readonly pos: Pos;
}

/** `(a, b, …)` with two or more items: a row value, as in `(a, b) IN (…)` or `GROUP BY (a, b)`. */
export interface Row {
  readonly kind: 'row';
  readonly items: readonly Expr[];
  readonly pos: Pos;
}

// ───────────────────────────── helpers ─────────────────────────────

/**
 * A deep copy without `pos` and `opPos`, for comparing trees regardless of where they were written.
 *
 * @example
 * expect(withoutPositions(parseStatement(print(ast)))).toEqual(withoutPositions(ast));
 */
export function withoutPositions<T>(node: T): T {
  return JSON.parse(
    JSON.stringify(node, (key, value) => (key === 'pos' || key === 'opPos' ? undefined : value)),
  );
}
