import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import { type HashJoinConfig, hashJoin } from '../../src/exec/join/hash-join.ts';
import type { JoinCondition, JoinType } from '../../src/exec/join/join-type.ts';
import { type NestedLoopJoinConfig, nestedLoopJoin } from '../../src/exec/join/nested-loop-join.ts';
import type { Batch, BoolVector, Vector } from '../../src/exec/vector.ts';
import {
  DATE,
  type DataType,
  decimal,
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
  randomValue,
  runRows,
  streamOf,
  testCtx,
  type Value,
  valueAt,
} from './helpers.ts';

let db: DuckDb;
beforeAll(async () => {
  db = await openOracle();
});
afterAll(() => db?.close());

/** A residual `left.col(a) < right.col(b)` over a combined batch (NULL when either is NULL). */
function lessThan(a: number, b: number): JoinCondition {
  return (batch: Batch): Vector => {
    const x = batch.columns[a]!;
    const y = batch.columns[b]!;
    const n = batch.length;
    const values = new Uint8Array(n);
    const validity = new Uint8Array((n + 7) >> 3);
    for (let i = 0; i < n; i++) {
      const p = valueAt(x, i);
      const q = valueAt(y, i);
      if (p === null || q === null) continue;
      validity[i >> 3]! |= 1 << (i & 7);
      values[i] = Number(p) < Number(q) ? 1 : 0;
    }
    const v: BoolVector = { kind: 'bool', type: { kind: 'boolean' }, length: n, validity, values };
    return v;
  };
}

interface KeyCase {
  name: string;
  types: DataType[];
  /** Distinct values per key column (one number: every column). */
  distinct: number | number[];
}

const KEY_CASES: KeyCase[] = [
  { name: 'int32', types: [INT32], distinct: 300 },
  { name: 'int64', types: [INT64], distinct: 400 },
  { name: 'decimal', types: [decimal(12, 2)], distinct: 300 },
  { name: 'varchar', types: [VARCHAR], distinct: 300 },
  { name: 'date', types: [DATE], distinct: 200 },
  { name: 'int32+varchar', types: [INT32, VARCHAR], distinct: 20 },
  // A nearly unique integer key beside another: the direct layout on the first, the second
  // compared per candidate (when the build side's first key is unique enough).
  { name: 'near-unique int32+decimal', types: [INT32, decimal(12, 2)], distinct: [2000, 3] },
];

function tables(seed: number, kc: KeyCase, nl: number, nr: number) {
  const rng = new Rng(seed);
  const k = kc.types.length;
  const ls: Schema = [
    ...kc.types.map((t, i) => field(`lk${i}`, t)),
    field('lv', INT32),
    field('ls', VARCHAR),
  ];
  const rs: Schema = [...kc.types.map((t, i) => field(`rk${i}`, t)), field('rv', INT32)];
  const row = (extra: () => Value[]) =>
    kc.types
      .map((t, i) =>
        rng.chance(0.08)
          ? null
          : randomValue(
              rng,
              t,
              typeof kc.distinct === 'number' ? kc.distinct : kc.distinct[i]!,
              seed % 2 === 1,
            ),
      )
      .concat(extra());
  const left = Array.from({ length: nl }, () =>
    row(() => [rng.chance(0.1) ? null : rng.int(0, 100), rng.chance(0.1) ? null : `s${rng.int(0, 50)}`]),
  );
  const right = Array.from({ length: nr }, () => row(() => [rng.chance(0.1) ? null : rng.int(0, 100)]));
  return { ls, rs, left, right, k };
}

function joinSql(type: JoinType, k: number, residual: boolean, nullAwareMark: boolean): string {
  const on =
    Array.from({ length: k }, (_, i) => `l.lk${i} = r.rk${i}`).join(' AND ') +
    (residual ? ' AND l.lv < r.rv' : '');
  switch (type) {
    case 'inner':
      return `SELECT l.*, r.* FROM l JOIN r ON ${on}`;
    case 'left':
      return `SELECT l.*, r.* FROM l LEFT JOIN r ON ${on}`;
    case 'right':
      return `SELECT l.*, r.* FROM l RIGHT JOIN r ON ${on}`;
    case 'full':
      return `SELECT l.*, r.* FROM l FULL JOIN r ON ${on}`;
    case 'semi':
      return `SELECT l.* FROM l WHERE EXISTS (SELECT 1 FROM r WHERE ${on})`;
    case 'anti':
      return `SELECT l.* FROM l WHERE NOT EXISTS (SELECT 1 FROM r WHERE ${on})`;
    case 'null_aware_anti':
      return 'SELECT l.* FROM l WHERE l.lk0 NOT IN (SELECT rk0 FROM r)';
    case 'mark':
      return nullAwareMark
        ? 'SELECT l.*, l.lk0 IN (SELECT rk0 FROM r) FROM l'
        : `SELECT l.*, EXISTS (SELECT 1 FROM r WHERE ${on}) FROM l`;
  }
}

