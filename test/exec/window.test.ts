import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import type { SortKey } from '../../src/exec/sort/sort-keys.ts';
import { window } from '../../src/exec/window/window.ts';
import type { FrameBound, WindowFrame, WindowFunctionSpec } from '../../src/exec/window/window-spec.ts';
import { DATE, decimal, FLOAT64, INT32, INT64, type Schema, VARCHAR } from '../../src/types/data-type.ts';
import type { DuckDb } from '../helpers/duckdb.ts';
import {
  batchesOf,
  collect,
  duckRows,
  expectSameRows,
  field,
  loadTable,
  openOracle,
  Rng,
  randomValue,
  runRows,
  streamOf,
  testCtx,
  type Value,
} from './helpers.ts';

let db: DuckDb;
beforeAll(async () => {
  db = await openOracle();
});
afterAll(() => db?.close());

const DEC = decimal(12, 2);
const schema: Schema = [
  field('id', INT32),
  field('p', VARCHAR),
  field('p2', INT32),
  field('o', INT32),
  field('od', DATE),
  field('odec', DEC),
  field('v', INT32),
  field('vd', DEC),
  field('vf', FLOAT64),
  field('vs', VARCHAR),
  field('vb', INT64),
];
const C = Object.fromEntries(schema.map((f, i) => [f.name, i])) as Record<string, number>;

function makeRows(seed: number, n: number): Value[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, id) => [
    id,
    rng.chance(0.05) ? null : `p${rng.skewed(12)}`,
    rng.chance(0.05) ? null : rng.int(0, 3),
    rng.chance(0.08) ? null : rng.int(0, 60),
    rng.chance(0.08) ? null : randomValue(rng, DATE, 50),
    rng.chance(0.08) ? null : randomValue(rng, DEC, 40),
    rng.chance(0.1) ? null : rng.int(-1000, 1000),
    rng.chance(0.1) ? null : randomValue(rng, DEC, 5000),
    rng.chance(0.1) ? null : randomValue(rng, FLOAT64, 400),
    rng.chance(0.1) ? null : randomValue(rng, VARCHAR, 300),
    rng.chance(0.1)
      ? null
      : rng.chance(0.1)
        ? BigInt(rng.int(-3, 3)) * 2n ** 55n
        : randomValue(rng, INT64, 1000),
  ]);
}

function boundSql(b: FrameBound, unit: (n: number) => string): string {
  switch (b.kind) {
    case 'unbounded_preceding':
      return 'UNBOUNDED PRECEDING';
    case 'unbounded_following':
      return 'UNBOUNDED FOLLOWING';
    case 'current_row':
      return 'CURRENT ROW';
    case 'preceding':
      return `${unit(b.offset)} PRECEDING`;
    case 'following':
      return `${unit(b.offset)} FOLLOWING`;
  }
}

function frameSql(f: WindowFrame | undefined, unit: (n: number) => string): string {
  if (f === undefined) return '';
  return ` ${f.mode.toUpperCase()} BETWEEN ${boundSql(f.start, unit)} AND ${boundSql(f.end, unit)}`;
}

function fnSql(f: WindowFunctionSpec, over: string, unit: (n: number) => string): string {
  const a = f.arg === undefined ? '' : `"${schema[f.arg]!.name}"`;
  const w = `OVER (${over}${frameSql(f.frame, unit)})`;
  switch (f.func) {
    case 'count_star':
      return `count(*) ${w}`;
    case 'lag':
    case 'lead':
      return `${f.func}(${a}, ${f.offset ?? 1}${f.defaultArg === undefined ? '' : `, "${schema[f.defaultArg]!.name}"`}) ${w}`;
    case 'ntile':
      return `ntile(${f.offset}) ${w}`;
    case 'sum':
      return schema[f.arg!]!.type.kind === 'int32' || schema[f.arg!]!.type.kind === 'int64'
        ? `(sum(${a}) ${w})::BIGINT`
        : `sum(${a}) ${w}`;
    default:
      return `${f.func}(${a}) ${w}`;
  }
}

