/**
 * EXPLAIN text of logical plans: one node per line, indented two spaces per level, expressions in
 * SQL with column names, and each node's estimated rows.
 *
 * Column ids are not shown: a name that several distinct columns share is qualified by its scan's
 * alias (`l1.l_orderkey`) or, failing that, suffixed with its id (`l_partkey#40`) — ids are
 * assigned deterministically, so the text is stable enough for golden tests.
 *
 * @example
 * explainPlan(plan);
 * // Sort: l_returnflag, l_linestatus  [rows≈6]
 * //   Aggregate: group=[l_returnflag, l_linestatus] aggs=[sum(l_quantity) AS sum_qty, …]  [rows≈6]
 * //     Scan: lineitem [l_quantity, …] filters=[l_shipdate <= DATE '1998-09-02']  [rows≈5.9M]
 */
import { typeToString } from '../types/data-type.ts';
import { CardinalityEstimator } from './cardinality.ts';
import type { ColumnId, Expr } from './expr.ts';
import { literalToSql } from './literal.ts';
import type { AggregateCall, WindowCall } from './plan.ts';
import { children, type LogicalPlan, nodeExprs, type SortKey, visitPlan } from './plan.ts';
import type { StatementPlan } from './statement.ts';

export interface ExplainOptions {
  /** Append `[rows≈N]` estimates (default true). */
  readonly rows?: boolean;
  /** Show column types in scans (default false). */
  readonly types?: boolean;
}

/** The plan as indented text (no trailing newline). */
export function explainPlan(plan: LogicalPlan, options: ExplainOptions = {}): string {
  const names = displayNames(plan);
  const est = options.rows === false ? null : new CardinalityEstimator(plan);
  const lines: string[] = [];
  let subqueries = 0;
  const printer = new ExprPrinter(names, () => ++subqueries);
  const walk = (p: LogicalPlan, depth: number): void => {
    const before = printer.pending.length;
    let line = `${'  '.repeat(depth)}${describeNode(p, printer, options)}`;
    if (est) line += `  [rows≈${formatRows(est.rows(p))}]`;
    lines.push(line);
    const subs = printer.pending.splice(before);
    for (const s of subs) {
      lines.push(`${'  '.repeat(depth + 1)}Subquery #${s.n}:`);
      walk(s.plan, depth + 2);
    }
    for (const c of children(p)) walk(c, depth + 1);
  };
  walk(plan, 0);
  return lines.join('\n');
}

/** A single expression as SQL, with column names from `plan` (or bare names when absent). */
export function explainExpr(e: Expr, plan?: LogicalPlan): string {
  const printer = new ExprPrinter(
    plan ? displayNames(plan) : { byId: new Map(), ambiguous: new Set() },
    () => 0,
  );
  return printer.print(e);
}

