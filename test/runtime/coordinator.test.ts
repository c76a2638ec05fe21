/**
 * The coordinator under SQS's and Lambda's bad days, on in-process adapters (tasks run in this
 * thread, so each case is fast): duplicated and reordered events, invocations that run twice,
 * commits of attempts nobody launched, failing and crashing tasks, cancellation — the rows stay
 * right, or the query fails with the task's own error, and nothing is left in the spool.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderBlobStore } from '../../src/adapters/local/folder-blob-store.ts';
import { openBlobStore } from '../../src/adapters/open-blob-store.ts';
import {
  loadTaskSpec,
  TASK_SPEC_VERSION,
  type TaskSpec,
  taskPayload,
} from '../../src/distributed/task-spec.ts';
import { Skein } from '../../src/engine/skein.ts';
import { SkeinError } from '../../src/errors.ts';
import type { PhysicalPlan } from '../../src/physical/plan.ts';
import { runTask } from '../../src/runtime/task-runner.ts';
import { generateTpch } from '../../src/tpch/generate.ts';
import { physicalPlan, tpchQuery } from '../distributed/plan-helpers.ts';
import { filesUnder, harness, removeHarnesses, rowsOf } from './helpers.ts';

let dir: string;
let single: Skein;
let q3: PhysicalPlan;
let expected: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-coordinator-'));
  await generateTpch({ sf: 0.01, out: dir });
  single = new Skein({ data: dir });
  q3 = await physicalPlan(single, await tpchQuery(3));
  expected = await rowsOf(single.runPlan(q3).stream);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await removeHarnesses();
});

describe('QueryCoordinator', () => {
  it('runs a query on in-process tasks and cleans up after itself', async () => {
    const h = await harness();
    const q = h.coordinator(q3);
    expect(await rowsOf(q.rows())).toEqual(expected);
    const stats = q.stats();
    expect(stats.state).toBe('succeeded');
    expect(stats.stages.reduce((s, x) => s + x.tasks, 0)).toBeGreaterThan(stats.stages.length);
    expect(await filesUnder(h.spoolDir)).toEqual([]);
    await expect(h.queue.stats(`skein-${q.queryId}`)).rejects.toThrow(/does not exist/);
    // Only the tombstone that tells late runs the query has ended.
    expect((await h.state.list(`q/${q.queryId}/`)).map((i) => i.key)).toEqual([`q/${q.queryId}/cancel`]);
  });

  it('tolerates duplicated and reordered events (at-least-once delivery)', async () => {
    const h = await harness({ faults: { duplicateProbability: 0.5, reorder: true, seed: 11 } });
    const q = h.coordinator(q3);
    expect(await rowsOf(q.rows())).toEqual(expected);
    expect(q.stats().duplicateEvents).toBeGreaterThan(0);
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  });

  it('ignores the second run of an invocation that ran twice (same attempt, same event ids)', async () => {
    const h = await harness({ plan: (p) => [{ run: p }, { run: p }] });
    const q = h.coordinator(q3);
    expect(await rowsOf(q.rows())).toEqual(expected);
    expect(q.stats().duplicateEvents).toBeGreaterThan(0);
    await h.invoker.idle();
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  });

  it('ignores commits of attempts it never launched, and deletes their output', async () => {
    // Every task also runs as an attempt (1) the coordinator never launched — first, so that its
    // commit surely arrives while the query runs.
    const stray = (p: Record<string, unknown>) => {
      const spec = p.spec as TaskSpec;
      return { spec: { ...spec, attempt: spec.attempt + 1 } };
    };
    const h = await harness({ plan: (p) => [{ run: stray(p) }, { run: p }] });
    const q = h.coordinator(q3);
    expect(await rowsOf(q.rows())).toEqual(expected);
    expect(q.stats().ignoredCommits).toBeGreaterThanOrEqual(
      q.stats().stages.reduce((s, x) => s + x.tasks, 0) - 1,
    );
    await h.invoker.idle();
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  });

  it('runs late invocations to no effect: after the query they find its tombstone', async () => {
    const h = await harness();
    const q = h.coordinator(q3);
    expect(await rowsOf(q.rows())).toEqual(expected);
    // Each task runs again after the query has ended (a delivery that came very late), with its
    // event queue still there (as an SQS queue may be, for a while).
    const events = `skein-${q.queryId}`;
    await h.queue.createQueue(events);
    for (const p of h.invoker.invocations) {
      await runTask(p, { queue: h.queue, state: h.state, openStore: openBlobStore });
    }
    expect(await filesUnder(h.spoolDir)).toEqual([]);
    const bodies: string[] = [];
    for (
      let m = await h.queue.receive(events, { maxMessages: 10 });
      m.length > 0;
      m = await h.queue.receive(events, { maxMessages: 10 })
    ) {
      for (const x of m) {
        bodies.push(x.body);
        await h.queue.delete(events, x.receiptHandle);
      }
    }
    const failed = bodies.map((b) => JSON.parse(b)).filter((e) => e.type === 'failed');
    expect(failed).toHaveLength(h.invoker.invocations.length);
    // Leaf tasks find the tombstone after writing; the others already miss their (deleted) inputs.
    expect(failed.some((e) => e.error.code === 'USER_CANCELED')).toBe(true);
    expect(failed.every((e) => e.error.code === 'USER_CANCELED' || e.error.code === 'EXTERNAL')).toBe(true);
    expect(bodies.some((b) => JSON.parse(b).type === 'commit')).toBe(false);
  });

  it('fails the query with a failing task’s own error, and deletes its spool', async () => {
    const h = await harness();
    const q = h.coordinator(q3, {}, [
      { stage: 1, task: 0, phase: 'commit', code: 'EXECUTION', message: 'injected: the disk is on fire' },
    ]);
    const err = await rowsOf(q.rows()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkeinError);
    expect((err as SkeinError).code).toBe('EXECUTION');
    expect((err as SkeinError).message).toBe('injected: the disk is on fire');
    expect(q.stats().state).toBe('failed');
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  });

  it('fails the query when the invoker reports a crashed task', async () => {
    const h = await harness({
      plan: (p) =>
        p.spec?.stage === 2 && p.spec.task === 0
          ? [{ fail: 'crash', message: 'the thread died' }]
          : [{ run: p }],
    });
    const q = h.coordinator(q3);
    await expect(rowsOf(q.rows())).rejects.toThrow(/task 2\.0 \(attempt 0\) failed: crash: the thread died/);
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  });

  it('stops a CPU-bound task (a nested-loop join over data in memory) soon after a cancel', async () => {
    // ~75,000 × 15,000 pairs, none passing: over 10 s of pure computation with no I/O and no batch
    // out to give timers a turn; tasks run in this thread, so without turns neither the cancel below
    // nor a heartbeat could run before the join ends.
    const slow = await physicalPlan(
      single,
      'SELECT count(*) FROM orders a, orders b, region r WHERE a.o_custkey + b.o_custkey + r.r_regionkey < 0',
    );
    const h = await harness();
    const q = h.coordinator(slow, { tasks: 1 });
    const t0 = performance.now();
    const rows = rowsOf(q.rows());
    setTimeout(() => q.cancel(), 300);
    await expect(rows).rejects.toMatchObject({ code: 'USER_CANCELED' });
    await h.invoker.idle();
    // The cancel ran on time, and the task stopped at its next heartbeat (2 s), not at the end.
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  });

  it('stops when cancelled, with USER_CANCELED', async () => {
    const h = await harness({
      plan: (p) => [{ run: p }],
    });
    const q = h.coordinator(q3);
    const rows = rowsOf(q.rows());
    setTimeout(() => q.cancel(), 5);
    await expect(rows).rejects.toMatchObject({ code: 'USER_CANCELED' });
    expect(q.stats().state).toBe('cancelled');
    await h.invoker.idle();
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  });
});

describe('TaskSpec payloads', () => {
  it('go through the blob store above the payload limit', async () => {
    const spool = await mkdtemp(join(tmpdir(), 'skein-spec-'));
    try {
      const store = new FolderBlobStore(spool);
      const spec = {
        version: TASK_SPEC_VERSION,
        queryId: 'q-1',
        stage: 1,
        task: 2,
        attempt: 0,
        spool,
      } as unknown as TaskSpec;
      const small = await taskPayload(spec, store);
      expect(small.payload).toEqual({ spec });
      const large = await taskPayload(spec, store, 10);
      expect(large.payload).toMatchObject({ specKey: 'tasks/q-1/1/2/0.json', stage: 1, task: 2 });
      expect(await loadTaskSpec(large.payload, () => store)).toEqual(spec);
    } finally {
      await rm(spool, { recursive: true, force: true });
    }
  });
});

describe('embedded mode (worker threads)', () => {
  it('reports a task’s runtime error as single mode does', async () => {
    const sql = 'SELECT CAST(l_comment AS INTEGER) AS x FROM lineitem WHERE l_orderkey < 100';
    const embedded = new Skein({ data: dir, mode: 'embedded', embedded: { tasks: 2, splitSize: 64 * 1024 } });
    try {
      const local = await single.sql(sql).catch((e: unknown) => e as SkeinError);
      const dist = await embedded.sql(sql).catch((e: unknown) => e as SkeinError);
      expect(local).toBeInstanceOf(SkeinError);
      expect(dist).toBeInstanceOf(SkeinError);
      expect((dist as SkeinError).message).toBe((local as SkeinError).message);
      expect((dist as SkeinError).code).toBe((local as SkeinError).code);
    } finally {
      await embedded.close();
    }
  }, 60_000);

  it('backs off when the invoker throttles (fewer threads than tasks in flight)', async () => {
    const embedded = new Skein({
      data: dir,
      mode: 'embedded',
      embedded: { tasks: 4, splitSize: 64 * 1024, maxConcurrency: 4, threads: 1 },
    });
    try {
      let stats:
        | ReturnType<NonNullable<import('../../src/engine/skein.ts').QueryRun['distributed']>['stats']>
        | undefined;
      let rows: string[] = [];
      for await (const r of embedded.execute(await tpchQuery(3))) {
        rows = await rowsOf(r.batches);
        stats = r.query?.distributed?.stats();
      }
      expect(rows).toEqual(expected);
      expect(stats!.requests.throttled).toBeGreaterThan(0);
      expect(stats!.requests.invoke).toBe(stats!.stages.reduce((s, x) => s + x.tasks, 0));
    } finally {
      await embedded.close();
    }
  }, 60_000);
});
