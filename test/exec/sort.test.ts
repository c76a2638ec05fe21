import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import type { BatchStream } from '../../src/exec/context.ts';
import { limit } from '../../src/exec/limit.ts';
import { sort } from '../../src/exec/sort/sort.ts';
import type { SortKey } from '../../src/exec/sort/sort-keys.ts';
import { topK } from '../../src/exec/sort/top-k.ts';
import { union } from '../../src/exec/union.ts';
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
  batchOf,
  collect,
  countingStream,
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

const schema: Schema = [
  field('id', INT32),
  field('i', INT32),
  field('b', INT64),
  field('d', decimal(15, 2)),
  field('f', FLOAT64),
  field('s', VARCHAR),
  field('short', VARCHAR),
  field('dt', DATE),
  field('flag', BOOLEAN),
];

function makeRows(seed: number, n: number): Value[][] {
  const rng = new Rng(seed);
  const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0];
  return Array.from({ length: n }, (_, id) => [
    id,
    rng.chance(0.1) ? null : randomValue(rng, INT32, 50, true),
    rng.chance(0.1)
      ? null
      : rng.chance(0.05)
        ? BigInt(rng.int(-3, 3)) * 2n ** 60n
        : randomValue(rng, INT64, 40),
    rng.chance(0.1) ? null : randomValue(rng, decimal(15, 2), 60),
    rng.chance(0.1) ? null : rng.chance(0.1) ? rng.pick(specials) : randomValue(rng, FLOAT64, 80),
    rng.chance(0.1)
      ? null
      : rng.pick([
          '',
          'a',
          'ab',
          'abcdefgh',
          'abcdefghi',
          'abcdefgha',
          'abcdefgh\u0000',
          'zz',
          'é',
          'Z',
          'key-1-xxxxxxx',
          'key-1-xxxxxxy',
        ]),
    rng.chance(0.1) ? null : rng.pick(['A', 'N', 'R', '', 'AB']),
    rng.chance(0.1) ? null : randomValue(rng, DATE, 40),
    rng.chance(0.2) ? null : rng.chance(0.5),
  ]);
}

function orderSql(keys: readonly SortKey[]): string {
  return keys
    .map(
      (k) =>
        `"${schema[k.column]!.name}" ${k.descending ? 'DESC' : 'ASC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`,
    )
    .concat(['id'])
    .join(', ');
}

function randomKeys(rng: Rng): SortKey[] {
  const count = rng.int(1, 3);
  const keys: SortKey[] = [];
  for (let k = 0; k < count; k++)
    keys.push({
      column: rng.int(1, schema.length - 1),
      descending: rng.chance(0.5),
      nullsFirst: rng.chance(0.5),
    });
  return keys;
}

describe('Sort against DuckDB (stable: ties keep input order)', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: single keys of every type, then random multi-key orders`, async () => {
      const rows = makeRows(seed, 3000);
      await loadTable(db, 't', schema, rows);
      const batches = batchesOf(schema, rows, [500, 1, 1200]);
      const rng = new Rng(seed);
      const orders: SortKey[][] = [];
      for (let c = 1; c < schema.length; c++)
        for (const descending of [false, true])
          orders.push([{ column: c, descending, nullsFirst: !descending }]);
      for (let t = 0; t < 12; t++) orders.push(randomKeys(rng));
      for (const keys of orders) {
        const got = await runRows(sort(streamOf(schema, batches), { keys }, testCtx({ batchSize: 700 })));
        const want = duckRows(await db.query(`SELECT * FROM t ORDER BY ${orderSql(keys)}`));
        expectSameRows(got, want, { ordered: true });
      }
    });
  }

  it('sorts more than 65,536 rows (16-bit radix digits) stably', async () => {
    const rng = new Rng(11);
    const n = 100_000;
    const s: Schema = [field('id', INT32), field('k', INT64), field('s', VARCHAR)];
    const rows = Array.from(
      { length: n },
      (_, id) => [id, rng.chance(0.01) ? null : rng.int(-1e9, 1e9), `s${rng.int(0, 999)}`] as Value[],
    );
    const batches = batchesOf(s, rows, [8192]);
    const got = await runRows(
      sort(streamOf(s, batches), { keys: [{ column: 1, descending: true }] }, testCtx({ batchSize: 4096 })),
    );
    const want = [...rows].sort((a, b) => {
      if (a[1] === null || b[1] === null)
        return a[1] === b[1] ? (a[0] as number) - (b[0] as number) : a[1] === null ? 1 : -1;
      return (b[1] as number) - (a[1] as number) || (a[0] as number) - (b[0] as number);
    });
    expect(got.map((r) => r[0])).toEqual(want.map((r) => r[0]));
    const bys = await runRows(
      sort(streamOf(s, batches), { keys: [{ column: 2 }] }, testCtx({ batchSize: 4096 })),
    );
    const wantS = [...rows].sort((a, b) =>
      a[2]! < b[2]! ? -1 : a[2]! > b[2]! ? 1 : (a[0] as number) - (b[0] as number),
    );
    expect(bys.map((r) => r[0])).toEqual(wantS.map((r) => r[0]));
  });

  it('empty input and one row', async () => {
    expect(await runRows(sort(streamOf(schema, []), { keys: [{ column: 1 }] }, testCtx()))).toEqual([]);
    const one = makeRows(5, 1);
    expectSameRows(
      await runRows(sort(streamOf(schema, batchesOf(schema, one)), { keys: [{ column: 5 }] }, testCtx())),
      one,
      {
        ordered: true,
      },
    );
  });

  it('fails with RESOURCES_EXHAUSTED naming Sort when over budget', async () => {
    const rows = makeRows(6, 20_000);
    const err = await collect(
      sort(
        streamOf(schema, batchesOf(schema, rows, [2048])),
        { keys: [{ column: 1 }] },
        testCtx({ memoryLimit: 256 * 1024 }),
      ),
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SkeinError);
    expect((err as SkeinError).code).toBe('RESOURCES_EXHAUSTED');
    expect((err as SkeinError).message).toContain('Sort');
  });
});

describe('TopK against DuckDB', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: ORDER BY … LIMIT k OFFSET m equals a full sort`, async () => {
      const rows = makeRows(seed + 10, 5000);
      await loadTable(db, 't', schema, rows);
      const batches = batchesOf(schema, rows, [256, 1000, 3]);
      const rng = new Rng(seed);
      for (let t = 0; t < 10; t++) {
        const keys = randomKeys(rng);
        const k = rng.pick([1, 5, 100, 999, 6000]);
        const offset = rng.pick([0, 0, 3, 250]);
        const got = await runRows(
          topK(streamOf(schema, batches), { keys, limit: k, offset }, testCtx({ batchSize: 512 })),
        );
        const want = duckRows(
          await db.query(`SELECT * FROM t ORDER BY ${orderSql(keys)} LIMIT ${k} OFFSET ${offset}`),
        );
        expectSameRows(got, want, { ordered: true });
      }
    });
  }

  it('limit 0 and empty input give no rows', async () => {
    const b = batchesOf(schema, makeRows(1, 10));
    expect(await runRows(topK(streamOf(schema, b), { keys: [{ column: 1 }], limit: 0 }, testCtx()))).toEqual(
      [],
    );
    expect(await runRows(topK(streamOf(schema, []), { keys: [{ column: 1 }], limit: 3 }, testCtx()))).toEqual(
      [],
    );
  });
});

