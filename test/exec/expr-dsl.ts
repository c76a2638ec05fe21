/**
 * A small test DSL that builds each expression twice: as SQL text for DuckDB (the oracle) and as
 * a PhysicalExpr for Skein, so a case is written once and both engines' type and value (as text)
 * are compared.
 */
import { expect } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import { compileExpr } from '../../src/exec/expr/compile.ts';
import { jsValue, scalarToVector } from '../../src/exec/expr/scalar.ts';
import { castVector } from '../../src/exec/kernels/cast.ts';
import type { Batch, Vector } from '../../src/exec/vector.ts';
import type { PhysicalExpr } from '../../src/physical/expr.ts';
import * as P from '../../src/physical/expr.ts';
import { type DataType, type Field, typeToString, VARCHAR } from '../../src/types/data-type.ts';
import type { DuckDb } from '../helpers/duckdb.ts';

export interface E {
  readonly sql: string;
  readonly expr: PhysicalExpr;
}

/** Literals that must stay constants when the others are turned into columns (date parts, round digits). */
const keepConstant = new WeakSet<PhysicalExpr>();

function e(sql: string, expr: PhysicalExpr): E {
  return { sql, expr };
}

export const I = (n: number): E => e(n < 0 ? `(${n})` : `${n}`, P.int32Literal(n));
export const BI = (n: number | bigint | string): E => e(`(${n})::BIGINT`, P.int64Literal(BigInt(n)));
/** A decimal literal exactly as SQL reads it ('1.50' is DECIMAL(3,2)), or cast to DECIMAL(p,s). */
export const D = (text: string, p?: number, s?: number): E =>
  p === undefined
    ? e(text.startsWith('-') ? `(${text})` : text, P.decimalLiteral(text))
    : e(`CAST(${text} AS DECIMAL(${p},${s}))`, P.decimalLiteral(text, p, s));
export const F = (x: number): E =>
  e(
    Object.is(x, -0)
      ? '(-(0.0::DOUBLE))'
      : Number.isFinite(x)
        ? `(${x})::DOUBLE`
        : `'${x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan'}'::DOUBLE`,
    P.float64Literal(x),
  );
export const S = (s: string): E => e(`'${s.replaceAll("'", "''")}'`, P.varcharLiteral(s));
export const B = (b: boolean): E => e(b ? 'true' : 'false', P.booleanLiteral(b));
export const DT = (s: string): E => e(`DATE '${s}'`, P.dateLiteral(s));
export const TS = (s: string): E => e(`TIMESTAMP '${s}'`, P.timestampLiteral(s));
export const IV = (sql: string, parts: Partial<P.IntervalValue>): E =>
  e(`INTERVAL '${sql}'`, P.intervalLiteral(parts));
export const NULL = e('NULL', P.nullLiteral());
export const NULLOF = (t: DataType): E => e(`CAST(NULL AS ${typeToString(t)})`, P.nullLiteral(t));
/** A VARCHAR literal that names something (a date part) and must stay constant. */
export const PART = (s: string): E => {
  const x = S(s);
  keepConstant.add(x.expr);
  return x;
};
export const DIGITS = (n: number): E => {
  const x = I(n);
  keepConstant.add(x.expr);
  return x;
};

const SQL_OPS: Record<string, string> = {
  is_distinct_from: 'IS DISTINCT FROM',
  is_not_distinct_from: 'IS NOT DISTINCT FROM',
};
export const op = (o: string, a: E, b: E): E =>
  e(`(${a.sql} ${SQL_OPS[o] ?? o} ${b.sql})`, P.call(o, [a.expr, b.expr]));
export const neg = (a: E): E => e(`(- ${a.sql})`, P.call('-', [a.expr]));
export const fn = (name: string, ...args: E[]): E =>
  e(
    `${name}(${args.map((a) => a.sql).join(', ')})`,
    P.call(
      name,
      args.map((a) => a.expr),
    ),
  );
export const cast = (a: E, t: DataType): E => e(`CAST(${a.sql} AS ${typeToString(t)})`, P.cast(a.expr, t));
export const tryCast = (a: E, t: DataType): E =>
  e(`TRY_CAST(${a.sql} AS ${typeToString(t)})`, P.tryCast(a.expr, t));
export const and = (...xs: E[]): E =>
  e(`(${xs.map((x) => x.sql).join(' AND ')})`, P.and(...xs.map((x) => x.expr)));
export const or = (...xs: E[]): E =>
  e(`(${xs.map((x) => x.sql).join(' OR ')})`, P.or(...xs.map((x) => x.expr)));
export const not = (x: E): E => e(`(NOT ${x.sql})`, P.not(x.expr));
export const isNull = (x: E, negated = false): E =>
  e(`(${x.sql} IS ${negated ? 'NOT ' : ''}NULL)`, P.isNull(x.expr, negated));
