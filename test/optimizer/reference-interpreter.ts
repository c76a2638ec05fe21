/**
 * A slow, obviously-correct interpreter of logical plans, for tests only: it checks that bound and
 * optimized plans mean what the SQL means, by running them on small data and comparing with
 * DuckDB, long before the real executor exists.
 *
 * Rows are objects keyed by column id. Values: null, boolean, number (integers, dates as days,
 * decimals and doubles as JS numbers — so results are compared with a tolerance), string.
 * Joins hash on the equi-keys `splitJoinCondition` finds and check the residual per match.
 */
import type { Expr, LiteralValue } from '../../src/logical/expr.ts';
import { splitJoinCondition } from '../../src/logical/join-keys.ts';
import { castLiteral, formatDate } from '../../src/logical/literal.ts';
import { type AggregateCall, type LogicalPlan, outputColumns, type SortKey } from '../../src/logical/plan.ts';
import type { DataType } from '../../src/types/data-type.ts';

export type Value = null | boolean | number | string;
export type Row = Record<number, Value>;
/** Table name → rows by column name. */
export type Tables = ReadonlyMap<string, readonly Record<string, Value>[]>;

export function run(plan: LogicalPlan, tables: Tables): Value[][] {
  const cols = outputColumns(plan);
  return exec(plan, tables).map((r) => cols.map((c) => r[c.id] ?? null));
}

