/**
 * Adaptive fan-out (DESIGN §3.6): the decision on synthetic producer loads (tiny, skewed, empty,
 * all ended before the quorum), the distinct-value sketch and the Sampler's timing, and whole
 * queries on in-process tasks whose LoadInfo is lost, duplicated or late — the rows stay right and
 * the decision falls back to the commits when it must.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModeFromFlags } from '../../src/cli/distributed-flags.ts';
import {
  decideAdaptiveTaskCount,
  estimateProducerOutput,
  type ProducerTaskLoad,
  quorumReached,
  withActualBytes,
} from '../../src/distributed/adaptive-fanout.ts';
import { resolveDistributedOptions } from '../../src/distributed/options.ts';
import { Skein } from '../../src/engine/skein.ts';
import { hashColumns } from '../../src/exec/hash/hash.ts';
import { i64Vector } from '../../src/exec/vector.ts';
import type { PhysicalPlan } from '../../src/physical/plan.ts';
import type { MessageQueue } from '../../src/ports/message-queue.ts';
import type { LoadInfo } from '../../src/runtime/events.ts';
import { explainAnalyzeStages } from '../../src/runtime/explain-analyze.ts';
import type { QueryStats } from '../../src/runtime/query-coordinator.ts';
import { Sampler, streamingFragment } from '../../src/runtime/sampler.ts';
import { DistinctSketch, SKETCH_SEED } from '../../src/runtime/sampler-sketch.ts';
import { generateTpch } from '../../src/tpch/generate.ts';
import { physicalPlan, tpchQuery } from '../distributed/plan-helpers.ts';
import { AGGRESSIVE_ADAPTIVE, filesUnder, harness, removeHarnesses, rowsOf } from './helpers.ts';

const MiB = 2 ** 20;
const options = resolveDistributedOptions({ targetBytesPerTask: 64 * MiB, maxConcurrency: 2 });

const sampled = (weight: number, bytes: number, progress: number): ProducerTaskLoad => ({
  weight,
  state: 'sampled',
  bytes,
  progress,
});
const ended = (weight: number, bytes: number): ProducerTaskLoad => ({
  weight,
  state: 'ended',
  bytes,
  progress: 1,
});
const unknown = (weight: number): ProducerTaskLoad => ({ weight, state: 'unknown', bytes: 0, progress: 0 });

describe('adaptive fan-out decisions', () => {
  it('extrapolates by driver progress, then by assigned input for the tasks not heard from', () => {
    // 10 MiB after a quarter of its input → 40 MiB; the other task has twice the input → 80 MiB.
    const est = estimateProducerOutput(1, [sampled(100, 10 * MiB, 0.25), unknown(200)]);
    expect(est).toEqual({ stage: 1, bytes: 120 * MiB, tasks: 2, reported: 1, ended: 0 });
    const d = decideAdaptiveTaskCount({ estimates: [est], basis: 'loadinfo', buckets: 128, options });
    expect(d.tasks).toBe(2);
    expect(d.policy).toBe('adaptive');
    expect(d.reason).toBe('est. 120 MiB ÷ 64 MiB per task (LoadInfo of 1 of 2 producer tasks, 0 ended)');
  });

  it('extrapolates a producer that emits after its input (an aggregate) per task, not by weight', () => {
    // 8 partial aggregates of 4 groups each; the two smallest splits ended first.
    const loads = [ended(1, 600), ended(2, 600), ...[40, 40, 40, 40, 40, 40].map(unknown)];
    expect(estimateProducerOutput(1, loads, false).bytes).toBe(8 * 600);
    // By weight (right for streaming producers), the same reports would say ~80×.
    expect(estimateProducerOutput(1, loads).bytes).toBe(1200 + (1200 / 3) * 240);
  });

  it('gives a tiny stage one task', () => {
    const est = estimateProducerOutput(1, [ended(1, 1000), sampled(1, 500, 0.5), unknown(1), unknown(1)]);
    const d = decideAdaptiveTaskCount({ estimates: [est], basis: 'loadinfo', buckets: 128, options });
    expect(d.tasks).toBe(1);
    expect(d.reason).toMatch(/^tiny: est\. 3\.9 KiB < 4 MiB/);
  });

  it('sizes a skewed producer by what its heavy task will bring', () => {
    // One task has 90 % of the input and reported early; the light ones ended small.
    const loads = [sampled(900, 100 * MiB, 0.1), ended(50, MiB), ended(50, MiB)];
    const est = estimateProducerOutput(1, loads);
    expect(est.bytes).toBe(1002 * MiB);
    const d = decideAdaptiveTaskCount({ estimates: [est], basis: 'loadinfo', buckets: 128, options });
    expect(d.tasks).toBe(16);
  });

  it('decides an empty input exactly: one task', () => {
    const loads = [ended(10, 0), ended(10, 0), ended(10, 0)];
    expect(quorumReached(loads, 0.2)).toBe(true);
    const est = estimateProducerOutput(1, loads);
    expect(est).toEqual({ stage: 1, bytes: 0, tasks: 3, reported: 3, ended: 3 });
    const d = decideAdaptiveTaskCount({ estimates: [est], basis: 'loadinfo', buckets: 128, options });
    expect(d.tasks).toBe(1);
    expect(d.reason).toBe('tiny: 0 B < 4 MiB (all 3 producer tasks ended)');
  });

  it('is exact when every producer ended before the quorum was even looked at', () => {
    const loads: ProducerTaskLoad[] = [
      { weight: 1, state: 'committed', bytes: 300 * MiB, progress: 1 },
      ended(1, 200 * MiB),
    ];
    const d = decideAdaptiveTaskCount({
      estimates: [estimateProducerOutput(4, loads)],
      basis: 'loadinfo',
      buckets: 128,
      options,
    });
    expect(d.tasks).toBe(8);
    expect(d.reason).toBe('500 MiB ÷ 64 MiB per task (all 2 producer tasks ended)');
    expect(withActualBytes(d, 500 * MiB).adaptive?.qError).toBe(1);
  });

  it('waits for a quorum; a LoadInfo at progress 0 does not count', () => {
    const ten = (i: number) =>
      Array.from({ length: 10 }, (_, k) => (k < i ? sampled(1, 10, 0.5) : unknown(1)));
    expect(quorumReached(ten(1), 0.2)).toBe(false);
    expect(quorumReached(ten(2), 0.2)).toBe(true);
    expect(quorumReached([sampled(1, 10, 0), unknown(1)], 0.5)).toBe(false);
    expect(estimateProducerOutput(1, [sampled(1, 10, 0)]).bytes).toBeNull();
    expect(quorumReached([], 0.2)).toBe(false);
  });

  it('caps at the buckets and at max tasks, and records the q-error against what came', () => {
    const est = estimateProducerOutput(1, [ended(1, 10_000 * MiB)]);
    const capped = decideAdaptiveTaskCount({ estimates: [est], basis: 'loadinfo', buckets: 32, options });
    expect(capped.tasks).toBe(32);
    expect(capped.reason).toMatch(/capped at 32 \(32 buckets\)/);
    const few = resolveDistributedOptions({ maxTasks: 5 });
    expect(
      decideAdaptiveTaskCount({ estimates: [est], basis: 'loadinfo', buckets: 128, options: few }).tasks,
    ).toBe(5);
    const d = withActualBytes(
      decideAdaptiveTaskCount({
        estimates: [estimateProducerOutput(1, [sampled(1, MiB, 0.5)])],
        basis: 'loadinfo',
        buckets: 128,
        options,
      }),
      8 * MiB,
    );
    expect(d.adaptive?.estimatedBytes).toBe(2 * MiB);
    expect(d.adaptive?.actualBytes).toBe(8 * MiB);
    expect(d.adaptive?.qError).toBe(4);
  });

  it('is chosen with --fanout (adaptive by default, static the baseline)', () => {
    expect(runModeFromFlags({ fanout: 'static' }).embedded).toEqual({ fanout: 'static' });
    expect(runModeFromFlags({ fanout: 'adaptive', tasks: '3' }).embedded).toEqual({
      fanout: 'adaptive',
      tasks: 3,
    });
    expect(() => runModeFromFlags({ fanout: 'dynamic' })).toThrow(
      /--fanout must be adaptive or static, got 'dynamic'/,
    );
    expect(() => runModeFromFlags({ mode: 'single', fanout: 'static' })).toThrow(/need --mode embedded/);
    expect(runModeFromFlags({ 'early-start': true }).embedded).toEqual({ earlyStart: true });
    expect(runModeFromFlags({}).embedded).toEqual({});
    expect(() => runModeFromFlags({ 'early-start': true, fanout: 'static' })).toThrow(
      /--early-start needs --fanout adaptive/,
    );
    expect(() => runModeFromFlags({ mode: 'single', 'early-start': true })).toThrow(/need --mode embedded/);
  });

  it('validates its knobs', () => {
    expect(() => resolveDistributedOptions({ quorum: 0 })).toThrow(/quorum must be a fraction/);
    expect(() => resolveDistributedOptions({ fanout: 'sometimes' as 'static' })).toThrow(/fanout must be/);
    expect(resolveDistributedOptions().fanout).toBe('adaptive');
  });
});

describe('DistinctSketch', () => {
  it('estimates distinct values within a few percent, whatever the repeats, and skips NULLs', () => {
    for (const distinct of [10, 1000, 200_000]) {
      const n = 300_000;
      const values = new BigInt64Array(n);
      for (let i = 0; i < n; i++) values[i] = BigInt((i * 7919) % distinct);
      const validity = new Uint8Array(Math.ceil(n / 8)).fill(0xff);
      validity[0] = 0xfe; // row 0 (value 0) is NULL; value 0 comes again at row `distinct`
      const v = i64Vector({ kind: 'int64' }, values, validity);
      const s = new DistinctSketch();
      s.addHashes(hashColumns([v], n, new Uint32Array(n), SKETCH_SEED), n, v.validity);
      expect(Math.abs(s.estimate() - distinct) / distinct).toBeLessThan(0.05);
    }
  });
});

describe('Sampler', () => {
  const schema = [
    { name: 'k', type: { kind: 'int64' as const }, nullable: true },
    { name: 'unread', type: { kind: 'int64' as const }, nullable: true },
  ];
  // Only `kind`, `schema` and the inputs matter to the Sampler.
  const scan = { kind: 'values', id: 1, schema, estimatedRows: null, rows: [] } as unknown as PhysicalPlan;
  const aggregate = { kind: 'hash_aggregate', id: 2, schema, input: scan } as unknown as PhysicalPlan;
  const batch = (n: number, from: number) => {
    const values = BigInt64Array.from({ length: n }, (_, i) => BigInt((from + i) % 300));
    const validity = new Uint8Array(Math.ceil(n / 8)).fill(0xff);
    validity[0] = 0xfe; // one NULL per batch
    const v = i64Vector({ kind: 'int64' }, values, validity);
    return { schema, length: n, columns: [v, v] };
  };
  const make = (fragment: PhysicalPlan, progress = () => 0.25) => {
    const sent: LoadInfo[] = [];
    const sampler = new Sampler({
      sample: { rows: 1000, bytes: 1 << 30, ms: 60_000, inputRows: 0, scans: [] },
      fragment,
      columns: [0],
      progress,
      report: async (l) => {
        sent.push(l);
      },
      t0: performance.now(),
    });
    return { sampler, sent };
  };

  it('reports once, after the row bound, with per column figures and driver progress', async () => {
    const { sampler, sent } = make(scan);
    await sampler.observe(batch(600, 0), 4800);
    expect(sent).toEqual([]);
    await sampler.observe(batch(600, 600), 4800);
    await sampler.observe(batch(600, 1200), 4800);
    await sampler.end();
    await sampler.fail();
    expect(sent.length).toBe(1);
    const l = sent[0]!;
    expect(l).toMatchObject({ rows: 1200, bytes: 9600, progress: 0.25, ended: false });
    expect(l.failed).toBeUndefined();
    expect(l.nullFraction[0]).toBeCloseTo(2 / 1200, 10);
    expect(l.columnBytes[0]).toBeGreaterThan(9600);
    expect(l.columnBytes[1]).toBe(0); // not written: not sampled
    expect(Math.abs(l.distinct[0]! - 300) / 300).toBeLessThan(0.05);
  });

  it('reports a blocking fragment only at its end (exact), and an empty one too', async () => {
    const { sampler, sent } = make(aggregate);
    await sampler.observe(batch(2000, 0), 16000);
    expect(sent).toEqual([]);
    await sampler.end();
    expect(sent).toMatchObject([{ rows: 2000, bytes: 16000, progress: 1, ended: true }]);

    const empty = make(scan);
    await empty.sampler.end();
    expect(empty.sent).toMatchObject([{ rows: 0, bytes: 0, progress: 1, ended: true, nullFraction: [0, 0] }]);
  });

  it('sends an explicit end for an attempt that fails before reporting', async () => {
    const { sampler, sent } = make(scan, () => 0.1);
    await sampler.observe(batch(10, 0), 80);
    await sampler.fail();
    expect(sent).toMatchObject([{ rows: 10, progress: 0.1, ended: true, failed: true }]);
  });
});

// ---------------------------------------------------------------------------------------------
// Whole queries

let dir: string;
let single: Skein;
let q3: PhysicalPlan;
let expected: string[];

const aggressive = AGGRESSIVE_ADAPTIVE;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-adaptive-'));
  await generateTpch({ sf: 0.01, out: dir, tables: ['lineitem', 'orders', 'customer'] });
  single = new Skein({ data: dir });
  q3 = await physicalPlan(single, await tpchQuery(3));
  expected = await rowsOf(single.runPlan(q3).stream);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await removeHarnesses();
});

/** The queue as tasks see it, with their LoadInfo events passed to `load` instead of sent. */
function loadQueue(
  load: (
    send: () => Promise<unknown>,
    body: string,
    later: (f: () => Promise<unknown>) => void,
  ) => Promise<unknown>,
): (q: MessageQueue) => MessageQueue {
  return (q) => {
    const held = new Map<string, (() => Promise<unknown>)[]>();
    return new Proxy(q, {
      get(target, key) {
        if (key === 'send') {
          return async (name: string, m: { body: string }) => {
            const e = JSON.parse(m.body) as { type: string; stage: number; task: number; attempt: number };
            const attempt = `${e.stage}.${e.task}.${e.attempt}`;
            if (e.type === 'load') {
              return load(
                () => target.send(name, m),
                m.body,
                (f) => held.set(attempt, [...(held.get(attempt) ?? []), f]),
              );
            }
            const sent = await target.send(name, m);
            for (const f of held.get(attempt) ?? []) await f();
            held.delete(attempt);
            return sent;
          };
        }
        const v = Reflect.get(target, key);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };
}

function adaptiveStages(stats: QueryStats) {
  return stats.stages.filter((s) => s.decision?.policy === 'adaptive');
}

/** Producer stages (all but the root) must have sent exactly one LoadInfo per task. */
function expectOneLoadInfoPerTask(stats: QueryStats) {
  for (const s of stats.stages) {
    if (s.output !== 'result') expect(s.loadInfos, `stage ${s.id}`).toBe(s.tasks);
  }
}

describe('adaptive fan-out on in-process tasks (TPC-H Q3, SF 0.01)', () => {
  it('decides consumer stages from LoadInfo before their producers commit, and records est. vs actual', async () => {
    const h = await harness();
    const q = h.coordinator(q3, aggressive);
    expect(await rowsOf(q.rows())).toEqual(expected);
    const stats = q.stats();
    expectOneLoadInfoPerTask(stats);
    const decided = adaptiveStages(stats);
    expect(decided.length).toBeGreaterThan(0);
    // EXPLAIN ANALYZE shows each decision with its inputs and what came.
    const text = explainAnalyzeStages(q.graph, stats, { buckets: 128 });
    expect(text).toMatch(
      /Stage \d+: \d+ tasks? \((tiny: )?est\. [\d.]+ [KM]?i?B (÷ 32 KiB per task|< 0 B) \(LoadInfo of \d+ of \d+ producer tasks/,
    );
    expect(text).toMatch(
      /decision: adaptive: est\. [\d.]+ K?i?B, actual [\d.]+ K?i?B \(q-error \d+\.\d\d\), known [\d.]+ m?s before the producers committed/,
    );
    for (const s of decided) {
      const a = s.decision!.adaptive!;
      expect(a.basis).toBe('loadinfo');
      // What its hash producers committed.
      const producers = stats.stages.filter((p) => a.estimates.some((e) => e.stage === p.id));
      expect(a.actualBytes).toBe(producers.reduce((x, p) => x + p.bytesOut, 0));
      expect(a.qError).toBeGreaterThanOrEqual(1);
      expect(s.tasks).toBe(Math.max(1, Math.min(128, Math.ceil(a.estimatedBytes / (32 * 1024)))));
    }
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  });

  it('extrapolates streaming producers from LoadInfo taken in the middle of their output', async () => {
    // A partitioned join: both sides are hashed straight from their scans, so the producers'
    // first LoadInfo comes after 500 rows, long before they end.
    const join = await physicalPlan(
      single,
      'SELECT o_orderpriority, count(*) FROM lineitem JOIN orders ON l_orderkey = o_orderkey GROUP BY 1',
    );
    const h = await harness();
    const q = h.coordinator(join, { ...aggressive, broadcastLimit: 0 });
    const rows = await rowsOf(q.rows());
    expect(rows).toEqual(await rowsOf(single.runPlan(join).stream));
    const stats = q.stats();
    expectOneLoadInfoPerTask(stats);
    const joinStage = adaptiveStages(stats).find((s) => s.decision!.adaptive!.estimates.length === 2);
    const a = joinStage!.decision!.adaptive!;
    expect(a.basis).toBe('loadinfo');
    expect(a.estimates.some((e) => e.reported > e.ended)).toBe(true);
    // Extrapolated by progress, the estimate is close to what came.
    expect(a.qError).toBeLessThan(1.5);
    expect(joinStage!.decision!.reason).toMatch(
      /^est\. .* ÷ 32 KiB per task \(LoadInfo of \d+ of \d+ producer tasks, \d+ ended\)$/,
    );
  });

  it('falls back to the commits when LoadInfo is lost', async () => {
    const h = await harness({ taskQueue: loadQueue(async () => ({ messageId: 'dropped' })) });
    const q = h.coordinator(q3, aggressive);
    expect(await rowsOf(q.rows())).toEqual(expected);
    const stats = q.stats();
    const decided = adaptiveStages(stats);
    expect(decided.length).toBeGreaterThan(0);
    for (const s of decided) {
      expect(s.loadInfos).toBe(0);
      expect(s.decision!.adaptive!.basis).toBe('manifests');
    }
  });

  it('counts a duplicated LoadInfo once', async () => {
    const h = await harness({
      taskQueue: loadQueue(async (send) => {
        await send();
        return send();
      }),
    });
    const q = h.coordinator(q3, aggressive);
    expect(await rowsOf(q.rows())).toEqual(expected);
    const stats = q.stats();
    expect(stats.duplicateEvents).toBeGreaterThan(0);
    expectOneLoadInfoPerTask(stats);
    expect(adaptiveStages(stats).every((s) => s.decision!.adaptive!.basis === 'loadinfo')).toBe(true);
  });

  it('ignores a LoadInfo that comes after its task committed (decided from the commits)', async () => {
    // Each LoadInfo is held back until its attempt's commit has been sent.
    const h = await harness({
      taskQueue: loadQueue(async (send, _body, later) => {
        later(send);
        return { messageId: 'held' };
      }),
    });
    const q = h.coordinator(q3, aggressive);
    expect(await rowsOf(q.rows())).toEqual(expected);
    const stats = q.stats();
    for (const s of adaptiveStages(stats)) expect(s.decision!.adaptive!.basis).toBe('manifests');
    expect(adaptiveStages(stats).length).toBeGreaterThan(0);
  });

  it('sends one LoadInfo for an empty output, and for an attempt that failed', async () => {
    const h = await harness();
    const empty = await physicalPlan(
      single,
      'SELECT l_orderkey, count(*) FROM lineitem WHERE l_quantity < 0 GROUP BY l_orderkey',
    );
    const q = h.coordinator(empty, aggressive);
    expect(await rowsOf(q.rows())).toEqual([]);
    const stats = q.stats();
    expectOneLoadInfoPerTask(stats);
    const [final] = adaptiveStages(stats);
    expect(final?.tasks).toBe(1);
    expect(final?.decision?.adaptive?.estimatedBytes).toBe(0);
    expect(final?.decision?.reason).toMatch(
      /^est\. 0 B ÷ 32 KiB per task \(LoadInfo of \d+ of \d+ producer tasks, \d+ ended\)$/,
    );

    const failing = await harness();
    const f = failing.coordinator(q3, aggressive, [
      { stage: 1, task: 0, phase: 'start', code: 'EXECUTION', message: 'injected' },
    ]);
    await expect(rowsOf(f.rows())).rejects.toThrow(/injected/);
    expect(f.stats().stages[0]!.loadInfos).toBeGreaterThanOrEqual(1);
  });

  it('leaves static fan-out and forced task counts alone (no sampling)', async () => {
    const h = await harness();
    const q = h.coordinator(q3, { ...aggressive, fanout: 'static' });
    expect(await rowsOf(q.rows())).toEqual(expected);
    const stats = q.stats();
    expect(adaptiveStages(stats)).toEqual([]);
    expect(stats.stages.every((s) => s.loadInfos === 0)).toBe(true);
  });
});

describe('driver progress of CSV scans', () => {
  it('counts the bytes of the files read, so a CSV producer is extrapolated from its LoadInfo', async () => {
    // 8 files of 1500 rows; 4 leaf tasks of 2 files each, whose LoadInfo comes in their second file.
    const csvDir = await mkdtemp(join(tmpdir(), 'skein-csv-progress-'));
    try {
      await mkdir(join(csvDir, 't'));
      for (let f = 0; f < 8; f++) {
        const lines = ['k,v'];
        for (let i = 0; i < 1500; i++) lines.push(`${f * 1500 + i},${(i * 7) % 1000}`);
        await writeFile(join(csvDir, 't', `part-${f}.csv`), `${lines.join('\n')}\n`);
      }
      const db = new Skein({ data: csvDir });
      const plan = await physicalPlan(db, 'SELECT count(*), sum(a.v) FROM t a JOIN t b ON a.k = b.k');
      const h = await harness();
      const q = h.coordinator(plan, {
        ...aggressive,
        bytesPerTask: 28 * 1024,
        sampleRows: 2000,
        broadcastLimit: 0,
        quorum: 0.1,
      });
      expect(await rowsOf(q.rows())).toEqual(await rowsOf(db.runPlan(plan).stream));
      const stats = q.stats();
      const leaves = stats.stages.filter((s) => s.distribution === 'source');
      expect(leaves.every((s) => s.tasks === 4)).toBe(true);
      const join2 = adaptiveStages(stats).find((s) => s.decision!.adaptive!.estimates.length === 2)!;
      const a = join2.decision!.adaptive!;
      // Decided from LoadInfo taken in the middle of the CSV producers' output (driver progress
      // above 0), not only from those that had ended, and close to what came.
      expect(a.basis).toBe('loadinfo');
      expect(a.estimates.some((e) => e.reported > e.ended)).toBe(true);
      expect(a.qError).toBeLessThan(1.2);
    } finally {
      await rm(csvDir, { recursive: true, force: true });
    }
  });
});

describe('streamingFragment', () => {
  it('says whether first batches can be extrapolated (not above an aggregate)', () => {
    expect(streamingFragment(q3)).toBe(false);
    let join: PhysicalPlan | undefined;
    const walk = (p: PhysicalPlan) => {
      if (p.kind === 'hash_join' && join === undefined) join = p;
      for (const c of 'input' in p ? [p.input] : 'left' in p ? [p.left, p.right] : []) walk(c);
    };
    walk(q3);
    expect(join).toBeDefined();
    expect(streamingFragment(join!)).toBe(true);
  });
});
