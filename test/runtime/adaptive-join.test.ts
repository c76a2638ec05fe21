/**
 * Adaptive joins (issue 5, "broadcast vs. partitioned for joins" decided at run time): a join the
 * planner partitions holds a broadcast shape too; the coordinator picks one from the build side's
 * LoadInfo before the probe side's stage starts. Pure rules, the planner's shapes, and whole
 * queries on in-process tasks whose rows must equal Skein in one process (itself checked against
 * DuckDB by the TPC-H suites, where `tpch-distributed.test.ts` also sees both choices made).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseRuntimeJoin } from '../../src/distributed/adaptive-join.ts';
import { type DistributedOptionsInput, resolveDistributedOptions } from '../../src/distributed/options.ts';
import { planStages } from '../../src/distributed/plan-stages.ts';
import type { JoinDecision } from '../../src/distributed/stage-graph.ts';
import { Skein } from '../../src/engine/skein.ts';
import type { MessageQueue } from '../../src/ports/message-queue.ts';
import { explainAnalyzeStages } from '../../src/runtime/explain-analyze.ts';
import { generateTpch } from '../../src/tpch/generate.ts';
import { physicalPlan } from '../distributed/plan-helpers.ts';
import {
  AGGRESSIVE_ADAPTIVE,
  filesUnder,
  type Harness,
  harness,
  removeHarnesses,
  rowsOf,
} from './helpers.ts';

const KiB = 1024;

describe('chooseRuntimeJoin', () => {
  const base = { exact: true, probeBytes: 10 * 2 ** 20, probeTasks: 4, broadcastLimit: 2 ** 20 };
  it('broadcasts a build side within the limit whose copies cost less than the probe side round trip', () => {
    const c = chooseRuntimeJoin({ ...base, buildBytes: 100 * KiB, basis: 'all 2 tasks of stage 2 ended' });
    expect(c.choice).toBe('broadcast');
    expect(c.reason).toBe(
      'adaptive: build side 100 KiB × 4 tasks ≤ probe side written and read + build side 20.1 MiB (all 2 tasks of stage 2 ended)',
    );
  });
  it('keeps the join partitioned above the broadcast limit', () => {
    const c = chooseRuntimeJoin({ ...base, buildBytes: 2 * 2 ** 20, exact: false });
    expect(c).toEqual({
      choice: 'partitioned',
      reason: 'adaptive: build side est. 2 MiB > broadcast limit 1 MiB',
    });
  });
  it('keeps it partitioned when the copies would outweigh the probe side written and read back', () => {
    // 900 KiB × 64 tasks > 2 × 10 MiB + 900 KiB
    expect(chooseRuntimeJoin({ ...base, buildBytes: 900 * KiB, probeTasks: 64 }).choice).toBe('partitioned');
    expect(chooseRuntimeJoin({ ...base, buildBytes: 900 * KiB, probeTasks: 8 }).choice).toBe('broadcast');
  });
  it('broadcasts a small build side when the probe side is of unknown size', () => {
    expect(chooseRuntimeJoin({ ...base, buildBytes: 900 * KiB, probeBytes: null }).choice).toBe('broadcast');
  });
});

let dir: string;
let single: Skein;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-adaptive-join-'));
  await generateTpch({ sf: 0.01, out: dir, tables: ['lineitem', 'orders', 'customer', 'nation'] });
  single = new Skein({ data: dir });
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await removeHarnesses();
});

// The planner estimates the orders side at ~66 KiB (a LIKE keeps a default share of rows); in
// truth it is ~1 KiB. With a 32 KiB broadcast limit it plans the join partitioned.
const SELECTIVE =
  "SELECT o_orderpriority, count(*) AS n, sum(l_quantity) AS q FROM lineitem JOIN orders ON l_orderkey = o_orderkey WHERE o_comment LIKE '%unusual%deposits%' GROUP BY 1";
const WHOLE =
  'SELECT o_orderpriority, count(*) AS n, sum(l_quantity) AS q FROM lineitem JOIN orders ON l_orderkey = o_orderkey GROUP BY 1';
const KNOBS: DistributedOptionsInput = { ...AGGRESSIVE_ADAPTIVE, broadcastLimit: 32 * KiB };
// TPC-H Q18's pattern: the orders whose lines sum above a quantity (few), by a semi join.
const HAVING =
  'SELECT o_orderpriority, count(*) AS n FROM orders WHERE o_orderkey IN (SELECT l_orderkey FROM lineitem GROUP BY l_orderkey HAVING sum(l_quantity) > 250) GROUP BY 1';

function joinDecisions(decisions: readonly { kind: string }[]): JoinDecision[] {
  return decisions.filter((d): d is JoinDecision => d.kind === 'join');
}

describe('the stage planner under adaptive fan-out', () => {
  const plan = async (sql: string, o: DistributedOptionsInput) =>
    planStages(await physicalPlan(single, sql), resolveDistributedOptions({ maxConcurrency: 4, ...o }));

  it('gives a partitioned join a broadcast shape: the probe side’s splits joined with the build side read whole', async () => {
    const g = await plan(SELECTIVE, KNOBS);
    const [d] = joinDecisions(g.decisions);
    expect(d!.choice).toBe('partitioned');
    expect(d!.adaptive).toMatchObject({ state: 'planned' });
    expect(d!.reason).toMatch(/; adaptive: broadcast instead if stage \d+ turns out ≤ 32 KiB$/);
    const stage = g.stages.find((s) => s.adaptiveJoin !== undefined)!;
    const aj = stage.adaptiveJoin!;
    expect(stage.distribution).toBe('hash');
    expect(stage.inputs.map((i) => i.exchange)).toEqual(['hash', 'hash']);
    const probe = g.stages.find((s) => s.id === aj.probe)!;
    expect(aj.alternative.distribution).toBe('source');
    expect(aj.alternative.inputs).toEqual([{ stage: aj.build, exchange: 'broadcast' }]);
    expect(aj.alternative.scans).toEqual(probe.scans);
    expect(probe.fragment.kind).toBe('parquet_scan');
    // The probe side's fragment is in the alternative, under the same join.
    const text = JSON.stringify(aj.alternative.fragment);
    expect(text).toContain('"table":"lineitem"');
    expect(text).not.toContain('"exchange":"hash"');
  });

  it('plans none for static fan-out, a forced task count, or a stage whose aggregate needs the hashed rows', async () => {
    for (const o of [
      { ...KNOBS, fanout: 'static' as const },
      { ...KNOBS, tasks: 4 },
    ]) {
      const g = await plan(SELECTIVE, o);
      expect(g.stages.some((s) => s.adaptiveJoin !== undefined)).toBe(false);
      expect(joinDecisions(g.decisions)[0]!.adaptive).toBeUndefined();
    }
    // GROUP BY the join key runs whole in the join's stage: broadcasting would split its groups.
    const g = await plan(
      'SELECT l_orderkey, count(*) FROM lineitem JOIN orders ON l_orderkey = o_orderkey GROUP BY l_orderkey',
      KNOBS,
    );
    const [d] = joinDecisions(g.decisions);
    expect(d!.choice).toBe('partitioned');
    expect(d!.adaptive).toBeUndefined();
    expect(d!.reason).not.toContain('adaptive');
    expect(g.stages.some((s) => s.adaptiveJoin !== undefined)).toBe(false);
  });

  it('gives a side already partitioned on the keys a stage of its own when it is filtered after an aggregate', async () => {
    // The IN subquery's side is grouped on l_orderkey (so it is partitioned on the join key) and
    // then filtered by HAVING: it would be joined in place, colocated; now it may be broadcast.
    const g = await plan(HAVING, KNOBS);
    const [d] = joinDecisions(g.decisions);
    expect(d!.choice).toBe('partitioned');
    expect(d!.adaptive).toMatchObject({ state: 'planned' });
    expect(d!.buildSide).toBe('right');
    const stage = g.stages.find((s) => s.adaptiveJoin !== undefined)!;
    const build = g.stages.find((s) => s.id === stage.adaptiveJoin!.build)!;
    expect(build.distribution).toBe('hash');
    expect(JSON.stringify(build.fragment)).toContain('"kind":"hash_aggregate"');
    // Without the HAVING the aggregate side stays where it is, and the join colocated.
    const plain = await plan(
      'SELECT o_orderpriority, count(*) FROM orders WHERE o_orderkey IN (SELECT l_orderkey FROM lineitem GROUP BY l_orderkey) GROUP BY 1',
      KNOBS,
    );
    expect(joinDecisions(plain.decisions).map((x) => [x.choice, x.adaptive])).toEqual([
      ['colocated', undefined],
    ]);
  });

  it('plans none when the build side waits on another stage (the probe side would be held long)', async () => {
    // The orders side joins a broadcast customer stage first.
    const sql =
      'SELECT c_name, sum(l_quantity) FROM lineitem JOIN (SELECT o_orderkey, c_name FROM orders JOIN customer ON o_custkey = c_custkey) x ON l_orderkey = o_orderkey GROUP BY 1';
    const g = await plan(sql, { ...KNOBS, broadcastLimit: 64 * KiB, inlineBytes: 0 });
    const ds = joinDecisions(g.decisions);
    expect(ds.map((d) => d.choice).sort()).toEqual(['broadcast', 'partitioned']);
    expect(ds.every((d) => d.adaptive === undefined)).toBe(true);
    expect(g.stages.some((s) => s.adaptiveJoin !== undefined)).toBe(false);
  });
});

describe('adaptive joins on in-process tasks (SF 0.01)', () => {
  /** Runs SQL on in-process tasks; its rows must equal Skein's in one process. */
  const run = async (sql: string, h?: Harness) => {
    const plan = await physicalPlan(single, sql);
    h ??= await harness();
    const q = h.coordinator(plan, KNOBS);
    const rows = await rowsOf(q.rows());
    expect(rows).toEqual(await rowsOf(single.runPlan(plan).stream));
    const stats = q.stats();
    const [d] = joinDecisions(stats.decisions);
    return { h, q, rows, stats, d: d! };
  };

  it('broadcasts a build side that turned out small: the probe side is never exchanged', async () => {
    const { h, q, rows, stats, d } = await run(SELECTIVE);
    expect(rows.length).toBeGreaterThan(0);
    expect(d!.choice).toBe('broadcast');
    expect(d!.adaptive).toMatchObject({ state: 'runtime' });
    expect(d!.adaptive!.measuredBuildBytes).toBeLessThan(32 * KiB);
    expect(d!.reason).toMatch(/^adaptive: build side (est\. )?[\d.]+ (B|KiB) × \d+ tasks? ≤ /);
    const probe = stats.stages.find((s) => s.id === d!.adaptive!.probeStage)!;
    expect(probe).toMatchObject({ skipped: true, tasks: 0, spoolBytesWritten: 0 });
    expect(probe.decision?.reason).toMatch(/^skipped: stage \d+ reads stage \d+ whole/);
    // The join ran in a source stage over lineitem's splits, several tasks, each reading the
    // whole build side.
    const joined = q.graphAsRun().stages.find((s) => s.adaptiveJoin !== undefined)!;
    expect(joined.distribution).toBe('source');
    const js = stats.stages.find((s) => s.id === joined.id)!;
    expect(js.tasks).toBeGreaterThan(1);
    // Every task read the same bytes from the spool: the whole build side (lineitem comes from Parquet).
    const read = js.taskStats.map((t) => t.spoolBytesRead);
    expect(read[0]).toBeGreaterThan(0);
    expect(new Set(read).size).toBe(1);
    // EXPLAIN ANALYZE shows the stage as it ran and the choice.
    const text = explainAnalyzeStages(q.graphAsRun(), stats, { buckets: 128 });
    expect(text).toMatch(/join inner on l_orderkey = o_orderkey: broadcast \(adaptive: build side/);
    expect(text).toMatch(new RegExp(`Stage ${probe.id}: 0 tasks \\(skipped: `));
    expect(text).toContain('ExchangeSource: broadcast from stage');
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  });

  it('keeps a join partitioned when the build side is big, and starts its probe side only once decided', async () => {
    const { h, stats, d } = await run(WHOLE);
    expect(d!.choice).toBe('partitioned');
    expect(d!.adaptive).toMatchObject({ state: 'runtime' });
    expect(d!.reason).toMatch(/^adaptive: build side (est\. )?[\d.]+ KiB > broadcast limit 32 KiB/);
    const { probeStage, buildStage } = d!.adaptive!;
    expect(stats.stages.find((s) => s.id === probeStage)!.tasks).toBeGreaterThan(1);
    expect(stats.stages.find((s) => s.id === probeStage)!.skipped).toBeUndefined();
    // The probe side (a lower stage id, ready at once) was held until the build side reported.
    const order = h.invoker.invocations.map((p) => p.spec?.stage);
    expect(probeStage).toBeLessThan(buildStage);
    expect(order.indexOf(probeStage)).toBeGreaterThan(order.indexOf(buildStage));
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  });

  it('broadcasts a filtered aggregate that turned out small into the other side’s scan', async () => {
    const { h, rows, stats, d } = await run(HAVING);
    expect(rows.length).toBeGreaterThan(0);
    expect(d!.choice).toBe('broadcast');
    expect(d!.adaptive!.measuredBuildBytes).toBeLessThan(32 * KiB);
    expect(stats.stages.find((s) => s.id === d!.adaptive!.probeStage)!.skipped).toBe(true);
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  });

  it('decides from the commits when the build side’s LoadInfo is lost', async () => {
    const dropLoads = (queue: MessageQueue): MessageQueue =>
      new Proxy(queue, {
        get(target, key) {
          if (key === 'send') {
            return async (name: string, m: { body: string }) =>
              (JSON.parse(m.body) as { type: string }).type === 'load'
                ? { messageId: 'dropped' }
                : target.send(name, m);
          }
          const v = Reflect.get(target, key);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    const { stats, d } = await run(SELECTIVE, await harness({ taskQueue: dropLoads }));
    expect(stats.stages.every((s) => s.loadInfos === 0)).toBe(true);
    // Decided once a quorum of the build side's tasks committed (their manifests count exactly).
    expect(d!.choice).toBe('broadcast');
    expect(d!.adaptive!.measuredBuildBytes).toBeGreaterThan(0);
    expect(d!.reason).toMatch(
      /\((all \d+ tasks of stage \d+ ended|LoadInfo of \d+ of \d+ tasks of stage \d+, (\d+) ended)\)$/,
    );
  });
});
