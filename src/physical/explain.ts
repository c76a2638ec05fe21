/**
 * EXPLAIN text of physical plans: one operator per line, indented two spaces per level, its
 * expressions in SQL with input column names, and the planner's row estimate. With metrics (EXPLAIN
 * ANALYZE) each line also shows the rows the operator emitted and the time spent in it (its own,
 * children excluded). Node ids are not shown, so the text is stable for golden tests.
 *
 * @example
 * explainPhysical(plan);
 * // TopK: revenue DESC, o_orderdate limit=10  [rows≈10]
 * //   HashAggregate: group=[l_orderkey, o_orderdate, o_shippriority] aggs=[sum(#3) AS revenue]  [rows≈…]
 */

import type { PlanMetrics } from '../exec/execute.ts';
import { formatDate, formatDecimal, formatInterval, formatTimestamp } from '../exec/kernels/format.ts';
import type { SortKey } from '../exec/sort/sort-keys.ts';
import type { FrameBound, WindowFrame } from '../exec/window/window-spec.ts';
import { type DataType, type Schema, typeToString } from '../types/data-type.ts';
import type { PhysicalExpr, ScalarValue } from './expr.ts';
import { type PhysicalPlan, planInputs } from './plan.ts';

export interface PhysicalExplainOptions {
  /** Show each operator's output columns with their types. */
  readonly verbose?: boolean;
  /** Append `[rows≈N]` estimates (default true). */
  readonly estimates?: boolean;
  /** Measured counters of a run (EXPLAIN ANALYZE). */
  readonly metrics?: PlanMetrics;
}

/** The plan as indented text (no trailing newline). */
export function explainPhysical(plan: PhysicalPlan, options: PhysicalExplainOptions = {}): string {
  const lines: string[] = [];
  const walk = (p: PhysicalPlan, depth: number): void => {
    const pad = '  '.repeat(depth);
    let line = `${pad}${describe(p)}`;
    if (options.estimates !== false && p.estimatedRows !== null)
      line += `  [rows≈${formatCount(p.estimatedRows)}]`;
    const m = options.metrics?.get(p.id);
    if (m) {
      const self = options.metrics!.selfTime(p, planInputs(p));
      line += `  (rows=${m.rows}, time=${self.toFixed(1)} ms)`;
    }
    lines.push(line);
    if (options.verbose) {
      lines.push(`${pad}    → ${p.schema.map((f) => `${f.name} ${typeToString(f.type)}`).join(', ')}`);
    }
    for (const c of planInputs(p)) walk(c, depth + 1);
  };
  walk(plan, 0);
  return lines.join('\n');
}