export const inList = (x: E, list: E[], negated = false): E =>
  e(
    `(${x.sql} ${negated ? 'NOT IN' : 'IN'} (${list.map((l) => l.sql).join(', ')}))`,
    P.inList(
      x.expr,
      list.map((l) => l.expr),
      negated,
    ),
  );
export const like = (x: E, pattern: E, o: P.LikeOptions = {}): E =>
  e(
    `(${x.sql} ${o.negated ? 'NOT ' : ''}${o.caseInsensitive ? 'ILIKE' : 'LIKE'} ${pattern.sql}${
      o.escape ? ` ESCAPE '${o.escape}'` : ''
    })`,
    P.like(x.expr, pattern.expr, o),
  );
export const caseWhen = (whens: [E, E][], otherwise?: E): E =>
  e(
    `(CASE ${whens.map(([w, t]) => `WHEN ${w.sql} THEN ${t.sql}`).join(' ')}${otherwise ? ` ELSE ${otherwise.sql}` : ''} END)`,
    P.caseWhen(
      whens.map(([w, t]) => ({ condition: w.expr, result: t.expr })),
      otherwise?.expr,
    ),
  );
export const between = (x: E, lo: E, hi: E): E =>
  e(`(${x.sql} BETWEEN ${lo.sql} AND ${hi.sql})`, P.between(x.expr, lo.expr, hi.expr));

// ---------------------------------------------------------------------------------------------

/** Replaces literals by columns of a one-row batch holding their values (so vector kernels run). */
export function liftLiterals(expr: PhysicalExpr): { expr: PhysicalExpr; fields: Field[]; columns: Vector[] } {
  const fields: Field[] = [];
  const columns: Vector[] = [];
  const walk = (x: PhysicalExpr): PhysicalExpr => {
    switch (x.kind) {
      case 'literal': {
        if (keepConstant.has(x)) return x;
        const index = fields.length;
        fields.push({ name: `c${index}`, type: x.type, nullable: true });
        columns.push(scalarToVector(x.value, x.type));
        return P.column(index, x.type);
      }
      case 'column':
        return x;
      case 'call':
        return { ...x, args: x.args.map(walk) };
      case 'cast':
        return { ...x, input: walk(x.input) };
      case 'case':
        return {
          ...x,
          whens: x.whens.map((w) => ({ condition: walk(w.condition), result: walk(w.result) })),
          ...(x.else ? { else: walk(x.else) } : {}),
        };
      case 'in':
        return { ...x, input: walk(x.input), list: x.list.map(walk) };
      case 'is_null':
      case 'not':
        return { ...x, input: walk(x.input) };
      case 'and':
      case 'or':
        return { ...x, args: x.args.map(walk) };
      case 'like':
        return { ...x, input: walk(x.input), pattern: walk(x.pattern) };
    }
  };
  return { expr: walk(expr), fields, columns };
}

export type Outcome = { type: string; text: string | null } | { error: string };

/** Evaluates on a one-row batch and renders like DuckDB's `typeof(x), x::VARCHAR`. */
export function skeinOutcome(expr: PhysicalExpr, lifted: boolean): Outcome {
  try {
    let x = expr;
    let batch: Batch = { schema: [], columns: [], length: 1 };
    if (lifted) {
      const l = liftLiterals(expr);
      x = l.expr;
      batch = { schema: l.fields, columns: l.columns, length: 1 };
    }
    const v = compileExpr(x, batch.schema)(batch);
    expect(v.length).toBe(1);
    const text = jsValue(castVector(v, VARCHAR), 0) as string | null;
    return { type: typeToString(expr.type), text };
  } catch (err) {
    if (err instanceof SkeinError && err.code !== 'INTERNAL') return { error: err.message };
    throw err;
  }
}

/** DuckDB's type names mapped onto Skein's (Skein has no TINYINT etc.). */
const TYPE_ALIASES: Record<string, string> = { TINYINT: 'INTEGER', SMALLINT: 'INTEGER', '"NULL"': 'NULL' };

export async function duckOutcome(db: DuckDb, sql: string): Promise<Outcome> {
  try {
    const r = await db.one(`SELECT typeof(${sql}) AS t, (${sql})::VARCHAR AS v`);
    const t = String(r.t);
    return { type: TYPE_ALIASES[t] ?? t, text: r.v === null ? null : String(r.v) };
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0]! };
  }
}

/**
 * Checks a case against DuckDB, constant-folded and with literals as columns. `expectError`
 * cases must fail in both; by default errors must agree (both fail or neither).
 */
export async function expectLikeDuck(db: DuckDb, x: E): Promise<void> {
  const duck = await duckOutcome(db, x.sql);
  for (const lifted of [false, true]) {
    const ours = skeinOutcome(x.expr, lifted);
    const where = `${x.sql} (${lifted ? 'columns' : 'constants'})`;
    if ('error' in duck) {
      expect(
        'error' in ours,
        `${where}: DuckDB fails with "${duck.error}", Skein gave ${JSON.stringify(ours)}`,
      ).toBe(true);
    } else {
      expect(ours, where).toEqual(duck);
    }
  }
}
