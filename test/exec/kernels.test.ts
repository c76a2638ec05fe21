/**
 * Kernels against references: the calendar against JS Date, DOUBLE text against DuckDB, and
 * randomized differential runs of LIKE and decimal arithmetic against DuckDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileExpr } from '../../src/exec/expr/compile.ts';
import { jsValue, vectorFromScalars } from '../../src/exec/expr/scalar.ts';
import { castVector } from '../../src/exec/kernels/cast.ts';
import { formatDouble } from '../../src/exec/kernels/format.ts';
import { compileLike } from '../../src/exec/kernels/like.ts';
import { parseDate, parseDecimal, parseDouble, parseInteger } from '../../src/exec/kernels/parse.ts';
import { addMonthsToDays, civilFromDays, daysFromCivil, isoWeek } from '../../src/exec/kernels/temporal.ts';
import type { Batch } from '../../src/exec/vector.ts';
import { call, column, like as likeExpr } from '../../src/physical/expr.ts';
import { decimal, type Field, VARCHAR } from '../../src/types/data-type.ts';
import { type DuckDb, openDuckDb } from '../helpers/duckdb.ts';

let db: DuckDb;
beforeAll(async () => {
  db = await openDuckDb({ threads: 1 });
});
afterAll(() => db.close());

/** A small deterministic PRNG (tests must be reproducible). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = new TextEncoder();

describe('calendar', () => {
  it('agrees with JS Date over ±2000 years', () => {
    for (let d = -1_000_000; d <= 1_000_000; d += 997) {
      const js = new Date(d * 86_400_000);
      const c = civilFromDays(d);
      expect([c[0], c[1], c[2]]).toEqual([js.getUTCFullYear(), js.getUTCMonth() + 1, js.getUTCDate()]);
      expect(daysFromCivil(c[0]!, c[1]!, c[2]!)).toBe(d);
    }
  });

  it('adds months clamping to the month end', () => {
    const d = (s: string) =>
      daysFromCivil(Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10)));
    expect(addMonthsToDays(d('2020-01-31'), 1)).toBe(d('2020-02-29'));
    expect(addMonthsToDays(d('2021-01-31'), 1)).toBe(d('2021-02-28'));
    expect(addMonthsToDays(d('2020-03-31'), -1)).toBe(d('2020-02-29'));
    expect(addMonthsToDays(d('2020-12-15'), 14)).toBe(d('2022-02-15'));
    expect(addMonthsToDays(d('2020-01-15'), -13)).toBe(d('2018-12-15'));
    expect(isoWeek(d('2021-01-01'))).toEqual([53, 2020]);
  });
});

describe('parsers', () => {
  it('parse numbers and dates from byte ranges', () => {
    const b = enc.encode('  -123  |12.345|1e3|x|2020-02-29|2021-02-29|0.1');
    expect(parseInteger(b, 0, 8)).toBe(-123);
    expect(parseDecimal(b, 9, 15, 10, 2)).toBe(1235);
    expect(parseDecimal(b, 9, 15, 3, 2)).toBe('range');
    expect(parseDouble(b, 16, 19)).toBe(1000);
    expect(parseInteger(b, 20, 21)).toBeUndefined();
    expect(parseDate(b, 22, 32)).toBe(18321);
    expect(parseDate(b, 33, 43)).toBe('range');
    expect(parseDouble(b, 44, 47)).toBe(0.1);
    expect(parseInteger(enc.encode('99999999999999999999'), 0, 20)).toBe(99999999999999999999n);
  });
});

describe('DOUBLE text', () => {
  it('prints like DuckDB for random doubles of all magnitudes', async () => {
    const r = rng(7);
    const xs: number[] = [];
    for (let i = 0; i < 300; i++) {
      const e = Math.floor(r() * 40) - 20;
      xs.push((r() - 0.5) * 10 ** e);
    }
    xs.push(1, 10, 0.1, 1e15, 1e16, 1.2345678901234568e17, 5e-324, 1.7976931348623157e308, 0.0001, 0.00001);
    const rows = await db.query(
      `SELECT x::VARCHAR AS t FROM (VALUES ${xs.map((x) => `(${x.toExponential()}::DOUBLE)`).join(',')}) v(x)`,
    );
    expect(xs.map(formatDouble)).toEqual(rows.map((row) => row.t));
  });
});

describe('LIKE against DuckDB', () => {
  it('agrees on random strings and patterns, with escapes, _ and multibyte characters', async () => {
    const r = rng(11);
    const alphabet = ['a', 'b', 'c', 'é', '日', '%', '_', '\\'];
    const pick = (n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(r() * alphabet.length)]!).join('');
    const strings = Array.from({ length: 60 }, () => pick(Math.floor(r() * 7)).replaceAll('\\', ''));
    const patterns = Array.from({ length: 60 }, () => {
      let p = pick(1 + Math.floor(r() * 5));
      if (p.endsWith('\\') && !p.endsWith('\\\\')) p = p.slice(0, -1);
      return p;
    }).filter((p) => !/(^|[^\\])(\\\\)*\\$/.test(p));
    const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
    for (const ci of [false, true]) {
      const sql = `SELECT s, p, s ${ci ? 'ILIKE' : 'LIKE'} p ESCAPE '\\' AS m FROM (VALUES ${strings.map((s) => `(${q(s)})`).join(',')}) a(s), (VALUES ${patterns
        .map((p) => `(${q(p)})`)
        .join(',')}) b(p)`;
      const want = await db.query(sql);
      const mismatches: string[] = [];
      for (const row of want) {
        const m = compileLike(row.p as string, '\\', ci);
        const v = vectorFromScalars(VARCHAR, [row.s as string]);
        const got = m.matchRow(v as Parameters<typeof m.matchRow>[0], 0);
        if (got !== row.m)
          mismatches.push(
            `${JSON.stringify(row.s)} ${ci ? 'ILIKE' : 'LIKE'} ${JSON.stringify(row.p)}: DuckDB ${row.m}`,
          );
      }
      expect(mismatches).toEqual([]);
    }
  });

  it('agrees in vector form on TPC-H-like text (contains fast path)', async () => {
    const r = rng(3);
    const words = ['green', 'forest', 'blue', 'Customer', 'Complaints', 'PROMO', 'BRASS', 'gr', 'een', ''];
    const rows = Array.from({ length: 2000 }, () =>
      Array.from({ length: 1 + Math.floor(r() * 4) }, () => words[Math.floor(r() * words.length)]).join(
        r() < 0.5 ? ' ' : '',
      ),
    );
    const b: Batch = {
      schema: [{ name: 's', type: VARCHAR, nullable: true }],
      columns: [vectorFromScalars(VARCHAR, rows)],
      length: rows.length,
    };
    for (const p of ['%green%', '%Customer%Complaints%', 'PROMO%', '%BRASS', '%gr%een%', 'forest%blue']) {
      const want = await db.query(
        `SELECT s LIKE '${p}' AS m FROM (VALUES ${rows.map((s, i) => `(${i}, '${s}')`).join(',')}) v(i, s) ORDER BY i`,
      );
      const v = compileExpr(
        likeExpr(column(0, VARCHAR), { kind: 'literal', type: VARCHAR, value: p }),
        b.schema,
      )(b);
      const got = Array.from({ length: rows.length }, (_, i) => jsValue(v, i));
      expect(got, p).toEqual(want.map((w) => w.m));
    }
  });
});

describe('decimal arithmetic against DuckDB', () => {
  it('agrees on random values, including negatives and rounding', async () => {
    const r = rng(5);
    const n = 400;
    const rand = (digits: number) => {
      const v = Math.floor((r() - 0.5) * 10 ** digits);
      return String(v);
    };
    const a = Array.from({ length: n }, () => rand(r() < 0.1 ? 12 : 7));
    const b = Array.from({ length: n }, () => rand(3));
    const c = Array.from({ length: n }, () => rand(5));
    const fields: Field[] = [
      { name: 'a', type: decimal(15, 2), nullable: true },
      { name: 'b', type: decimal(15, 2), nullable: true },
      { name: 'c', type: decimal(12, 4), nullable: true },
    ];
    const batch: Batch = {
      schema: fields,
      columns: [
        vectorFromScalars(fields[0]!.type, a),
        vectorFromScalars(fields[1]!.type, b),
        vectorFromScalars(fields[2]!.type, c),
      ],
      length: n,
    };
    const A = column(0, fields[0]!.type);
    const B = column(1, fields[1]!.type);
    const C = column(2, fields[2]!.type);
    const lit = (s: string) =>
      `${s.startsWith('-') ? '-' : ''}${s
        .replace('-', '')
        .padStart(3, '0')
        .replace(/(\d\d)$/, '.$1')}`;
    const lit4 = (s: string) =>
      `${s.startsWith('-') ? '-' : ''}${s
        .replace('-', '')
        .padStart(5, '0')
        .replace(/(\d\d\d\d)$/, '.$1')}`;
    const values = a
      .map(
        (x, i) =>
          `(${i}, ${lit(x)}::DECIMAL(15,2), ${lit(b[i]!)}::DECIMAL(15,2), ${lit4(c[i]!)}::DECIMAL(12,4))`,
      )
      .join(',');
    const exprs: [string, ReturnType<typeof call>][] = [
      [
        'a * (1 - b) * (1 + b)',
        call('*', [
          call('*', [A, call('-', [{ kind: 'literal', type: { kind: 'int32' }, value: 1 }, B])]),
          call('+', [{ kind: 'literal', type: { kind: 'int32' }, value: 1 }, B]),
        ]),
      ],
      ['a + c', call('+', [A, C])],
      ['a - c * b', call('-', [A, call('*', [C, B])])],
      ['a % b', call('%', [A, B])],
      ['a / b', call('/', [A, B])],
      [
        'round(a * c, 3)',
        call('round', [call('*', [A, C]), { kind: 'literal', type: { kind: 'int32' }, value: 3 }]),
      ],
      [
        'CAST(a AS DECIMAL(15,0))',
        { kind: 'cast', input: A, type: decimal(15, 0), try: false } as unknown as ReturnType<typeof call>,
      ],
    ];
    for (const [sql, e] of exprs) {
      const want = await db.query(
        `SELECT (${sql})::VARCHAR AS v, typeof(${sql}) AS t FROM (VALUES ${values}) x(i, a, b, c) ORDER BY i`,
      );
      const v = castVector(compileExpr(e, fields)(batch), VARCHAR);
      expect(
        Array.from({ length: n }, (_, i) => jsValue(v, i)),
        sql,
      ).toEqual(want.map((w) => w.v));
    }
  });
});