function exec(p: LogicalPlan, tables: Tables): Row[] {
  switch (p.kind) {
    case 'scan': {
      const data = tables.get(p.table);
      if (!data) throw new Error(`no data for ${p.table}`);
      let rows = data.map((r) => {
        const o: Row = {};
        for (const c of p.columns) o[c.id] = r[c.name] ?? null;
        return o;
      });
      for (const f of p.filters) rows = rows.filter((r) => evaluate(f, r) === true);
      return p.limit === null ? rows : rows.slice(0, p.limit);
    }
    case 'values':
      return p.rows.map((r) => {
        const o: Row = {};
        p.columns.forEach((c, i) => {
          o[c.id] = evaluate(r[i]!, {});
        });
        return o;
      });
    case 'filter':
      return exec(p.input, tables).filter((r) => evaluate(p.predicate, r) === true);
    case 'project':
      return exec(p.input, tables).map((r) => {
        const o: Row = {};
        for (const it of p.items) o[it.id] = evaluate(it.expr, r);
        return o;
      });
    case 'aggregate': {
      const input = exec(p.input, tables);
      const groups = new Map<string, Row[]>();
      for (const r of input) {
        const key = JSON.stringify(p.groups.map((g) => evaluate(g.expr, r)));
        let g = groups.get(key);
        if (!g) groups.set(key, (g = []));
        g.push(r);
      }
      if (p.groups.length === 0 && groups.size === 0) groups.set('[]', []);
      return [...groups.values()].map((rows) => {
        const o: Row = {};
        p.groups.forEach((g) => {
          o[g.id] = rows.length ? evaluate(g.expr, rows[0]!) : null;
        });
        for (const a of p.aggregates) o[a.id] = aggregate(a, rows);
        return o;
      });
    }
    case 'join':
      return join(p, exec(p.left, tables), exec(p.right, tables));
    case 'sort': {
      const rows = [...exec(p.input, tables)].sort((a, b) => compareRows(a, b, p.keys));
      return p.limit === null ? rows : rows.slice(0, p.limit);
    }
    case 'limit': {
      const rows = exec(p.input, tables).slice(p.offset);
      return p.limit === null ? rows : rows.slice(0, p.limit);
    }
    case 'distinct': {
      const seen = new Set<string>();
      const cols = outputColumns(p.input);
      return exec(p.input, tables).filter((r) => {
        const k = JSON.stringify(cols.map((c) => r[c.id] ?? null));
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    }
    case 'set_operation': {
      if (p.op !== 'union') throw new Error(`interpreter: ${p.op} ALL`);
      const lc = outputColumns(p.left);
      const rc = outputColumns(p.right);
      const remap = (rows: Row[], cols: typeof lc) =>
        rows.map((r) => {
          const o: Row = {};
          p.columns.forEach((c, i) => {
            o[c.id] = r[cols[i]!.id] ?? null;
          });
          return o;
        });
      return [...remap(exec(p.left, tables), lc), ...remap(exec(p.right, tables), rc)];
    }
    case 'window':
      throw new Error('interpreter: window functions');
  }
}

function join(p: Extract<LogicalPlan, { kind: 'join' }>, left: Row[], right: Row[]): Row[] {
  const { keys, residual } = splitJoinCondition(p.condition, outputColumns(p.left), outputColumns(p.right));
  const nullAware = p.joinType === 'anti_null_aware';
  const useKeys = nullAware ? keys.slice(1) : keys;
  const table = new Map<string, Row[]>();
  for (const r of right) {
    const k = useKeys.map((x) => evaluate(x.right, r));
    if (k.some((v, i) => v === null && !useKeys[i]!.nullSafe)) continue;
    const key = JSON.stringify(k);
    let list = table.get(key);
    if (!list) table.set(key, (list = []));
    list.push(r);
  }
  const matches = (l: Row): Row[] => {
    const k = useKeys.map((x) => evaluate(x.left, l));
    if (k.some((v, i) => v === null && !useKeys[i]!.nullSafe)) return [];
    const cands = table.get(JSON.stringify(k)) ?? [];
    return residual ? cands.filter((r) => evaluate(residual, { ...l, ...r }) === true) : cands;
  };
  const rightCols = outputColumns(p.right);
  const nulls: Row = Object.fromEntries(rightCols.map((c) => [c.id, null]));
  const out: Row[] = [];
  switch (p.joinType) {
    case 'inner':
      for (const l of left) for (const r of matches(l)) out.push({ ...l, ...r });
      return out;
    case 'left':
      for (const l of left) {
        const m = matches(l);
        if (m.length === 0) out.push({ ...l, ...nulls });
        for (const r of m) out.push({ ...l, ...r });
      }
      return out;
    case 'single':
      for (const l of left) {
        const m = matches(l);
        if (m.length > 1) throw new Error('more than one row returned by a subquery used as an expression');
        out.push({ ...l, ...(m[0] ?? nulls) });
      }
      return out;
    case 'semi':
      return left.filter((l) => matches(l).length > 0);
    case 'anti':
      return left.filter((l) => matches(l).length === 0);
    case 'anti_null_aware': {
      // x NOT IN (y…): the first key is the NOT IN comparison.
      const k0 = keys[0]!;
      const rowsOf = (l: Row) =>
        residual || useKeys.length
          ? right.filter(
              (r) =>
                useKeys.every((x) => evaluate(x.left, l) === evaluate(x.right, r)) &&
                (!residual || evaluate(residual, { ...l, ...r }) === true),
            )
          : right;
      return left.filter((l) => {
        const rs = rowsOf(l);
        if (rs.length === 0) return true;
        const x = evaluate(k0.left, l);
        if (x === null) return false;
        let sawNull = false;
        for (const r of rs) {
          const y = evaluate(k0.right, r);
          if (y === null) sawNull = true;
          else if (y === x) return false;
        }
        return !sawNull;
      });
    }
    case 'mark': {
      const id = p.mark!.id;
      return left.map((l) => {
        let v: Value = false;
        for (const r of right) {
          const c = p.condition ? evaluate(p.condition, { ...l, ...r }) : true;
          if (c === true) {
            v = true;
            break;
          }
          if (c === null) v = null;
        }
        return { ...l, [id]: v };
      });
    }
    case 'right':
    case 'full':
      throw new Error(`interpreter: ${p.joinType} join`);
  }
}

function aggregate(a: AggregateCall, rows: Row[]): Value {
  let rs = a.filter ? rows.filter((r) => evaluate(a.filter!, r) === true) : rows;
  if (a.fn === 'count_star') return rs.length;
  let vals = rs.map((r) => evaluate(a.args[0]!, r)).filter((v) => v !== null);
  if (a.distinct) vals = [...new Set(vals)];
  rs = [];
  switch (a.fn) {
    case 'count':
      return vals.length;
    case 'sum':
      return vals.length ? (vals as number[]).reduce((s, v) => s + v, 0) : null;
    case 'avg':
      return vals.length ? (vals as number[]).reduce((s, v) => s + v, 0) / vals.length : null;
    case 'min':
      return vals.length ? vals.reduce((m, v) => (cmp(v, m) < 0 ? v : m)) : null;
    case 'max':
      return vals.length ? vals.reduce((m, v) => (cmp(v, m) > 0 ? v : m)) : null;
    default:
      throw new Error(`interpreter: aggregate ${a.fn}`);
  }
}

function cmp(a: Value, b: Value): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return (a as number) - (b as number);
}

function compareRows(a: Row, b: Row, keys: readonly SortKey[]): number {
  for (const k of keys) {
    const x = evaluate(k.expr, a);
    const y = evaluate(k.expr, b);
    if (x === y) continue;
    if (x === null) return k.nullsFirst ? -1 : 1;
    if (y === null) return k.nullsFirst ? 1 : -1;
    const c = cmp(x, y);
    if (c !== 0) return k.descending ? -c : c;
  }
  return 0;
}

/** A literal in the interpreter's value form. */
function literal(v: LiteralValue, t: DataType): Value {
  if (v === null) return null;
  if (t.kind === 'decimal') return Number(v) / 10 ** t.scale;
  if (t.kind === 'int64') return Number(v);
  if (typeof v === 'object') throw new Error('interpreter: interval values');
  return v;
}

export function evaluate(e: Expr, r: Row): Value {
  switch (e.kind) {
    case 'column': {
      if (!(e.id in r)) throw new Error(`column ${e.name}#${e.id} is not in the row`);
      return r[e.id]!;
    }
    case 'literal':
      return literal(e.value, e.type);
    case 'cast': {
      const v = evaluate(e.expr, r);
      if (v === null) return null;
      const to = e.type;
      const from = e.expr.type;
      if (to.kind === 'float64') return Number(v);
      if (to.kind === 'decimal')
        return typeof v === 'number' ? Math.round(v * 10 ** to.scale) / 10 ** to.scale : Number(v);
      if (to.kind === 'varchar') return from.kind === 'date' ? formatDate(v as number) : String(v);
      if (from.kind === 'varchar') return literal(castLiteral(v as string, from, to), to);
      if (to.kind === 'int32' || to.kind === 'int64') return Math.round(v as number);
      return v;
    }
    case 'case': {
      for (const w of e.whens) if (evaluate(w.condition, r) === true) return evaluate(w.result, r);
      return e.else ? evaluate(e.else, r) : null;
    }
    case 'in_list': {
      const x = evaluate(e.expr, r);
      if (x === null) return null;
      let sawNull = false;
      for (const i of e.list) {
        const v = evaluate(i, r);
        if (v === null) sawNull = true;
        else if (v === x) return true;
      }
      return sawNull ? null : false;
    }
    case 'subquery':
    case 'exists':
    case 'in_subquery':
      throw new Error('interpreter: subquery expressions must be decorrelated first');
    case 'call':
      return call(e.fn, e.args, r);
  }
}

function call(fn: string, args: readonly Expr[], r: Row): Value {
  if (fn === 'and') {
    let sawNull = false;
    for (const a of args) {
      const v = evaluate(a, r);
      if (v === false) return false;
      if (v === null) sawNull = true;
    }
    return sawNull ? null : true;
  }
  if (fn === 'or') {
    let sawNull = false;
    for (const a of args) {
      const v = evaluate(a, r);
      if (v === true) return true;
      if (v === null) sawNull = true;
    }
    return sawNull ? null : false;
  }
  const v = args.map((a) => evaluate(a, r));
  switch (fn) {
    case 'is_null':
      return v[0] === null;
    case 'is_not_null':
      return v[0] !== null;
    case 'coalesce':
      return v.find((x) => x !== null) ?? null;
    case 'is_distinct_from':
      return v[0] !== v[1];
    case 'is_not_distinct_from':
      return v[0] === v[1];
  }
  if (v.some((x) => x === null)) return null;
  const [a, b] = v as [never, never];
  switch (fn) {
    case 'not':
      return !a;
    case '=':
      return a === b;
    case '<>':
      return a !== b;
    case '<':
      return cmp(a, b) < 0;
    case '<=':
      return cmp(a, b) <= 0;
    case '>':
      return cmp(a, b) > 0;
    case '>=':
      return cmp(a, b) >= 0;
    case '+':
      return (a as number) + (b as number);
    case '-':
      return v.length === 1 ? -(a as number) : (a as number) - (b as number);
    case '*':
      return (a as number) * (b as number);
    case '/':
      return (b as number) === 0 ? null : (a as number) / (b as number);
    case 'like':
    case 'not_like': {
      const re = new RegExp(
        `^${(b as string)
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replaceAll('%', '.*')
          .replaceAll('_', '.')}$`,
        's',
      );
      const m = re.test(a as string);
      return fn === 'like' ? m : !m;
    }
    case 'substring': {
      const s = a as string;
      const start = b as number;
      const len = v.length > 2 ? (v[2] as number) : s.length;
      return s.substring(Math.max(0, start - 1), Math.max(0, start - 1 + len - (start < 1 ? 1 - start : 0)));
    }
    case 'date_part': {
      const d = new Date((b as number) * 86_400_000);
      if (a === 'year') return d.getUTCFullYear();
      if (a === 'month') return d.getUTCMonth() + 1;
      if (a === 'day') return d.getUTCDate();
      throw new Error(`interpreter: date_part ${a}`);
    }
    case 'upper':
      return (a as string).toUpperCase();
    case 'lower':
      return (a as string).toLowerCase();
    default:
      throw new Error(`interpreter: function ${fn}`);
  }
}