let current: ReturnType<typeof batchesOf> = [];

const rows = (start: FrameBound, end: FrameBound): WindowFrame => ({ mode: 'rows', start, end });
const range = (start: FrameBound, end: FrameBound): WindowFrame => ({ mode: 'range', start, end });
const UP: FrameBound = { kind: 'unbounded_preceding' };
const UF: FrameBound = { kind: 'unbounded_following' };
const CR: FrameBound = { kind: 'current_row' };
const P = (offset: number): FrameBound => ({ kind: 'preceding', offset });
const F = (offset: number): FrameBound => ({ kind: 'following', offset });

function aggregates(frame: WindowFrame | undefined, tag: string): WindowFunctionSpec[] {
  return [
    { func: 'count_star', name: `n_${tag}`, frame },
    { func: 'count', arg: C.vs, name: `c_${tag}`, frame },
    { func: 'sum', arg: C.v, name: `s_${tag}`, frame },
    { func: 'sum', arg: C.vd, name: `sd_${tag}`, frame },
    { func: 'sum', arg: C.vb, name: `sb_${tag}`, frame },
    { func: 'sum', arg: C.vf, name: `sf_${tag}`, frame },
    { func: 'avg', arg: C.vd, name: `a_${tag}`, frame },
    { func: 'min', arg: C.vs, name: `mi_${tag}`, frame },
    { func: 'max', arg: C.v, name: `ma_${tag}`, frame },
    { func: 'max', arg: C.vf, name: `mf_${tag}`, frame },
  ];
}

/** Runs the window over the current batches (`current`, loaded as table t) and compares with DuckDB. */
async function check(
  partitionBy: number[],
  orderBy: SortKey[],
  functions: WindowFunctionSpec[],
  unit: (n: number) => string = String,
): Promise<void> {
  const part = partitionBy.map((c) => `"${schema[c]!.name}"`).join(', ');
  const ord = orderBy
    .map(
      (k) =>
        `"${schema[k.column]!.name}" ${k.descending ? 'DESC' : 'ASC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`,
    )
    .join(', ');
  const over = `${part ? `PARTITION BY ${part}` : ''}${ord ? ` ORDER BY ${ord}` : ''}`;
  const sql = `SELECT *, ${functions.map((f) => fnSql(f, over, unit)).join(', ')} FROM t`;
  const want = duckRows(await db.query(sql));
  const got = await runRows(
    window(streamOf(schema, current), { partitionBy, orderBy, functions }, testCtx({ batchSize: 333 })),
  );
  expectSameRows(got, want, { tolerance: 1e-9 });
}