const TYPES: JoinType[] = ['inner', 'left', 'right', 'full', 'semi', 'anti', 'null_aware_anti', 'mark'];

describe('HashJoin against DuckDB', () => {
  for (const seed of [1, 2, 3]) {
    for (const kc of KEY_CASES) {
      it(`seed ${seed}, ${kc.name} keys: every join type, both build sides, with and without a residual`, async () => {
        const { ls, rs, left, right, k } = tables(seed * 31 + kc.name.length, kc, 1500, 900);
        await loadTable(db, 'l', ls, left);
        await loadTable(db, 'r', rs, right);
        const lb = batchesOf(ls, left, [400, 1, 999]);
        const rb = batchesOf(rs, right, [256, 3]);
        for (const joinType of TYPES) {
          for (const residual of [false, true]) {
            if (residual && joinType === 'null_aware_anti') continue;
            if (joinType === 'null_aware_anti' && k > 1) continue;
            for (const nullAware of joinType === 'mark' ? [false, true] : [false]) {
              if (nullAware && (k > 1 || residual)) continue;
              const want = duckRows(await db.query(joinSql(joinType, k, residual, nullAware)));
              for (const buildSide of ['left', 'right'] as const) {
                const config: HashJoinConfig = {
                  joinType,
                  leftKeys: Array.from({ length: k }, (_, i) => i),
                  rightKeys: Array.from({ length: k }, (_, i) => i),
                  buildSide,
                  markNullAware: nullAware,
                };
                const cond = residual ? lessThan(k, ls.length + k) : undefined;
                const got = await runRows(
                  hashJoin(streamOf(ls, lb), streamOf(rs, rb), config, testCtx({ batchSize: 97 }), cond),
                );
                expectSameRows(got, want);
              }
            }
          }
        }
      });
    }
  }

  it('NOT IN: a NULL on the right gives no rows; an empty right side keeps every row, NULL keys too', async () => {
    const ls: Schema = [field('x', INT32)];
    const rs: Schema = [field('y', INT32)];
    const left = [[1], [2], [null], [4]] as Value[][];
    for (const [right, expected] of [
      [[[1], [null]], []],
      [[], [[1], [2], [null], [4]]],
      [
        [[1], [3]],
        [[2], [4]],
      ],
    ] as [Value[][], Value[][]][]) {
      for (const buildSide of ['left', 'right'] as const) {
        const got = await runRows(
          hashJoin(
            streamOf(ls, batchesOf(ls, left)),
            streamOf(rs, batchesOf(rs, right)),
            { joinType: 'null_aware_anti', leftKeys: [0], rightKeys: [0], buildSide },
            testCtx(),
          ),
        );
        expectSameRows(got, expected);
      }
    }
  });

  it('large build sides (partitioned probing), direct and hashed layouts, every join type', async () => {
    const rng = new Rng(77);
    const s: Schema = [field('k', INT64), field('v', INT32)];
    for (const spread of [1, 1_000_003]) {
      const key = () => (rng.chance(0.02) ? null : BigInt(rng.int(0, 120_000) * spread));
      const build = Array.from({ length: 100_000 }, (_, i) => [key(), i] as Value[]);
      const probe = Array.from({ length: 150_000 }, (_, i) => [key(), i] as Value[]);
      const buildCount = new Map<bigint, number>();
      const buildSum = new Map<bigint, number>();
      for (const [k, v] of build) {
        if (k === null) continue;
        buildCount.set(k as bigint, (buildCount.get(k as bigint) ?? 0) + 1);
        buildSum.set(k as bigint, (buildSum.get(k as bigint) ?? 0) + (v as number));
      }
      const probeKeys = new Set(probe.filter((r) => r[0] !== null).map((r) => r[0] as bigint));
      let inner = 0;
      let innerSum = 0;
      let unmatchedProbe = 0;
      for (const [k, v] of probe) {
        const c = k === null ? 0 : (buildCount.get(k as bigint) ?? 0);
        inner += c;
        innerSum += c * (v as number) + (k === null ? 0 : (buildSum.get(k as bigint) ?? 0));
        if (c === 0) unmatchedProbe++;
      }
      const unmatchedBuild = build.filter((r) => r[0] === null || !probeKeys.has(r[0] as bigint)).length;
      const expected: Record<string, number> = {
        inner,
        left: inner + unmatchedProbe,
        right: inner + unmatchedBuild,
        full: inner + unmatchedProbe + unmatchedBuild,
        semi: probe.length - unmatchedProbe,
        anti: unmatchedProbe,
      };
      const lb = batchesOf(s, probe, [8192]);
      const rb = batchesOf(s, build, [8192]);
      for (const joinType of ['inner', 'left', 'right', 'full', 'semi', 'anti'] as const) {
        for (const buildSide of ['left', 'right'] as const) {
          const out = await collect(
            hashJoin(
              streamOf(s, lb),
              streamOf(s, rb),
              { joinType, leftKeys: [0], rightKeys: [0], buildSide },
              testCtx({ batchSize: 8192 }),
            ),
          );
          const rows = out.reduce((a, b) => a + b.length, 0);
          expect(rows, `${joinType}, build ${buildSide}, spread ${spread}`).toBe(expected[joinType]);
          if (joinType === 'inner') {
            let sum = 0;
            for (const b of out)
              for (let i = 0; i < b.length; i++)
                sum += (valueAt(b.columns[1]!, i) as number) + (valueAt(b.columns[3]!, i) as number);
            expect(sum).toBe(innerSum);
          }
        }
      }
    }
  });

  it('emits bounded batches when a join multiplies rows', async () => {
    const s: Schema = [field('k', INT32)];
    const rows = Array.from({ length: 300 }, () => [7] as Value[]);
    const out = await collect(
      hashJoin(
        streamOf(s, batchesOf(s, rows)),
        streamOf(s, batchesOf(s, rows)),
        { joinType: 'inner', leftKeys: [0], rightKeys: [0], buildSide: 'right' },
        testCtx({ batchSize: 1000 }),
      ),
    );
    expect(out.reduce((a, b) => a + b.length, 0)).toBe(90_000);
    expect(Math.max(...out.map((b) => b.length))).toBeLessThanOrEqual(1000);
  });

  it('empty inputs', async () => {
    const s: Schema = [field('k', INT32), field('v', VARCHAR)];
    const some = batchesOf(s, [
      [1, 'a'],
      [null, 'b'],
    ]);
    for (const joinType of TYPES) {
      for (const buildSide of ['left', 'right'] as const) {
        const cfg: HashJoinConfig = { joinType, leftKeys: [0], rightKeys: [0], buildSide };
        const emptyRight = await runRows(hashJoin(streamOf(s, some), streamOf(s, []), cfg, testCtx()));
        const emptyLeft = await runRows(hashJoin(streamOf(s, []), streamOf(s, some), cfg, testCtx()));
        expect(emptyLeft.length, `${joinType} ${buildSide} empty left`).toBe(
          joinType === 'right' || joinType === 'full' ? 2 : 0,
        );
        const keepsLeft = ['left', 'full', 'anti', 'null_aware_anti', 'mark'].includes(joinType);
        expect(emptyRight.length, `${joinType} ${buildSide} empty right`).toBe(keepsLeft ? 2 : 0);
      }
    }
  });

  it('fails with RESOURCES_EXHAUSTED naming HashJoin when the build side is over budget', async () => {
    const s: Schema = [field('k', INT64), field('v', VARCHAR)];
    const rows = Array.from({ length: 40_000 }, (_, i) => [BigInt(i), `payload ${i} `.repeat(4)] as Value[]);
    const err = await collect(
      hashJoin(
        streamOf(s, batchesOf(s, rows.slice(0, 10))),
        streamOf(s, batchesOf(s, rows, [4096])),
        { joinType: 'inner', leftKeys: [0], rightKeys: [0], buildSide: 'right' },
        testCtx({ memoryLimit: 1 << 20 }),
      ),
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SkeinError);
    expect((err as SkeinError).code).toBe('RESOURCES_EXHAUSTED');
    expect((err as SkeinError).message).toContain('HashJoin');
  });

  it('joins int64 keys beyond 2^53 exactly, against keys in f64 storage', async () => {
    const s: Schema = [field('k', INT64)];
    const big = 2n ** 60n;
    const left = [[big], [big + 1n], [5n], [null]] as Value[][];
    const right = [[big + 1n], [5n], [5n], [big - 1n]] as Value[][];
    for (const buildSide of ['left', 'right'] as const) {
      const got = await runRows(
        hashJoin(
          streamOf(s, batchesOf(s, left, [2])),
          streamOf(s, batchesOf(s, right, [2])),
          { joinType: 'inner', leftKeys: [0], rightKeys: [0], buildSide },
          testCtx(),
        ),
      );
      expectSameRows(got, [
        [big + 1n, big + 1n],
        [5n, 5n],
        [5n, 5n],
      ]);
    }
    // A small dense build side (direct layout) probed with values beyond 2^53.
    const small = [[5n], [7n], [null], [6n]] as Value[][];
    const got = await runRows(
      hashJoin(
        streamOf(s, batchesOf(s, left, [4])),
        streamOf(s, batchesOf(s, small)),
        { joinType: 'left', leftKeys: [0], rightKeys: [0], buildSide: 'right' },
        testCtx(),
      ),
    );
    expectSameRows(got, [
      [big, null],
      [big + 1n, null],
      [5n, 5n],
      [null, null],
    ]);
  });
});

