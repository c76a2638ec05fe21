/**
 * Every operator and function against DuckDB: result type and value (as text), once with
 * constants (folded) and once with the literals turned into columns (vector kernels).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BOOLEAN,
  DATE,
  decimal,
  FLOAT64,
  INT32,
  INT64,
  INTERVAL,
  TIMESTAMP,
  VARCHAR,
} from '../../src/types/data-type.ts';
import { type DuckDb, openDuckDb } from '../helpers/duckdb.ts';
import {
  and,
  B,
  BI,
  between,
  caseWhen,
  cast,
  D,
  DIGITS,
  DT,
  duckOutcome,
  type E,
  F,
  fn,
  I,
  IV,
  inList,
  isNull,
  like,
  NULL,
  NULLOF,
  neg,
  not,
  op,
  or,
  PART,
  S,
  skeinOutcome,
  TS,
  tryCast,
} from './expr-dsl.ts';

let db: DuckDb;
beforeAll(async () => {
  db = await openDuckDb({ threads: 1 });
});
afterAll(() => db.close());

/** Runs all cases and reports every disagreement at once. */
async function check(cases: readonly E[]): Promise<void> {
  const failures: string[] = [];
  for (const x of cases) {
    const duck = await duckOutcome(db, x.sql);
    for (const lifted of [false, true]) {
      let ours: ReturnType<typeof skeinOutcome>;
      try {
        ours = skeinOutcome(x.expr, lifted);
      } catch (err) {
        failures.push(`${x.sql} [${lifted ? 'columns' : 'constants'}]: threw ${(err as Error).stack}`);
        continue;
      }
      const where = `${x.sql} [${lifted ? 'columns' : 'constants'}]`;
      if ('error' in duck) {
        if (!('error' in ours))
          failures.push(`${where}: DuckDB fails (${duck.error}); Skein gives ${JSON.stringify(ours)}`);
      } else if (JSON.stringify(ours) !== JSON.stringify(duck)) {
        failures.push(`${where}: DuckDB ${JSON.stringify(duck)}; Skein ${JSON.stringify(ours)}`);
      }
    }
  }
  expect(failures).toEqual([]);
}

