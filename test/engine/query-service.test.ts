/**
 * The query service on the local adapters: records move QUEUED → PLANNING → RUNNING → FINISHED |
 * FAILED in the state store, results are spool manifests that the reader reads back, errors carry
 * code and position, cancel and release leave nothing behind, SET SESSION is reported, failed
 * invocations arrive through the failure queue. Tasks run in this thread (runTask on the same
 * in-memory queue and state store the embedded runtime uses), on TPC-H SF 0.01 tables.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderBlobStore } from '../../src/adapters/local/folder-blob-store.ts';
import { MemoryMessageQueue } from '../../src/adapters/local/memory-queue.ts';
import { MemoryStateStore } from '../../src/adapters/local/memory-state-store.ts';
import { openBlobStore } from '../../src/adapters/open-blob-store.ts';
import { Catalog } from '../../src/catalog/catalog.ts';
import { FooterCache } from '../../src/distributed/splits.ts';
import {
  getQueryRecord,
  type QueryRecord,
  type QueryRequest,
  type QueryServiceDeps,
  queryRecordKey,
  readQueryResult,
  releaseQuery,
  requestCancel,
  runQueryRequest,
} from '../../src/engine/query-service.ts';
import { Skein } from '../../src/engine/skein.ts';
import { invocationFailureRecord } from '../../src/ports/invoker.ts';
import { newQueryId } from '../../src/runtime/query-coordinator.ts';
import { runTask } from '../../src/runtime/task-runner.ts';
import { generateTpch } from '../../src/tpch/generate.ts';
import { filesUnder, InProcessInvoker, rowsOf } from '../runtime/helpers.ts';

let data: string;
let spoolDir: string;
const FAILURES = 'skein-failures';

beforeAll(async () => {
  data = await mkdtemp(join(tmpdir(), 'skein-qs-data-'));
  spoolDir = await mkdtemp(join(tmpdir(), 'skein-qs-spool-'));
  await generateTpch({ sf: 0.01, out: data, tables: ['orders', 'customer', 'nation'], threads: 1 });
}, 60_000);

afterAll(async () => {
  await rm(data, { recursive: true, force: true });
  await rm(spoolDir, { recursive: true, force: true });
});

interface Setup {
  deps: QueryServiceDeps;
  invoker: InProcessInvoker;
  state: MemoryStateStore;
  queue: MemoryMessageQueue;
  release: () => void;
  /** This setup's own spool folder. */
  dir: string;
}

let setups = 0;

/** Local services; `gate` holds every task until released; `plan` as InProcessInvoker's. */
function setup(
  options: {
    gate?: boolean;
    plan?: ConstructorParameters<typeof InProcessInvoker>[1];
    catalog?: Catalog;
  } = {},
): Setup {
  const dir = join(spoolDir, String(setups++));
  const queue = new MemoryMessageQueue();
  const state = new MemoryStateStore();
  let release = () => {};
  const gate = options.gate
    ? new Promise<void>((resolve) => {
        release = resolve;
      })
    : Promise.resolve();
  const services = { queue, state, openStore: openBlobStore };
  const invoker = new InProcessInvoker(async (payload) => {
    await gate;
    await runTask(payload, services);
  }, options.plan);
  // As the worker invoker's failureQueue does (and Lambda's on-failure destination).
  invoker.onFailure = (f) => void queue.send(FAILURES, { body: invocationFailureRecord(f) });
  void queue.createQueue(FAILURES);
  const deps: QueryServiceDeps = {
    invoker,
    queue,
    state,
    spool: new FolderBlobStore(dir),
    spoolLocation: dir,
    openStore: openBlobStore,
    footers: new FooterCache(),
    functionName: 'skein-task',
    catalog: options.catalog ?? data,
    distributed: { tasks: 3, splitSize: 32 * 1024, maxConcurrency: 4 },
    settings: { memoryLimit: '1GB' },
    failures: { queue, name: FAILURES },
    pollMs: 20,
    drainMs: 300,
  };
  return { deps, invoker, state, queue, release, dir };
}

function request(sql: string, extra: Partial<QueryRequest> = {}): QueryRequest {
  return { queryId: newQueryId(), sql, user: 'tester', ...extra };
}

async function resultRows(deps: QueryServiceDeps, record: QueryRecord): Promise<string[]> {
  return rowsOf(readQueryResult(deps.spool, record));
}

