import type {
  ColumnDef,
  DataType,
  Expr,
  FrameBound,
  FunctionCall,
  GroupByItem,
  Identifier,
  IntervalLiteral,
  ObjectName,
  OrderByItem,
  Query,
  QueryBody,
  Select,
  SelectItem,
  Statement,
  TableAlias,
  TableRef,
  WindowSpec,
} from './ast.ts';
import { NILADIC_FUNCTIONS, RESERVED, RESERVED_FUNCTION_NAMES } from './keywords.ts';
import { BINARY_PREC, PREC, precedenceOf } from './precedence.ts';

/*
 * The canonical text of a tree: one line, keywords in upper case, names in lower case unless
 * quoted, literals as written, and only the parentheses that precedence needs. Parsing the text
 * again gives back the same tree, positions aside — the tests hold every construct to that.
 */

/**
 * Prints a statement as canonical SQL text (no trailing `;`).
 *
 * @example
 * printStatement(parseStatement('select A+1 "X" from T where not (b or c)'));
 * // → 'SELECT a + 1 AS "X" FROM t WHERE NOT (b OR c)'
 */
export function printStatement(s: Statement): string {
  switch (s.kind) {
    case 'query':
      return printQuery(s);
    case 'create_table': {
      const elements = s.columns.map(printColumnDef);
      if (s.primaryKey.length > 0)
        elements.push(`PRIMARY KEY (${s.primaryKey.map(printIdentifier).join(', ')})`);
      return `CREATE ${orReplace(s.orReplace)}TABLE ${ifNotExists(s.ifNotExists)}${printName(s.name)} (${elements.join(', ')})`;
    }
    case 'create_table_as':
      return `CREATE ${orReplace(s.orReplace)}TABLE ${ifNotExists(s.ifNotExists)}${printName(s.name)} AS ${printQuery(s.query)}`;
    case 'create_external_table': {
      let text = `CREATE ${orReplace(s.orReplace)}EXTERNAL TABLE ${ifNotExists(s.ifNotExists)}${printName(s.name)}`;
      if (s.columns.length > 0) text += ` (${s.columns.map(printColumnDef).join(', ')})`;
      text += ` STORED AS ${/^[a-z_][a-z0-9_]*$/.test(s.format) ? s.format.toUpperCase() : quoteIdentifier(s.format)}`;
      if (s.partitionedBy.length > 0)
        text += ` PARTITIONED BY (${s.partitionedBy.map(printIdentifier).join(', ')})`;
      text += ` LOCATION ${quoteString(s.location)}`;
      if (s.options.length > 0) {
        text += ` OPTIONS (${s.options.map((o) => `${quoteString(o.key)} = ${quoteString(o.value)}`).join(', ')})`;
      }
      return text;
    }
    case 'create_view':
      return (
        `CREATE ${orReplace(s.orReplace)}VIEW ${ifNotExists(s.ifNotExists)}${printName(s.name)}` +
        `${columnList(s.columns)} AS ${printQuery(s.query)}`
      );
    case 'insert':
      return `INSERT INTO ${printName(s.table)}${columnList(s.columns)} ${printQuery(s.source)}`;
    case 'drop':
      return `DROP ${s.objectType.toUpperCase()} ${s.ifExists ? 'IF EXISTS ' : ''}${s.names.map(printName).join(', ')}`;
    case 'explain':
      return `EXPLAIN ${s.analyze ? 'ANALYZE ' : ''}${s.verbose ? 'VERBOSE ' : ''}${printStatement(s.statement)}`;
    case 'set':
      return `SET ${s.session ? 'SESSION ' : ''}${printName(s.name)} = ${printExpr(s.value)}`;
    case 'show_tables':
      return s.schema ? `SHOW TABLES FROM ${printName(s.schema)}` : 'SHOW TABLES';
    case 'show_variable':
      return s.name ? `SHOW ${printName(s.name)}` : 'SHOW ALL';
    case 'describe':
      return `DESCRIBE ${printName(s.table)}`;
  }
}

/** Prints a query: `[WITH …] body [ORDER BY …] [LIMIT …] [OFFSET …]`. */
export function printQuery(q: Query): string {
  let text = '';
  if (q.with) {
    const ctes = q.with.ctes.map(
      (c) => `${printIdentifier(c.name)}${columnList(c.columns)} AS (${printQuery(c.query)})`,
    );
    text += `WITH ${q.with.recursive ? 'RECURSIVE ' : ''}${ctes.join(', ')} `;
  }
  text += printBody(q.body);
  if (q.orderBy.length > 0) text += ` ORDER BY ${q.orderBy.map(printOrderByItem).join(', ')}`;
  if (q.limit) text += ` LIMIT ${printExpr(q.limit)}`;
  if (q.offset) text += ` OFFSET ${printExpr(q.offset)}`;
  return text;
}