function describe(p: PhysicalPlan): string {
  switch (p.kind) {
    case 'parquet_scan':
      return `ParquetScan: ${p.table} [${p.columns.join(', ')}]${p.predicate ? ` predicate=${expr(p.predicate)}` : ''}${
        p.limit === null ? '' : ` limit=${p.limit}`
      } files=${p.splits.length}`;
    case 'csv_scan':
      return `CsvScan: ${p.table} [${p.columns.join(', ')}]${p.predicate ? ` predicate=${expr(p.predicate)}` : ''}${
        p.limit === null ? '' : ` limit=${p.limit}`
      } files=${p.files.length}`;
    case 'memory_scan':
      return `MemoryScan: ${p.table} [${p.schema.map((f) => f.name).join(', ')}]${
        p.predicate ? ` predicate=${expr(p.predicate)}` : ''
      }${p.limit === null ? '' : ` limit=${p.limit}`}`;
    case 'values':
      return `Values: ${p.rows.length} row${p.rows.length === 1 ? '' : 's'}`;
    case 'filter':
      return `Filter: ${expr(p.predicate)}`;
    case 'project':
      return `Project: ${p.items
        .map((it) => {
          const text = expr(it.expr);
          return text === it.name ? text : `${text} AS ${it.name}`;
        })
        .join(', ')}`;
    case 'hash_aggregate': {
      const input = p.input.schema;
      // A final aggregate's input is partial output: the keys, then each aggregate's states.
      const final = p.config.mode === 'final';
      const aggs = p.config.aggregates.map((a) => {
        const arg = a.func === 'count_star' ? '*' : final ? `${a.name}.*` : colName(input, a.arg!);
        const filter = a.filter === undefined || final ? '' : ` FILTER (WHERE ${colName(input, a.filter)})`;
        return `${a.func === 'count_star' ? 'count' : a.func}(${a.distinct ? 'DISTINCT ' : ''}${arg})${filter} AS ${a.name}`;
      });
      const parts = [`mode=${p.config.mode}`];
      if (p.config.groupBy.length > 0)
        parts.push(`group=[${p.config.groupBy.map((c, i) => colName(input, final ? i : c)).join(', ')}]`);
      if (aggs.length > 0) parts.push(`aggs=[${aggs.join(', ')}]`);
      return `HashAggregate: ${parts.join(' ')}`;
    }
    case 'hash_join': {
      const c = p.config;
      const keys = c.leftKeys
        .map((l, i) => `${colName(p.left.schema, l)} = ${colName(p.right.schema, c.rightKeys[i]!)}`)
        .join(' AND ');
      const residual = p.residual ? ` residual=${expr(p.residual)}` : '';
      const mark = c.joinType === 'mark' ? ` mark=${c.markName ?? 'mark'}` : '';
      const out = c.projection ? ` out=[${p.schema.map((f) => f.name).join(', ')}]` : '';
      return `HashJoin ${c.joinType}: ${keys}${residual}${mark} build=${c.buildSide}${out}`;
    }
    case 'nested_loop_join':
      return `NestedLoopJoin ${p.config.joinType}${p.condition ? `: ${expr(p.condition)}` : ''}`;
    case 'sort':
      return `Sort: ${sortKeys(p.input.schema, p.config.keys)}`;
    case 'top_k':
      return `TopK: ${sortKeys(p.input.schema, p.config.keys)} limit=${p.config.limit}${
        p.config.offset ? ` offset=${p.config.offset}` : ''
      }`;
    case 'limit':
      return `Limit: ${p.config.limit ?? 'ALL'}${p.config.offset ? ` offset=${p.config.offset}` : ''}`;
    case 'union':
      return `Union: ${p.inputs.length} inputs`;
    case 'window': {
      const s = p.input.schema;
      const over = [
        ...(p.config.partitionBy.length > 0
          ? [`PARTITION BY ${p.config.partitionBy.map((c) => colName(s, c)).join(', ')}`]
          : []),
        ...(p.config.orderBy.length > 0 ? [`ORDER BY ${sortKeys(s, p.config.orderBy)}`] : []),
      ].join(' ');
      const fns = p.config.functions.map((f) => {
        const args = [
          ...(f.arg === undefined ? [] : [colName(s, f.arg)]),
          ...(f.offset === undefined ? [] : [String(f.offset)]),
          ...(f.defaultArg === undefined ? [] : [colName(s, f.defaultArg)]),
        ];
        return `${f.func}(${args.join(', ')})${f.frame ? ` ${frame(f.frame)}` : ''} AS ${f.name}`;
      });
      return `Window: ${fns.join(', ')} OVER (${over})`;
    }
    case 'enforce_single_row':
      return 'EnforceSingleRow';
    case 'row_number':
      return 'RowNumber';
    case 'cache':
      return `Cache ${p.key}: computed once for ${p.consumers} readers`;
    case 'assert_unique':
      return `AssertUnique: ${colName(p.input.schema, p.column)}`;
    case 'exchange_source':
      return `ExchangeSource: ${p.exchange}${
        p.exchange === 'hash' ? `(${p.keys.map((k) => colName(p.schema, k)).join(', ')})` : ''
      } from stage ${p.stage}`;
  }
}