describe('NestedLoopJoin against DuckDB', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: every join type on a non-equi condition, and a cross join`, async () => {
      const { ls, rs, left, right } = tables(seed, KEY_CASES[0]!, 300, 200);
      await loadTable(db, 'l', ls, left);
      await loadTable(db, 'r', rs, right);
      const lb = batchesOf(ls, left, [100, 7]);
      const rb = batchesOf(rs, right, [50]);
      // l.lv < r.rv AND l.lk0 > r.rk0 (both columns of the combined batch)
      const lt = lessThan(1, ls.length + 1);
      const gt = lessThan(ls.length, 0);
      const cond: JoinCondition = (b) => {
        const x = lt(b) as BoolVector;
        const y = gt(b) as BoolVector;
        const values = x.values.map((v, i) => v & y.values[i]!);
        const validity = x.validity!.map((m, i) => m & y.validity![i]!);
        return { ...x, values, validity };
      };
      const on = 'l.lv < r.rv AND l.lk0 > r.rk0';
      const sqls: Record<NestedLoopJoinConfig['joinType'], string> = {
        inner: `SELECT l.*, r.* FROM l JOIN r ON ${on}`,
        left: `SELECT l.*, r.* FROM l LEFT JOIN r ON ${on}`,
        right: `SELECT l.*, r.* FROM l RIGHT JOIN r ON ${on}`,
        full: `SELECT l.*, r.* FROM l FULL JOIN r ON ${on}`,
        semi: `SELECT l.* FROM l SEMI JOIN r ON ${on}`,
        anti: `SELECT l.* FROM l ANTI JOIN r ON ${on}`,
        cross: 'SELECT l.*, r.* FROM l CROSS JOIN r',
      };
      for (const joinType of Object.keys(sqls) as NestedLoopJoinConfig['joinType'][]) {
        const got = await runRows(
          nestedLoopJoin(
            streamOf(ls, lb),
            streamOf(rs, rb),
            { joinType },
            testCtx({ batchSize: 333 }),
            joinType === 'cross' ? undefined : cond,
          ),
        );
        expectSameRows(got, duckRows(await db.query(sqls[joinType])));
      }
    });
  }

  it('empty sides', async () => {
    const s: Schema = [field('k', INT32)];
    const some = batchesOf(s, [[1], [2]]);
    const t = (joinType: NestedLoopJoinConfig['joinType'], l: Batch[], r: Batch[]) =>
      runRows(nestedLoopJoin(streamOf(s, l), streamOf(s, r), { joinType }, testCtx()));
    expect(await t('left', some, [])).toEqual([
      [1, null],
      [2, null],
    ]);
    expect(await t('anti', some, [])).toEqual([[1], [2]]);
    expect(await t('inner', some, [])).toEqual([]);
    expect(await t('right', [], some)).toEqual([
      [null, 1],
      [null, 2],
    ]);
    expect(await t('cross', some, some)).toHaveLength(4);
  });
});
