/**
 * Cardinality estimates for logical plans, from the table statistics that scans carry: row counts,
 * per-column min/max/null counts (Parquet footers) and distinct counts when a writer recorded them.
 *
 * Distinct counts are rarely in footers, so for integer and date columns the value range bounds
 * them (`ndv ≤ max − min + 1`); a column seen after a filter has at most as many distinct values as
 * there are rows. Predicates without statistics get fixed selectivities (equality 0.1, range 1/3,
 * LIKE 0.1, anything else 0.25); conjunctions multiply, with exponential back-off for several
 * equi-join keys (`s1 · s2^½ · s3^¼`), because keys of one relationship are correlated.
 *
 * @example
 * const est = new CardinalityEstimator(plan);
 * est.rows(plan); // 6001215
 */
import type { ColumnStatistics } from '../catalog/statistics.ts';
import { type ColumnId, type Expr, splitConjunction, splitDisjunction } from './expr.ts';
import { type LogicalPlan, outputColumns, visitPlan } from './plan.ts';

/** Rows assumed for a table without statistics. */
export const DEFAULT_TABLE_ROWS = 1000;

interface BaseColumn {
  readonly rows: number;
  readonly stats: ColumnStatistics | undefined;
  readonly kind: string;
  readonly scale: number;
}

export class CardinalityEstimator {
  private readonly cache = new WeakMap<LogicalPlan, number>();
  private readonly base = new Map<ColumnId, BaseColumn>();

  /** `root` is searched once for scans, so statistics of every column id are known. */
  constructor(root: LogicalPlan) {
    visitPlan(root, (p) => {
      if (p.kind !== 'scan') return;
      const rows = p.statistics?.rowCount ?? DEFAULT_TABLE_ROWS;
      for (const c of p.columns) {
        this.base.set(c.id, {
          rows,
          stats: p.statistics?.columns[c.name],
          kind: c.type.kind,
          scale: c.type.kind === 'decimal' ? c.type.scale : 0,
        });
      }
    });
  }

  /** Estimated output rows of a node (at least 1, except for LIMIT 0). */
  rows(plan: LogicalPlan): number {
    let r = this.cache.get(plan);
    if (r === undefined) {
      r = this.compute(plan);
      this.cache.set(plan, r);
    }
    return r;
  }

  private compute(plan: LogicalPlan): number {
    switch (plan.kind) {
      case 'scan': {
        const rows = plan.statistics?.rowCount ?? DEFAULT_TABLE_ROWS;
        const sel = plan.filters.reduce((s, f) => s * this.selectivity(f, rows), 1);
        const out = Math.max(1, rows * sel);
        return plan.limit === null ? out : Math.min(out, plan.limit);
      }
      case 'values':
        return plan.rows.length;
      case 'filter': {
        const input = this.rows(plan.input);
        return Math.max(1, input * this.selectivity(plan.predicate, input));
      }
      case 'project':
      case 'window':
        return this.rows(plan.input);
      case 'sort':
        return plan.limit === null ? this.rows(plan.input) : Math.min(plan.limit, this.rows(plan.input));
      case 'limit': {
        const input = Math.max(0, this.rows(plan.input) - plan.offset);
        return plan.limit === null ? input : Math.min(input, plan.limit);
      }
      case 'aggregate': {
        if (plan.groups.length === 0) return 1;
        const input = this.rows(plan.input);
        return this.groupCount(
          plan.groups.map((g) => g.expr),
          input,
        );
      }
      case 'distinct': {
        const input = this.rows(plan.input);
        return this.groupCount(
          outputColumns(plan.input).map(
            (c) => ({ kind: 'column', id: c.id, name: c.name, type: c.type }) as Expr,
          ),
          input,
        );
      }
      case 'set_operation': {
        const l = this.rows(plan.left);
        const r = this.rows(plan.right);
        return plan.op === 'union' ? l + r : plan.op === 'intersect' ? Math.min(l, r) : l;
      }
      case 'join':
        return this.joinRows(plan);
    }
  }