function formatRows(n: number): string {
  if (n < 10_000) return String(Math.round(n));
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e5 ? 1 : 0)}K`;
  if (n < 1e9) return `${(n / 1e6).toFixed(n < 1e8 ? 1 : 0)}M`;
  return `${(n / 1e9).toFixed(1)}G`;
}

function describeNode(p: LogicalPlan, x: ExprPrinter, options: ExplainOptions): string {
  switch (p.kind) {
    case 'scan': {
      const cols = p.columns.map((c) =>
        options.types ? `${x.name(c.id, c.name)}: ${typeToString(c.type)}` : x.name(c.id, c.name),
      );
      let s = `Scan: ${p.table}${p.alias ? ` AS ${p.alias}` : ''} [${cols.join(', ')}]`;
      if (p.filters.length > 0) s += ` filters=[${p.filters.map((f) => x.print(f)).join(', ')}]`;
      if (p.limit !== null) s += ` limit=${p.limit}`;
      return s;
    }
    case 'values':
      return `Values: ${p.rows.length} row${p.rows.length === 1 ? '' : 's'}${p.columns.length ? ` [${p.columns.map((c) => x.name(c.id, c.name)).join(', ')}]` : ''}`;
    case 'filter':
      return `Filter: ${x.print(p.predicate)}`;
    case 'project':
      return `Project: ${p.items.map((i) => x.named(i.expr, i.id, i.name)).join(', ')}`;
    case 'aggregate': {
      const parts: string[] = [];
      if (p.groups.length > 0)
        parts.push(`group=[${p.groups.map((g) => x.named(g.expr, g.id, g.name)).join(', ')}]`);
      if (p.aggregates.length > 0)
        parts.push(
          `aggs=[${p.aggregates.map((a) => `${x.aggregate(a)} AS ${x.name(a.id, a.name)}`).join(', ')}]`,
        );
      return `Aggregate: ${parts.join(' ')}`;
    }
    case 'join': {
      const kind =
        p.joinType === 'inner' && p.condition === null
          ? 'Cross Join'
          : `Join ${p.joinType.replaceAll('_', ' ')}`;
      const mark = p.mark ? ` AS ${x.name(p.mark.id, p.mark.name)}` : '';
      return `${kind}${mark}${p.condition ? `: ${x.print(p.condition)}` : ''}`;
    }
    case 'sort':
      return `Sort: ${p.keys.map((k) => x.sortKey(k)).join(', ')}${p.limit !== null ? ` top=${p.limit}` : ''}`;
    case 'limit':
      return `Limit: ${p.limit ?? 'ALL'}${p.offset ? ` offset=${p.offset}` : ''}`;
    case 'set_operation':
      return `${p.op === 'union' ? 'Union' : p.op === 'intersect' ? 'Intersect' : 'Except'} All [${p.columns.map((c) => x.name(c.id, c.name)).join(', ')}]`;
    case 'distinct':
      return 'Distinct';
    case 'window':
      return `Window: ${p.calls.map((c) => `${x.window(c)} AS ${x.name(c.id, c.name)}`).join(', ')}`;
  }
}

interface DisplayNames {
  /** The name to show for each column id, unambiguous within the plan. */
  readonly byId: ReadonlyMap<ColumnId, string>;
  /** Names that several distinct columns go by. */
  readonly ambiguous: ReadonlySet<string>;
}

/** Display names for every column id of a plan, made unambiguous where names repeat. */
function displayNames(plan: LogicalPlan): DisplayNames {
  const nameOf = new Map<ColumnId, string>();
  const alias = new Map<ColumnId, string>();
  const define = (id: ColumnId, name: string) => {
    if (!nameOf.has(id)) nameOf.set(id, name);
  };
  // Names where columns are defined win over names they are referenced or renamed by.
  visitPlan(plan, (p) => {
    if (p.kind === 'scan')
      for (const c of p.columns) {
        define(c.id, c.name);
        if (p.alias) alias.set(c.id, p.alias);
      }
    else if (p.kind === 'aggregate') {
      for (const g of p.groups) if (g.expr.kind !== 'column' || g.expr.id !== g.id) define(g.id, g.name);
      for (const a of p.aggregates) define(a.id, a.name);
    } else if (p.kind === 'project') {
      for (const i of p.items) if (i.expr.kind !== 'column' || i.expr.id !== i.id) define(i.id, i.name);
    } else if (p.kind === 'window') for (const c of p.calls) define(c.id, c.name);
    else if (p.kind === 'values' || p.kind === 'set_operation')
      for (const c of p.columns) define(c.id, c.name);
    else if (p.kind === 'join' && p.mark) define(p.mark.id, p.mark.name);
  });
  const byName = new Map<string, ColumnId[]>();
  const seen = (id: ColumnId, name: string) => {
    const list = byName.get(name) ?? [];
    if (!list.includes(id)) list.push(id);
    byName.set(name, list);
  };
  visitPlan(plan, (p) => {
    for (const e of nodeExprs(p))
      visitColumns(e, (id, name) => {
        define(id, name);
        seen(id, name);
      });
  });
  for (const [id, name] of nameOf) seen(id, name);
  const ambiguous = new Set<string>();
  for (const [name, ids] of byName) if (ids.length > 1) ambiguous.add(name);
  const out = new Map<ColumnId, string>();
  for (const [id, name] of nameOf) {
    const ids = byName.get(name)!.filter((other) => nameOf.get(other) === name);
    if (ids.length <= 1 && !ambiguous.has(name)) {
      out.set(id, name);
      continue;
    }
    const a = alias.get(id);
    const sameAlias = a !== undefined && ids.filter((other) => alias.get(other) === a).length === 1;
    out.set(id, sameAlias ? `${a}.${name}` : `${name}#${id}`);
  }
  return { byId: out, ambiguous };
}