describe('arithmetic', () => {
  it('integers: types, overflow, division', async () => {
    await check([
      op('+', I(1), I(2)),
      op('-', I(-7), I(2)),
      op('*', I(46340), I(46340)),
      op('+', I(2147483647), I(1)),
      op('*', I(46341), I(46341)),
      op('-', I(-2147483647), I(2)),
      op('/', I(1), I(2)),
      op('/', I(1), I(0)),
      op('//', I(-7), I(2)),
      op('//', I(1), I(0)),
      op('%', I(-7), I(3)),
      op('%', I(7), I(-3)),
      op('%', I(5), I(0)),
      op('+', I(1), BI(2)),
      op('*', BI(3000000000), BI(3000000000)),
      op('*', BI(4000000000), BI(4000000000)),
      op('+', BI('9007199254740993'), I(0)),
      op('-', BI('9007199254740993'), I(1)),
      op('+', BI('9223372036854775807'), I(1)),
      op('//', BI(-7), BI(2)),
      op('%', BI(-7), BI(2)),
      op('//', BI('9007199254740993'), BI(2)),
      neg(I(5)),
      neg(BI(-5)),
      op('+', NULL, I(1)),
      op('+', I(1), NULLOF(INT64)),
      op('+', NULL, NULL),
    ]);
  });

  it('decimals: precision/scale rules, rescaling, exactness', async () => {
    await check([
      op('*', D('1.5'), D('2.25')),
      op('/', D('1.5'), D('2.25')),
      op('-', I(1), D('0.05', 15, 2)),
      op('+', I(1), D('0.05', 15, 2)),
      op('-', BI(1), D('0.05', 15, 2)),
      op('*', D('0.05', 15, 2), D('0.05', 15, 2)),
      op('+', D('0.05', 15, 2), D('0.05', 15, 2)),
      op('*', D('1.5', 38, 2), D('2.25', 38, 2)),
      op('-', D('0.05', 15, 2), F(1.5)),
      op('%', D('7.5'), I(2)),
      op('%', D('-7.5'), I(2)),
      op('%', D('10', 18, 2), D('3', 5, 1)),
      op('%', D('5.5'), I(0)),
      op('//', D('7', 10, 2), D('2', 10, 2)),
      op('//', D('1.5'), I(0)),
      op('+', D('1.05'), D('-2.125')),
      op('-', D('-0.05'), D('0.005')),
      op('*', D('-1.25'), D('0.2')),
      op('*', D('12345678.12', 15, 2), D('87654321.98', 15, 2)),
      op('*', D('123456789012.12', 15, 2), D('987654321.98', 15, 2)),
      op('*', D('1234567890123.45', 15, 2), D('1234567890123.45', 15, 2)),
      op(
        '*',
        op('*', D('104949.50', 15, 2), op('-', I(1), D('0.10', 15, 2))),
        op('+', I(1), D('0.08', 15, 2)),
      ),
      op('+', D('99999999999999.99', 16, 2), D('0.01', 16, 2)),
      op('*', D('0.05', 15, 2), I(100)),
      neg(D('1.5')),
      op('+', I(1), D('0.5')),
    ]);
  });

  it('doubles', async () => {
    await check([
      op('*', F(1e308), F(10)),
      op('/', F(-1), F(0)),
      op('%', F(-7.5), F(2)),
      op('//', F(-7.5), F(2)),
      op('//', F(1.5), F(0)),
      op('+', F(0.1), F(0.2)),
      op('+', I(1), F(1.5)),
      neg(F(0)),
    ]);
  });

  it('dates, timestamps and intervals', async () => {
    await check([
      op('+', DT('2020-01-31'), IV('1 month', { months: 1 })),
      op('-', DT('2020-03-31'), IV('1 month', { months: 1 })),
      op('+', DT('2019-02-28'), IV('1 year', { months: 12 })),
      op('+', DT('2020-02-29'), IV('1 year', { months: 12 })),
      op('-', DT('1998-12-01'), IV('90 days', { days: 90 })),
      op('+', DT('2020-01-01'), IV('36 hours', { micros: 36 * 3600e6 })),
      op('+', TS('2020-01-31 10:00:00'), IV('1 month', { months: 1 })),
      op('+', DT('2020-01-01'), IV('-1 month 1 day', { months: -1, days: 1 })),
      op('+', IV('1 day', { days: 1 }), DT('2020-01-01')),
      op('-', DT('2020-03-01'), DT('2020-02-01')),
      op('+', DT('2020-01-01'), I(5)),
      op('+', I(5), DT('2020-01-01')),
      op('-', DT('2020-01-01'), I(5)),
      op('-', TS('2020-01-02 00:00:00'), TS('2020-01-01 12:00:00')),
      op('-', TS('2020-01-01 00:00:00'), TS('2020-01-03 12:00:00')),
      op('+', IV('1 month', { months: 1 }), IV('2 days', { days: 2 })),
      op('*', IV('1 month 1 day', { months: 1, days: 1 }), I(-2)),
      neg(IV('1 day', { days: 1 })),
      op('<=', DT('1998-09-02'), op('-', DT('1998-12-01'), IV('90 days', { days: 90 }))),
      op('<', DT('1998-09-02'), op('-', DT('1998-12-01'), IV('90 days', { days: 90 }))),
      op('<', DT('1998-09-02'), TS('1998-09-02 00:00:01')),
      op('>', DT('1998-09-02'), TS('1998-09-01 23:59:59')),
      op('=', DT('1998-09-02'), TS('1998-09-02 00:00:01')),
      op('=', DT('1998-09-02'), TS('1998-09-02 00:00:00')),
      op('>=', DT('1998-09-03'), TS('1998-09-02 12:00:00')),
      op('<>', DT('1998-09-03'), TS('1998-09-02 12:00:00')),
    ]);
  });
});