  private joinRows(plan: Extract<LogicalPlan, { kind: 'join' }>): number {
    const l = this.rows(plan.left);
    const r = this.rows(plan.right);
    const sel = plan.condition ? this.joinSelectivity(plan.condition, plan.left, plan.right) : 1;
    const inner = Math.max(1, l * r * sel);
    switch (plan.joinType) {
      case 'inner':
        return inner;
      case 'left':
        return Math.max(inner, l);
      case 'right':
        return Math.max(inner, r);
      case 'full':
        return Math.max(inner, l + r);
      case 'single':
      case 'mark':
        return l;
      case 'semi':
        return Math.max(1, Math.min(l, inner));
      case 'anti':
      case 'anti_null_aware':
        return Math.max(1, l - Math.min(l, inner) * 0.95);
    }
  }

  /** Selectivity of a join condition: equi-keys by distinct counts, the rest as filters. */
  joinSelectivity(condition: Expr, left: LogicalPlan, right: LogicalPlan): number {
    const lIds = new Set(outputColumns(left).map((c) => c.id));
    const rIds = new Set(outputColumns(right).map((c) => c.id));
    const lRows = this.rows(left);
    const rRows = this.rows(right);
    const equi: number[] = [];
    let rest = 1;
    for (const c of splitConjunction(condition)) {
      if (c.kind === 'call' && c.fn === '=' && c.args.length === 2) {
        const [a, b] = c.args as [Expr, Expr];
        const aL = refersOnly(a, lIds);
        const bR = refersOnly(b, rIds);
        const aR = refersOnly(a, rIds);
        const bL = refersOnly(b, lIds);
        if ((aL && bR) || (aR && bL)) {
          const [le, re] = aL ? [a, b] : [b, a];
          const nl = this.ndv(le, lRows) ?? lRows;
          const nr = this.ndv(re, rRows) ?? rRows;
          equi.push(1 / Math.max(1, nl, nr));
          continue;
        }
      }
      rest *= this.selectivity(c, Math.max(lRows, rRows));
    }
    equi.sort((x, y) => x - y);
    let sel = 1;
    equi.forEach((s, i) => {
      sel *= s ** (1 / 2 ** i);
    });
    return sel * rest;
  }

  /** Estimated distinct values of an expression among `rows` rows; undefined when unknown. */
  ndv(e: Expr, rows: number): number | undefined {
    if (e.kind === 'cast') return this.ndv(e.expr, rows);
    if (e.kind !== 'column') return undefined;
    const b = this.base.get(e.id);
    if (!b) return undefined;
    let n: number | undefined = b.stats?.distinctCount;
    if (n === undefined && b.stats && typeof b.stats.min === 'number' && typeof b.stats.max === 'number') {
      if (b.kind === 'int32' || b.kind === 'int64' || b.kind === 'date') n = b.stats.max - b.stats.min + 1;
      else if (b.kind === 'decimal') n = (b.stats.max - b.stats.min) * 10 ** b.scale + 1;
      if (b.kind === 'boolean') n = 2;
    }
    if (b.kind === 'boolean') n = 2;
    if (n === undefined) return undefined;
    return Math.max(1, Math.min(n, b.rows, rows));
  }

  /** Groups of `exprs` among `input` rows: the product of known distinct counts, and √input for all unknown ones together. */
  private groupCount(exprs: readonly Expr[], input: number): number {
    let n = 1;
    let unknown = false;
    for (const e of exprs) {
      const k = this.ndv(e, input);
      if (k === undefined) unknown = true;
      else n *= k;
    }
    if (unknown) n *= Math.max(1, Math.sqrt(input));
    return Math.max(1, Math.min(input, n));
  }

  /** Fraction of `rows` rows for which `pred` holds. */
  selectivity(pred: Expr, rows: number): number {
    const s = this.sel(pred, rows);
    return Math.min(1, Math.max(s, 1 / Math.max(rows, 1), 1e-9));
  }