describe('cancellation', () => {
  it('stops a buffering operator with USER_CANCELED once the signal aborts', async () => {
    const controller = new AbortController();
    const s: Schema = [field('x', INT32)];
    const input: BatchStream = {
      schema: s,
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < 100; i++) {
          if (i === 3) controller.abort();
          yield batchOf(s, [[i]]);
        }
      },
    };
    const ctx = { ...testCtx(), signal: controller.signal };
    const err = await collect(sort(input, { keys: [{ column: 0 }] }, ctx)).then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as SkeinError).code).toBe('USER_CANCELED');
  });
});

describe('Limit', () => {
  const s: Schema = [field('x', INT32)];
  const rows = Array.from({ length: 1000 }, (_, i) => [i] as Value[]);

  it('skips the offset, takes the limit across batch boundaries, and stops pulling its input', async () => {
    const input = countingStream(s, batchesOf(s, rows, [100]));
    const got = await runRows(limit(input, { limit: 150, offset: 120 }, testCtx()));
    expect(got.map((r) => r[0])).toEqual(Array.from({ length: 150 }, (_, i) => 120 + i));
    expect(input.pulled).toBe(3);
  });

  it('offset only, limit 0, limit past the end', async () => {
    expect(
      await runRows(limit(streamOf(s, batchesOf(s, rows, [64])), { limit: null, offset: 990 }, testCtx())),
    ).toHaveLength(10);
    const input = countingStream(s, batchesOf(s, rows, [64]));
    expect(await runRows(limit(input, { limit: 0 }, testCtx()))).toEqual([]);
    expect(input.pulled).toBe(0);
    expect(
      await runRows(limit(streamOf(s, batchesOf(s, rows, [64])), { limit: 5000 }, testCtx())),
    ).toHaveLength(1000);
  });
});

describe('Union', () => {
  it('concatenates inputs in order, keeping the first names', async () => {
    const a: Schema = [field('x', INT32, false), field('s', VARCHAR)];
    const b: Schema = [field('y', INT32), field('t', VARCHAR)];
    const u = union(
      [
        streamOf(
          a,
          batchesOf(a, [
            [1, 'a'],
            [2, null],
          ]),
        ),
        streamOf(b, []),
        streamOf(b, batchesOf(b, [[null, 'c']])),
      ],
      {},
      testCtx(),
    );
    expect(u.schema.map((f) => [f.name, f.nullable])).toEqual([
      ['x', true],
      ['s', true],
    ]);
    expect(await runRows(u)).toEqual([
      [1, 'a'],
      [2, null],
      [null, 'c'],
    ]);
  });

  it('rejects inputs whose columns differ', () => {
    const a: Schema = [field('x', INT32)];
    const b: Schema = [field('x', VARCHAR)];
    expect(() => union([streamOf(a, []), streamOf(b, [])], {}, testCtx())).toThrow(
      /INTEGER in the first|VARCHAR/,
    );
  });
});
