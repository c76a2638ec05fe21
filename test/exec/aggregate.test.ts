import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import type { AggregateSpec, HashAggregateConfig } from '../../src/exec/aggregate/aggregate-spec.ts';
import { hashAggregate, hashAggregateSchema } from '../../src/exec/aggregate/hash-aggregate.ts';
import type { Batch } from '../../src/exec/vector.ts';
import {
  BOOLEAN,
  DATE,
  decimal,
  FLOAT64,
  INT32,
  INT64,
  type Schema,
  VARCHAR,
} from '../../src/types/data-type.ts';
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
  randomRows,
  rowsOf,
  runRows,
  scaledToDecimal,
  streamOf,
  testCtx,
  type Value,
} from './helpers.ts';

const DEC = decimal(15, 2);

const schema: Schema = [
  field('k_int', INT32),
  field('k_str', VARCHAR),
  field('k_date', DATE),
  field('k_dec', DEC),
  field('v_int', INT32),
  field('v_big', INT64),
  field('v_dec', DEC),
  field('v_f', FLOAT64),
  field('v_b', BOOLEAN),
  field('flt', BOOLEAN),
  field('v_str', VARCHAR),
];
const col = Object.fromEntries(schema.map((f, i) => [f.name, i])) as Record<string, number>;

function makeRows(seed: number, n: number): Value[][] {
  const rng = new Rng(seed);
  return randomRows(rng, n, [
    { type: INT32, distinct: 25, nullRate: 0.1, skew: true },
    { type: VARCHAR, distinct: 60, nullRate: 0.05, skew: seed % 2 === 0 },
    { type: DATE, distinct: 30, nullRate: 0.05 },
    { type: DEC, distinct: 40, nullRate: 0.1 },
    { type: INT32, distinct: 1000, nullRate: 0.2 },
    { type: INT64, distinct: 5000, nullRate: 0.1 },
    { type: DEC, distinct: 100_000, nullRate: 0.15 },
    { type: FLOAT64, distinct: 300, nullRate: 0.1 },
    { type: BOOLEAN, distinct: 2, nullRate: 0.2 },
    { type: BOOLEAN, distinct: 2, nullRate: 0.1 },
    { type: VARCHAR, distinct: 500, nullRate: 0.1 },
  ]);
}

/** The aggregate as DuckDB SQL, cast to Skein's result types. */
function aggSql(a: AggregateSpec): string {
  const arg = a.arg === undefined ? '' : `"${schema[a.arg]!.name}"`;
  const d = a.distinct ? 'DISTINCT ' : '';
  const filter = a.filter === undefined ? '' : ` FILTER (WHERE "${schema[a.filter]!.name}")`;
  const fn = a.func === 'count_star' ? 'count(*)' : `${a.func}(${d}${arg})`;
  const sql = `${fn}${filter}`;
  if (
    a.func === 'sum' &&
    a.arg !== undefined &&
    (schema[a.arg]!.type.kind === 'int32' || schema[a.arg]!.type.kind === 'int64')
  )
    return `(${sql})::BIGINT`;
  return sql;
}

function aggregateAll(): AggregateSpec[] {
  const specs: AggregateSpec[] = [
    { func: 'count_star', name: 'n' },
    { func: 'count', arg: col.v_int, name: 'cnt_int' },
    { func: 'sum', arg: col.v_int, name: 'sum_int' },
    { func: 'sum', arg: col.v_big, name: 'sum_big' },
    { func: 'sum', arg: col.v_dec, name: 'sum_dec' },
    { func: 'sum', arg: col.v_f, name: 'sum_f' },
    { func: 'avg', arg: col.v_int, name: 'avg_int' },
    { func: 'avg', arg: col.v_dec, name: 'avg_dec' },
    { func: 'avg', arg: col.v_f, name: 'avg_f' },
    { func: 'min', arg: col.v_int, name: 'min_int' },
    { func: 'max', arg: col.v_big, name: 'max_big' },
    { func: 'min', arg: col.v_dec, name: 'min_dec' },
    { func: 'max', arg: col.v_f, name: 'max_f' },
    { func: 'min', arg: col.v_str, name: 'min_str' },
    { func: 'max', arg: col.v_str, name: 'max_str' },
    { func: 'max', arg: col.k_date, name: 'max_date' },
    { func: 'var_samp', arg: col.v_dec, name: 'var_dec' },
    { func: 'var_pop', arg: col.v_f, name: 'varp_f' },
    { func: 'stddev_samp', arg: col.v_int, name: 'sd_int' },
    { func: 'stddev_pop', arg: col.v_big, name: 'sdp_big' },
    { func: 'bool_and', arg: col.v_b, name: 'band' },
    { func: 'bool_or', arg: col.v_b, name: 'bor' },
    { func: 'sum', arg: col.v_dec, filter: col.flt, name: 'sum_dec_f' },
    { func: 'count_star', filter: col.flt, name: 'n_f' },
  ];
  return specs;
}