describe('comparisons and logic', () => {
  it('compares across numeric types, strings, dates, NULLs', async () => {
    await check([
      op('=', I(1), D('1.0')),
      op('<', I(1), BI(2)),
      op('=', I(1), F(1.5)),
      op('<', BI(1), D('1.5')),
      op('=', D('0.5', 3, 1), I(1)),
      op('<', D('1.5', 38, 0), D('1.5', 38, 10)),
      op('<', S('abc'), S('abd')),
      op('<', S('abc'), S('abcd')),
      op('<', S('B'), S('a')),
      op('>', S('é'), S('z')),
      op('=', S('abc'), S('abc ')),
      op('<', DT('2020-01-01'), TS('2020-01-01 00:00:01')),
      op('<', S('2020-01-01'), DT('2020-02-01')),
      op('=', I(1), S('1')),
      op('<', I(1), S('x')),
      op('=', NULL, I(1)),
      op('<>', F(Number.NaN), F(Number.NaN)),
      op('<', F(1), F(Number.NaN)),
      op('>', F(Number.NaN), F(Number.POSITIVE_INFINITY)),
      op('=', B(true), B(true)),
      op('<', B(false), B(true)),
      op('=', IV('1 month', { months: 1 }), IV('30 days', { days: 30 })),
      op('<', IV('1 day', { days: 1 }), IV('25 hours', { micros: 25 * 3600e6 })),
      op('is_distinct_from', NULL, I(1)),
      op('is_distinct_from', I(1), I(1)),
      op('is_not_distinct_from', NULLOF(INT32), NULLOF(INT32)),
      op('is_not_distinct_from', S('a'), NULLOF(VARCHAR)),
      between(I(1), I(0), S('2')),
      between(D('0.06', 15, 2), D('0.05'), D('0.07')),
    ]);
  });

  it('three-valued AND/OR/NOT, IS NULL, IN', async () => {
    await check([
      and(NULLOF(BOOLEAN), B(false)),
      and(NULLOF(BOOLEAN), B(true)),
      or(NULLOF(BOOLEAN), B(true)),
      or(NULLOF(BOOLEAN), B(false)),
      not(NULLOF(BOOLEAN)),
      isNull(NULL),
      isNull(I(1), true),
      inList(I(1), [NULL, I(2)]),
      inList(I(1), [NULL, I(1)]),
      inList(NULLOF(INT32), [I(1)]),
      inList(I(1), [NULL, I(2)], true),
      inList(I(3), [I(1), I(2)], true),
      inList(I(1), [I(1), D('2.5')]),
      inList(S('MAIL'), [S('MAIL'), S('SHIP')]),
      inList(S('AIR'), [S('MAIL'), S('SHIP')], true),
      inList(F(Number.NaN), [F(Number.NaN)]),
      inList(I(5), [I(1), I(2), I(3), I(4), I(5), I(6), I(7)]),
    ]);
  });

  it('CASE, COALESCE, NULLIF, GREATEST, LEAST', async () => {
    await check([
      caseWhen([[NULLOF(BOOLEAN), I(1)]], I(2)),
      caseWhen([[B(true), I(1)]], D('2.5')),
      caseWhen([[B(false), I(1)]]),
      caseWhen(
        [
          [op('>', I(1), I(0)), S('pos')],
          [op('<', I(1), I(0)), S('neg')],
        ],
        S('zero'),
      ),
      caseWhen([[B(false), cast(S('abc'), INT32)]], I(0)),
      fn('coalesce', NULL, I(1), D('2.5')),
      fn('coalesce', NULLOF(VARCHAR), S('x')),
      fn('coalesce', BI(1), D('1.5')),
      fn('coalesce', DT('2020-01-01'), TS('2020-01-01 10:00:00')),
      fn('nullif', I(1), I(1)),
      fn('nullif', I(1), I(2)),
      fn('greatest', I(1), D('2.5'), BI(3)),
      fn('least', S('b'), S('a')),
      fn('greatest', I(1), NULLOF(INT32)),
      fn('greatest', DT('2020-01-01'), TS('2020-01-01 10:00:00')),
    ]);
  });
});