const SET_PREC = { union: 1, except: 1, intersect: 2 } as const;

function printBody(b: QueryBody): string {
  switch (b.kind) {
    case 'select':
      return printSelect(b);
    case 'values':
      return `VALUES ${b.rows.map((row) => `(${row.map(printExpr).join(', ')})`).join(', ')}`;
    case 'query':
      return `(${printQuery(b)})`;
    case 'set_operation': {
      const prec = SET_PREC[b.op];
      const side = (c: QueryBody, right: boolean) => {
        const nested =
          c.kind === 'set_operation' && (SET_PREC[c.op] < prec || (right && SET_PREC[c.op] === prec));
        return nested ? `(${printBody(c)})` : printBody(c);
      };
      return `${side(b.left, false)} ${b.op.toUpperCase()}${b.all ? ' ALL' : ''} ${side(b.right, true)}`;
    }
  }
}

function printSelect(s: Select): string {
  let text = `SELECT ${s.distinct ? 'DISTINCT ' : ''}${s.items.map(printSelectItem).join(', ')}`;
  if (s.from.length > 0) text += ` FROM ${s.from.map(printTableRef).join(', ')}`;
  if (s.where) text += ` WHERE ${printExpr(s.where)}`;
  if (s.groupBy.length > 0) text += ` GROUP BY ${s.groupBy.map(printGroupByItem).join(', ')}`;
  if (s.having) text += ` HAVING ${printExpr(s.having)}`;
  if (s.windows.length > 0) {
    const windows = s.windows.map((w) => `${printIdentifier(w.name)} AS (${printWindowSpecBody(w.spec)})`);
    text += ` WINDOW ${windows.join(', ')}`;
  }
  return text;
}

function printSelectItem(item: SelectItem): string {
  if (item.kind === 'wildcard') {
    return item.qualifier.length > 0 ? `${printName(item.qualifier)}.*` : '*';
  }
  const e = printExpr(item.expr);
  return item.alias ? `${e} AS ${printIdentifier(item.alias)}` : e;
}

function printGroupByItem(item: GroupByItem): string {
  switch (item.kind) {
    case 'rollup':
    case 'cube':
    case 'grouping_sets': {
      const sets = item.sets.map((set) =>
        set.length === 1 ? printExpr(set[0]!) : `(${set.map(printExpr).join(', ')})`,
      );
      const keyword = item.kind === 'grouping_sets' ? 'GROUPING SETS' : item.kind.toUpperCase();
      return `${keyword} (${sets.join(', ')})`;
    }
    default:
      return printExpr(item);
  }
}

function printOrderByItem(o: OrderByItem): string {
  let text = printExpr(o.expr);
  if (o.descending) text += ' DESC';
  if (o.nullsFirst !== null) text += o.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST';
  return text;
}

/** Prints a FROM item; joins print left-deep, with a join on the right in parentheses. */
export function printTableRef(t: TableRef): string {
  switch (t.kind) {
    case 'table':
      return printName(t.name) + printAlias(t.alias);
    case 'derived':
      return `${t.lateral ? 'LATERAL ' : ''}(${printQuery(t.query)})${printAlias(t.alias)}`;
    case 'table_function':
      return `${printName(t.name)}(${t.args.map(printExpr).join(', ')})${printAlias(t.alias)}`;
    case 'join': {
      const type = t.type === 'inner' ? '' : `${t.type.toUpperCase()} `;
      const right = t.right.kind === 'join' ? `(${printTableRef(t.right)})` : printTableRef(t.right);
      let text = `${printTableRef(t.left)} ${t.natural ? 'NATURAL ' : ''}${type}JOIN ${right}`;
      if (t.condition?.kind === 'on') text += ` ON ${printExpr(t.condition.expr)}`;
      if (t.condition?.kind === 'using')
        text += ` USING (${t.condition.columns.map(printIdentifier).join(', ')})`;
      return text;
    }
  }
}

function printAlias(a: TableAlias | null): string {
  return a ? ` AS ${printIdentifier(a.name)}${columnList(a.columns)}` : '';
}

// ───────────────────────────── expressions ─────────────────────────────