async function spoolFiles(dir: string): Promise<string[]> {
  return (await filesUnder(dir).catch(() => [])).filter((f) => !f.includes('.tmp'));
}

describe('runQueryRequest', () => {
  it('runs a distributed query to FINISHED with its result in the spool, then releases it', async () => {
    const { deps, state, invoker, dir } = setup();
    const sql =
      'SELECT n_name, count(*) AS orders, sum(o_totalprice) AS total FROM orders JOIN customer ON o_custkey = c_custkey ' +
      'JOIN nation ON c_nationkey = n_nationkey GROUP BY n_name ORDER BY n_name';
    const req = request(sql);
    const record = await runQueryRequest(req, deps);
    expect(record.error).toBeUndefined();
    expect(record.phase).toBe('FINISHED');
    expect(record.columns!.map((c) => `${c.name}:${c.type.kind}`)).toEqual([
      'n_name:varchar',
      'orders:int64',
      'total:decimal',
    ]);
    expect(record.result!.rows).toBe(25);
    expect(record.progress!.stagesDone).toBe(record.progress!.stages);
    expect(record.stats!.tasks).toBe(invoker.invocations.length);
    expect(record.stats!.tasks).toBeGreaterThan(3);
    // Rows the scans produced: every table once at least (a small build side is read by every probe task).
    expect(record.stats!.rows).toBeGreaterThanOrEqual(15_000 + 1500 + 25);
    expect(record.stats!.bytes).toBeGreaterThan(0);
    expect(record.stats!.cpuMs).toBeGreaterThan(0);
    // What the state store holds is what was returned.
    expect(await getQueryRecord(state, req.queryId)).toEqual(record);

    const single = new Skein({ data });
    const expected = await rowsOf((await first(single.execute(sql))).batches);
    expect(await resultRows(deps, record)).toEqual(expected);

    // Only the result is left: the root stage's objects, nothing of other stages, no state but the record.
    const keys = new Set(record.result!.manifests.flatMap((m) => m.objects.map((o) => join(dir, o.key))));
    expect(keys.size).toBeGreaterThan(0);
    expect((await spoolFiles(dir)).sort()).toEqual([...keys].sort());
    expect((await state.list(`q/${req.queryId}/`)).map((i) => i.key)).toEqual([`q/${req.queryId}/cancel`]);

    await releaseQuery(deps.state, deps.spool, req.queryId);
    expect(await spoolFiles(dir)).toEqual([]);
    expect(await state.get(queryRecordKey(req.queryId))).toBeUndefined();
  });

  it('runs in-process statements and writes their rows to the spool too', async () => {
    const { deps, dir } = setup();
    const show = await runQueryRequest(request('SHOW TABLES'), deps);
    expect(show.phase).toBe('FINISHED');
    expect(show.columns!.map((c) => c.name)).toEqual(['name', 'kind']);
    expect(await resultRows(deps, show)).toEqual([
      '["customer","external (parquet)"]',
      '["nation","external (parquet)"]',
      '["orders","external (parquet)"]',
    ]);
    const explain = await runQueryRequest(request('EXPLAIN SELECT count(*) FROM orders'), deps);
    expect(explain.phase).toBe('FINISHED');
    const text = (await resultRows(deps, explain)).join('\n');
    expect(text).toMatch(/Stage/);
    expect(text).toMatch(/orders/);
    // EXPLAIN ANALYZE runs the stages (on tasks), then writes the annotated plan the same way.
    const analyze = await runQueryRequest(request('EXPLAIN ANALYZE SELECT count(*) FROM orders'), deps);
    expect(analyze.phase).toBe('FINISHED');
    const analyzed = (await resultRows(deps, analyze)).join('\n');
    expect(analyzed).toMatch(/Stage/);
    expect(analyzed).toMatch(/1 row"/);
    for (const r of [show, explain, analyze]) await releaseQuery(deps.state, deps.spool, r.queryId);
    expect(await spoolFiles(dir)).toEqual([]);
  });

  it('reports a SQL error as FAILED with its code and position', async () => {
    const { deps, invoker } = setup();
    const plan = await runQueryRequest(request('SELECT o_nope FROM orders'), deps);
    expect(plan.phase).toBe('FAILED');
    expect(plan.error).toMatchObject({ code: 'PLAN', position: { line: 1, column: 8 } });
    expect(plan.error!.message).toMatch(/o_nope/);
    const syntax = await runQueryRequest(request('SELECT 1 +\nFROM orders'), deps);
    expect(syntax.phase).toBe('FAILED');
    expect(syntax.error!.code).toBe('SYNTAX');
    expect(syntax.error!.position!.line).toBe(2);
    expect(invoker.invocations).toHaveLength(0);
  });

  it('cancels a running query: FAILED with USER_CANCELED, and nothing left after release', async () => {
    const { deps, release, state, invoker, dir } = setup({ gate: true });
    const req = request('SELECT o_orderstatus, count(*) FROM orders GROUP BY 1');
    const running = runQueryRequest(req, deps);
    for (let i = 0; i < 200 && (await getQueryRecord(state, req.queryId))?.phase !== 'RUNNING'; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await requestCancel(state, req.queryId);
    const record = await running;
    expect(record.phase).toBe('FAILED');
    expect(record.error!.code).toBe('USER_CANCELED');
    // The held tasks now run, find the query cancelled, and delete what they wrote.
    release();
    await invoker.idle();
    await releaseQuery(state, deps.spool, req.queryId);
    expect(await spoolFiles(dir)).toEqual([]);
    expect(await state.list(queryRecordKey(req.queryId))).toEqual([]);
  });

  it('rewrites a running query’s record at least every livenessMs, progress or not', async () => {
    const { deps, release, state, invoker } = setup({ gate: true });
    const req = request('SELECT o_orderstatus, count(*) FROM orders GROUP BY 1');
    const running = runQueryRequest(req, { ...deps, pollMs: 20, livenessMs: 100 });
    for (let i = 0; i < 200 && (await getQueryRecord(state, req.queryId))?.phase !== 'RUNNING'; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    // Every task is held: no progress after the first write, yet the record keeps being rewritten.
    await new Promise((r) => setTimeout(r, 150));
    const a = (await getQueryRecord(state, req.queryId))!;
    await new Promise((r) => setTimeout(r, 400));
    const b = (await getQueryRecord(state, req.queryId))!;
    expect(b.phase).toBe('RUNNING');
    expect(b.progress).toEqual(a.progress);
    expect(b.progress?.tasksDone).toBe(0);
    expect(b.updatedAt - a.updatedAt).toBeGreaterThanOrEqual(100);
    await requestCancel(state, req.queryId);
    expect((await running).phase).toBe('FAILED');
    release();
    await invoker.idle();
    await releaseQuery(state, deps.spool, req.queryId);
  });

  it('reports SET SESSION as setSession, and applies session properties of the request', async () => {
    const { deps } = setup();
    const set = await runQueryRequest(request("SET SESSION memory_limit = '2GB'"), deps);
    expect(set.phase).toBe('FINISHED');
    expect(set.setSession).toEqual({ memory_limit: '2GB' });
    const show = await runQueryRequest(request('SHOW batch_size', { session: { batch_size: '1000' } }), deps);
    expect((await resultRows(deps, show))[0]).toMatch(/^\["batch_size","1000"/);
    const bad = await runQueryRequest(request('SELECT 1', { session: { nonsense: 'x' } }), deps);
    expect(bad.error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(bad.error!.message).toMatch(/unknown setting 'nonsense'/);
    for (const r of [set, show, bad]) await releaseQuery(deps.state, deps.spool, r.queryId);
  });

  it('refuses a payload that is not a query request, naming the field', async () => {
    const { deps, state } = setup();
    await expect(runQueryRequest({ queryId: 'a/b', sql: 'SELECT 1', user: 'u' }, deps)).rejects.toMatchObject(
      {
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/queryId must be 1–32 letters/),
      },
    );
    await expect(
      runQueryRequest({ queryId: 'ok', sql: 42 } as unknown as QueryRequest, deps),
    ).rejects.toThrow(/sql must be a string/);
    expect(await state.list('')).toEqual([]);
  });

  it('runs a request once when it is delivered twice', async () => {
    const { deps, invoker } = setup();
    const req = request('SELECT count(*) FROM orders');
    const [a, b] = await Promise.all([runQueryRequest(req, deps), runQueryRequest(req, deps)]);
    const records = [a, b].sort((x, y) => x.updatedAt - y.updatedAt);
    expect(records[1]!.phase).toBe('FINISHED');
    const launched = invoker.invocations.length;
    const again = await runQueryRequest(req, deps);
    expect(again).toEqual(await getQueryRecord(deps.state, req.queryId));
    expect(invoker.invocations.length).toBe(launched);
    expect(await resultRows(deps, again)).toEqual(['["15000"]']);
    await releaseQuery(deps.state, deps.spool, req.queryId);
  });

  it('fails a query at once when a task invocation crashes (through the failure queue)', async () => {
    let invocations = 0;
    const { deps, dir } = setup({
      plan: (p) =>
        invocations++ === 0
          ? [{ fail: 'crash', message: 'Runtime exited with error: signal: killed' }]
          : [{ run: p }],
    });
    const t0 = Date.now();
    const record = await runQueryRequest(
      { ...request('SELECT o_orderstatus, count(*) FROM orders GROUP BY 1'), queryId: newQueryId() },
      { ...deps, taskTimeoutMs: 60_000 },
    );
    expect(record.phase).toBe('FAILED');
    expect(record.error!.code).toBe('EXTERNAL');
    expect(record.error!.message).toMatch(/crash: Runtime exited with error/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await releaseQuery(deps.state, deps.spool, record.queryId);
    expect(await spoolFiles(dir)).toEqual([]);
  });

  it('passes a TaskSpec over 256 KiB through the spool, and deletes it after', async () => {
    const { deps, invoker, dir } = setup();
    const long = 'x'.repeat(200_000);
    const record = await runQueryRequest(
      request(`SELECT count(*) FROM orders WHERE o_comment <> '${long}' AND o_clerk <> '${long}'`),
      deps,
    );
    expect(record.error).toBeUndefined();
    expect(await resultRows(deps, record)).toEqual(['["15000"]']);
    const stored = invoker.invocations.filter((p) => typeof p.specKey === 'string');
    expect(stored.length).toBeGreaterThan(0);
    await releaseQuery(deps.state, deps.spool, record.queryId);
    expect(await spoolFiles(dir)).toEqual([]);
  });

  it('leaves other queries’ failure reports for their coordinators, and deletes stale ones', async () => {
    const { deps, queue, release } = setup({ gate: true });
    const report = (invocationId: string, at: number) =>
      invocationFailureRecord({
        functionName: 'skein-task',
        invocationId,
        kind: 'crash',
        errorType: 'Runtime.ExitError',
        errorMessage: 'killed',
        at,
      });
    await queue.send(FAILURES, { body: report('someone-elses', Date.now()) });
    await queue.send(FAILURES, { body: report('long-gone', Date.now() - 60_000) });
    // Tasks are held a while, so the coordinator polls the failure queue a few times.
    setTimeout(release, 300);
    const record = await runQueryRequest(
      request('SELECT o_orderstatus, count(*) FROM orders GROUP BY 1'),
      deps,
    );
    expect(record.phase).toBe('FINISHED');
    // The fresh report is hidden for its owner to take, not deleted; the stale one is gone.
    expect(await queue.stats(FAILURES)).toMatchObject({ visible: 0, inFlight: 1 });
    await releaseQuery(deps.state, deps.spool, record.queryId);
  });

  it('keeps DDL in a shared catalog across requests', async () => {
    const catalog = new Catalog();
    await catalog.registerDataDir(data);
    const { deps } = setup({ catalog });
    const view = await runQueryRequest(
      request("CREATE VIEW urgent AS SELECT * FROM orders WHERE o_orderpriority = '1-URGENT'"),
      deps,
    );
    expect(view.phase).toBe('FINISHED');
    const count = await runQueryRequest(request('SELECT count(*) FROM urgent'), deps);
    expect(count.error).toBeUndefined();
    const expected = await new Skein({ data }).sql(
      "SELECT count(*) AS n FROM orders WHERE o_orderpriority = '1-URGENT'",
    );
    expect(await resultRows(deps, count)).toEqual([`["${expected.get(0)!.n}"]`]);
    for (const r of [view, count]) await releaseQuery(deps.state, deps.spool, r.queryId);
  });
});

async function first<T>(it: AsyncIterable<T>): Promise<T> {
  for await (const x of it) return x;
  throw new Error('empty');
}