describe('strings', () => {
  it('concat, case, length, trim, substring, position, replace', async () => {
    await check([
      op('||', S('a'), I(1)),
      op('||', S('a'), D('1.5')),
      op('||', S('a'), DT('2020-01-01')),
      fn('concat', S('a'), NULLOF(VARCHAR), I(2)),
      fn('concat_ws', S(','), S('a'), NULLOF(VARCHAR), S('b')),
      fn('upper', S('straße')),
      fn('upper', S('hello World')),
      fn('lower', S('ÀÉ')),
      fn('lower', S('İ')),
      fn('length', S('héllo')),
      fn('length', S('🦆a')),
      fn('length', S('')),
      fn('strlen', S('héllo')),
      fn('trim', S('  a b  ')),
      fn('ltrim', S('xxaxx'), S('x')),
      fn('rtrim', S('  a  ')),
      fn('trim', S('xyaxy'), S('xy')),
      fn('substring', S('hello'), I(2), I(3)),
      fn('substring', S('hello'), I(0), I(3)),
      fn('substring', S('hello'), I(-3), I(2)),
      fn('substring', S('hello'), I(2)),
      fn('substring', S('héllo'), I(2), I(2)),
      fn('substring', S('hello'), I(3), I(-1)),
      fn('substring', S('hello'), I(-10), I(3)),
      fn('substring', S('hello'), I(10), I(3)),
      fn('strpos', S('hello'), S('lo')),
      fn('strpos', S('héllo'), S('l')),
      fn('strpos', S('abc'), S('')),
      fn('strpos', S('abc'), S('x')),
      fn('replace', S('aaa'), S('a'), S('bb')),
      fn('replace', S('abc'), S(''), S('x')),
      fn('starts_with', S('abc'), S('ab')),
      fn('ends_with', S('abc'), S('bc')),
      fn('contains', S('abc'), S('d')),
      fn('left', S('hello'), I(2)),
      fn('right', S('héllo'), I(3)),
      fn('left', S('hello'), I(-2)),
      fn('reverse', S('abc')),
      fn('lpad', S('ab'), I(5), S('x')),
      fn('rpad', S('abcdef'), I(3), S('x')),
      fn('repeat', S('ab'), I(3)),
      fn('split_part', S('a,b,c'), S(','), I(2)),
      fn('split_part', S('a,b,c'), S(','), I(5)),
      fn('ascii', S('A')),
      fn('chr', I(65)),
      fn('upper', NULLOF(VARCHAR)),
    ]);
  });

  it('LIKE / ILIKE: wildcards, escapes, multibyte, NULL', async () => {
    await check([
      like(S('abc'), S('a%')),
      like(S('abc'), S('ab')),
      like(S('abc'), S('%c')),
      like(S('abc'), S('%b%')),
      like(S('abc'), S('a%c')),
      like(S('abc'), S('a%b%c')),
      like(S('abc'), S('%')),
      like(S(''), S('%')),
      like(S(''), S('_')),
      like(S('abc'), S('___')),
      like(S('abc'), S('__')),
      like(S('héllo'), S('h_llo')),
      like(S('héllo'), S('h%o')),
      like(S('日本語'), S('_本_')),
      like(S('a_c'), S('a\\_c'), { escape: '\\' }),
      like(S('abc'), S('a\\_c'), { escape: '\\' }),
      like(S('ab%'), S('ab\\%'), { escape: '\\' }),
      like(S('ab%x'), S('ab#%%'), { escape: '#' }),
      like(S('abc'), S('A%'), { caseInsensitive: true }),
      like(S('É'), S('é'), { caseInsensitive: true }),
      like(S('ÀBC'), S('àb%'), { caseInsensitive: true }),
      like(S('abc'), S('a%'), { negated: true }),
      like(S('xyz'), S('a%'), { negated: true, caseInsensitive: true }),
      like(S('abc'), NULLOF(VARCHAR)),
      like(NULLOF(VARCHAR), S('a')),
      like(S('Customer slow Complaints here'), S('%Customer%Complaints%')),
      like(S('Complaints then Customer'), S('%Customer%Complaints%')),
      like(S('aaa'), S('%aa')),
      like(S('mississippi'), S('%iss%ppi')),
      like(S('mississippi'), S('m%ss%s_p%i')),
    ]);
  });
});

describe('math', () => {
  it('abs, sign, round (half away from zero), floor, ceil, sqrt, ln, power', async () => {
    await check([
      fn('abs', I(-5)),
      fn('abs', D('-2.5')),
      fn('abs', F(-1.5)),
      fn('abs', I(-2147483647)),
      fn('sign', D('-2.5')),
      fn('sign', I(3)),
      fn('sign', F(-0)),
      fn('round', D('2.5')),
      fn('round', D('-2.5')),
      fn('round', F(2.5)),
      fn('round', F(-2.5)),
      fn('round', D('1.2345'), DIGITS(2)),
      fn('round', D('-1.235'), DIGITS(2)),
      fn('round', F(1.2345), I(2)),
      fn('round', F(2.675), I(2)),
      fn('round', F(0.285), I(2)),
      fn('round', F(123.456), I(-1)),
      fn('round', I(12345), DIGITS(-2)),
      fn('round', I(12355), DIGITS(-1)),
      fn('round', D('1.5', 10, 1), DIGITS(-1)),
      fn('round', D('1.5', 10, 1), DIGITS(5)),
      fn('round', BI(5)),
      fn('floor', D('-2.5')),
      fn('ceil', D('-2.5')),
      fn('ceil', D('1.5', 15, 2)),
      fn('floor', F(2.5)),
      fn('ceil', I(7)),
      fn('floor', BI(5)),
      fn('trunc', D('-2.5')),
      fn('sqrt', I(2)),
      fn('sqrt', I(-1)),
      fn('ln', I(10)),
      fn('ln', I(0)),
      fn('ln', I(-1)),
      fn('exp', I(1)),
      fn('power', I(2), I(10)),
      fn('pow', D('2.5'), I(2)),
      fn('log10', I(100)),
      fn('log2', I(8)),
      fn('mod', I(7), I(3)),
      fn('mod', D('7.5'), I(2)),
    ]);
  });
});

