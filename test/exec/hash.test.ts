import { describe, expect, it } from 'vitest';
import { GroupTable, type GroupTableStrategy } from '../../src/exec/hash/group-table.ts';
import { hashColumns } from '../../src/exec/hash/hash.ts';
import { JoinHashTable, JoinProbe } from '../../src/exec/hash/join-table.ts';
import type { Vector } from '../../src/exec/vector.ts';
import {
  BOOLEAN,
  type DataType,
  decimal,
  FLOAT64,
  INT32,
  INT64,
  VARCHAR,
} from '../../src/types/data-type.ts';
import { Rng, randomValue, type Value, valueAt, vec } from './helpers.ts';

function keyOf(values: readonly Value[]): string {
  return values
    .map((v) => (v === null ? '\u0000' : typeof v === 'number' && Object.is(v, -0) ? '0' : String(v)))
    .join('\u0001');
}

/** Feeds batches of keys to a GroupTable and checks ids against a Map of key → id. */
function checkGroups(
  types: readonly DataType[],
  batches: readonly (readonly Value[][])[],
): GroupTableStrategy[] {
  const table = new GroupTable(types);
  const ref = new Map<string, number>();
  const strategies: GroupTableStrategy[] = [];
  const used = new Set<number>();
  for (const rows of batches) {
    const cols = types.map((t, c) =>
      vec(
        t,
        rows.map((r) => r[c]!),
      ),
    );
    const gids = new Int32Array(rows.length);
    table.findOrInsert(cols, rows.length, gids);
    strategies.push(table.currentStrategy);
    rows.forEach((r, i) => {
      const k = keyOf(r);
      const known = ref.get(k);
      if (known === undefined) {
        expect(used.has(gids[i]!), `id ${gids[i]} given to two keys`).toBe(false);
        used.add(gids[i]!);
        ref.set(k, gids[i]!);
      } else expect(gids[i], `row ${i} key ${k}`).toBe(known);
    });
    expect(table.groupCount).toBe(ref.size);
  }
  // The stored keys are the keys of each group.
  const keyCols = table.keyColumns(0, table.groupCount);
  const byId = new Map([...ref.entries()].map(([k, id]) => [id, k]));
  for (let g = 0; g < table.groupCount; g++) {
    const stored = keyCols.map((v) => valueAt(v, g));
    expect(keyOf(stored)).toBe(byId.get(g));
  }
  return strategies;
}

function randomBatches(
  seed: number,
  types: readonly DataType[],
  distinct: number,
  sizes: readonly number[],
): Value[][][] {
  const rng = new Rng(seed);
  return sizes.map((n) =>
    Array.from({ length: n }, () =>
      types.map((t) => (rng.chance(0.05) ? null : randomValue(rng, t, distinct, true))),
    ),
  );
}

