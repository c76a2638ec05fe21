/** Leaf splits, their assignment to tasks, and the static task-count policy. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBlobStore } from '../../src/adapters/open-blob-store.ts';
import { resolveDistributedOptions } from '../../src/distributed/options.ts';
import { assignSplits, enumerateSplits, type SourceSplit, withSplits } from '../../src/distributed/splits.ts';
import { decideTaskCount } from '../../src/distributed/task-count.ts';
import { Skein } from '../../src/engine/skein.ts';
import type { ParquetScanNode } from '../../src/physical/plan.ts';
import { visitPhysical } from '../../src/physical/plan.ts';
import { generateTpch } from '../../src/tpch/generate.ts';
import { physicalPlan } from './plan-helpers.ts';

let dir: string;
let scan: ParquetScanNode;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-splits-'));
  await generateTpch({ sf: 0.01, out: dir, tables: ['lineitem'] });
  const plan = await physicalPlan(new Skein({ data: dir }), 'SELECT l_orderkey, l_comment FROM lineitem');
  visitPhysical(plan, (p) => {
    if (p.kind === 'parquet_scan') scan = p;
  });
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('enumerateSplits', () => {
  it('gives a row group as one split when it fits the split size', async () => {
    const splits = await enumerateSplits(scan, openBlobStore(scan.store), 1 << 30);
    expect(splits).toHaveLength(1);
    expect(splits[0]).toMatchObject({ rowGroup: 0 });
    expect(splits[0]!.rows).toBeUndefined();
  });

  it('cuts a heavy row group into contiguous row ranges weighing about the split size', async () => {
    const store = openBlobStore(scan.store);
    const whole = (await enumerateSplits(scan, store, 1 << 30))[0]!;
    const splits = await enumerateSplits(scan, store, 64 * 1024);
    expect(splits.length).toBe(Math.ceil(whole.weight / (64 * 1024)));
    let next = 0;
    for (const s of splits) {
      expect(s.rows!.start).toBe(next);
      next = s.rows!.end;
      expect(s.weight).toBeLessThanOrEqual(64 * 1024 + 1);
    }
    expect(next).toBe(60175); // every row of lineitem at SF 0.01, once
    expect(splits.reduce((x, s) => x + s.weight, 0)).toBeCloseTo(whole.weight, 0);
  });

  it('weighs the columns read, decoded', async () => {
    const plan = await physicalPlan(new Skein({ data: dir }), 'SELECT l_orderkey FROM lineitem');
    let narrow!: ParquetScanNode;
    visitPhysical(plan, (p) => {
      if (p.kind === 'parquet_scan') narrow = p;
    });
    const [s] = await enumerateSplits(narrow, openBlobStore(narrow.store), 1 << 30);
    // At least 8 bytes per BIGINT, or the column chunk's uncompressed size when larger.
    expect(s!.weight).toBeGreaterThanOrEqual(60175 * 8);
    expect(s!.weight).toBeLessThan(60175 * 9);
  });
});

describe('assignSplits', () => {
  const split = (i: number, weight: number): SourceSplit => ({
    key: 'f',
    size: 100,
    rowGroup: 0,
    rows: { start: i * 10, end: i * 10 + 10 },
    rowGroupRows: 100,
    weight,
  });

  it('gives each task a contiguous run, balancing the heaviest', () => {
    const splits = [5, 1, 1, 1, 1, 1, 4, 4].map((w, i) => split(i, w));
    const tasks = assignSplits(splits, 3);
    expect(tasks.flat()).toEqual(splits);
    const weights = tasks.map((t) => t.reduce((s, x) => s + x.weight, 0));
    expect(weights).toEqual([7, 7, 4]); // the best contiguous split of 18 into 3
  });

  it('leaves the last tasks empty when there are fewer splits than tasks', () => {
    const tasks = assignSplits([split(0, 1), split(1, 1)], 4);
    expect(tasks.map((t) => t.length)).toEqual([1, 1, 0, 0]);
  });

  it('reads adjacent ranges of one row group as one range, and a complete run as the row group', () => {
    const node = { kind: 'parquet_scan', splits: [] } as unknown as ParquetScanNode;
    const some = withSplits(node, [split(2, 1), split(3, 1), split(4, 1)]);
    expect(some.splits).toEqual([{ key: 'f', size: 100, rowGroups: [0], rows: { start: 20, end: 50 } }]);
    const all = withSplits(
      node,
      Array.from({ length: 10 }, (_, i) => split(i, 1)),
    );
    expect(all.splits).toEqual([{ key: 'f', size: 100, rowGroups: [0] }]);
  });
});

describe('decideTaskCount', () => {
  const options = resolveDistributedOptions({ maxConcurrency: 2, bytesPerTask: 1000, tinyBytes: 100 });

  it('sizes source stages by bytes, in whole waves, at most one task per split', () => {
    expect(decideTaskCount({ distribution: 'source', inputBytes: 500, splits: 10, options }).tasks).toBe(1);
    expect(decideTaskCount({ distribution: 'source', inputBytes: 2500, splits: 10, options })).toMatchObject({
      tasks: 4,
      reason: '2.4 KiB ÷ 1000 B per task, rounded to whole waves of 2',
    });
    expect(decideTaskCount({ distribution: 'source', inputBytes: 9000, splits: 3, options }).tasks).toBe(3);
  });

  it('gives hash stages the configured count, one task when tiny', () => {
    expect(decideTaskCount({ distribution: 'hash', inputBytes: 50, options })).toMatchObject({ tasks: 1 });
    expect(decideTaskCount({ distribution: 'hash', inputBytes: 5000, options }).tasks).toBe(2);
  });

  it('obeys a forced count, within splits and buckets; a gather has one task', () => {
    const forced = resolveDistributedOptions({ tasks: 4 });
    expect(
      decideTaskCount({ distribution: 'source', inputBytes: 1, splits: 2, options: forced }),
    ).toMatchObject({
      tasks: 2,
      reason: 'forced: 4 tasks per stage (only 2 splits)',
    });
    expect(
      decideTaskCount({ distribution: 'hash', inputBytes: 1, buckets: 128, options: forced }).tasks,
    ).toBe(4);
    expect(decideTaskCount({ distribution: 'single', inputBytes: 1e12, options: forced }).tasks).toBe(1);
  });
});
