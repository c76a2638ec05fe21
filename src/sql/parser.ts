import { SkeinError } from '../errors.ts';
import type {
  BinaryOp,
  CaseWhen,
  ColumnDef,
  ComparisonOp,
  CreateExternalTable,
  CreateTable,
  CreateTableAs,
  CreateView,
  Cte,
  DataType,
  Describe,
  Drop,
  Explain,
  Expr,
  FrameBound,
  FunctionCall,
  GroupByItem,
  Identifier,
  Insert,
  IntervalLiteral,
  IntervalUnit,
  Join,
  NamedWindow,
  ObjectName,
  OrderByItem,
  Pos,
  Query,
  QueryBody,
  Select,
  SelectItem,
  SetVariable,
  Statement,
  TableAlias,
  TableOption,
  TableRef,
  Values,
  WindowFrame,
  WindowSpec,
  With,
} from './ast.ts';
import { NILADIC_FUNCTIONS, RESERVED, RESERVED_FUNCTION_NAMES } from './keywords.ts';
import { Lexer, type Token } from './lexer.ts';
import { PREC } from './precedence.ts';
import { syntaxError } from './syntax-error.ts';

/**
 * Parses SQL text holding any number of statements separated by `;` (empty ones are skipped).
 * Throws a `SYNTAX` SkeinError with the line and column of the first problem.
 *
 * @example
 * const [create, insert] = parseStatements('CREATE TABLE t (a int); INSERT INTO t VALUES (1)');
 */
export function parseStatements(sql: string): Statement[] {
  const p = new Parser(sql);
  const statements: Statement[] = [];
  for (;;) {
    while (p.acceptOp(';'));
    if (p.atEnd()) return statements;
    statements.push(p.parseStatement());
    if (!p.atEnd() && !p.isOp(';')) p.fail("';' or end of input");
  }
}

/**
 * Parses exactly one statement; a trailing `;` is allowed.
 *
 * @example
 * const q = parseStatement('SELECT count(*) FROM lineitem');
 * if (q.kind === 'query' && q.body.kind === 'select') q.body.from; // [{ kind: 'table', … }]
 */
export function parseStatement(sql: string): Statement {
  const p = new Parser(sql);
  while (p.acceptOp(';'));
  const statement = p.parseStatement();
  if (!p.atEnd() && !p.isOp(';')) p.fail("';' or end of input");
  while (p.acceptOp(';'));
  if (!p.atEnd()) p.fail('end of input (only one statement is allowed here)');
  return statement;
}

/**
 * Parses a lone expression, e.g. a column default or a filter typed on a command line.
 *
 * @example
 * parseExpression("l_shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY");
 */
export function parseExpression(sql: string): Expr {
  const p = new Parser(sql);
  const e = p.parseExpr();
  if (!p.atEnd()) p.fail('end of input');
  return e;
}

const INTERVAL_UNITS: Readonly<Record<string, IntervalUnit>> = {
  YEAR: 'year',
  YEARS: 'year',
  QUARTER: 'quarter',
  QUARTERS: 'quarter',
  MONTH: 'month',
  MONTHS: 'month',
  WEEK: 'week',
  WEEKS: 'week',
  DAY: 'day',
  DAYS: 'day',
  HOUR: 'hour',
  HOURS: 'hour',
  MINUTE: 'minute',
  MINUTES: 'minute',
  SECOND: 'second',
  SECONDS: 'second',
  MILLISECOND: 'millisecond',
  MILLISECONDS: 'millisecond',
  MICROSECOND: 'microsecond',
  MICROSECONDS: 'microsecond',
};

/**
 * The deepest nesting of parenthesized expressions, subqueries and joins accepted. Far beyond
 * hand-written or generated SQL, and low enough that back-tracking at `((` stays cheap and the
 * stack never overflows.
 */
const MAX_DEPTH = 500;
const DEPTH_ERRORS = new WeakSet<SkeinError>();

const TYPED_LITERAL_TYPES: ReadonlySet<string> = new Set(['DATE', 'TIME', 'TIMESTAMP', 'TIMESTAMPTZ']);
const WINDOW_SPEC_WORDS: ReadonlySet<string> = new Set(['PARTITION', 'ORDER', 'ROWS', 'RANGE', 'GROUPS']);

function posOf(t: Token): Pos {
  return { line: t.line, column: t.column };
}

function isLater(a: SkeinError, b: SkeinError): boolean {
  const pa = a.position;
  const pb = b.position;
  if (!pa || !pb) return false;
  return pa.line > pb.line || (pa.line === pb.line && pa.column > pb.column);
}

/** How a token is named in "expected … but found …". */
function describeToken(t: Token): string {
  if (t.kind === 'eof') return 'end of input';
  const text = t.text.length > 40 ? `${t.text.slice(0, 37)}...` : t.text;
  return t.kind === 'string' ? `string ${text}` : `'${text}'`;
}

function isPlain(q: Query): boolean {
  return q.with === null && q.orderBy.length === 0 && q.limit === null && q.offset === null;
}

/**
 * A recursive-descent parser; expressions by precedence climbing over {@link PREC}. Tokens are
 * pulled from the lexer on demand and kept, so that errors come in source order and the few
 * ambiguous spots (`((` at the start of a derived table or subquery) can back-track.
 */
class Parser {
  private readonly lexer: Lexer;
  private readonly tokens: Token[] = [];
  private index = 0;
  /** `?` parameters seen so far in the current statement. */
  private paramCount = 0;
  /** How deeply expressions, queries, joins and EXPLAINs are nested at this point. */
  private depth = 0;
  /**
   * Token index → the error of a query that failed to parse from there. Whether a query parses
   * does not depend on where it sits, so back-tracking never parses the same one twice; without
   * this, nested `((…((` would take quadratic time.
   */
  private readonly failedQueries = new Map<number, SkeinError>();

  constructor(sql: string) {
    this.lexer = new Lexer(sql);
  }

  // ───────────────────────── token helpers ─────────────────────────

  peek(k = 0): Token {
    const i = this.index + k;
    while (this.tokens.length <= i) {
      const last = this.tokens[this.tokens.length - 1];
      if (last?.kind === 'eof') return last;
      this.tokens.push(this.lexer.next());
    }
    return this.tokens[i]!;
  }

  private advance(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.index++;
    return t;
  }

  atEnd(): boolean {
    return this.peek().kind === 'eof';
  }

  private isWord(keyword: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'word' && t.value === keyword;
  }

  private acceptWord(keyword: string): boolean {
    if (!this.isWord(keyword)) return false;
    this.index++;
    return true;
  }

  private expectWord(keyword: string): Token {
    if (!this.isWord(keyword)) this.fail(keyword);
    return this.advance();
  }

  isOp(op: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'op' && t.value === op;
  }

  acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.index++;
    return true;
  }

  private expectOp(op: string): Token {
    if (!this.isOp(op)) this.fail(`'${op}'`);
    return this.advance();
  }

  /** Throws "expected <expected> but found <the token>", at the token. */
  fail(expected: string, t: Token = this.peek()): never {
    throw syntaxError(posOf(t), `expected ${expected} but found ${describeToken(t)}`);
  }

  /**
   * Runs a parse that may recurse, refusing SQL nested deeper than {@link MAX_DEPTH} with a syntax
   * error instead of overflowing the stack.
   */
  private nested<T>(parse: () => T): T {
    if (this.depth >= MAX_DEPTH) {
      const e = syntaxError(
        posOf(this.peek()),
        `SQL nested more than ${MAX_DEPTH} levels deep is not supported`,
      );
      DEPTH_ERRORS.add(e);
      throw e;
    }
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  /** Whether a query starts k tokens ahead. */
  private startsQuery(k = 0): boolean {
    return this.isWord('SELECT', k) || this.isWord('WITH', k) || this.isWord('VALUES', k);
  }

  /**
   * Tries `first`; if it fails with a syntax error, rewinds and tries `second`. When both fail,
   * the error that got further into the text is the one the user is shown.
   */
  private speculate<T>(first: () => T, second: () => T): T {
    const index = this.index;
    const paramCount = this.paramCount;
    try {
      return first();
    } catch (e1) {
      if (!(e1 instanceof SkeinError) || e1.code !== 'SYNTAX') throw e1;
      this.index = index;
      this.paramCount = paramCount;
      try {
        return second();
      } catch (e2) {
        if (e2 instanceof SkeinError && isLater(e1, e2)) throw e1;
        throw e2;
      }
    }
  }

  /** An optional `ALL` or `DISTINCT`. */
  private parseQuantifier(): 'all' | 'distinct' | null {
    if (this.acceptWord('ALL')) return 'all';
    if (this.acceptWord('DISTINCT')) return 'distinct';
    return null;
  }

  private commaList<T>(item: () => T): T[] {
    const items = [item()];
    while (this.acceptOp(',')) items.push(item());
    return items;
  }

  // ───────────────────────── names ─────────────────────────

  /** An unquoted non-reserved word or a quoted identifier, k tokens ahead. */
  private isIdentifier(k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'quoted' || (t.kind === 'word' && !RESERVED.has(t.value));
  }

  private parseIdentifier(what = 'an identifier'): Identifier {
    const t = this.peek();
    if (t.kind === 'quoted') {
      this.index++;
      return { value: t.value, quoted: true, pos: posOf(t) };
    }
    if (t.kind === 'word') {
      if (RESERVED.has(t.value)) {
        throw syntaxError(
          posOf(t),
          `expected ${what} but found '${t.text}' (a reserved word; write "${t.text.toLowerCase()}" to use it as a name)`,
        );
      }
      this.index++;
      return { value: t.text.toLowerCase(), quoted: false, pos: posOf(t) };
    }
    this.fail(what);
  }

  private parseObjectName(what: string): ObjectName {
    const parts = [this.parseIdentifier(what)];
    while (this.isOp('.')) {
      this.index++;
      parts.push(this.parseIdentifier("an identifier after '.'"));
    }
    return parts;
  }

  private parseIdentifierList(what: string): Identifier[] {
    this.expectOp('(');
    const ids = this.commaList(() => this.parseIdentifier(what));
    this.expectOp(')');
    return ids;
  }

  // ───────────────────────── statements ─────────────────────────

  parseStatement(): Statement {
    this.paramCount = 0;
    const t = this.peek();
    if (t.kind === 'op' && t.value === '(') return this.parseQuery();
    if (t.kind === 'word') {
      switch (t.value) {
        case 'SELECT':
        case 'WITH':
        case 'VALUES':
          return this.parseQuery();
        case 'CREATE':
          return this.parseCreate();
        case 'INSERT':
          return this.parseInsert();
        case 'DROP':
          return this.parseDrop();
        case 'EXPLAIN':
          return this.parseExplain();
        case 'SET':
          return this.parseSet();
        case 'SHOW':
          return this.parseShow();
        case 'DESCRIBE':
        case 'DESC': {
          this.index++;
          return { kind: 'describe', table: this.parseObjectName('a table name'), pos: posOf(t) };
        }
      }
    }
    this.fail('a statement (SELECT, WITH, VALUES, CREATE, INSERT, DROP, EXPLAIN, SET, SHOW or DESCRIBE)');
  }

  private parseIfNotExists(): boolean {
    if (!this.acceptWord('IF')) return false;
    this.expectWord('NOT');
    this.expectWord('EXISTS');
    return true;
  }

  private parseCreate(): CreateTable | CreateTableAs | CreateExternalTable | CreateView {
    const pos = posOf(this.advance());
    let orReplace = false;
    if (this.acceptWord('OR')) {
      this.expectWord('REPLACE');
      orReplace = true;
    }
    if (this.acceptWord('EXTERNAL')) {
      this.expectWord('TABLE');
      return this.parseCreateExternalTable(pos, orReplace);
    }
    if (this.acceptWord('TABLE')) return this.parseCreateTable(pos, orReplace);
    if (this.acceptWord('VIEW')) {
      const ifNotExists = this.parseIfNotExists();
      const name = this.parseObjectName('a view name');
      const columns = this.isOp('(') ? this.parseIdentifierList('a column name') : [];
      this.expectWord('AS');
      return { kind: 'create_view', name, columns, query: this.parseQuery(), orReplace, ifNotExists, pos };
    }
    this.fail('TABLE, EXTERNAL TABLE or VIEW');
  }

  private parseCreateTable(pos: Pos, orReplace: boolean): CreateTable | CreateTableAs {
    const ifNotExists = this.parseIfNotExists();
    const name = this.parseObjectName('a table name');
    if (this.acceptWord('AS')) {
      return { kind: 'create_table_as', name, query: this.parseQuery(), ifNotExists, orReplace, pos };
    }
    if (!this.isOp('(')) this.fail("'(' or AS");
    this.index++;
    const columns: ColumnDef[] = [];
    const primaryKey: Identifier[] = [];
    do {
      if (this.isWord('PRIMARY')) {
        const t = this.advance();
        this.expectWord('KEY');
        if (primaryKey.length > 0) throw syntaxError(posOf(t), 'a table can have only one PRIMARY KEY');
        primaryKey.push(...this.parseIdentifierList('a column name'));
      } else {
        columns.push(this.parseColumnDef(primaryKey));
      }
    } while (this.acceptOp(','));
    if (!this.isOp(')')) this.fail("',' or ')'");
    this.index++;
    return { kind: 'create_table', name, columns, primaryKey, ifNotExists, orReplace, pos };
  }

  /** `name type [NOT NULL | NULL | DEFAULT expr | PRIMARY KEY]…`; a PRIMARY KEY goes to `primaryKey`. */
  private parseColumnDef(primaryKey: Identifier[] | null): ColumnDef {
    const pos = posOf(this.peek());
    const name = this.parseIdentifier('a column name');
    const type = this.parseDataType();
    let notNull = false;
    let defaultValue: Expr | null = null;
    for (;;) {
      if (this.isWord('NOT') && this.isWord('NULL', 1)) {
        this.index += 2;
        notNull = true;
      } else if (this.acceptWord('NULL')) {
        notNull = false;
      } else if (this.acceptWord('DEFAULT')) {
        defaultValue = this.parseExpr();
      } else if (primaryKey && this.isWord('PRIMARY')) {
        const t = this.advance();
        this.expectWord('KEY');
        if (primaryKey.length > 0) throw syntaxError(posOf(t), 'a table can have only one PRIMARY KEY');
        primaryKey.push(name);
      } else {
        break;
      }
    }
    return { name, type, notNull, default: defaultValue, pos };
  }

  private parseCreateExternalTable(pos: Pos, orReplace: boolean): CreateExternalTable {
    const ifNotExists = this.parseIfNotExists();
    const name = this.parseObjectName('a table name');
    let columns: ColumnDef[] = [];
    if (this.acceptOp('(')) {
      columns = this.commaList(() => this.parseColumnDef(null));
      if (!this.isOp(')')) this.fail("',' or ')'");
      this.index++;
    }
    let format: string | null = null;
    let location: string | null = null;
    let partitionedBy: Identifier[] | null = null;
    let options: TableOption[] | null = null;
    const once = (t: Token, seen: unknown, clause: string) => {
      if (seen !== null) throw syntaxError(posOf(t), `${clause} is given twice`);
    };
    for (;;) {
      const t = this.peek();
      if (this.isWord('STORED')) {
        once(t, format, 'STORED AS');
        this.index++;
        this.expectWord('AS');
        const f = this.peek();
        if (f.kind !== 'word' && f.kind !== 'quoted') this.fail('a file format (PARQUET, CSV, …)');
        this.index++;
        format = f.kind === 'word' ? f.value.toLowerCase() : f.value;
      } else if (this.isWord('LOCATION')) {
        once(t, location, 'LOCATION');
        this.index++;
        const l = this.peek();
        if (l.kind !== 'string') this.fail("a location string ('s3://bucket/path/', 'data/t/')");
        this.index++;
        location = l.value;
      } else if (this.isWord('PARTITIONED')) {
        once(t, partitionedBy, 'PARTITIONED BY');
        this.index++;
        this.expectWord('BY');
        partitionedBy = this.parseIdentifierList('a column name');
      } else if (this.isWord('OPTIONS') || this.isWord('WITH')) {
        once(t, options, t.value);
        this.index++;
        this.expectOp('(');
        options = this.commaList(() => this.parseTableOption());
        if (!this.isOp(')')) this.fail("',' or ')'");
        this.index++;
      } else {
        break;
      }
    }
    if (format === null) this.fail(location === null ? 'STORED AS or LOCATION' : 'STORED AS');
    if (location === null) this.fail('LOCATION');
    return {
      kind: 'create_external_table',
      name,
      columns,
      format,
      location,
      partitionedBy: partitionedBy ?? [],
      options: options ?? [],
      ifNotExists,
      orReplace,
      pos,
    };
  }

  /** `key [=] value`; a key is a string or a dotted name, a value a string, number, boolean or word. */
  private parseTableOption(): TableOption {
    let key: string;
    const k = this.peek();
    if (k.kind === 'string') {
      this.index++;
      key = k.value;
    } else {
      key = this.parseObjectName('an option name')
        .map((id) => id.value)
        .join('.');
    }
    this.acceptOp('=');
    const v = this.peek();
    let value: string;
    if (v.kind === 'string' || v.kind === 'number') {
      value = v.value;
    } else if (v.kind === 'op' && v.value === '-' && this.peek(1).kind === 'number') {
      this.index++;
      value = `-${this.peek().value}`;
    } else if (v.kind === 'word') {
      value = v.value === 'TRUE' || v.value === 'FALSE' ? v.value.toLowerCase() : v.text;
    } else {
      this.fail('an option value');
    }
    this.index++;
    return { key, value };
  }

  private parseInsert(): Insert {
    const pos = posOf(this.advance());
    this.expectWord('INTO');
    const table = this.parseObjectName('a table name');
    let columns: Identifier[] = [];
    if (this.isOp('(') && !this.startsQuery(1) && !this.isOp('(', 1)) {
      columns = this.parseIdentifierList('a column name');
    }
    if (!this.startsQuery() && !this.isOp('(')) this.fail('VALUES, SELECT, WITH or a column list');
    return { kind: 'insert', table, columns, source: this.parseQuery(), pos };
  }

  private parseDrop(): Drop {
    const pos = posOf(this.advance());
    let objectType: 'table' | 'view';
    if (this.acceptWord('TABLE')) objectType = 'table';
    else if (this.acceptWord('VIEW')) objectType = 'view';
    else this.fail('TABLE or VIEW');
    let ifExists = false;
    if (this.acceptWord('IF')) {
      this.expectWord('EXISTS');
      ifExists = true;
    }
    const names = this.commaList(() => this.parseObjectName(`a ${objectType} name`));
    return { kind: 'drop', objectType, ifExists, names, pos };
  }

  private parseExplain(): Explain {
    const pos = posOf(this.advance());
    const analyze = this.acceptWord('ANALYZE');
    const verbose = this.acceptWord('VERBOSE');
    return { kind: 'explain', analyze, verbose, statement: this.nested(() => this.parseStatement()), pos };
  }

  private parseSet(): SetVariable {
    const pos = posOf(this.advance());
    const session = this.acceptWord('SESSION');
    const name = this.parseObjectName('a setting name');
    if (!this.acceptOp('=') && !this.acceptWord('TO')) this.fail("'=' or TO");
    const v = this.peek();
    const next = this.peek(1);
    const bareWord =
      v.kind === 'word' &&
      v.value !== 'TRUE' &&
      v.value !== 'FALSE' &&
      v.value !== 'NULL' &&
      (next.kind === 'eof' || (next.kind === 'op' && next.value === ';'));
    if (bareWord) {
      this.index++;
      return { kind: 'set', session, name, value: { kind: 'string', value: v.text, pos: posOf(v) }, pos };
    }
    return { kind: 'set', session, name, value: this.parseExpr(), pos };
  }

  private parseShow(): Statement {
    const pos = posOf(this.advance());
    if (this.acceptWord('TABLES')) {
      let schema: ObjectName | null = null;
      if (this.acceptWord('FROM') || this.acceptWord('IN')) schema = this.parseObjectName('a schema name');
      return { kind: 'show_tables', schema, pos };
    }
    if (this.isWord('COLUMNS') && (this.isWord('FROM', 1) || this.isWord('IN', 1))) {
      this.index += 2;
      const d: Describe = { kind: 'describe', table: this.parseObjectName('a table name'), pos };
      return d;
    }
    if (this.acceptWord('ALL')) return { kind: 'show_variable', name: null, pos };
    if (!this.isIdentifier()) this.fail('TABLES, COLUMNS FROM, ALL or a setting name');
    return { kind: 'show_variable', name: this.parseObjectName('a setting name'), pos };
  }

  // ───────────────────────── queries ─────────────────────────

  parseQuery(): Query {
    const start = this.index;
    const known = this.failedQueries.get(start);
    if (known) throw known;
    try {
      return this.nested(() => this.parseQueryUnguarded());
    } catch (e) {
      // a query too deep here might not be elsewhere: only context-free failures are remembered
      if (e instanceof SkeinError && !DEPTH_ERRORS.has(e)) this.failedQueries.set(start, e);
      throw e;
    }
  }

  private parseQueryUnguarded(): Query {
    const pos = posOf(this.peek());
    let withClause: With | null = null;
    if (this.acceptWord('WITH')) {
      const recursive = this.acceptWord('RECURSIVE');
      withClause = { recursive, ctes: this.commaList(() => this.parseCte()) };
    }
    const body = this.parseSetExpr(1);
    let orderBy: OrderByItem[] = [];
    if (this.isWord('ORDER')) {
      this.index++;
      this.expectWord('BY');
      orderBy = this.commaList(() => this.parseOrderByItem());
    }
    let limit: Expr | null = null;
    let offset: Expr | null = null;
    let sawLimit = false;
    let sawOffset = false;
    for (;;) {
      if (!sawLimit && this.acceptWord('LIMIT')) {
        sawLimit = true;
        if (!this.acceptWord('ALL')) limit = this.parseExpr();
      } else if (!sawOffset && this.acceptWord('OFFSET')) {
        sawOffset = true;
        offset = this.parseExpr();
        if (!this.acceptWord('ROWS')) this.acceptWord('ROW');
      } else if (!sawLimit && this.isWord('FETCH')) {
        sawLimit = true;
        limit = this.parseFetch();
      } else {
        break;
      }
    }
    if (
      withClause === null &&
      orderBy.length === 0 &&
      limit === null &&
      offset === null &&
      body.kind === 'query'
    ) {
      return body;
    }
    return { kind: 'query', with: withClause, body, orderBy, limit, offset, pos };
  }

  /** `FETCH FIRST|NEXT [n] ROW|ROWS ONLY` → n (1 when omitted). */
  private parseFetch(): Expr {
    this.index++;
    const t = this.peek();
    if (!this.acceptWord('FIRST') && !this.acceptWord('NEXT')) this.fail('FIRST or NEXT');
    let count: Expr = { kind: 'number', text: '1', form: 'integer', pos: posOf(t) };
    if (!this.isWord('ROW') && !this.isWord('ROWS')) count = this.parseExpr();
    if (!this.acceptWord('ROWS') && !this.acceptWord('ROW')) this.fail('ROWS');
    this.expectWord('ONLY');
    return count;
  }

  private parseCte(): Cte {
    const pos = posOf(this.peek());
    const name = this.parseIdentifier('a name for the WITH query');
    const columns = this.isOp('(') ? this.parseIdentifierList('a column name') : [];
    this.expectWord('AS');
    this.expectOp('(');
    const query = this.parseQuery();
    this.expectOp(')');
    return { name, columns, query, pos };
  }

  /** Set operations: INTERSECT (2) binds tighter than UNION and EXCEPT (1); all associate left. */
  private parseSetExpr(minPrec: number): QueryBody {
    let left = this.parseSetPrimary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'word') return left;
      let op: 'union' | 'intersect' | 'except';
      let prec: number;
      if (t.value === 'UNION') [op, prec] = ['union', 1];
      else if (t.value === 'EXCEPT') [op, prec] = ['except', 1];
      else if (t.value === 'INTERSECT') [op, prec] = ['intersect', 2];
      else return left;
      if (prec < minPrec) return left;
      this.index++;
      const all = this.parseQuantifier() === 'all';
      const right = this.parseSetExpr(prec + 1);
      left = { kind: 'set_operation', op, all, left, right, pos: left.pos, opPos: posOf(t) };
    }
  }

  private parseSetPrimary(): QueryBody {
    if (this.isWord('SELECT')) return this.parseSelect();
    if (this.isWord('VALUES')) return this.parseValues();
    if (this.isOp('(')) {
      this.index++;
      const q = this.parseQuery();
      this.expectOp(')');
      return isPlain(q) ? q.body : q;
    }
    this.fail("SELECT, VALUES or '('");
  }

  private parseValues(): Values {
    const pos = posOf(this.advance());
    const rows = this.commaList(() => {
      this.expectOp('(');
      const row = this.commaList(() => this.parseExpr());
      if (!this.isOp(')')) this.fail("',' or ')'");
      this.index++;
      return row;
    });
    return { kind: 'values', rows, pos };
  }

  private parseSelect(): Select {
    const pos = posOf(this.advance());
    const distinct = this.parseQuantifier() === 'distinct';
    const items = this.commaList(() => this.parseSelectItem());
    const from = this.acceptWord('FROM') ? this.commaList(() => this.parseTableRef()) : [];
    const where = this.acceptWord('WHERE') ? this.parseExpr() : null;
    let groupBy: GroupByItem[] = [];
    if (this.isWord('GROUP')) {
      this.index++;
      this.expectWord('BY');
      groupBy = this.commaList(() => this.parseGroupByItem());
    }
    const having = this.acceptWord('HAVING') ? this.parseExpr() : null;
    let windows: NamedWindow[] = [];
    if (this.acceptWord('WINDOW')) {
      windows = this.commaList(() => {
        const name = this.parseIdentifier('a window name');
        this.expectWord('AS');
        return { name, spec: this.parseWindowSpec() };
      });
    }
    return { kind: 'select', distinct, items, from, where, groupBy, having, windows, pos };
  }

  private parseSelectItem(): SelectItem {
    const t = this.peek();
    if (t.kind === 'op' && t.value === '*') {
      this.index++;
      return { kind: 'wildcard', qualifier: [], pos: posOf(t) };
    }
    // `t.*`, `s.t.*`: names joined by dots, ending in '*'
    for (let k = 0; this.isIdentifier(k) && this.isOp('.', k + 1); k += 2) {
      if (this.isOp('*', k + 2)) {
        const qualifier: Identifier[] = [];
        while (!this.isOp('*')) {
          qualifier.push(this.parseIdentifier());
          this.index++; // '.'
        }
        this.index++; // '*'
        return { kind: 'wildcard', qualifier, pos: posOf(t) };
      }
    }
    const expr = this.parseExpr();
    return { kind: 'select_expr', expr, alias: this.parseOptionalAlias(), pos: posOf(t) };
  }

  private parseOptionalAlias(): Identifier | null {
    if (this.acceptWord('AS')) return this.parseIdentifier('an alias');
    return this.isIdentifier() ? this.parseIdentifier() : null;
  }

  private parseOrderByItem(): OrderByItem {
    const expr = this.parseExpr();
    let descending = false;
    if (this.acceptWord('DESC')) descending = true;
    else this.acceptWord('ASC');
    let nullsFirst: boolean | null = null;
    if (this.acceptWord('NULLS')) {
      if (this.acceptWord('FIRST')) nullsFirst = true;
      else if (this.acceptWord('LAST')) nullsFirst = false;
      else this.fail('FIRST or LAST');
    }
    return { expr, descending, nullsFirst };
  }

  private parseGroupByItem(): GroupByItem {
    const t = this.peek();
    if ((this.isWord('ROLLUP') || this.isWord('CUBE')) && this.isOp('(', 1)) {
      this.index += 2;
      const sets = this.commaList(() => this.parseGroupingElement());
      this.expectOp(')');
      return { kind: t.value === 'ROLLUP' ? 'rollup' : 'cube', sets, pos: posOf(t) };
    }
    if (this.isWord('GROUPING') && this.isWord('SETS', 1)) {
      this.index += 2;
      this.expectOp('(');
      const sets = this.commaList(() => this.parseGroupingElement());
      this.expectOp(')');
      return { kind: 'grouping_sets', sets, pos: posOf(t) };
    }
    return this.parseExpr();
  }

  /** `a`, `(a, b)` or `()` inside ROLLUP, CUBE or GROUPING SETS. */
  private parseGroupingElement(): Expr[] {
    if (this.isOp('(') && this.isOp(')', 1)) {
      this.index += 2;
      return [];
    }
    const e = this.parseExpr();
    return e.kind === 'row' ? [...e.items] : [e];
  }

  // ───────────────────────── FROM ─────────────────────────

  private parseTableRef(): TableRef {
    let left = this.parseTableFactor();
    for (;;) {
      const opTok = this.peek();
      const natural = this.acceptWord('NATURAL');
      let type: Join['type'];
      if (natural && this.isWord('CROSS')) this.fail('JOIN, INNER, LEFT, RIGHT or FULL');
      if (this.acceptWord('CROSS')) {
        type = 'cross';
      } else if (this.isWord('JOIN')) {
        type = 'inner';
      } else if (this.acceptWord('INNER')) {
        type = 'inner';
      } else if (this.isWord('LEFT') || this.isWord('RIGHT') || this.isWord('FULL')) {
        type = this.advance().value.toLowerCase() as 'left' | 'right' | 'full';
        this.acceptWord('OUTER');
      } else {
        if (natural) this.fail('JOIN');
        return left;
      }
      this.expectWord('JOIN');
      const right = this.parseTableFactor();
      let condition: Join['condition'] = null;
      if (type !== 'cross' && !natural) {
        if (this.acceptWord('ON')) {
          condition = { kind: 'on', expr: this.parseExpr() };
        } else if (this.isWord('USING')) {
          this.index++;
          condition = { kind: 'using', columns: this.parseIdentifierList('a column name') };
        } else {
          this.fail('ON or USING');
        }
      }
      left = { kind: 'join', type, natural, left, right, condition, pos: left.pos, opPos: posOf(opTok) };
    }
  }

  private parseTableFactor(): TableRef {
    return this.nested(() => this.parseTableFactorUnguarded());
  }

  private parseTableFactorUnguarded(): TableRef {
    const t = this.peek();
    const pos = posOf(t);
    const lateral = this.acceptWord('LATERAL');
    if (this.isOp('(')) {
      const derived = (): TableRef => {
        this.expectOp('(');
        const query = this.parseQuery();
        this.expectOp(')');
        return { kind: 'derived', query, lateral, alias: this.parseTableAlias(), pos };
      };
      const nestedJoin = (): TableRef => {
        this.expectOp('(');
        const ref = this.parseTableRef();
        this.expectOp(')');
        return ref;
      };
      if (lateral || this.startsQuery(1)) return derived();
      if (this.isOp('(', 1)) return this.speculate(derived, nestedJoin);
      return nestedJoin();
    }
    if (lateral) this.fail("'(' after LATERAL");
    const name = this.parseObjectName('a table name');
    if (this.isOp('(')) {
      this.index++;
      const args = this.isOp(')') ? [] : this.commaList(() => this.parseExpr());
      this.expectOp(')');
      return { kind: 'table_function', name, args, alias: this.parseTableAlias(), pos };
    }
    return { kind: 'table', name, alias: this.parseTableAlias(), pos };
  }

  private parseTableAlias(): TableAlias | null {
    let name: Identifier;
    if (this.acceptWord('AS')) name = this.parseIdentifier('an alias');
    else if (this.isIdentifier()) name = this.parseIdentifier();
    else return null;
    const columns = this.isOp('(') ? this.parseIdentifierList('a column alias') : [];
    return { name, columns };
  }

  // ───────────────────────── expressions ─────────────────────────

  parseExpr(): Expr {
    return this.parseBinary(PREC.OR);
  }

  /** An expression whose operators all bind at least as tightly as `minPrec`. */
  private parseBinary(minPrec: number): Expr {
    return this.nested(() => this.parseInfix(this.parsePrefix(), minPrec));
  }

  private parsePrefix(): Expr {
    const t = this.peek();
    if (t.kind === 'word' && t.value === 'NOT') {
      this.index++;
      const operand = this.parseBinary(PREC.NOT);
      if (operand.kind === 'exists' && !operand.negated) return { ...operand, negated: true, pos: posOf(t) };
      return { kind: 'unary', op: 'not', operand, pos: posOf(t) };
    }
    if (t.kind === 'op' && (t.value === '-' || t.value === '+')) {
      this.index++;
      const operand = this.parseBinary(PREC.UNARY);
      return { kind: 'unary', op: t.value, operand, pos: posOf(t) };
    }
    return this.parsePrimary();
  }

  /** Extends `left` with infix and postfix operators binding at least as tightly as `minPrec`. */
  private parseInfix(left: Expr, minPrec: number): Expr {
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op') {
        let prec: number;
        switch (t.value) {
          case '::':
            if (PREC.CAST < minPrec) return left;
            this.index++;
            left = { kind: 'cast', expr: left, type: this.parseDataType(), try: false, pos: left.pos };
            continue;
          case '*':
          case '/':
          case '//':
          case '%':
            prec = PREC.MULTIPLY;
            break;
          case '+':
          case '-':
            prec = PREC.ADD;
            break;
          case '||':
            prec = PREC.CONCAT;
            break;
          case '=':
          case '<>':
          case '<':
          case '<=':
          case '>':
          case '>=':
            prec = PREC.COMPARE;
            break;
          default:
            return left;
        }
        if (prec < minPrec) return left;
        this.index++;
        if (prec === PREC.COMPARE && (this.isWord('ANY') || this.isWord('SOME') || this.isWord('ALL'))) {
          const quantifier = this.advance().value === 'ALL' ? 'all' : 'any';
          this.expectOp('(');
          const query = this.parseQuery();
          this.expectOp(')');
          left = { kind: 'quantified', op: t.value as ComparisonOp, left, quantifier, query, pos: left.pos };
          continue;
        }
        const right = this.parseBinary(prec + 1);
        left = { kind: 'binary', op: t.value as BinaryOp, left, right, pos: left.pos, opPos: posOf(t) };
        continue;
      }
      if (t.kind !== 'word') return left;
      switch (t.value) {
        case 'OR':
        case 'AND': {
          const prec = t.value === 'OR' ? PREC.OR : PREC.AND;
          if (prec < minPrec) return left;
          this.index++;
          const right = this.parseBinary(prec + 1);
          const op = t.value === 'OR' ? 'or' : 'and';
          left = { kind: 'binary', op, left, right, pos: left.pos, opPos: posOf(t) };
          continue;
        }
        case 'IS':
          if (PREC.IS < minPrec) return left;
          this.index++;
          left = this.parseIsTail(left);
          continue;
        case 'NOT':
        case 'BETWEEN':
        case 'IN':
        case 'LIKE':
        case 'ILIKE': {
          if (PREC.PREDICATE < minPrec) return left;
          const negated = t.value === 'NOT';
          if (negated) {
            const n = this.peek(1);
            if (n.kind !== 'word' || !['BETWEEN', 'IN', 'LIKE', 'ILIKE'].includes(n.value)) return left;
            this.index++;
          }
          left = this.parsePredicateTail(left, negated);
          continue;
        }
        default:
          return left;
      }
    }
  }

  /** After `x IS`: `[NOT] NULL | TRUE | FALSE | UNKNOWN | DISTINCT FROM y`. */
  private parseIsTail(left: Expr): Expr {
    const negated = this.acceptWord('NOT');
    const t = this.peek();
    if (t.kind === 'word') {
      switch (t.value) {
        case 'NULL':
          this.index++;
          return { kind: 'is_null', expr: left, negated, pos: left.pos };
        case 'TRUE':
        case 'FALSE':
        case 'UNKNOWN': {
          this.index++;
          const value = t.value.toLowerCase() as 'true' | 'false' | 'unknown';
          return { kind: 'is_truth', expr: left, value, negated, pos: left.pos };
        }
        case 'DISTINCT': {
          this.index++;
          this.expectWord('FROM');
          const right = this.parseBinary(PREC.IS + 1);
          return { kind: 'is_distinct_from', left, right, negated, pos: left.pos };
        }
      }
    }
    this.fail('NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM');
  }

  /** At BETWEEN, IN, LIKE or ILIKE (after any NOT). */
  private parsePredicateTail(left: Expr, negated: boolean): Expr {
    const t = this.advance();
    const pos = left.pos;
    switch (t.value) {
      case 'BETWEEN': {
        const low = this.parseBinary(PREC.PREDICATE + 1);
        this.expectWord('AND');
        const high = this.parseBinary(PREC.PREDICATE + 1);
        return { kind: 'between', expr: left, low, high, negated, pos };
      }
      case 'IN': {
        const asQuery = (): Expr => {
          this.expectOp('(');
          const query = this.parseQuery();
          this.expectOp(')');
          return { kind: 'in_subquery', expr: left, query, negated, pos };
        };
        const asList = (): Expr => {
          this.expectOp('(');
          const list = this.commaList(() => this.parseExpr());
          if (!this.isOp(')')) this.fail("',' or ')'");
          this.index++;
          return { kind: 'in_list', expr: left, list, negated, pos };
        };
        if (!this.isOp('(')) this.fail("'(' after IN");
        if (this.startsQuery(1)) return asQuery();
        if (this.isOp('(', 1)) return this.speculate(asQuery, asList);
        return asList();
      }
      default: {
        const pattern = this.parseBinary(PREC.PREDICATE + 1);
        const escapeChar = this.acceptWord('ESCAPE') ? this.parseBinary(PREC.PREDICATE + 1) : null;
        const caseInsensitive = t.value === 'ILIKE';
        return { kind: 'like', expr: left, pattern, escape: escapeChar, caseInsensitive, negated, pos };
      }
    }
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    const pos = posOf(t);
    switch (t.kind) {
      case 'number': {
        this.index++;
        const form = /[eE]/.test(t.value) ? 'exponent' : t.value.includes('.') ? 'decimal' : 'integer';
        return { kind: 'number', text: t.value, form, pos };
      }
      case 'string':
        this.index++;
        return { kind: 'string', value: t.value, pos };
      case 'param':
        this.index++;
        return { kind: 'parameter', index: t.value === '' ? ++this.paramCount : Number(t.value), pos };
      case 'quoted':
        return this.parseNameOrCall();
      case 'op':
        if (t.value === '(') return this.parseParenthesized();
        break;
      case 'word':
        return this.parseWordExpr(t);
    }
    this.fail('an expression');
  }

  /** An expression that starts with a word: a keyword form, a literal, a name or a call. */
  private parseWordExpr(t: Token): Expr {
    const pos = posOf(t);
    // looks ahead only when needed, so that a bad token after a misplaced keyword is not read first
    const callFollows = () => this.isOp('(', 1);
    switch (t.value) {
      case 'NULL':
        this.index++;
        return { kind: 'null', pos };
      case 'TRUE':
      case 'FALSE':
        this.index++;
        return { kind: 'boolean', value: t.value === 'TRUE', pos };
      case 'CASE':
        return this.parseCase();
      case 'CAST':
        return this.parseCast(false);
      case 'TRY_CAST':
        if (callFollows()) return this.parseCast(true);
        break;
      case 'EXISTS': {
        this.index++;
        this.expectOp('(');
        const query = this.parseQuery();
        this.expectOp(')');
        return { kind: 'exists', query, negated: false, pos };
      }
      case 'INTERVAL': {
        const v = this.peek(1);
        if (v.kind === 'string' || v.kind === 'number') return this.parseInterval();
        break;
      }
      case 'EXTRACT':
        if (callFollows()) return this.parseExtract();
        break;
      case 'SUBSTRING':
        if (callFollows()) return this.parseSubstring();
        break;
      case 'POSITION':
        if (callFollows()) return this.parsePosition();
        break;
      case 'TRIM':
        if (callFollows()) return this.parseTrim();
        break;
    }
    if (TYPED_LITERAL_TYPES.has(t.value) && this.peek(1).kind === 'string') {
      this.index++;
      const value = this.advance().value;
      return { kind: 'typed_literal', type: { name: t.value.toLowerCase(), params: [], pos }, value, pos };
    }
    if (NILADIC_FUNCTIONS.has(t.value)) {
      this.index++;
      if (this.isOp('(') && this.isOp(')', 1)) this.index += 2;
      const name = [{ value: t.value.toLowerCase(), quoted: false, pos }];
      return { kind: 'function', ...NO_CALL_EXTRAS, name, args: [], pos };
    }
    if (RESERVED.has(t.value) && !(RESERVED_FUNCTION_NAMES.has(t.value) && callFollows())) {
      this.fail('an expression');
    }
    return this.parseNameOrCall();
  }

  /** `a`, `t.a`, `s.t.a`, or a call `f(…)`, `s.f(…)`. */
  private parseNameOrCall(): Expr {
    const first = this.peek();
    const pos = posOf(first);
    let parts: Identifier[];
    if (first.kind === 'word' && RESERVED_FUNCTION_NAMES.has(first.value)) {
      this.index++;
      parts = [{ value: first.text.toLowerCase(), quoted: false, pos }];
    } else {
      parts = [this.parseIdentifier('an expression')];
      while (this.isOp('.')) {
        this.index++;
        parts.push(this.parseIdentifier("a name after '.'"));
      }
    }
    if (this.isOp('(')) {
      this.index++;
      return this.parseCallRest(parts, pos, null);
    }
    return { kind: 'column', qualifier: parts.slice(0, -1), name: parts[parts.length - 1]!, pos };
  }

  /**
   * The rest of a call after `name(`: `[*] | [DISTINCT|ALL] args [ORDER BY …] ) [FILTER (WHERE …)]
   * [OVER …]`. `firstArg` is an argument already read (by SUBSTRING, POSITION, TRIM falling back).
   */
  private parseCallRest(name: ObjectName, pos: Pos, firstArg: Expr | null): FunctionCall {
    let distinct = false;
    let star = false;
    let args: Expr[] = [];
    let orderBy: OrderByItem[] = [];
    if (firstArg !== null) {
      args.push(firstArg);
      while (this.acceptOp(',')) args.push(this.parseExpr());
    } else if (this.isOp('*') && this.isOp(')', 1)) {
      this.index++;
      star = true;
    } else if (!this.isOp(')')) {
      distinct = this.parseQuantifier() === 'distinct';
      args = this.commaList(() => this.parseExpr());
    }
    if (args.length > 0 && this.isWord('ORDER')) {
      this.index++;
      this.expectWord('BY');
      orderBy = this.commaList(() => this.parseOrderByItem());
    }
    if (!this.isOp(')')) this.fail(args.length > 0 ? "',' or ')'" : "')'");
    this.index++;
    let filter: Expr | null = null;
    if (this.isWord('FILTER') && this.isOp('(', 1)) {
      this.index += 2;
      this.expectWord('WHERE');
      filter = this.parseExpr();
      this.expectOp(')');
    }
    let over: WindowSpec | null = null;
    if (this.isWord('OVER')) {
      const t = this.advance();
      if (this.isOp('(')) {
        over = this.parseWindowSpec();
      } else {
        const base = this.parseIdentifier("a window name or '('");
        over = { base, partitionBy: [], orderBy: [], frame: null, pos: posOf(t) };
      }
    }
    return { kind: 'function', name, args, distinct, star, orderBy, filter, over, pos };
  }

  /** `( [base] [PARTITION BY …] [ORDER BY …] [frame] )` */
  private parseWindowSpec(): WindowSpec {
    const pos = posOf(this.expectOp('('));
    let base: Identifier | null = null;
    const t = this.peek();
    if (this.isIdentifier() && !(t.kind === 'word' && WINDOW_SPEC_WORDS.has(t.value))) {
      base = this.parseIdentifier();
    }
    let partitionBy: Expr[] = [];
    if (this.isWord('PARTITION')) {
      this.index++;
      this.expectWord('BY');
      partitionBy = this.commaList(() => this.parseExpr());
    }
    let orderBy: OrderByItem[] = [];
    if (this.isWord('ORDER')) {
      this.index++;
      this.expectWord('BY');
      orderBy = this.commaList(() => this.parseOrderByItem());
    }
    let frame: WindowFrame | null = null;
    if (this.isWord('ROWS') || this.isWord('RANGE') || this.isWord('GROUPS')) {
      const units = this.advance().value.toLowerCase() as WindowFrame['units'];
      if (this.acceptWord('BETWEEN')) {
        const start = this.parseFrameBound();
        this.expectWord('AND');
        frame = { units, start, end: this.parseFrameBound() };
      } else {
        frame = { units, start: this.parseFrameBound(), end: { kind: 'current_row' } };
      }
    }
    if (!this.isOp(')')) {
      // name what could still come here
      if (frame) this.fail("')'");
      if (orderBy.length > 0) this.fail("',', ROWS, RANGE, GROUPS or ')'");
      if (partitionBy.length > 0) this.fail("',', ORDER BY, ROWS, RANGE, GROUPS or ')'");
      this.fail("PARTITION BY, ORDER BY, ROWS, RANGE, GROUPS or ')'");
    }
    this.index++;
    return { base, partitionBy, orderBy, frame, pos };
  }

  private parseFrameBound(): FrameBound {
    if (this.acceptWord('UNBOUNDED')) {
      if (this.acceptWord('PRECEDING')) return { kind: 'unbounded_preceding' };
      if (this.acceptWord('FOLLOWING')) return { kind: 'unbounded_following' };
      this.fail('PRECEDING or FOLLOWING');
    }
    if (this.isWord('CURRENT') && this.isWord('ROW', 1)) {
      this.index += 2;
      return { kind: 'current_row' };
    }
    const offset = this.parseExpr();
    if (this.acceptWord('PRECEDING')) return { kind: 'preceding', offset };
    if (this.acceptWord('FOLLOWING')) return { kind: 'following', offset };
    this.fail('PRECEDING or FOLLOWING');
  }

  /** `(expr)`, a row `(a, b, …)`, or a scalar subquery `(SELECT …)`. */
  private parseParenthesized(): Expr {
    const open = this.peek();
    const pos = posOf(open);
    const subquery = (): Expr => {
      this.expectOp('(');
      const query = this.parseQuery();
      this.expectOp(')');
      return { kind: 'subquery', query, pos };
    };
    const expression = (): Expr => {
      this.expectOp('(');
      const e = this.parseExpr();
      if (this.isOp(',')) {
        const items = [e];
        while (this.acceptOp(',')) items.push(this.parseExpr());
        if (!this.isOp(')')) this.fail("',' or ')'");
        this.index++;
        return { kind: 'row', items, pos };
      }
      this.expectOp(')');
      return e;
    };
    if (this.startsQuery(1)) return subquery();
    // `((SELECT …) UNION (SELECT …))` is a subquery; `((a + b) * c)` is not
    if (this.isOp('(', 1)) return this.speculate(subquery, expression);
    return expression();
  }

  private parseCase(): Expr {
    const pos = posOf(this.advance());
    const operand = this.isWord('WHEN') ? null : this.parseExpr();
    const whens: CaseWhen[] = [];
    while (this.acceptWord('WHEN')) {
      const condition = this.parseExpr();
      this.expectWord('THEN');
      whens.push({ condition, result: this.parseExpr() });
    }
    if (whens.length === 0) this.fail('WHEN');
    const elseExpr = this.acceptWord('ELSE') ? this.parseExpr() : null;
    if (!this.isWord('END')) this.fail(elseExpr ? 'END' : 'WHEN, ELSE or END');
    this.index++;
    return { kind: 'case', operand, whens, else: elseExpr, pos };
  }

  private parseCast(isTry: boolean): Expr {
    const pos = posOf(this.advance());
    this.expectOp('(');
    const expr = this.parseExpr();
    this.expectWord('AS');
    const type = this.parseDataType();
    this.expectOp(')');
    return { kind: 'cast', expr, type, try: isTry, pos };
  }

  private parseExtract(): Expr {
    const pos = posOf(this.advance());
    this.expectOp('(');
    const f = this.peek();
    if (f.kind !== 'word' && f.kind !== 'string') this.fail('a date/time field (YEAR, MONTH, DAY, …)');
    this.index++;
    const field = f.kind === 'word' ? f.value.toLowerCase() : f.value.toLowerCase();
    this.expectWord('FROM');
    const expr = this.parseExpr();
    this.expectOp(')');
    return { kind: 'extract', field, expr, pos };
  }

  private parseSubstring(): Expr {
    const t = this.advance();
    const pos = posOf(t);
    this.expectOp('(');
    const expr = this.parseExpr();
    if (this.isWord('FROM') || this.isWord('FOR')) {
      const start = this.acceptWord('FROM') ? this.parseExpr() : null;
      const length = this.acceptWord('FOR') ? this.parseExpr() : null;
      this.expectOp(')');
      return { kind: 'substring', expr, start, length, pos };
    }
    return this.parseCallRest([{ value: t.text.toLowerCase(), quoted: false, pos }], pos, expr);
  }

  private parsePosition(): Expr {
    const t = this.advance();
    const pos = posOf(t);
    this.expectOp('(');
    // the needle is read above IN's precedence, so that `a IN b` is not taken for a predicate
    const needle = this.parseBinary(PREC.PREDICATE + 1);
    if (this.acceptWord('IN')) {
      const haystack = this.parseExpr();
      this.expectOp(')');
      return { kind: 'position', needle, haystack, pos };
    }
    const first = this.parseInfix(needle, PREC.OR);
    return this.parseCallRest([{ value: t.text.toLowerCase(), quoted: false, pos }], pos, first);
  }

  private parseTrim(): Expr {
    const t = this.advance();
    const pos = posOf(t);
    this.expectOp('(');
    let side: 'both' | 'leading' | 'trailing' | null = null;
    if (this.isWord('LEADING') || this.isWord('TRAILING') || this.isWord('BOTH')) {
      side = this.advance().value.toLowerCase() as 'both' | 'leading' | 'trailing';
    }
    let characters: Expr | null = null;
    let expr: Expr;
    if (this.acceptWord('FROM')) {
      expr = this.parseExpr();
    } else {
      const first = this.parseExpr();
      if (this.acceptWord('FROM')) {
        characters = first;
        expr = this.parseExpr();
      } else if (side === null && this.isOp(',')) {
        return this.parseCallRest([{ value: t.text.toLowerCase(), quoted: false, pos }], pos, first);
      } else {
        if (side !== null) this.fail('FROM');
        expr = first;
      }
    }
    this.expectOp(')');
    return { kind: 'trim', side: side ?? 'both', characters, expr, pos };
  }

  /** `INTERVAL '…' [unit [(p [, s])] [TO unit [(s)]]]`, also with an unquoted number. */
  private parseInterval(): IntervalLiteral {
    const pos = posOf(this.advance());
    const value = this.advance().value;
    let unit: IntervalUnit | null = null;
    let precision: number | null = null;
    let toUnit: IntervalUnit | null = null;
    let fractionalPrecision: number | null = null;
    const u = this.peek();
    if (u.kind === 'word' && INTERVAL_UNITS[u.value]) {
      this.index++;
      unit = INTERVAL_UNITS[u.value]!;
      if (this.acceptOp('(')) {
        precision = this.parseInteger();
        if (unit === 'second' && this.acceptOp(',')) fractionalPrecision = this.parseInteger();
        this.expectOp(')');
      }
      if (this.acceptWord('TO')) {
        const v = this.peek();
        if (v.kind !== 'word' || !INTERVAL_UNITS[v.value])
          this.fail('an interval unit (MONTH, DAY, HOUR, …)');
        this.index++;
        toUnit = INTERVAL_UNITS[v.value]!;
        if (toUnit === 'second' && this.acceptOp('(')) {
          fractionalPrecision = this.parseInteger();
          this.expectOp(')');
        }
      }
    }
    return { kind: 'interval', value, unit, precision, toUnit, fractionalPrecision, pos };
  }

  private parseInteger(): number {
    const t = this.peek();
    if (t.kind !== 'number' || !/^\d+$/.test(t.value)) this.fail('an integer');
    this.index++;
    return Number(t.value);
  }

  /** A type name: words (`double precision`, `timestamp with time zone`) and `(n [, m])`. */
  parseDataType(): DataType {
    const t = this.peek();
    if (t.kind !== 'word' || RESERVED.has(t.value)) this.fail('a type name');
    this.index++;
    const words = [t.value.toLowerCase()];
    if (t.value === 'DOUBLE' && this.acceptWord('PRECISION')) words.push('precision');
    if ((t.value === 'CHARACTER' || t.value === 'CHAR') && this.acceptWord('VARYING')) words.push('varying');
    let params: number[] = [];
    if (this.acceptOp('(')) {
      params = this.commaList(() => this.parseInteger());
      if (!this.isOp(')')) this.fail("',' or ')'");
      this.index++;
    }
    if ((t.value === 'TIMESTAMP' || t.value === 'TIME') && this.isWord('TIME', 1) && this.isWord('ZONE', 2)) {
      if (this.isWord('WITH') || this.isWord('WITHOUT')) {
        words.push(this.advance().value.toLowerCase(), 'time', 'zone');
        this.index += 2;
      }
    }
    return { name: words.join(' '), params, pos: posOf(t) };
  }
}

const NO_CALL_EXTRAS = { distinct: false, star: false, orderBy: [], filter: null, over: null } as const;