function visitColumns(e: Expr, fn: (id: ColumnId, name: string) => void): void {
  if (e.kind === 'column') fn(e.id, e.name);
  switch (e.kind) {
    case 'call':
      for (const a of e.args) visitColumns(a, fn);
      break;
    case 'cast':
      visitColumns(e.expr, fn);
      break;
    case 'case':
      for (const w of e.whens) {
        visitColumns(w.condition, fn);
        visitColumns(w.result, fn);
      }
      if (e.else) visitColumns(e.else, fn);
      break;
    case 'in_list':
      visitColumns(e.expr, fn);
      for (const i of e.list) visitColumns(i, fn);
      break;
    case 'in_subquery':
      visitColumns(e.expr, fn);
      break;
    default:
      break;
  }
}

const INFIX: Record<string, [string, number]> = {
  or: ['OR', 1],
  and: ['AND', 2],
  '=': ['=', 5],
  '<>': ['<>', 5],
  '<': ['<', 5],
  '<=': ['<=', 5],
  '>': ['>', 5],
  '>=': ['>=', 5],
  is_distinct_from: ['IS DISTINCT FROM', 4],
  is_not_distinct_from: ['IS NOT DISTINCT FROM', 4],
  like: ['LIKE', 6],
  not_like: ['NOT LIKE', 6],
  ilike: ['ILIKE', 6],
  not_ilike: ['NOT ILIKE', 6],
  '||': ['||', 7],
  '+': ['+', 8],
  '-': ['-', 8],
  '*': ['*', 9],
  '/': ['/', 9],
  '//': ['//', 9],
  '%': ['%', 9],
};

class ExprPrinter {
  readonly pending: { n: number; plan: LogicalPlan }[] = [];

  private readonly names: ReadonlyMap<ColumnId, string>;
  private readonly ambiguous: ReadonlySet<string>;

  constructor(
    names: DisplayNames,
    private readonly nextSubquery: () => number,
  ) {
    this.names = names.byId;
    this.ambiguous = names.ambiguous;
  }

  name(id: ColumnId, fallback: string): string {
    return this.names.get(id) ?? fallback;
  }

  /** `expr AS name`, or just the name when the expression is that column under its own name. */
  named(e: Expr, id: ColumnId, name: string): string {
    const shown = this.name(id, name);
    if (e.kind === 'column' && e.id === id) {
      // A column passed through: under its own name, or renamed.
      return shown === name || e.name === name ? shown : `${shown} AS ${name}`;
    }
    const text = this.print(e);
    return text === shown ? text : `${text} AS ${shown}`;
  }

  sortKey(k: SortKey): string {
    return `${this.print(k.expr)}${k.descending ? ' DESC' : ''}${k.nullsFirst ? ' NULLS FIRST' : ''}`;
  }

  aggregate(a: AggregateCall): string {
    const args = a.fn === 'count_star' ? '' : a.args.map((x) => this.print(x)).join(', ');
    let s = `${a.fn}(${a.distinct ? 'DISTINCT ' : ''}${args}${a.orderBy.length ? ` ORDER BY ${a.orderBy.map((k) => this.sortKey(k)).join(', ')}` : ''})`;
    if (a.filter) s += ` FILTER (WHERE ${this.print(a.filter)})`;
    return s;
  }

  window(c: WindowCall): string {
    const over: string[] = [];
    if (c.partitionBy.length) over.push(`PARTITION BY ${c.partitionBy.map((x) => this.print(x)).join(', ')}`);
    if (c.orderBy.length) over.push(`ORDER BY ${c.orderBy.map((k) => this.sortKey(k)).join(', ')}`);
    if (c.frame) {
      const b = (f: typeof c.frame.start): string =>
        f.kind === 'preceding' || f.kind === 'following'
          ? `${this.print(f.offset)} ${f.kind.toUpperCase()}`
          : f.kind.replaceAll('_', ' ').toUpperCase();
      over.push(`${c.frame.units.toUpperCase()} BETWEEN ${b(c.frame.start)} AND ${b(c.frame.end)}`);
    }
    const args = c.args.map((x) => this.print(x)).join(', ');
    return `${c.fn}(${c.distinct ? 'DISTINCT ' : ''}${args})${c.filter ? ` FILTER (WHERE ${this.print(c.filter)})` : ''} OVER (${over.join(' ')})`;
  }

  print(e: Expr): string {
    return this.p(e, 0);
  }

  private subquery(plan: LogicalPlan): string {
    const n = this.nextSubquery();
    this.pending.push({ n, plan });
    return `#${n}`;
  }