/**
 * Prints an expression, parenthesizing operands that bind more loosely than their operator.
 *
 * @example
 * printExpr(parseExpression('(a + b) * c')); // → '(a + b) * c'
 * printExpr(parseExpression('a + (b * c)')); // → 'a + b * c'
 */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return e.text;
    case 'string':
      return quoteString(e.value);
    case 'boolean':
      return e.value ? 'TRUE' : 'FALSE';
    case 'null':
      return 'NULL';
    case 'typed_literal':
      return `${printDataType(e.type)} ${quoteString(e.value)}`;
    case 'interval':
      return printInterval(e);
    case 'parameter':
      return `$${e.index}`;
    case 'column':
      return printName([...e.qualifier, e.name]);
    case 'unary': {
      if (e.op === 'not') return `NOT ${operand(e.operand, PREC.NOT)}`;
      const inner = operand(e.operand, PREC.UNARY);
      // `- -x`, not `--x`, which would start a comment
      return /^[-+]/.test(inner) ? `${e.op} ${inner}` : `${e.op}${inner}`;
    }
    case 'binary': {
      const prec = BINARY_PREC[e.op];
      const op = e.op === 'and' || e.op === 'or' ? e.op.toUpperCase() : e.op;
      return `${operand(e.left, prec)} ${op} ${operand(e.right, prec + 1)}`;
    }
    case 'is_null':
      return `${operand(e.expr, PREC.IS)} IS ${not(e.negated)}NULL`;
    case 'is_truth':
      return `${operand(e.expr, PREC.IS)} IS ${not(e.negated)}${e.value.toUpperCase()}`;
    case 'is_distinct_from':
      return `${operand(e.left, PREC.IS)} IS ${not(e.negated)}DISTINCT FROM ${operand(e.right, PREC.IS + 1)}`;
    case 'between':
      return (
        `${operand(e.expr, PREC.PREDICATE)} ${not(e.negated)}BETWEEN ` +
        `${operand(e.low, PREC.PREDICATE + 1)} AND ${operand(e.high, PREC.PREDICATE + 1)}`
      );
    case 'in_list':
      return `${operand(e.expr, PREC.PREDICATE)} ${not(e.negated)}IN (${e.list.map(printExpr).join(', ')})`;
    case 'in_subquery':
      return `${operand(e.expr, PREC.PREDICATE)} ${not(e.negated)}IN (${printQuery(e.query)})`;
    case 'like': {
      const op = e.caseInsensitive ? 'ILIKE' : 'LIKE';
      let text = `${operand(e.expr, PREC.PREDICATE)} ${not(e.negated)}${op} ${operand(e.pattern, PREC.PREDICATE + 1)}`;
      if (e.escape) text += ` ESCAPE ${operand(e.escape, PREC.PREDICATE + 1)}`;
      return text;
    }
    case 'exists':
      return `${not(e.negated)}EXISTS (${printQuery(e.query)})`;
    case 'subquery':
      return `(${printQuery(e.query)})`;
    case 'quantified':
      return `${operand(e.left, PREC.COMPARE)} ${e.op} ${e.quantifier.toUpperCase()} (${printQuery(e.query)})`;
    case 'case': {
      let text = e.operand ? `CASE ${printExpr(e.operand)}` : 'CASE';
      for (const w of e.whens) text += ` WHEN ${printExpr(w.condition)} THEN ${printExpr(w.result)}`;
      if (e.else) text += ` ELSE ${printExpr(e.else)}`;
      return `${text} END`;
    }
    case 'cast':
      return `${e.try ? 'TRY_CAST' : 'CAST'}(${printExpr(e.expr)} AS ${printDataType(e.type)})`;
    case 'function':
      return printCall(e);
    case 'extract': {
      const field = /^[a-z_][a-z0-9_]*$/.test(e.field) ? e.field.toUpperCase() : quoteString(e.field);
      return `EXTRACT(${field} FROM ${printExpr(e.expr)})`;
    }
    case 'substring': {
      let text = `SUBSTRING(${printExpr(e.expr)}`;
      if (e.start) text += ` FROM ${printExpr(e.start)}`;
      if (e.length) text += ` FOR ${printExpr(e.length)}`;
      return `${text})`;
    }
    case 'position':
      return `POSITION(${operand(e.needle, PREC.PREDICATE + 1)} IN ${printExpr(e.haystack)})`;
    case 'trim': {
      const parts: string[] = [];
      if (e.side !== 'both') parts.push(e.side.toUpperCase());
      if (e.characters) parts.push(printExpr(e.characters));
      if (parts.length > 0) parts.push('FROM');
      parts.push(printExpr(e.expr));
      return `TRIM(${parts.join(' ')})`;
    }
    case 'row':
      return `(${e.items.map(printExpr).join(', ')})`;
  }
}

/** `e`, in parentheses when it binds more loosely than `minPrec`. */
function operand(e: Expr, minPrec: number): string {
  const text = printExpr(e);
  return precedenceOf(e) < minPrec ? `(${text})` : text;
}

function not(negated: boolean): string {
  return negated ? 'NOT ' : '';
}