const distinctSpecs: AggregateSpec[] = [
  { func: 'count', arg: col.v_int, distinct: true, name: 'cd_int' },
  { func: 'count', arg: col.v_str, distinct: true, name: 'cd_str' },
  { func: 'sum', arg: col.v_dec, distinct: true, name: 'sd_dec' },
  { func: 'avg', arg: col.v_int, distinct: true, name: 'ad_int' },
  { func: 'count', arg: col.v_f, distinct: true, filter: col.flt, name: 'cd_f_filtered' },
];

let db: DuckDb;
beforeAll(async () => {
  db = await openOracle();
});
afterAll(() => db?.close());

async function duck(
  groupBy: readonly number[],
  aggs: readonly AggregateSpec[],
  table = 't',
): Promise<Value[][]> {
  const keys = groupBy.map((c) => `"${schema[c]!.name}"`);
  const select = [...keys, ...aggs.map(aggSql)].join(', ');
  const sql = `SELECT ${select} FROM ${table}${keys.length ? ` GROUP BY ${keys.join(', ')}` : ''}`;
  return duckRows(await db.query(sql));
}

const GROUPINGS: readonly (readonly number[])[] = [
  [],
  [col.k_int],
  [col.k_str],
  [col.k_date],
  [col.k_dec],
  [col.k_int, col.k_str],
  [col.k_str, col.k_date, col.k_dec],
  [col.v_f],
  [col.v_b, col.k_int],
  [col.v_str],
  [col.v_int, col.k_int, col.k_date],
  [col.v_big],
];