describe('dates', () => {
  it('extract/date_part, date_trunc, date_diff, last_day, make_date', async () => {
    const parts = [
      'year',
      'quarter',
      'month',
      'day',
      'dow',
      'isodow',
      'doy',
      'week',
      'yearweek',
      'decade',
      'century',
      'millennium',
      'epoch',
    ];
    const dates = [
      '1998-12-01',
      '2024-03-10',
      '2024-12-31',
      '2021-01-01',
      '2000-12-31',
      '2001-01-01',
      '1969-12-31',
      '1900-02-28',
    ];
    const cases: E[] = [];
    for (const p of parts) for (const d of dates) cases.push(fn('date_part', PART(p), DT(d)));
    for (const p of ['hour', 'minute', 'second', 'millisecond', 'microsecond', 'epoch', 'dow', 'year']) {
      cases.push(fn('date_part', PART(p), TS('2020-01-01 10:11:12.345')));
      cases.push(fn('date_part', PART(p), TS('1965-06-15 23:59:59.999999')));
    }
    for (const p of ['year', 'month', 'day', 'hour', 'minute', 'second', 'epoch', 'quarter']) {
      cases.push(
        fn(
          'date_part',
          PART(p),
          IV('14 months 40 days 25:01:02.5', { months: 14, days: 40, micros: 90062.5e6 }),
        ),
      );
    }
    cases.push(fn('year', DT('2020-05-01')), fn('month', TS('2020-05-01 10:00:00')));
    for (const p of [
      'millennium',
      'century',
      'decade',
      'year',
      'quarter',
      'month',
      'week',
      'day',
      'hour',
      'minute',
      'second',
    ]) {
      cases.push(fn('date_trunc', PART(p), DT('2020-05-17')));
      cases.push(fn('date_trunc', PART(p), TS('2000-05-17 10:11:12.5')));
    }
    for (const p of ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute']) {
      cases.push(fn('date_diff', PART(p), DT('2020-01-31'), DT('2021-03-01')));
      cases.push(fn('date_diff', PART(p), TS('2020-01-01 23:00:00'), TS('2020-01-02 01:00:00')));
    }
    cases.push(fn('last_day', DT('2020-02-10')), fn('last_day', DT('2021-12-01')));
    cases.push(fn('make_date', I(2020), I(2), I(29)), fn('make_date', I(2021), I(2), I(29)));
    await check(cases);
  });
});