function printCall(f: FunctionCall): string {
  const only = f.name.length === 1 ? f.name[0]! : null;
  const upper = only && !only.quoted ? only.value.toUpperCase() : '';
  const bare = f.args.length === 0 && !f.star && f.filter === null && f.over === null;
  if (bare && NILADIC_FUNCTIONS.has(upper)) return upper;
  const name = RESERVED_FUNCTION_NAMES.has(upper) ? only!.value : printName(f.name);
  let args = f.star ? '*' : `${f.distinct ? 'DISTINCT ' : ''}${f.args.map(printExpr).join(', ')}`;
  if (f.orderBy.length > 0) args += ` ORDER BY ${f.orderBy.map(printOrderByItem).join(', ')}`;
  let text = `${name}(${args})`;
  if (f.filter) text += ` FILTER (WHERE ${printExpr(f.filter)})`;
  if (f.over) text += ` OVER ${printWindowRef(f.over)}`;
  return text;
}

function printWindowRef(w: WindowSpec): string {
  const onlyBase = w.base && w.partitionBy.length === 0 && w.orderBy.length === 0 && !w.frame;
  return onlyBase ? printIdentifier(w.base!) : `(${printWindowSpecBody(w)})`;
}

function printWindowSpecBody(w: WindowSpec): string {
  const parts: string[] = [];
  if (w.base) parts.push(printIdentifier(w.base));
  if (w.partitionBy.length > 0) parts.push(`PARTITION BY ${w.partitionBy.map(printExpr).join(', ')}`);
  if (w.orderBy.length > 0) parts.push(`ORDER BY ${w.orderBy.map(printOrderByItem).join(', ')}`);
  if (w.frame) {
    const { units, start, end } = w.frame;
    parts.push(`${units.toUpperCase()} BETWEEN ${printFrameBound(start)} AND ${printFrameBound(end)}`);
  }
  return parts.join(' ');
}

function printFrameBound(b: FrameBound): string {
  switch (b.kind) {
    case 'unbounded_preceding':
      return 'UNBOUNDED PRECEDING';
    case 'preceding':
      return `${printExpr(b.offset)} PRECEDING`;
    case 'current_row':
      return 'CURRENT ROW';
    case 'following':
      return `${printExpr(b.offset)} FOLLOWING`;
    case 'unbounded_following':
      return 'UNBOUNDED FOLLOWING';
  }
}

function printInterval(e: IntervalLiteral): string {
  let text = `INTERVAL ${quoteString(e.value)}`;
  if (e.unit) {
    text += ` ${e.unit.toUpperCase()}`;
    if (e.precision !== null) {
      const frac = e.unit === 'second' && e.toUnit === null && e.fractionalPrecision !== null;
      text += frac ? `(${e.precision}, ${e.fractionalPrecision})` : `(${e.precision})`;
    }
    if (e.toUnit) {
      text += ` TO ${e.toUnit.toUpperCase()}`;
      if (e.toUnit === 'second' && e.fractionalPrecision !== null) text += `(${e.fractionalPrecision})`;
    }
  }
  return text;
}

// ───────────────────────────── names, types, literals ─────────────────────────────

/** `decimal(15, 2)` → `DECIMAL(15, 2)`; `timestamp with time zone` (3) → `TIMESTAMP(3) WITH TIME ZONE`. */
export function printDataType(t: DataType): string {
  const name = t.name.toUpperCase();
  const params = t.params.length > 0 ? `(${t.params.join(', ')})` : '';
  const zone = / WITH(OUT)? TIME ZONE$/.exec(name);
  if (zone) return `${name.slice(0, zone.index)}${params}${zone[0]}`;
  return `${name}${params}`;
}

const BARE_NAME = /^[a-z_\u0080-\uffff][a-z0-9_$\u0080-\uffff]*$/;

/** A name bare when it can be (lower case, not reserved, not quoted in the source), else in double quotes. */
export function printIdentifier(id: Identifier): string {
  if (!id.quoted && BARE_NAME.test(id.value) && !RESERVED.has(id.value.toUpperCase())) return id.value;
  return quoteIdentifier(id.value);
}

function printName(name: ObjectName): string {
  return name.map(printIdentifier).join('.');
}

function quoteIdentifier(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function columnList(columns: readonly Identifier[]): string {
  return columns.length > 0 ? ` (${columns.map(printIdentifier).join(', ')})` : '';
}

function printColumnDef(c: ColumnDef): string {
  let text = `${printIdentifier(c.name)} ${printDataType(c.type)}`;
  if (c.default) text += ` DEFAULT ${printExpr(c.default)}`;
  if (c.notNull) text += ' NOT NULL';
  return text;
}

function orReplace(flag: boolean): string {
  return flag ? 'OR REPLACE ' : '';
}

function ifNotExists(flag: boolean): string {
  return flag ? 'IF NOT EXISTS ' : '';
}