describe('HashAggregate against DuckDB', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: every aggregate, every kind of key`, async () => {
      const rows = makeRows(seed, 6000);
      await loadTable(db, 't', schema, rows);
      const batches = batchesOf(schema, rows, [700, 1, 1024, 333]);
      for (const groupBy of GROUPINGS) {
        const aggregates = aggregateAll();
        const config: HashAggregateConfig = { mode: 'single', groupBy, aggregates };
        const got = await runRows(hashAggregate(streamOf(schema, batches), config, testCtx()));
        expectSameRows(got, await duck(groupBy, aggregates), { tolerance: 1e-9 });
      }
    });

    it(`seed ${seed}: DISTINCT aggregates`, async () => {
      const rows = makeRows(seed + 100, 5000);
      await loadTable(db, 't', schema, rows);
      const batches = batchesOf(schema, rows, [512, 77]);
      for (const groupBy of [[], [col.k_int], [col.k_str, col.k_date]]) {
        const config: HashAggregateConfig = { mode: 'single', groupBy, aggregates: distinctSpecs };
        const got = await runRows(hashAggregate(streamOf(schema, batches), config, testCtx()));
        expectSameRows(got, await duck(groupBy, distinctSpecs));
      }
    });

    it(`seed ${seed}: partial → final over arbitrary splits equals single`, async () => {
      const rows = makeRows(seed + 200, 5000);
      const rng = new Rng(seed);
      for (const groupBy of [[], [col.k_int], [col.k_str, col.k_dec], [col.v_f]]) {
        const aggregates = aggregateAll().concat([{ func: 'any_value', arg: col.k_int, name: 'anyv' }]);
        const config: HashAggregateConfig = { mode: 'single', groupBy, aggregates };
        const single = await runRows(
          hashAggregate(streamOf(schema, batchesOf(schema, rows, [999])), config, testCtx()),
        );
        // Split rows among 1..5 "tasks" at random, each a partial aggregate.
        const tasks = rng.int(1, 5);
        const parts: Value[][][] = Array.from({ length: tasks }, () => []);
        for (const r of rows) parts[rng.int(0, tasks - 1)]!.push(r);
        const partialOut: Batch[] = [];
        for (const p of parts) {
          const partial = hashAggregate(
            streamOf(schema, batchesOf(schema, p, [rng.int(1, 800)])),
            { ...config, mode: 'partial' },
            testCtx(),
          );
          partialOut.push(...(await collect(partial)));
        }
        // Shuffle the partial batches, as an exchange would deliver them.
        partialOut.sort(() => rng.next() - 0.5);
        const pschema = hashAggregateSchema(schema, { ...config, mode: 'partial' });
        const final = await runRows(
          hashAggregate(streamOf(pschema, partialOut), { ...config, mode: 'final' }, testCtx()),
        );
        // any_value may pick a different value per split: compare everything else exactly.
        const strip = (rs: Value[][]) => rs.map((r) => r.slice(0, -1));
        expectSameRows(strip(final), strip(single), { tolerance: 1e-9 });
        expect(final.length).toBe(single.length);
      }
    });
  }

  it('global aggregate: exactly one row for empty input, in single, partial and final mode', async () => {
    const aggregates = aggregateAll();
    const config: HashAggregateConfig = { mode: 'single', groupBy: [], aggregates };
    await loadTable(db, 'e', schema, []);
    const got = await runRows(hashAggregate(streamOf(schema, []), config, testCtx()));
    expectSameRows(got, await duck([], aggregates, 'e'));
    expect(got[0]![0]).toBe(0n);
    const partial = await collect(
      hashAggregate(streamOf(schema, []), { ...config, mode: 'partial' }, testCtx()),
    );
    expect(rowsOf(partial)).toHaveLength(1);
    const pschema = hashAggregateSchema(schema, { ...config, mode: 'partial' });
    const final = await runRows(
      hashAggregate(streamOf(pschema, partial), { ...config, mode: 'final' }, testCtx()),
    );
    expectSameRows(final, got);
    // Grouped aggregation of nothing is no rows.
    expect(
      await runRows(hashAggregate(streamOf(schema, []), { ...config, groupBy: [0] }, testCtx())),
    ).toEqual([]);
  });

  it('one-row input', async () => {
    const rows = makeRows(9, 1);
    await loadTable(db, 't', schema, rows);
    const aggregates = aggregateAll();
    for (const groupBy of [[], [col.k_str]]) {
      const got = await runRows(
        hashAggregate(
          streamOf(schema, batchesOf(schema, rows)),
          { mode: 'single', groupBy, aggregates },
          testCtx(),
        ),
      );
      expectSameRows(got, await duck(groupBy, aggregates));
    }
  });

  it('decimal and bigint sums stay exact beyond 2^53', async () => {
    const s: Schema = [field('g', INT32), field('d', decimal(18, 2)), field('b', INT64)];
    const rng = new Rng(5);
    const rows: Value[][] = [];
    for (let i = 0; i < 3000; i++) {
      const sign = rng.chance(0.3) ? -1n : 1n;
      // Scaled decimals up to ~2^56 and bigints up to 2^54: single values pass 2^53 (i64
      // storage), and the sums of ~190 rows per group pass it by far.
      const d = sign * (BigInt(rng.int(0, 2 ** 30)) * 2n ** 26n + BigInt(rng.int(0, 2 ** 26)));
      const b = sign * (BigInt(rng.int(0, 2 ** 30)) * 2n ** 24n + BigInt(rng.int(0, 2 ** 24)));
      rows.push([rng.int(0, 15), scaledToDecimal(d, 2), b]);
    }
    await loadTable(db, 'big', s, rows);
    const aggregates: AggregateSpec[] = [
      { func: 'sum', arg: 1, name: 'sd' },
      { func: 'sum', arg: 2, name: 'sb' },
      { func: 'avg', arg: 1, name: 'ad' },
      { func: 'min', arg: 2, name: 'mb' },
      { func: 'max', arg: 1, name: 'md' },
    ];
    for (const batchSize of [1, 64, 4096]) {
      const got = await runRows(
        hashAggregate(
          streamOf(s, batchesOf(s, rows, [batchSize])),
          { mode: 'single', groupBy: [0], aggregates },
          testCtx(),
        ),
      );
      const want = duckRows(
        await db.query('SELECT g, sum(d), sum(b)::BIGINT, avg(d), min(b), max(d) FROM big GROUP BY g'),
      );
      expectSameRows(got, want, { tolerance: 1e-12 });
    }
  });

  it('sums stay exact when a batch of doubles-sized values would pass 2^53 (undo and carry)', async () => {
    const s: Schema = [field('g', INT32), field('d', decimal(18, 0))];
    const rng = new Rng(9);
    const rows: Value[][] = [];
    for (let i = 0; i < 12_000; i++) {
      // Mostly small values, now and then one just under 2^53: a batch's bound then passes 2^53
      // after its rows were added, so the fused add must be undone and redone after a carry.
      const big = rng.chance(0.01);
      const m = big ? BigInt(2 ** 52 + rng.int(0, 2 ** 30)) : BigInt(rng.int(0, 2 ** 30));
      rows.push([rng.int(0, i < 6000 ? 3 : 900), scaledToDecimal(rng.chance(0.4) ? -m : m, 0)]);
    }
    await loadTable(db, 'near53', s, rows);
    const aggregates: AggregateSpec[] = [
      { func: 'sum', arg: 1, name: 'sd' },
      { func: 'avg', arg: 1, name: 'ad' },
    ];
    const want = duckRows(await db.query('SELECT g, sum(d), avg(d) FROM near53 GROUP BY g'));
    for (const batchSize of [7, 2048, 4096]) {
      const got = await runRows(
        hashAggregate(
          streamOf(s, batchesOf(s, rows, [batchSize])),
          { mode: 'single', groupBy: [0], aggregates },
          testCtx(),
        ),
      );
      expectSameRows(got, want, { tolerance: 1e-12 });
    }
  });

  it('fails with RESOURCES_EXHAUSTED naming HashAggregate when over the memory budget', async () => {
    const s: Schema = [field('k', INT64), field('s', VARCHAR)];
    const rows = Array.from(
      { length: 50_000 },
      (_, i) => [BigInt(i) * 7919n, `value number ${i}`] as Value[],
    );
    const stream = hashAggregate(
      streamOf(s, batchesOf(s, rows, [4096])),
      { mode: 'single', groupBy: [0, 1], aggregates: [{ func: 'count_star', name: 'n' }] },
      testCtx({ memoryLimit: 1 << 20 }),
    );
    const err = await collect(stream).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SkeinError);
    expect((err as SkeinError).code).toBe('RESOURCES_EXHAUSTED');
    expect((err as SkeinError).message).toContain('HashAggregate');
  });

  it('keys that outgrow the packed layout (widening, then unpackable) keep their groups', async () => {
    const s: Schema = [field('k', INT64), field('s', VARCHAR)];
    const rows: Value[][] = [];
    // Batch 1: tiny domain (direct); batch 2: wider ints (re-layout); batch 3: long strings (generic).
    for (let i = 0; i < 300; i++) rows.push([BigInt(i % 5), i % 2 ? 'a' : null]);
    for (let i = 0; i < 300; i++) rows.push([BigInt((i % 7) * 100_000), 'b']);
    for (let i = 0; i < 300; i++) rows.push([BigInt(i % 5), i % 3 ? 'a much longer string value' : 'a']);
    for (let i = 0; i < 300; i++) rows.push([BigInt(i % 11) * 2n ** 59n, 'a']);
    await loadTable(db, 'w', s, rows);
    const got = await runRows(
      hashAggregate(
        streamOf(s, batchesOf(s, rows, [300])),
        { mode: 'single', groupBy: [0, 1], aggregates: [{ func: 'count_star', name: 'n' }] },
        testCtx(),
      ),
    );
    expectSameRows(got, duckRows(await db.query('SELECT k, s, count(*) FROM w GROUP BY k, s')));
  });

  it('rejects DISTINCT in partial mode with a clear error', () => {
    expect(() =>
      hashAggregate(
        streamOf(schema, []),
        { mode: 'partial', groupBy: [], aggregates: [distinctSpecs[0]!] },
        testCtx(),
      ),
    ).toThrow(/DISTINCT/);
  });
});