describe('GroupTable', () => {
  it('uses a direct array for small packed domains', () => {
    const s = checkGroups([INT32, BOOLEAN], randomBatches(1, [INT32, BOOLEAN], 50, [100, 1000, 7]));
    expect(s).toEqual(['direct', 'direct', 'direct']);
  });

  it('packs wide integer keys into one double', () => {
    const s = checkGroups([INT64, BOOLEAN], randomBatches(2, [INT64, BOOLEAN], 20_000, [2000, 2000]));
    expect(s).toContain('packed');
  });

  it('widens the layout when later keys fall outside it', () => {
    const batches: Value[][][] = [
      Array.from({ length: 100 }, (_, i) => [i % 10]),
      Array.from({ length: 100 }, (_, i) => [i * 1000 - 50_000]),
      Array.from({ length: 100 }, (_, i) => [i * 10_000_000]),
    ];
    const s = checkGroups([INT32], batches);
    expect(s[0]).toBe('direct');
    expect(s[2]).toBe('packed');
  });

  it('narrows a generously widened layout to the keys seen and goes direct when they turn out dense', () => {
    // A hash-partitioned share of sequential ids (TPC-H Q18's final aggregate): a sparse first
    // batch, one that widens the layout far past the keys, then every 4th id below 2M.
    const table = new GroupTable([INT64]);
    const ids = new Map<number | null, number>();
    const strategies: string[] = [];
    let wrong = 0;
    const feed = (keys: readonly (number | null)[]) => {
      const v = vec(
        INT64,
        keys.map((k) => (k === null ? null : BigInt(k))),
      );
      const gids = new Int32Array(keys.length);
      table.findOrInsert([v], keys.length, gids);
      strategies.push(table.currentStrategy);
      keys.forEach((k, i) => {
        const known = ids.get(k);
        if (known === undefined) {
          if (gids[i] !== ids.size) wrong++;
          ids.set(k, gids[i]!);
        } else if (known !== gids[i]) wrong++;
      });
    };
    feed(Array.from({ length: 1000 }, (_, j) => j * 1000));
    feed(Array.from({ length: 1000 }, (_, j) => 2_000_000 - j * 1000));
    const dense = Array.from({ length: 500_000 }, (_, j) => (j * 7919) % 500_000).map((j) => j * 4);
    for (let at = 0; at < dense.length; at += 65_536) feed(dense.slice(at, at + 65_536));
    feed([null, 8, null, 3_000_000, 12]);
    feed([4_000_000_000, 0, null]);
    expect(wrong).toBe(0);
    expect(table.groupCount).toBe(ids.size);
    expect(strategies[1]).toBe('packed');
    // It went direct during the dense batches (a 2.25M-id array for ~262K groups, not a 5M one).
    expect(strategies.slice(2, 10)).toContain('direct');
    expect(strategies.at(-1)).toBe('packed');
    const keys = table.keyColumns(0, table.groupCount)[0]!;
    let stored = 0;
    for (const [k, g] of ids) if (valueAt(keys, g) === (k === null ? null : BigInt(k))) stored++;
    expect(stored).toBe(ids.size);
  });

  it('goes generic for floats, long strings and keys beyond 2^53', () => {
    expect(checkGroups([FLOAT64], randomBatches(3, [FLOAT64], 500, [3000, 100]))).toEqual([
      'generic',
      'generic',
    ]);
    const strs = randomBatches(4, [VARCHAR, INT32], 3000, [50, 4000, 4000]);
    expect(checkGroups([VARCHAR, INT32], strs).at(-1)).toBe('generic');
    const big = [[[2n ** 60n], [1n], [null], [-(2n ** 60n)], [1n]]];
    expect(checkGroups([INT64], big)).toEqual(['generic']);
  });

  it('starts packed with short strings and switches to generic when they grow, keeping ids', () => {
    const b1 = Array.from({ length: 500 }, (_, i) => [['A', 'N', 'R', null][i % 4]!, ['F', 'O'][i % 2]!]);
    const b2 = Array.from({ length: 500 }, (_, i) => [['A', 'a rather long flag value'][i % 2]!, 'O']);
    const s = checkGroups([VARCHAR, VARCHAR], [b1, b2, b1]);
    expect(s).toEqual(['direct', 'generic', 'generic']);
  });

  it('groups many keys in the generic path with collisions resolved', () => {
    checkGroups(
      [VARCHAR, decimal(15, 2)],
      randomBatches(5, [VARCHAR, decimal(15, 2)], 30_000, [20_000, 20_000, 5]),
    );
  });

  it('with no keys, has exactly one group', () => {
    const t = new GroupTable([]);
    t.ensureGlobalGroup();
    expect(t.groupCount).toBe(1);
    const gids = new Int32Array(3).fill(7);
    t.findOrInsert([], 3, gids);
    expect([...gids]).toEqual([0, 0, 0]);
  });
});

describe('hashing', () => {
  it('hashes an int64 value the same in f64 and i64 storage, and like the same int32', () => {
    const values = [0n, 1n, -1n, 123456789n, -(2n ** 40n), 2n ** 52n];
    const f = vec(INT64, values);
    const i: Vector = {
      kind: 'i64',
      type: INT64,
      length: values.length,
      validity: null,
      values: BigInt64Array.from(values),
    };
    expect(f.kind).toBe('f64');
    expect([...hashColumns([f], values.length)]).toEqual([...hashColumns([i], values.length)]);
    const small = vec(INT32, [0, 1, -1, 123456789]);
    expect([...hashColumns([small], 4)]).toEqual([...hashColumns([f], 4)]);
  });

  it('folds -0 into 0 and all NaNs together; NULL rows hash alike whatever their storage holds', () => {
    const a = vec(FLOAT64, [0, Number.NaN, 1.5]);
    const b = vec(FLOAT64, [-0, -Number.NaN, 1.5]);
    expect([...hashColumns([a], 3)]).toEqual([...hashColumns([b], 3)]);
    const n1 = vec(INT32, [5, null]);
    const n2: Vector = { ...vec(INT32, [5, null]), values: Int32Array.of(5, 99) } as Vector;
    const s = vec(VARCHAR, ['x', 'y']);
    expect([...hashColumns([n1, s], 2)]).toEqual([...hashColumns([n2, s], 2)]);
  });

  it('spreads sequential keys over buckets', () => {
    const n = 1 << 16;
    const v = vec(
      INT32,
      Array.from({ length: n }, (_, i) => i),
    );
    const h = hashColumns([v], n);
    const buckets = new Uint32Array(1024);
    for (const x of h) buckets[x & 1023]!++;
    expect(Math.max(...buckets)).toBeLessThan(120); // mean 64
  });
});

