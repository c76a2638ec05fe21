/**
 * Consumers started early (`earlyStart`): a decided consumer stage is launched once every task of
 * its producers runs, and gets their commits over input feeds. The feed's delivery rules (sequence
 * numbers, end-of-feed with the count, duplicates and any order, large messages through the blob
 * store), and whole queries on in-process tasks: the rows stay right under a concurrency cap
 * smaller than the producers' task count; a waiting consumer heartbeats and stops on cancel; a
 * failing producer fails the query and stops the consumers; a second run of a fed attempt leaves.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderBlobStore } from '../../src/adapters/local/folder-blob-store.ts';
import { MemoryMessageQueue } from '../../src/adapters/local/memory-queue.ts';
import type { DistributedOptionsInput } from '../../src/distributed/options.ts';
import type { SpoolReadPlan } from '../../src/distributed/spool/reader.ts';
import { Skein } from '../../src/engine/skein.ts';
import { SkeinError } from '../../src/errors.ts';
import type { PhysicalPlan } from '../../src/physical/plan.ts';
import type { MessageQueue } from '../../src/ports/message-queue.ts';
import { explainAnalyzeStages } from '../../src/runtime/explain-analyze.ts';
import {
  decodeFeedMessage,
  encodeFeedMessage,
  type FeedMessage,
  InputFeedReader,
} from '../../src/runtime/input-feed.ts';
import type { QueryCoordinator } from '../../src/runtime/query-coordinator.ts';
import { generateTpch } from '../../src/tpch/generate.ts';
import { physicalPlan } from '../distributed/plan-helpers.ts';
import { AGGRESSIVE_ADAPTIVE, filesUnder, harness, removeHarnesses, rowsOf } from './helpers.ts';

const read = (rows: number): SpoolReadPlan => ({
  range: { lo: 0, hi: 1 },
  schemas: [],
  reads: [],
  rows,
  bytes: rows,
});

describe('input feeds', () => {
  it('hand out each input’s reads in sequence order, once, whatever the delivery; end on the count', async () => {
    const queue = new MemoryMessageQueue();
    await queue.createQueue('feed');
    const spool = await mkdtemp(join(tmpdir(), 'skein-feed-'));
    try {
      const store = new FolderBlobStore(spool);
      const feed = new InputFeedReader(queue, 'feed', store, new AbortController().signal);
      const send = async (m: FeedMessage) =>
        queue.send('feed', {
          body: (await encodeFeedMessage(m, store, `x/${JSON.stringify(m).length}`)).body,
        });
      // The end first, then the entries out of order and some twice.
      await send({ kind: 'end', total: 4 });
      await send({ kind: 'input', seq: 2, stage: 1, read: read(30) });
      await send({ kind: 'input', seq: 1, stage: 2, read: read(20) });
      await send({ kind: 'input', seq: 2, stage: 1, read: read(30) });
      const stage1: number[] = [];
      const reading = (async () => {
        for await (const r of feed.reads(1)) stage1.push(r.rows);
      })();
      await new Promise((r) => setTimeout(r, 50));
      // Entry 0 has not come: nothing of stage 1 may be read yet (entry 2 waits for it).
      expect(stage1).toEqual([]);
      expect(feed.complete).toBe(false);
      await send({ kind: 'input', seq: 0, stage: 1, read: read(10) });
      await send({ kind: 'input', seq: 3, stage: 1, read: read(40) });
      await reading;
      expect(stage1).toEqual([10, 30, 40]);
      expect(feed.complete).toBe(true);
      expect(feed.rows).toBe(100);
      const stage2: number[] = [];
      for await (const r of feed.reads(2)) stage2.push(r.rows);
      expect(stage2).toEqual([20]);
    } finally {
      await rm(spool, { recursive: true, force: true });
    }
  });

  it('send a message above the queue limit through the blob store', async () => {
    const spool = await mkdtemp(join(tmpdir(), 'skein-feed-'));
    try {
      const store = new FolderBlobStore(spool);
      const m: FeedMessage = { kind: 'input', seq: 7, stage: 3, read: read(5) };
      const small = await encodeFeedMessage(m, store, 'feeds/q/7.json');
      expect(small.storedKey).toBeUndefined();
      const large = await encodeFeedMessage(m, store, 'feeds/q/7.json', 20);
      expect(large.storedKey).toBe('feeds/q/7.json');
      expect(large.body.length).toBeLessThan(JSON.stringify(m).length);
      expect(await decodeFeedMessage(large.body, store)).toEqual(m);
    } finally {
      await rm(spool, { recursive: true, force: true });
    }
  });

  it('stop waiting when the task is cancelled', async () => {
    const queue = new MemoryMessageQueue();
    await queue.createQueue('feed');
    const abort = new AbortController();
    const feed = new InputFeedReader(queue, 'feed', new FolderBlobStore(tmpdir()), abort.signal);
    const reading = (async () => {
      for await (const _ of feed.reads(1));
    })();
    setTimeout(() => abort.abort(new SkeinError('USER_CANCELED', 'cancelled while waiting')), 30);
    await expect(reading).rejects.toThrow(/cancelled while waiting/);
  });
});

// ---------------------------------------------------------------------------------------------
// Whole queries

let dir: string;
let single: Skein;
let join2: PhysicalPlan;
let expected: string[];

/** Knobs that make SF 0.01 look big, with early start; every join partitioned. */
const early: DistributedOptionsInput = { ...AGGRESSIVE_ADAPTIVE, broadcastLimit: 0, earlyStart: true };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-early-'));
  await generateTpch({ sf: 0.01, out: dir, tables: ['lineitem', 'orders'] });
  single = new Skein({ data: dir });
  join2 = await physicalPlan(
    single,
    'SELECT o_orderpriority, count(*), sum(l_quantity) FROM lineitem JOIN orders ON l_orderkey = o_orderkey GROUP BY 1',
  );
  expected = await rowsOf(single.runPlan(join2).stream);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await removeHarnesses();
});