function colName(s: Schema, i: number): string {
  return s[i]?.name ?? `#${i}`;
}

function sortKeys(s: Schema, keys: readonly SortKey[]): string {
  return keys
    .map(
      (k) =>
        `${colName(s, k.column)}${k.descending ? ' DESC' : ''}${(k.nullsFirst ?? false) ? ' NULLS FIRST' : ''}`,
    )
    .join(', ');
}

function frame(f: WindowFrame): string {
  const b = (x: FrameBound): string => {
    switch (x.kind) {
      case 'unbounded_preceding':
        return 'UNBOUNDED PRECEDING';
      case 'unbounded_following':
        return 'UNBOUNDED FOLLOWING';
      case 'current_row':
        return 'CURRENT ROW';
      case 'preceding':
        return `${x.offset} PRECEDING`;
      case 'following':
        return `${x.offset} FOLLOWING`;
    }
  };
  return `${f.mode.toUpperCase()} BETWEEN ${b(f.start)} AND ${b(f.end)}`;
}

function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}K`;
  return String(Math.round(n));
}

const INFIX = new Set(['+', '-', '*', '/', '//', '%', '=', '<>', '<', '<=', '>', '>=', '||']);

/** A physical expression as SQL, columns by name. */
export function expr(e: PhysicalExpr): string {
  switch (e.kind) {
    case 'column':
      return e.name ?? `#${e.index}`;
    case 'literal':
      return literal(e.value, e.type);
    case 'call': {
      const a = e.args.map(expr);
      if (INFIX.has(e.name)) {
        return a.length === 1 ? `(${e.name}${a[0]})` : `(${a.join(` ${e.name} `)})`;
      }
      if (e.name === 'is_distinct_from' || e.name === 'is_not_distinct_from') {
        return `(${a[0]} IS ${e.name === 'is_not_distinct_from' ? 'NOT ' : ''}DISTINCT FROM ${a[1]})`;
      }
      return `${e.name}(${a.join(', ')})`;
    }
    case 'cast':
      return `${e.try ? 'TRY_CAST' : 'CAST'}(${expr(e.input)} AS ${typeToString(e.type)})`;
    case 'case':
      return `CASE ${e.whens.map((w) => `WHEN ${expr(w.condition)} THEN ${expr(w.result)}`).join(' ')}${
        e.else ? ` ELSE ${expr(e.else)}` : ''
      } END`;
    case 'in':
      return `(${expr(e.input)} ${e.negated ? 'NOT IN' : 'IN'} (${e.list.map(expr).join(', ')}))`;
    case 'is_null':
      return `(${expr(e.input)} IS ${e.negated ? 'NOT NULL' : 'NULL'})`;
    case 'and':
    case 'or':
      return `(${e.args.map(expr).join(e.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT ${expr(e.input)})`;
    case 'like':
      return `(${expr(e.input)} ${e.negated ? 'NOT ' : ''}${e.caseInsensitive ? 'ILIKE' : 'LIKE'} ${expr(e.pattern)}${
        e.escape === null ? '' : ` ESCAPE '${e.escape}'`
      })`;
  }
}

function literal(v: ScalarValue, type: DataType): string {
  if (v === null) return 'NULL';
  switch (type.kind) {
    case 'varchar':
      return `'${String(v).replaceAll("'", "''")}'`;
    case 'date':
      return `DATE '${formatDate(Number(v))}'`;
    case 'timestamp':
      return `TIMESTAMP '${formatTimestamp(Number(v))}'`;
    case 'decimal':
      return formatDecimal(BigInt(String(v)), type.precision, type.scale);
    case 'interval': {
      const i = v as { months: number; days: number; micros: number };
      return `INTERVAL '${formatInterval(i.months, i.days, i.micros)}'`;
    }
    case 'boolean':
      return v ? 'TRUE' : 'FALSE';
    default:
      return String(v);
  }
}
