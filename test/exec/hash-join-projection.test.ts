/**
 * HashJoin's `projection`: emitting only some output columns gives exactly those columns of the
 * full output — for every join type, both build sides, with and without a residual (whose columns
 * are then gathered only where it reads them).
 */
import { describe, expect, it } from 'vitest';
import { type HashJoinConfig, hashJoin } from '../../src/exec/join/hash-join.ts';
import type { JoinCondition, JoinType } from '../../src/exec/join/join-type.ts';
import type { Batch, BoolVector, Vector } from '../../src/exec/vector.ts';
import { INT32, INT64, VARCHAR } from '../../src/types/data-type.ts';
import {
  batchesOf,
  field,
  Rng,
  randomRows,
  runRows,
  streamOf,
  testCtx,
  type Value,
  valueAt,
} from './helpers.ts';

const leftSchema = [field('lk', INT32), field('lv', VARCHAR), field('lx', INT64)];
const rightSchema = [field('rk', INT32), field('rv', VARCHAR), field('ry', INT64)];

/** Residual `lx < ry` over (left, right) columns: positions 2 and 5. */
const residual: JoinCondition = (batch: Batch): Vector => {
  const x = batch.columns[2]!;
  const y = batch.columns[5]!;
  const n = batch.length;
  const values = new Uint8Array(n);
  const validity = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    const p = valueAt(x, i);
    const q = valueAt(y, i);
    if (p === null || q === null) continue;
    validity[i >> 3]! |= 1 << (i & 7);
    values[i] = BigInt(p as bigint) < BigInt(q as bigint) ? 1 : 0;
  }
  const v: BoolVector = { kind: 'bool', type: { kind: 'boolean' }, length: n, validity, values };
  return v;
};

function key(r: readonly Value[]): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

function sorted(rows: Value[][]): string[] {
  return rows.map(key).sort();
}

describe('HashJoin projection', () => {
  const rng = new Rng(7);
  const cols = [
    { type: INT32, distinct: 40, nullRate: 0.1 },
    { type: VARCHAR, distinct: 30 },
    { type: INT64, distinct: 50, nullRate: 0.05 },
  ];
  const left = randomRows(rng, 400, cols);
  const right = randomRows(rng, 300, cols);
  const types: JoinType[] = ['inner', 'left', 'right', 'full', 'semi', 'anti', 'mark', 'null_aware_anti'];
  for (const joinType of types) {
    for (const buildSide of ['left', 'right'] as const) {
      for (const withResidual of [false, true]) {
        if (joinType === 'null_aware_anti' && withResidual) continue;
        it(`${joinType}, build ${buildSide}${withResidual ? ', with a residual' : ''}`, async () => {
          const leftOnly = ['semi', 'anti', 'mark', 'null_aware_anti'].includes(joinType);
          const width = leftOnly ? (joinType === 'mark' ? 4 : 3) : 6;
          // Every other column, last first: a projection that reorders and drops.
          const projection = Array.from({ length: width }, (_, i) => i)
            .filter((i) => i % 2 === 1 || i === width - 1)
            .reverse();
          const base: HashJoinConfig = { joinType, leftKeys: [0], rightKeys: [0], buildSide };
          const run = (config: HashJoinConfig) =>
            runRows(
              hashJoin(
                streamOf(leftSchema, batchesOf(leftSchema, left, [37, 100])),
                // NOT IN with a NULL on the right keeps no row at all: leave those out here.
                streamOf(
                  rightSchema,
                  batchesOf(
                    rightSchema,
                    joinType === 'null_aware_anti' ? right.filter((r) => r[0] !== null).slice(0, 20) : right,
                    [64],
                  ),
                ),
                config,
                testCtx({ batchSize: 50 }),
                withResidual ? residual : undefined,
              ),
            );
          const full = await run(base);
          const projected = await run({
            ...base,
            projection,
            ...(withResidual ? { residualColumns: [2, 5] } : {}),
          });
          expect(full.length).toBeGreaterThan(0);
          expect(sorted(projected)).toEqual(sorted(full.map((r) => projection.map((i) => r[i]!))));
        });
      }
    }
  }

  it('rejects a projected column that does not exist', () => {
    expect(() =>
      hashJoin(
        streamOf(leftSchema, []),
        streamOf(rightSchema, []),
        { joinType: 'inner', leftKeys: [0], rightKeys: [0], buildSide: 'right', projection: [6] },
        testCtx(),
      ),
    ).toThrow(/projected column 6 does not exist/);
  });
});