type Sent = { type: string; stage: number; task: number; attempt: number };

/**
 * The queue as tasks see it (the coordinator's sends, feeds included, bypass it), telling `tap` of
 * every event a task sends; `tap` may hold the send back by returning a promise.
 */
function tapQueue(tap: (e: Sent) => Promise<void> | undefined): (q: MessageQueue) => MessageQueue {
  return (q) =>
    new Proxy(q, {
      get(target, key) {
        if (key === 'send') {
          return async (name: string, m: { body: string }) => {
            const e = JSON.parse(m.body) as Sent;
            await tap(e);
            return target.send(name, m);
          };
        }
        const v = Reflect.get(target, key);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
}

/** The stage reading the first stage of the plan (the partitioned join), and that first stage. */
function joinStages(q: QueryCoordinator): { producer: number; consumer: number } {
  const first = q.graph.stages[0]!;
  return { producer: first.id, consumer: first.consumer! };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(f: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(5);
  }
}

describe('consumers started early (in-process tasks, SF 0.01)', () => {
  it('start once every producer task runs, under an invoker that queues what it accepts in any order — same rows', async () => {
    // Like Lambda's asynchronous invocations under a concurrency limit: invocations are accepted at
    // once, at most 2 run, and the rest wait in a queue with no order promised (here: last in,
    // first out). A consumer launched while a producer task still waits there could take the slot
    // it needs: only producer tasks already running may be waited for.
    const log: string[] = [];
    let running = 0;
    const waiting: (() => void)[] = [];
    const h = await harness({
      taskQueue: tapQueue((e) => {
        if (e.type === 'started') log.push(`started ${e.stage}`);
        return undefined;
      }),
      plan: (p) => {
        log.push(`invoke ${p.spec?.stage}`);
        return [{ run: p }];
      },
      runTask: async (payload, run) => {
        if (running >= 2) await new Promise<void>((r) => waiting.push(r));
        running++;
        try {
          await run(payload);
        } finally {
          running--;
          waiting.pop()?.();
        }
      },
    });
    const q = h.coordinator(join2, { ...early, maxConcurrency: 16 });
    expect(await rowsOf(q.rows())).toEqual(expected);
    const stats = q.stats();
    const earlyStages = stats.stages.filter((s) => s.earlyMs !== undefined);
    // The join stage started early, though its producers have more tasks than there are slots.
    const { producer, consumer } = joinStages(q);
    expect(earlyStages.map((s) => s.id)).toContain(consumer);
    expect(stats.stages.find((s) => s.id === producer)!.tasks).toBeGreaterThan(2);
    for (const s of earlyStages) {
      const stage = q.graph.stages.find((x) => x.id === s.id)!;
      const firstInvoke = log.indexOf(`invoke ${s.id}`);
      for (const input of stage.inputs) {
        const starts = log.flatMap((l, i) => (l === `started ${input.stage}` ? [i] : []));
        expect(starts.length).toBe(stats.stages.find((x) => x.id === input.stage)!.tasks);
        expect(firstInvoke).toBeGreaterThan(Math.max(...starts));
      }
      expect(s.decision?.adaptive?.basis).toBe('loadinfo');
      expect(s.decision?.adaptive?.qError).toBeGreaterThanOrEqual(1);
    }
    expect(explainAnalyzeStages(q.graph, stats, { buckets: 128 })).toMatch(
      /started early: [\d.]+ m?s before its producers committed, inputs over feeds/,
    );
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  }, 30_000);

  it('keep a waiting consumer alive with heartbeats, and stop it when the query is cancelled', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let stages: { producer: number; consumer: number } | undefined;
    let heartbeats = 0;
    let consumerStarted = 0;
    const h = await harness({
      taskQueue: tapQueue((e) => {
        if (stages === undefined) return undefined;
        if (e.stage === stages.consumer && e.type === 'heartbeat') heartbeats++;
        if (e.stage === stages.consumer && e.type === 'started') consumerStarted++;
        // One producer task's commit is held back: its consumers wait.
        if (e.stage === stages.producer && e.task === 0 && e.type === 'commit') return held;
        return undefined;
      }),
    });
    // A long drain: the query ends sooner only if every launched task reports its end.
    const q = h.coordinator(join2, early, [], { heartbeatMs: 50, drainMs: 10_000 });
    stages = joinStages(q);
    const rows = rowsOf(q.rows());
    rows.catch(() => {});
    await until(() => consumerStarted > 0 && heartbeats >= 4);
    expect(q.lifecycle).toBe('running');
    const t0 = Date.now();
    q.cancel();
    release();
    await expect(rows).rejects.toThrow(/cancelled/);
    // The waiting consumers saw the cancel at a heartbeat and reported: the drain did not time out.
    expect(Date.now() - t0).toBeLessThan(5000);
    await h.invoker.idle();
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  });

  it('fail the query when a producer fails, and stop the consumers waiting for it', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let stages: { producer: number; consumer: number } | undefined;
    let consumerStarted = 0;
    const h = await harness({
      taskQueue: tapQueue((e) => {
        if (stages === undefined) return undefined;
        if (e.stage === stages.consumer && e.type === 'started') consumerStarted++;
        // The producer's failure is held back until its consumers run.
        if (e.stage === stages.producer && e.task === 0 && e.type === 'failed') return held;
        return undefined;
      }),
    });
    // (A coordinator does nothing until its rows are read: this one only tells the stage ids.)
    stages = joinStages(h.coordinator(join2, early));
    const q = h.coordinator(
      join2,
      early,
      [
        {
          stage: stages.producer,
          task: 0,
          phase: 'commit',
          code: 'EXECUTION',
          message: 'injected producer failure',
        },
      ],
      { heartbeatMs: 50, drainMs: 10_000 },
    );
    const rows = rowsOf(q.rows());
    rows.catch(() => {});
    await until(() => consumerStarted > 0);
    const t0 = Date.now();
    release();
    await expect(rows).rejects.toThrow(/injected producer failure/);
    // The consumers were stopped (at their next heartbeat) and reported: the drain did not time out.
    expect(Date.now() - t0).toBeLessThan(5000);
    await h.invoker.idle();
    const consumer = q.stats().stages.find((s) => s.id === stages!.consumer)!;
    expect(consumer.earlyMs).toBeDefined();
    expect(consumer.taskStats).toEqual([]); // none committed
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  });

  it('feed only the winning commit of a producer task whose invocation ran twice', async () => {
    let stages: { producer: number; consumer: number } | undefined;
    const h = await harness({
      // Every producer invocation of the join's first input runs twice (the second after the first).
      plan: (p) => (p.spec?.stage === stages?.producer ? [{ run: p }, { run: p }] : [{ run: p }]),
    });
    const q = h.coordinator(join2, early);
    stages = joinStages(q);
    expect(await rowsOf(q.rows())).toEqual(expected);
    await h.invoker.idle();
    const stats = q.stats();
    expect(stats.stages.find((s) => s.id === stages!.consumer)!.earlyMs).toBeDefined();
    expect(stats.duplicateEvents).toBeGreaterThan(0);
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  }, 30_000);

  it('let a second run of a fed attempt (an invocation delivered twice, at once) leave its feed to the first', async () => {
    let twins = 0;
    const h = await harness({
      runTask: async (payload, run) => {
        const spec = (payload as { spec?: { feed?: unknown } }).spec;
        if (spec?.feed === undefined) return run(payload);
        twins++;
        await Promise.all([run(payload), run(payload)]);
      },
    });
    const q = h.coordinator(join2, early);
    expect(await rowsOf(q.rows())).toEqual(expected);
    await h.invoker.idle();
    expect(twins).toBeGreaterThan(0);
    expect(q.stats().stages.some((s) => s.earlyMs !== undefined)).toBe(true);
    expect(await filesUnder(h.spoolDir)).toEqual([]);
  }, 30_000);
});