describe('Window against DuckDB', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: ranking, lag/lead, first/last_value and aggregates over ROWS frames (unique order)`, async () => {
      const data = makeRows(seed, 2500);
      await loadTable(db, 't', schema, data);
      current = batchesOf(schema, data, [600, 1, 1024]);
      const uniqueOrder: SortKey[] = [
        { column: C.o, descending: seed === 2, nullsFirst: seed === 3 },
        { column: C.id },
      ];
      const functions: WindowFunctionSpec[] = [
        { func: 'row_number', name: 'rn' },
        { func: 'rank', name: 'rk' },
        { func: 'dense_rank', name: 'drk' },
        { func: 'percent_rank', name: 'pr' },
        { func: 'cume_dist', name: 'cd' },
        { func: 'ntile', offset: 4, name: 'nt' },
        { func: 'lag', arg: C.vs, name: 'lag1' },
        { func: 'lead', arg: C.vd, offset: 3, name: 'lead3' },
        { func: 'lag', arg: C.v, offset: 2, defaultArg: C.o, name: 'lag2d' },
        { func: 'first_value', arg: C.vs, name: 'fv', frame: rows(P(2), F(2)) },
        { func: 'last_value', arg: C.vf, name: 'lv', frame: rows(CR, UF) },
        ...aggregates(undefined, 'dflt'),
        ...aggregates(rows(P(2), CR), 'r2'),
        ...aggregates(rows(P(1), F(3)), 'r13'),
        ...aggregates(rows(P(3), P(1)), 'rpp'),
        ...aggregates(rows(CR, UF), 'rcu'),
        ...aggregates(rows(UP, UF), 'ruu'),
      ];
      for (const partitionBy of [[C.p], [], [C.p2, C.p]]) await check(partitionBy, uniqueOrder, functions);
    });

    it(`seed ${seed}: ties — ranks and RANGE frames over peers, with offsets on int, date and decimal keys`, async () => {
      const data = makeRows(seed + 10, 2500);
      await loadTable(db, 't', schema, data);
      current = batchesOf(schema, data, [777]);
      const ranks: WindowFunctionSpec[] = [
        { func: 'rank', name: 'rk' },
        { func: 'dense_rank', name: 'drk' },
        { func: 'percent_rank', name: 'pr' },
        { func: 'cume_dist', name: 'cd' },
      ];
      const rangeAggs = [
        ...aggregates(undefined, 'dflt'),
        ...aggregates(range(CR, UF), 'rcu'),
        ...aggregates(range(P(5), F(5)), 'r55'),
        ...aggregates(range(P(10), P(2)), 'rpp'),
        ...aggregates(range(F(1), UF), 'rfu'),
      ];
      for (const desc of [false, true]) {
        const ord: SortKey[] = [{ column: C.o, descending: desc, nullsFirst: desc }];
        await check([C.p], ord, [...ranks, ...rangeAggs]);
        await check(
          [],
          [{ column: C.od, descending: desc }],
          aggregates(range(P(3), F(1)), 'date'),
          (n) => `INTERVAL ${n} DAY`,
        );
        await check(
          [C.p2],
          [{ column: C.odec, descending: desc }],
          aggregates(range(P(150), CR), 'dec'),
          (n) => (n / 100).toFixed(2),
        );
      }
      // No ORDER BY: every row is a peer; aggregates see the whole partition.
      await check([C.p], [], [...aggregates(undefined, 'all'), { func: 'rank', name: 'rk' }]);
    });
  }

  it('empty input and one row', async () => {
    const spec = {
      partitionBy: [C.p],
      orderBy: [{ column: C.o }],
      functions: aggregates(rows(P(1), F(1)), 'x'),
    };
    expect(await runRows(window(streamOf(schema, []), spec, testCtx()))).toEqual([]);
    const one = makeRows(4, 1);
    await loadTable(db, 't', schema, one);
    current = batchesOf(schema, one);
    await check(
      [C.p],
      [{ column: C.o }],
      [{ func: 'row_number', name: 'rn' }, ...aggregates(rows(P(1), F(1)), 'x')],
    );
  });

  it('fails with RESOURCES_EXHAUSTED naming Window when over budget', async () => {
    const data = makeRows(5, 20_000);
    const err = await collect(
      window(
        streamOf(schema, batchesOf(schema, data, [4096])),
        { partitionBy: [C.p], orderBy: [], functions: [{ func: 'row_number', name: 'rn' }] },
        testCtx({ memoryLimit: 512 * 1024 }),
      ),
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SkeinError);
    expect((err as SkeinError).code).toBe('RESOURCES_EXHAUSTED');
    expect((err as SkeinError).message).toContain('Window');
  });

  it('rejects RANGE offsets without exactly one ORDER BY key', async () => {
    const spec = {
      partitionBy: [],
      orderBy: [{ column: C.o }, { column: C.id }],
      functions: [{ func: 'sum' as const, arg: C.v, name: 's', frame: range(P(1), CR) }],
    };
    await expect(
      collect(window(streamOf(schema, batchesOf(schema, makeRows(1, 10))), spec, testCtx())),
    ).rejects.toThrow(/exactly one ORDER BY key/);
  });
});