describe('JoinHashTable', () => {
  it('finds every match (duplicates included), never NULL keys, in chunks of any size', () => {
    const rng = new Rng(7);
    for (const type of [INT32, INT64, VARCHAR, FLOAT64] as const) {
      const build = Array.from({ length: 2000 }, () =>
        rng.chance(0.05) ? null : randomValue(rng, type, 300, true),
      );
      const probe = Array.from({ length: 3000 }, () =>
        rng.chance(0.05) ? null : randomValue(rng, type, 400, true),
      );
      const table = new JoinHashTable({ schema: [], columns: [vec(type, build)], length: build.length }, [0]);
      const expected: string[] = [];
      probe.forEach((p, i) => {
        if (p === null) return;
        build.forEach((b, j) => {
          if (b !== null && String(b) === String(p)) expected.push(`${i}:${j}`);
        });
      });
      for (const cap of [1, 7, 4096]) {
        const jp = new JoinProbe(table, [vec(type, probe)], probe.length);
        const got: string[] = [];
        const pIdx = new Int32Array(cap);
        const bIdx = new Int32Array(cap);
        while (!jp.done) {
          const n = jp.next(pIdx, bIdx, cap, false);
          for (let k = 0; k < n; k++)
            got.push(`${pIdx[k]}:${table.sourceRows === null ? bIdx[k] : table.sourceRows[bIdx[k]!]}`);
        }
        expect(got.sort()).toEqual([...expected].sort());
      }
      expect(table.hasNullKey).toBe(true);
    }
  });

  it('picks direct for dense or small sparse key ranges, int beyond, and matches the same in both', () => {
    const rng = new Rng(11);
    // Key range per build row: 3 (dense); 40 (sparse, but under 2^20 values); 100 (sparse, over
    // 2^20 values, but ≤ 128 per row); 300 (over 2^20 values and too sparse).
    // Sparse ranges only within the memory left (`maxSparseBytes`); dense ones always.
    for (const [rows, perRow, layout, maxSparseBytes] of [
      [5000, 3, 'direct', 0],
      [5000, 40, 'direct', Number.POSITIVE_INFINITY],
      [5000, 40, 'int', 4 * 5000 * 40 - 1],
      [12_000, 100, 'direct', Number.POSITIVE_INFINITY],
      [5000, 300, 'int', Number.POSITIVE_INFINITY],
    ] as const) {
      const range = perRow * rows;
      const build = Array.from({ length: rows }, () => (rng.chance(0.02) ? null : 7 + rng.int(0, range)));
      build[0] = 7;
      build[1] = 7 + range - 1;
      const probe = Array.from({ length: 4000 }, () =>
        rng.chance(0.5) ? build[rng.int(0, rows - 1)]! : rng.int(-5, range + 20),
      );
      const table = new JoinHashTable(
        { schema: [], columns: [vec(INT32, build)], length: rows },
        [0],
        maxSparseBytes,
      );
      expect(table.layout, `${perRow} per row, ${maxSparseBytes} bytes`).toBe(layout);
      const at = new Map<number, number[]>();
      build.forEach((b, j) => {
        if (b !== null) at.set(b, [...(at.get(b) ?? []), j]);
      });
      const expected: string[] = [];
      probe.forEach((p, i) => {
        for (const j of at.get(p as number) ?? []) expected.push(`${i}:${j}`);
      });
      const jp = new JoinProbe(table, [vec(INT32, probe)], probe.length);
      const pIdx = new Int32Array(512);
      const bIdx = new Int32Array(512);
      const got: string[] = [];
      while (!jp.done) {
        const n = jp.next(pIdx, bIdx, 512, false);
        for (let k = 0; k < n; k++)
          got.push(`${pIdx[k]}:${table.sourceRows === null ? bIdx[k] : table.sourceRows[bIdx[k]!]}`);
      }
      expect(got.length).toBeGreaterThan(1000);
      expect(got.sort()).toEqual(expected.sort());
    }
  });
});