  /** Prints `e`, parenthesized when its precedence is below `min`. */
  private p(e: Expr, min: number): string {
    let text: string;
    let prec = 100;
    switch (e.kind) {
      case 'column':
        // A reference reads as written (an alias, say) unless that name is ambiguous in the plan.
        text = this.ambiguous.has(e.name) ? this.name(e.id, e.name) : e.name;
        break;
      case 'literal':
        text = literalToSql(e.value, e.type);
        break;
      case 'cast':
        text = `CAST(${this.p(e.expr, 0)} AS ${typeToString(e.type)})`;
        if (e.try) text = `TRY_${text}`;
        break;
      case 'case': {
        text = `CASE${e.whens.map((w) => ` WHEN ${this.p(w.condition, 0)} THEN ${this.p(w.result, 0)}`).join('')}${e.else ? ` ELSE ${this.p(e.else, 0)}` : ''} END`;
        break;
      }
      case 'in_list':
        prec = 6;
        text = `${this.p(e.expr, 7)} IN (${e.list.map((x) => this.p(x, 0)).join(', ')})`;
        break;
      case 'subquery':
        text = `(subquery ${this.subquery(e.plan)})`;
        break;
      case 'exists':
        prec = 3;
        text = `${e.negated ? 'NOT ' : ''}EXISTS (subquery ${this.subquery(e.plan)})`;
        break;
      case 'in_subquery':
        prec = 6;
        text = `${this.p(e.expr, 7)} ${e.negated ? 'NOT ' : ''}IN (subquery ${this.subquery(e.plan)})`;
        break;
      case 'call': {
        const infix = INFIX[e.fn];
        if (infix && e.args.length >= 2 && (e.args.length === 2 || e.fn === 'and' || e.fn === 'or')) {
          prec = infix[1];
          text = e.args.map((a, i) => this.p(a, i === 0 ? prec : prec + 1)).join(` ${infix[0]} `);
        } else if (e.fn === 'not') {
          prec = 3;
          const a = e.args[0]!;
          text =
            a.kind === 'in_list'
              ? `${this.p(a.expr, 7)} NOT IN (${a.list.map((x) => this.p(x, 0)).join(', ')})`
              : `NOT ${this.p(a, 3)}`;
          if (a.kind === 'in_list') prec = 6;
        } else if (e.fn === 'is_null' || e.fn === 'is_not_null') {
          prec = 4;
          text = `${this.p(e.args[0]!, 5)} IS ${e.fn === 'is_not_null' ? 'NOT ' : ''}NULL`;
        } else if (e.fn === '-' && e.args.length === 1) {
          prec = 10;
          text = `-${this.p(e.args[0]!, 10)}`;
        } else if (e.fn === 'like' && e.args.length === 3) {
          prec = 6;
          text = `${this.p(e.args[0]!, 7)} LIKE ${this.p(e.args[1]!, 7)} ESCAPE ${this.p(e.args[2]!, 7)}`;
        } else {
          text = `${e.fn}(${e.args.map((a) => this.p(a, 0)).join(', ')})`;
        }
        break;
      }
    }
    return prec < min ? `(${text})` : text;
  }
}

/** EXPLAIN text of a bound statement: the plan of a query (or CTAS / INSERT), a line for the others. */
export function explainStatement(stmt: StatementPlan, options: ExplainOptions = {}): string {
  switch (stmt.kind) {
    case 'query':
      return explainPlan(stmt.plan, options);
    case 'create_table_as':
      return `CreateTableAs: ${stmt.name}\n${indent(explainPlan(stmt.plan, options))}`;
    case 'insert':
      return `Insert: ${stmt.table}\n${indent(explainPlan(stmt.plan, options))}`;
    case 'create_table':
      return `CreateTable: ${stmt.name} (${stmt.schema.map((f) => `${f.name} ${typeToString(f.type)}${f.nullable ? '' : ' NOT NULL'}`).join(', ')})`;
    case 'create_external_table':
      return `CreateExternalTable: ${stmt.name} STORED AS ${stmt.format.toUpperCase()} LOCATION '${stmt.location}'`;
    case 'create_view':
      return `CreateView: ${stmt.name}`;
    case 'drop':
      return `Drop${stmt.objectType === 'view' ? 'View' : 'Table'}: ${stmt.names.join(', ')}`;
    case 'set':
      return `Set: ${stmt.name}`;
    case 'show_tables':
      return 'ShowTables';
    case 'show_variable':
      return `ShowVariable: ${stmt.name ?? 'ALL'}`;
    case 'describe':
      return `Describe: ${stmt.table}`;
    case 'explain':
      return explainStatement(stmt.statement, options);
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