  private sel(p: Expr, rows: number): number {
    if (p.kind === 'literal') return p.value === true ? 1 : 0;
    if (p.kind === 'in_list') {
      const eqSel = this.eqSelectivity(p.expr, rows);
      return Math.min(1, eqSel * p.list.length);
    }
    if (p.kind !== 'call') return 0.25;
    switch (p.fn) {
      case 'and':
        return splitConjunction(p).reduce((s, c) => s * this.sel(c, rows), 1);
      case 'or': {
        let miss = 1;
        for (const d of splitDisjunction(p)) miss *= 1 - this.sel(d, rows);
        return 1 - miss;
      }
      case 'not':
        return 1 - this.sel(p.args[0]!, rows);
      case '=':
      case 'is_not_distinct_from': {
        const [a, b] = p.args as [Expr, Expr];
        if (a.kind === 'literal') return this.eqSelectivity(b, rows);
        if (b.kind === 'literal') return this.eqSelectivity(a, rows);
        const na = this.ndv(a, rows);
        const nb = this.ndv(b, rows);
        return na || nb ? 1 / Math.max(na ?? 1, nb ?? 1) : 0.1;
      }
      case '<>':
      case 'is_distinct_from': {
        const [a, b] = p.args as [Expr, Expr];
        const col = a.kind === 'literal' ? b : a;
        const n = this.ndv(col, rows);
        return n ? 1 - 1 / n : 0.9;
      }
      case '<':
      case '<=':
      case '>':
      case '>=':
        return this.rangeSelectivity(p.fn, p.args[0]!, p.args[1]!);
      case 'like':
      case 'ilike':
        return 0.1;
      case 'not_like':
      case 'not_ilike':
        return 0.9;
      case 'is_null':
        return this.nullFraction(p.args[0]!) ?? 0.05;
      case 'is_not_null':
        return 1 - (this.nullFraction(p.args[0]!) ?? 0.05);
      default:
        return 0.25;
    }
  }

  private eqSelectivity(e: Expr, rows: number): number {
    const n = this.ndv(e, rows);
    return n ? 1 / n : 0.1;
  }

  private nullFraction(e: Expr): number | undefined {
    if (e.kind !== 'column') return undefined;
    const b = this.base.get(e.id);
    if (!b || b.stats?.nullCount === undefined) return undefined;
    return b.stats.nullCount / Math.max(1, b.rows);
  }

  /** `col op constant` from the column's min/max, linearly; 1/3 without them. */
  private rangeSelectivity(op: string, a: Expr, b: Expr): number {
    let colE = a;
    let litE = b;
    let o = op;
    if (a.kind === 'literal' && b.kind !== 'literal') {
      colE = b;
      litE = a;
      o = op === '<' ? '>' : op === '<=' ? '>=' : op === '>' ? '<' : '<=';
    }
    if (colE.kind === 'cast') colE = colE.expr;
    if (colE.kind !== 'column' || litE.kind !== 'literal') return 1 / 3;
    const base = this.base.get(colE.id);
    const min = base?.stats?.min;
    const max = base?.stats?.max;
    const v = numericValue(litE.value, litE.type);
    if (typeof min !== 'number' || typeof max !== 'number' || v === undefined) return 1 / 3;
    if (max <= min) return v >= min ? (o[0] === '<' ? 1 : 0) : o[0] === '<' ? 0 : 1;
    const frac = Math.min(1, Math.max(0, (v - min) / (max - min)));
    return o[0] === '<' ? frac : 1 - frac;
  }
}

/** A literal as a number comparable with column statistics (decimals scaled, dates in days). */
function numericValue(v: unknown, t: Expr['type']): number | undefined {
  if (typeof v === 'number') return t.kind === 'decimal' ? v / 10 ** t.scale : v;
  if (typeof v === 'string' && t.kind === 'decimal') return Number(v) / 10 ** t.scale;
  if (typeof v === 'string' && t.kind === 'int64') return Number(v);
  return undefined;
}

function refersOnly(e: Expr, ids: ReadonlySet<ColumnId>): boolean {
  let ok = true;
  let any = false;
  const walk = (x: Expr): void => {
    if (x.kind === 'column') {
      any = true;
      if (!ids.has(x.id)) ok = false;
    }
    if (x.kind === 'call') x.args.forEach(walk);
    else if (x.kind === 'cast') walk(x.expr);
    else if (x.kind === 'case') {
      for (const w of x.whens) {
        walk(w.condition);
        walk(w.result);
      }
      if (x.else) walk(x.else);
    } else if (x.kind === 'in_list') {
      walk(x.expr);
      x.list.forEach(walk);
    } else if (x.kind === 'subquery' || x.kind === 'exists' || x.kind === 'in_subquery') ok = false;
  };
  walk(e);
  return ok && any;
}
