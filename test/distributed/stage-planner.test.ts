/**
 * The stage planner: where plans are cut, which exchanges and aggregate modes it picks, that the
 * graph is plain JSON, and golden EXPLAIN text of staged TPC-H plans (SF 0.01, 4 tasks forced,
 * 64 KiB splits). Set UPDATE_GOLDEN=1 to rewrite the golden files — then review the diff.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDistributedOptions } from '../../src/distributed/options.ts';
import { fragmentNodes, planStages, undistributableReason } from '../../src/distributed/plan-stages.ts';
import type { JoinDecision, Stage, StageGraph } from '../../src/distributed/stage-graph.ts';
import { EmbeddedRuntime } from '../../src/engine/embedded.ts';
import { Skein } from '../../src/engine/skein.ts';
import type { PhysicalPlan } from '../../src/physical/plan.ts';
import { generateTpch } from '../../src/tpch/generate.ts';
import { physicalPlan, tpchQuery } from './plan-helpers.ts';

let dir: string;
let db: Skein;
const forced = resolveDistributedOptions({ tasks: 4, splitSize: 64 * 1024, maxConcurrency: 4 });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-stage-planner-'));
  await generateTpch({ sf: 0.01, out: dir });
  db = new Skein({ data: dir });
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function stages(sql: string, options = forced): Promise<StageGraph> {
  return planStages(await physicalPlan(db, sql), options);
}

function kinds(s: Stage): string[] {
  return fragmentNodes(s.fragment).map((n) =>
    n.kind === 'hash_aggregate'
      ? `hash_aggregate:${n.config.mode}`
      : n.kind === 'exchange_source'
        ? `exchange:${n.exchange}`
        : n.kind,
  );
}

function joins(g: StageGraph): JoinDecision[] {
  return g.decisions.filter((d): d is JoinDecision => d.kind === 'join');
}

function root(g: StageGraph): Stage {
  return g.stages.find((s) => s.id === g.root)!;
}

describe('cutting plans into stages', () => {
  it('splits an aggregate into partial below a hash exchange and final above it (Q1)', async () => {
    const g = await stages(await tpchQuery(1));
    const [leaf, agg, top] = g.stages;
    expect(g.stages).toHaveLength(3);
    expect(leaf!.distribution).toBe('source');
    expect(kinds(leaf!)).toContain('hash_aggregate:partial');
    expect(leaf!.output).toEqual({ kind: 'hash', keys: [0, 1] });
    expect(agg!.distribution).toBe('hash');
    expect(kinds(agg!).slice(0, 2)).toEqual(['hash_aggregate:final', 'exchange:hash']);
    expect(agg!.output.kind).toBe('gather');
    // ORDER BY runs on one task, reading a gather; its output is the result.
    expect(top!.distribution).toBe('single');
    expect(kinds(top!)).toEqual(['sort', 'exchange:gather']);
    expect(top!.output.kind).toBe('result');
    expect(g.root).toBe(3);
  });

  it('splits a global aggregate into partials and a final behind a gather (Q6)', async () => {
    const g = await stages(await tpchQuery(6));
    expect(g.stages).toHaveLength(2);
    expect(g.stages[0]!.output.kind).toBe('gather');
    expect(kinds(g.stages[1]!)).toEqual(['hash_aggregate:final', 'exchange:gather']);
  });

  it('keeps DISTINCT aggregates whole: their input is hashed on the group keys (Q16)', async () => {
    const g = await stages(await tpchQuery(16));
    const agg = g.stages
      .flatMap((s) => fragmentNodes(s.fragment))
      .find((n) => n.kind === 'hash_aggregate' && n.config.aggregates.some((a) => a.distinct)) as Extract<
      PhysicalPlan,
      { kind: 'hash_aggregate' }
    >;
    expect(agg.config.mode).toBe('single');
    expect(agg.input.kind).toBe('exchange_source');
  });

  it('gathers a partial TopK per task into a final TopK (Q3)', async () => {
    const g = await stages(await tpchQuery(3));
    const top = root(g);
    expect(kinds(top)).toEqual(['top_k', 'exchange:gather']);
    const below = g.stages.find((s) => s.consumer === top.id)!;
    expect(kinds(below)[0]).toBe('top_k');
  });

  it('broadcasts small build sides into the probe side stage', async () => {
    const g = await stages(await tpchQuery(3), resolveDistributedOptions({ ...forced, inlineBytes: 0 }));
    expect(joins(g).map((d) => d.choice)).toEqual(['broadcast', 'broadcast']);
    const broadcasts = g.stages.filter((s) => s.output.kind === 'broadcast');
    expect(broadcasts).toHaveLength(2);
  });

  it('computes tiny build sides in every probe task instead of broadcasting them (Q3 at SF 0.01)', async () => {
    const g = await stages(await tpchQuery(3));
    expect(g.stages).toHaveLength(3);
    const leaf = g.stages[0]!;
    const tables = (ids: readonly number[]) =>
      fragmentNodes(leaf.fragment).flatMap((n) =>
        n.kind === 'parquet_scan' && ids.includes(n.id) ? [n.table] : [],
      );
    expect(tables(leaf.scans)).toEqual(['lineitem']);
    expect(tables(leaf.replicatedScans).sort()).toEqual(['customer', 'orders']);
    expect(joins(g).every((d) => d.choice === 'broadcast' && /computed in every task/.test(d.reason))).toBe(
      true,
    );
  });

  it('partitions both sides of a join on its keys when broadcasting is ruled out', async () => {
    const g = await stages(await tpchQuery(3), resolveDistributedOptions({ ...forced, broadcastLimit: 0 }));
    expect(joins(g).map((d) => d.choice)).toEqual(['partitioned', 'partitioned']);
    // The first join's stage reads two hash exchanges bucketed on the join keys.
    const joinStage = g.stages.find(
      (s) => s.inputs.length === 2 && s.inputs.every((i) => i.exchange === 'hash'),
    )!;
    expect(joinStage.distribution).toBe('hash');
    const producers = joinStage.inputs.map((i) => g.stages.find((s) => s.id === i.stage)!);
    for (const p of producers) expect(p.output.kind).toBe('hash');
  });

  it('never broadcasts a preserved build side (left join building on the left: Q13)', async () => {
    const g = await stages(await tpchQuery(13));
    const join = joins(g).find((d) => d.joinType === 'left')!;
    expect(join.buildSide).toBe('left');
    expect(join.choice).toBe('partitioned');
  });

  it('broadcasts the build side of a NOT IN (null-aware) join whatever its size', async () => {
    const g = await stages(
      'SELECT count(*) FROM orders WHERE o_custkey NOT IN (SELECT CASE WHEN c_acctbal > 0 THEN c_custkey END FROM customer)',
      resolveDistributedOptions({ ...forced, broadcastLimit: 0 }),
    );
    const join = joins(g)[0]!;
    expect(join.joinType).toBe('null_aware_anti');
    expect(join.choice).toBe('broadcast');
  });

  it('reuses an existing partitioning: an aggregate on the join key needs no new exchange (Q18)', async () => {
    const g = await stages(await tpchQuery(18), resolveDistributedOptions({ ...forced, broadcastLimit: 0 }));
    expect(joins(g).some((d) => d.choice === 'colocated')).toBe(true);
  });

  it('writes only the columns the consumer reads', async () => {
    const g = await stages(await tpchQuery(13));
    const orders = g.stages.find((s) =>
      fragmentNodes(s.fragment).some((n) => n.kind === 'parquet_scan' && n.table === 'orders'),
    )!;
    const names = orders.columns.map((c) => orders.fragment.schema[c]!.name);
    expect(names).not.toContain('o_comment');
    expect(names).toContain('o_custkey');
  });

  it('is plain data: the graph survives JSON', async () => {
    const g = await stages(await tpchQuery(9));
    expect(JSON.parse(JSON.stringify(g))).toEqual(g);
  });

  it('runs a query whose whole input is tiny as one task (unless tasks are forced)', async () => {
    const g = await stages(await tpchQuery(3), resolveDistributedOptions({ maxConcurrency: 2 }));
    expect(g.stages).toHaveLength(1);
    expect(g.stages[0]!.distribution).toBe('single');
    expect(g.decisions[0]).toMatchObject({ kind: 'single_task' });
    expect(kinds(g.stages[0]!)).not.toContain('exchange_source');
  });

  it('names plans it cannot distribute (memory tables)', async () => {
    const mem = new Skein();
    await mem.sql('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)');
    const plan = await physicalPlan(mem, 'SELECT x FROM t');
    expect(undistributableReason(plan)).toMatch(/memory table 't'/);
    expect(() => planStages(plan, forced)).toThrow(/cannot run distributed/);
  });
});

describe('golden staged EXPLAIN (SF 0.01, 4 tasks, 64 KiB splits)', () => {
  const runtime = new EmbeddedRuntime({ tasks: 4, splitSize: 64 * 1024, maxConcurrency: 4 });
  for (const n of [1, 3, 9, 13, 18, 21]) {
    it(`q${n}`, async () => {
      const text = await runtime.explain(await physicalPlan(db, await tpchQuery(n)));
      const file = new URL(`./golden/q${String(n).padStart(2, '0')}.txt`, import.meta.url);
      if (process.env.UPDATE_GOLDEN || !existsSync(file)) await writeFile(file, `${text}\n`);
      expect(text).toBe((await readFile(file, 'utf8')).replace(/\n$/, ''));
    });
  }
});