describe('casts', () => {
  it('numbers: rounding, range, precision', async () => {
    await check([
      cast(F(2.5), INT32),
      cast(F(3.5), INT32),
      cast(F(-2.5), INT32),
      cast(D('2.5'), INT32),
      cast(D('-2.5'), INT32),
      cast(F(1.45), decimal(5, 1)),
      cast(F(1.25), decimal(5, 1)),
      cast(F(-1.25), decimal(5, 1)),
      cast(D('123.456'), decimal(4, 1)),
      cast(D('12345.6'), decimal(4, 1)),
      cast(F(1e20), INT64),
      cast(BI(2147483648), INT32),
      cast(I(12), decimal(3, 1)),
      cast(I(100), decimal(3, 1)),
      cast(D('12.34'), FLOAT64),
      cast(BI('9007199254740993'), FLOAT64),
      cast(F(1.5), INT64),
      cast(F(1e16), decimal(18, 0)),
      cast(F(1.5), decimal(38, 10)),
      cast(D('1.999999999999999999'), FLOAT64),
      cast(B(true), INT32),
      cast(I(2), BOOLEAN),
      cast(D('1.5'), BOOLEAN),
      cast(D('1.55', 10, 2), decimal(10, 1)),
      cast(D('-1.55', 10, 2), decimal(10, 1)),
      cast(D('1.5', 10, 1), decimal(12, 3)),
      cast(I(-5), FLOAT64),
      cast(BI(-5), decimal(3, 0)),
    ]);
  });

  it('from text', async () => {
    await check([
      cast(S('abc'), INT32),
      cast(S(' 12 '), INT32),
      cast(S('12.5'), INT32),
      cast(S('-12.5'), INT32),
      cast(S('1e3'), INT32),
      cast(S('+7'), INT32),
      cast(S('0x10'), INT32),
      cast(S('1_000'), INT32),
      cast(S(''), INT32),
      cast(S('2147483648'), INT32),
      cast(S('9223372036854775807'), INT64),
      cast(S('9223372036854775808'), INT64),
      cast(S('12.5'), decimal(5, 1)),
      cast(S('12.55'), decimal(5, 1)),
      cast(S('-12.55'), decimal(5, 1)),
      cast(S('1e2'), decimal(5, 1)),
      cast(S('12345.6'), decimal(5, 1)),
      cast(S('.5'), decimal(5, 2)),
      cast(S('abc'), FLOAT64),
      cast(S('inf'), FLOAT64),
      cast(S('-Infinity'), FLOAT64),
      cast(S(' 1.5 '), FLOAT64),
      cast(S('1.5e3'), FLOAT64),
      cast(S('0.1'), FLOAT64),
      cast(S('true'), BOOLEAN),
      cast(S('T'), BOOLEAN),
      cast(S('no'), BOOLEAN),
      cast(S('maybe'), BOOLEAN),
      cast(S('2020-1-5'), DATE),
      cast(S(' 2020-01-05 '), DATE),
      cast(S('2020-02-30'), DATE),
      cast(S('2020/01/05'), DATE),
      cast(S('2020-01-05 10:00:00'), DATE),
      cast(S('20200105'), DATE),
      cast(S('2020-01-05 10:11'), TIMESTAMP),
      cast(S('1998-12-01T10:00:00'), TIMESTAMP),
      cast(S('2020-01-01 25:00:00'), TIMESTAMP),
      cast(S('2020-01-01 24:00:00'), TIMESTAMP),
      cast(S('2020-01-05 01:02:03.123456'), TIMESTAMP),
      cast(S('1 day'), INTERVAL),
      cast(S('1 year 2 months 3 days 04:05:06'), INTERVAL),
      cast(S('-90 minutes'), INTERVAL),
      tryCast(S('abc'), INT32),
      tryCast(S('12'), INT32),
      tryCast(S('2020-02-30'), DATE),
      cast(NULL, INT32),
    ]);
  });

  it('to text', async () => {
    await check([
      cast(F(1.5), VARCHAR),
      cast(F(1e20), VARCHAR),
      cast(F(1e-7), VARCHAR),
      cast(F(123456789012345680000), VARCHAR),
      cast(F(100), VARCHAR),
      cast(F(-0), VARCHAR),
      cast(F(1e15), VARCHAR),
      cast(F(1e16), VARCHAR),
      cast(F(0.0001), VARCHAR),
      cast(F(0.00001), VARCHAR),
      cast(F(123456.789), VARCHAR),
      cast(F(Number.NaN), VARCHAR),
      cast(F(Number.NEGATIVE_INFINITY), VARCHAR),
      cast(D('1.50'), VARCHAR),
      cast(D('-0.05', 5, 2), VARCHAR),
      cast(D('.5'), VARCHAR),
      cast(D('-0.5', 1, 1), VARCHAR),
      cast(B(true), VARCHAR),
      cast(DT('2020-01-05'), VARCHAR),
      cast(DT('0000-01-01'), VARCHAR),
      cast(TS('2020-01-05 01:02:03.5'), VARCHAR),
      cast(TS('2020-01-05 01:02:03'), VARCHAR),
      cast(TS('2020-01-05 01:02:03.123456'), VARCHAR),
      cast(TS('2020-01-05 01:02:03.5'), DATE),
      cast(DT('2020-01-05'), TIMESTAMP),
      cast(IV('14 months 3 days 01:00:00.5', { months: 14, days: 3, micros: 3600.5e6 }), VARCHAR),
      cast(IV('-1 day', { days: -1 }), VARCHAR),
      cast(IV('1 day -1 hour', { days: 1, micros: -3600e6 }), VARCHAR),
      cast(IV('25 hours', { micros: 25 * 3600e6 }), VARCHAR),
      cast(IV('0 days', {}), VARCHAR),
      cast(I(-42), VARCHAR),
      cast(BI('-9223372036854775808'), VARCHAR),
    ]);
  });
});
