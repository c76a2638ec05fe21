/**
 * The query service: how a server runs one query for a client it does not hold a connection to
 * (DESIGN §5). The gateway (`src/gateway/`, the API function) chooses a query id, hands a
 * {@link QueryRequest} to a coordinator — on AWS the coordinator function, invoked asynchronously;
 * in `skein serve` the same function called in-process — and then only reads: the query's
 * {@link QueryRecord} in the StateStore, and its result in the spool.
 *
 * Record lifecycle (phases only move forward; every write is a versioned put):
 * ```
 *   QUEUED ──claimed──▶ PLANNING ──distributed query──▶ RUNNING ──root stage committed──▶ FINISHED
 *     │                    │                               │
 *     │                    └──statement run in-process──────┼──────────────────────────────▶ FINISHED
 *     └──cancel requested────────────┴──error / cancel─────┴──────────────────────────────▶ FAILED
 * ```
 * The move QUEUED → PLANNING is the claim: a second delivery of the same request (Lambda delivers
 * asynchronous invocations at least once) finds the record past QUEUED and returns it untouched.
 *
 * **One read path for every result.** A distributed query's result is its root stage's committed
 * spool output, kept by the coordinator (`retainResult`) instead of read back. Statements that run
 * here (EXPLAIN, SHOW, DESCRIBE, SET, DDL, queries over memory tables) write their rows through a
 * `SpoolWriter` (one bucket) under the query's spool prefix. Either way `record.result.manifests`
 * is read with `planSpoolRead`/`readSpool`, and {@link releaseQuery} deletes it.
 *
 * **Cancel and release** are keys the gateway writes and the coordinator polls (every `pollMs`):
 * `queries/{id}/cancel`. A release of a query that has not ended also cancels it, and the
 * coordinator, seeing the release when it ends, deletes the result and the record itself.
 *
 * @example
 * const queryId = newQueryId();
 * await invoker.invoke('skein-coordinator', { queryId, sql: 'SELECT 1', user: 'ann' }); // or:
 * const record = await runQueryRequest({ queryId, sql: 'SELECT 1', user: 'ann' }, deps);
 * if (record.phase === 'FINISHED') {
 *   const plan = planSpoolRead(record.result!.manifests, { lo: 0, hi: 1 });
 *   for await (const batch of readSpool(deps.spool, plan)) …
 * }
 * await releaseQuery(deps.state, deps.spool, queryId);
 */
import { randomBytes } from 'node:crypto';
import { openBlobStore } from '../adapters/open-blob-store.ts';
import { Catalog } from '../catalog/catalog.ts';
import { estimateTaskCounts, explainStages } from '../distributed/explain-stages.ts';
import {
  type DistributedOptions,
  type DistributedOptionsInput,
  resolveDistributedOptions,
} from '../distributed/options.ts';
import { fragmentNodes, planStages, undistributableReason } from '../distributed/plan-stages.ts';
import { deleteAttemptSpool } from '../distributed/spool/cleanup.ts';
import type { SpoolManifest } from '../distributed/spool/format.ts';
import { planSpoolRead } from '../distributed/spool/reader.ts';
import { SpoolWriter } from '../distributed/spool/writer.ts';
import { spoolSchema, toSpoolBatch } from '../distributed/spool-batch.ts';
import type { StageGraph } from '../distributed/stage-graph.ts';
import { asSkeinError, type ErrorCode, SkeinError, type SqlPosition } from '../errors.ts';
import type { BatchStream } from '../exec/context.ts';
import { vectorFromScalars } from '../exec/expr/scalar.ts';
import { bindStatement } from '../logical/binder/binder.ts';
import type { LiteralValue } from '../logical/expr.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { parseInvocationFailure } from '../ports/invoker.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import {
  ConditionFailedError,
  type JsonValue,
  type StateItem,
  type StateStore,
} from '../ports/state-store.ts';
import { exchangeStream } from '../runtime/exchange-reader.ts';
import { explainAnalyzeStages } from '../runtime/explain-analyze.ts';
import {
  type CoordinatorServices,
  QueryCoordinator,
  type QueryRunOptions,
  type QueryStats,
} from '../runtime/query-coordinator.ts';
import { parseStatements } from '../sql/index.ts';
import type { DataType, Schema } from '../types/data-type.ts';
import { applySetting, type Settings, type SettingsInput } from './settings.ts';
import { Skein } from './skein.ts';
import { runStatement } from './statements.ts';

/** One query to run; JSON-serializable: it is the coordinator function's payload. */
export interface QueryRequest {
  /** Chosen by the gateway (`newQueryId()` from runtime/query-coordinator.ts): 1–32 letters, digits, `-`, `_`. */
  readonly queryId: string;
  readonly sql: string;
  readonly user: string;
  /** Trino session properties → Skein settings for this query (`memory_limit`, `batch_size`). */
  readonly session?: Readonly<Record<string, string>>;
  readonly source?: string;
  readonly catalog?: string;
  readonly schema?: string;
}

export type QueryPhase = 'QUEUED' | 'PLANNING' | 'RUNNING' | 'FINISHED' | 'FAILED';

/** The query's record, key {@link queryRecordKey} in the StateStore: written by the coordinator, read by the gateway. */
export interface QueryRecord {
  queryId: string;
  sql: string;
  user: string;
  phase: QueryPhase;
  /** ms since the epoch. */
  createdAt: number;
  updatedAt: number;
  /** The result's columns (our DataType), once planned. */
  columns?: { name: string; type: DataType }[];
  /** When FINISHED: the result's spool manifests (one bucket), kept until {@link releaseQuery}. */
  result?: { manifests: SpoolManifest[]; rows: number; bytes: number };
  /** When FAILED (USER_CANCELED when cancelled). */
  error?: { code: ErrorCode; message: string; position?: SqlPosition };
  /** Of a distributed query: stages and tasks known so far and committed (splits: not tracked yet). */
  progress?: {
    stages: number;
    stagesDone: number;
    tasks: number;
    tasksDone: number;
    splits?: number;
    splitsDone?: number;
  };
  /**
   * When ended. `wallMs`: from claim to end. `cpuMs`: the tasks' busy time summed (their wall
   * time, which is what a function bills; 0 for statements run in-process). `rows`/`bytes`: input
   * processed — rows the scans produced, and bytes: table bytes the stages were sized from plus
   * spool bytes read. `tasks`: invocations made. `requests`: storage, queue and invoke requests
   * of the coordinator and its tasks (what a query costs beyond compute).
   */
  stats?: {
    wallMs: number;
    cpuMs: number;
    rows: number;
    bytes: number;
    tasks: number;
    stages: number;
    requests?: QueryStats['requests'];
  };
  /** A SET SESSION statement's effect (the gateway answers with X-Trino-Set-Session). */
  setSession?: Record<string, string>;
  /** Session properties to reset (the gateway answers with X-Trino-Clear-Session). Not produced yet: no RESET statement. */
  resetSession?: string[];
}

/** What runs a query: the coordinator's services, the tables, settings and distribution knobs. */
export interface QueryServiceDeps extends CoordinatorServices {
  /**
   * The tables: a data location (local folder, `s3://bucket/prefix`, or an open BlobStore) whose
   * folders are tables — read for every query — or a Catalog that queries share (and DDL changes).
   */
  readonly catalog: Catalog | string | BlobStore;
  /** Settings every query starts from; the request's session properties apply on top. */
  readonly settings?: SettingsInput;
  /** Distributed execution knobs (tasks, split size, max concurrency, …). */
  readonly distributed?: DistributedOptionsInput;
  /** Bytes each task's operators may hold. Default: the session's memory limit ÷ max concurrency (at least 64 MiB). */
  readonly taskMemoryLimit?: number;
  /**
   * The queue failed invocations are reported on (Lambda's on-failure destination; the embedded
   * invoker's `failureQueue`): read while a query runs, so a crashed task fails its query at once
   * rather than at the task timeout.
   */
  readonly failures?: { readonly queue: MessageQueue; readonly name: string };
  /** How often cancel requests and invocation failures are checked and progress is written. Default 500 ms. */
  readonly pollMs?: number;
  /**
   * A running query's record is rewritten at least this often, progress or not, so a reader can tell
   * a live coordinator from a dead one by `updatedAt` (the gateway's `coordinatorTimeoutMs`).
   * Default {@link RECORD_LIVENESS_MS}.
   */
  readonly livenessMs?: number;
  /** Passed to the coordinator (see QueryRunOptions). */
  readonly heartbeatMs?: number;
  readonly taskTimeoutMs?: number;
  readonly drainMs?: number;
  readonly faults?: QueryRunOptions['faults'];
}

const RECORD_PREFIX = 'queries/';
/** How often a running query's record is rewritten at least (see `QueryServiceDeps.livenessMs`). */
export const RECORD_LIVENESS_MS = 30_000;
const PHASE_ORDER: Record<QueryPhase, number> = {
  QUEUED: 0,
  PLANNING: 1,
  RUNNING: 2,
  FINISHED: 3,
  FAILED: 3,
};

/** The StateStore key of a query's record. */
export function queryRecordKey(queryId: string): string {
  return `${RECORD_PREFIX}${queryId}`;
}

/** The key the gateway writes to cancel (or release) a query. */
function controlKey(queryId: string): string {
  return `${RECORD_PREFIX}${queryId}/cancel`;
}

/** Reads a query's record; undefined when there is none (never created, or released). */
export async function getQueryRecord(state: StateStore, queryId: string): Promise<QueryRecord | undefined> {
  return (await state.get(queryRecordKey(queryId)))?.value as QueryRecord | undefined;
}

/**
 * A FINISHED query's result rows as engine batches (types as `record.columns` says). The gateway
 * may read the manifests itself (`planSpoolRead`/`readSpool`); this is the same read for tests,
 * tools and the library.
 */
export function readQueryResult(spool: BlobStore, record: QueryRecord, batchSize = 65_536): BatchStream {
  if (record.phase !== 'FINISHED' || record.result === undefined) {
    throw new SkeinError('INVALID_ARGUMENT', `query ${record.queryId} has no result: it is ${record.phase}`);
  }
  const schema: Schema = (record.columns ?? []).map((c) => ({ name: c.name, type: c.type, nullable: true }));
  const manifests = record.result.manifests;
  const node = {
    kind: 'exchange_source' as const,
    id: -1,
    schema,
    estimatedRows: null,
    stage: -1,
    exchange: 'gather' as const,
    keys: [],
  };
  return exchangeStream(
    spool,
    node,
    planSpoolRead(manifests, { lo: 0, hi: manifests[0]?.bucketCount ?? 1 }),
    {
      batchSize,
    },
  );
}

/** Asks a running query to stop (the coordinator polls for it and ends the query as FAILED/USER_CANCELED). */
export async function requestCancel(state: StateStore, queryId: string): Promise<void> {
  await putControl(state, queryId, false);
}

/**
 * Deletes a finished query's retained result objects and its record (the gateway calls it when
 * the client is done or has abandoned the query). A query that has not ended is cancelled, and
 * its coordinator releases it when it ends.
 */
export async function releaseQuery(state: StateStore, spool: BlobStore, queryId: string): Promise<void> {
  // The mark first: a coordinator ending after the record is read below finds it and releases.
  await putControl(state, queryId, true);
  const record = await getQueryRecord(state, queryId);
  if (record !== undefined && record.phase !== 'FINISHED' && record.phase !== 'FAILED') return;
  await deleteResult(spool, queryId, record?.result?.manifests ?? []);
  await state.delete(queryRecordKey(queryId));
  await state.delete(controlKey(queryId));
}

async function putControl(state: StateStore, queryId: string, release: boolean): Promise<void> {
  const key = controlKey(queryId);
  const current = await state.get(key);
  if (current !== undefined && (current.value as { release?: boolean }).release === true) return;
  await state.put(key, { release, at: Date.now() });
}

/** Deletes whatever the result's attempts wrote (a second run of one included). */
async function deleteResult(
  spool: BlobStore,
  queryId: string,
  manifests: readonly SpoolManifest[],
): Promise<void> {
  const attempts = manifests.map((m) => m.attempt);
  // The in-process writer's attempt, in case it wrote and failed before a manifest was recorded.
  attempts.push(IN_PROCESS_ATTEMPT(queryId));
  const seen = new Set<string>();
  const unique = attempts.filter((a) => {
    const k = `${a.stage}/${a.task}/${a.attempt}`;
    return !seen.has(k) && seen.add(k) !== undefined;
  });
  await deleteAttemptSpool(spool, unique);
}

/** Statements run in this process write their rows as this attempt. */
const IN_PROCESS_ATTEMPT = (queryId: string) => ({ queryId, stage: 0, task: 0, attempt: 0 });

/**
 * Runs one query to its end and keeps its record current (QUEUED → PLANNING → RUNNING →
 * FINISHED | FAILED); never throws for query errors (they go to the record). Returns the final
 * record — or, for a request another coordinator already claimed, the record as it found it.
 */
export async function runQueryRequest(request: QueryRequest, deps: QueryServiceDeps): Promise<QueryRecord> {
  checkRequest(request);
  const writer = await RecordWriter.claim(deps.state, request);
  if (writer === undefined) return (await getQueryRecord(deps.state, request.queryId))!;
  const t0 = performance.now();
  let final: QueryRecord;
  // Planning or running, the record is rewritten at least every livenessMs: how readers tell a live
  // coordinator from a dead one.
  const livenessMs = deps.livenessMs ?? RECORD_LIVENESS_MS;
  const liveness = setInterval(
    () => void writer.touch(livenessMs).catch(() => {}),
    Math.max(10, livenessMs / 2),
  );
  liveness.unref?.();
  try {
    if (await cancelRequested(deps.state, request.queryId)) {
      throw new SkeinError('USER_CANCELED', 'the query was cancelled');
    }
    const outcome = await execute(request, deps, writer);
    final = await writer.update({
      phase: 'FINISHED',
      result: outcome.result,
      stats: { ...outcome.stats, wallMs: Math.round(performance.now() - t0) },
      ...(outcome.setSession ? { setSession: outcome.setSession } : {}),
      ...(outcome.progress ? { progress: outcome.progress } : {}),
    });
  } catch (err) {
    const e = asSkeinError(err);
    final = await writer.update({
      phase: 'FAILED',
      error: { code: e.code, message: e.message, ...(e.position ? { position: e.position } : {}) },
    });
  } finally {
    clearInterval(liveness);
  }
  // Released while it ran: the gateway left the deleting to us.
  const control = await deps.state.get(controlKey(request.queryId)).catch(() => undefined);
  if ((control?.value as { release?: boolean } | undefined)?.release === true) {
    await releaseQuery(deps.state, deps.spool, request.queryId);
  }
  return final;
}

function checkRequest(r: QueryRequest): void {
  const bad = (what: string) => new SkeinError('INVALID_ARGUMENT', `query request: ${what}`);
  if (r === null || typeof r !== 'object') throw bad('expected an object');
  // 32 at most: the query's SQS queue name (≤ 80 characters) is a stack prefix, `skein-` and the id.
  if (typeof r.queryId !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(r.queryId))
    throw bad(`queryId must be 1–32 letters, digits, '-' or '_', got ${JSON.stringify(r.queryId)}`);
  if (typeof r.sql !== 'string') throw bad('sql must be a string');
  if (typeof r.user !== 'string') throw bad('user must be a string');
  if (r.session !== undefined && (typeof r.session !== 'object' || r.session === null))
    throw bad('session must be an object of strings');
}

async function cancelRequested(state: StateStore, queryId: string): Promise<boolean> {
  return (await state.get(controlKey(queryId))) !== undefined;
}

interface Outcome {
  result: NonNullable<QueryRecord['result']>;
  stats: Omit<NonNullable<QueryRecord['stats']>, 'wallMs'>;
  setSession?: Record<string, string>;
  progress?: QueryRecord['progress'];
}

const NO_STATS = { cpuMs: 0, rows: 0, bytes: 0, tasks: 0, stages: 0 };

async function execute(
  request: QueryRequest,
  deps: QueryServiceDeps,
  writer: RecordWriter,
): Promise<Outcome> {
  const catalog = await openCatalog(deps.catalog);
  const session = new Skein({ catalog, ...(deps.settings ? { settings: deps.settings } : {}) });
  let settings: Settings = session.settings;
  for (const [name, value] of Object.entries(request.session ?? {}))
    settings = applySetting(settings, name, value);
  session.settings = settings;
  const options = resolveDistributedOptions(deps.distributed);

  const statements = parseStatements(request.sql);
  if (statements.length !== 1) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `a query request runs one statement, got ${statements.length}: send them one at a time`,
    );
  }
  const bound = bindStatement(statements[0]!, { catalog });
  const run: DistributedRun = { request, deps, writer, options, settings };

  // A query over tables in storage runs as stages of tasks; its result stays in the spool.
  if (bound.kind === 'query') {
    const physical = session.planQuery(bound.plan).physical;
    if (undistributableReason(physical) === null) {
      await writer.update({ phase: 'RUNNING', columns: columnsOf(physical.schema) });
      return runDistributed(run, planStages(physical, options));
    }
  }
  // EXPLAIN of such a query shows its stages (and with ANALYZE runs them).
  if (bound.kind === 'explain' && bound.statement.kind === 'query') {
    const physical = session.planQuery(bound.statement.plan).physical;
    if (undistributableReason(physical) === null) {
      const graph = planStages(physical, options);
      const verbose = bound.verbose ? { verbose: true } : {};
      let text: string;
      if (bound.analyze) {
        await writer.update({ phase: 'RUNNING', columns: columnsOf(PLAN_SCHEMA) });
        text = await explainAnalyze(run, graph, bound.verbose);
      } else {
        const counts = await estimateTaskCounts(graph, options, (l) => deps.openStore(l), deps.footers);
        text = explainStages(graph, {
          taskCounts: (id) => counts.get(id),
          buckets: options.buckets,
          ...verbose,
        });
        await writer.update({ columns: columnsOf(PLAN_SCHEMA) });
      }
      return writeInProcess(request.queryId, deps.spool, planRows(text));
    }
  }
  // Everything else runs here, on the session: its rows (if any) go to the spool all the same.
  const result = await runStatement(session, bound);
  await writer.update({ columns: columnsOf(result.schema) });
  const outcome = await writeInProcess(request.queryId, deps.spool, result.batches);
  if (bound.kind === 'set')
    return { ...outcome, setSession: { [bound.name.toLowerCase()]: literalText(bound.value) } };
  return outcome;
}

interface DistributedRun {
  readonly request: QueryRequest;
  readonly deps: QueryServiceDeps;
  readonly writer: RecordWriter;
  readonly options: DistributedOptions;
  readonly settings: Settings;
}

function coordinator(run: DistributedRun, graph: StageGraph, retainResult: boolean): QueryCoordinator {
  const { deps, options, settings } = run;
  return new QueryCoordinator(graph, deps, {
    options,
    batchSize: settings.batchSize,
    memoryLimit:
      deps.taskMemoryLimit ??
      Math.max(64 * 1024 * 1024, Math.floor(settings.memoryLimit / options.maxConcurrency)),
    queryId: run.request.queryId,
    retainResult,
    ...(deps.heartbeatMs === undefined ? {} : { heartbeatMs: deps.heartbeatMs }),
    ...(deps.taskTimeoutMs === undefined ? {} : { taskTimeoutMs: deps.taskTimeoutMs }),
    ...(deps.drainMs === undefined ? {} : { drainMs: deps.drainMs }),
    ...(deps.faults === undefined ? {} : { faults: deps.faults }),
  });
}

async function runDistributed(run: DistributedRun, graph: StageGraph): Promise<Outcome> {
  const q = coordinator(run, graph, true);
  const manifests = await watch(run, q, q.runRetained());
  return {
    result: {
      manifests,
      rows: manifests.reduce((s, m) => s + m.rows, 0),
      bytes: manifests.reduce((s, m) => s + m.bytes, 0),
    },
    stats: distributedStats(q.graphAsRun(), q.stats()),
    progress: q.progress(),
  };
}

async function explainAnalyze(run: DistributedRun, graph: StageGraph, verbose: boolean): Promise<string> {
  const q = coordinator(run, graph, false);
  const rows = await watch(
    run,
    q,
    (async () => {
      let n = 0;
      for await (const b of q.rows()) n += b.length;
      return n;
    })(),
  );
  const text = explainAnalyzeStages(q.graphAsRun(), q.stats(), {
    buckets: run.options.buckets,
    ...(verbose ? { verbose: true } : {}),
  });
  return `${text}\n${rows} row${rows === 1 ? '' : 's'}`;
}

/**
 * While the coordinator runs: polls for a cancel request and for failed invocations, and writes
 * progress to the record when it changed.
 */
async function watch<T>(run: DistributedRun, q: QueryCoordinator, done: Promise<T>): Promise<T> {
  const { deps, writer, request } = run;
  const pollMs = deps.pollMs ?? 500;
  let ended = false;
  let wake: (() => void) | undefined;
  const finished = done.finally(() => {
    ended = true;
    wake?.();
  });
  finished.catch(() => {});
  const loop = (async () => {
    let last = '';
    while (!ended) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, pollMs).unref?.();
      });
      if (ended) break;
      try {
        if (await cancelRequested(deps.state, request.queryId)) q.cancel();
        if (deps.failures !== undefined) await routeFailures(deps.failures, q);
        const progress = q.progress();
        const text = JSON.stringify(progress);
        if (text !== last && !ended) {
          last = text;
          await writer.update({ progress });
        }
      } catch {
        // Polling is best effort: the coordinator's own deadlines still end the query.
      }
    }
  })();
  try {
    return await finished;
  } finally {
    await loop;
  }
}

/**
 * Hands the coordinator the failure reports of its invocations. The queue is shared by every
 * running coordinator (SQS cannot filter on receive), so a report of another query is hidden for
 * {@link FOREIGN_REPORT_HIDE_MS} for its owner to take — hidden rather than released at once, which
 * would make it bounce between coordinators and reach the dead-letter queue after a few receives.
 * A report older than {@link FOREIGN_REPORT_AGE_MS} belongs to no running coordinator (its owner
 * would have taken it, or has ended) — a coordinator's own failed invocation, say — and is deleted.
 */
async function routeFailures(
  failures: NonNullable<QueryServiceDeps['failures']>,
  q: QueryCoordinator,
): Promise<void> {
  const messages = await failures.queue.receive(failures.name, { maxMessages: 10, waitTimeMs: 0 });
  for (const m of messages) {
    const f = parseInvocationFailure(m.body);
    if (f !== undefined && q.owns(f.invocationId)) {
      q.onInvocationFailure(f);
      await failures.queue.delete(failures.name, m.receiptHandle);
    } else if (f === undefined || Date.now() - f.at > FOREIGN_REPORT_AGE_MS) {
      await failures.queue.delete(failures.name, m.receiptHandle);
    } else {
      await failures.queue
        .changeVisibility(failures.name, m.receiptHandle, FOREIGN_REPORT_HIDE_MS)
        .catch(() => {});
    }
  }
}

/** See {@link routeFailures}: at most 4 receives of a report (the stack's redrive allows 5). */
const FOREIGN_REPORT_HIDE_MS = 10_000;
const FOREIGN_REPORT_AGE_MS = 30_000;

function distributedStats(graph: StageGraph, stats: QueryStats): Outcome['stats'] {
  let cpuMs = 0;
  let rows = 0;
  let bytes = 0;
  let tasks = 0;
  for (const s of stats.stages) {
    cpuMs += s.taskMs;
    tasks += s.taskStats.length;
    bytes += s.spoolBytesRead;
    const stage = graph.stages.find((x) => x.id === s.id);
    if (stage?.distribution === 'source') bytes += s.decision?.inputBytes ?? 0;
    const scans = new Set(
      stage === undefined
        ? []
        : fragmentNodes(stage.fragment)
            .filter((n) => n.kind === 'parquet_scan' || n.kind === 'csv_scan')
            .map((n) => n.id),
    );
    for (const op of s.operators) if (scans.has(op.id)) rows += op.rows;
  }
  return {
    cpuMs: Math.round(cpuMs),
    rows,
    bytes,
    tasks,
    stages: stats.stages.length,
    requests: stats.requests,
  };
}

/** Writes a statement's rows as one spool object of one bucket, the query's in-process attempt. */
async function writeInProcess(queryId: string, spool: BlobStore, batches: BatchStream): Promise<Outcome> {
  const schema = spoolSchema(
    batches.schema,
    batches.schema.map((_, i) => i),
  );
  const writer = new SpoolWriter(spool, {
    attempt: IN_PROCESS_ATTEMPT(queryId),
    bucketCount: 1,
    schema,
    nonce: randomBytes(4).toString('hex'),
  });
  try {
    for await (const b of batches) if (b.length > 0) await writer.write(0, toSpoolBatch(b, schema));
    const manifest = await writer.finish();
    return { result: { manifests: [manifest], rows: manifest.rows, bytes: manifest.bytes }, stats: NO_STATS };
  } catch (err) {
    await writer.abort().catch(() => {});
    throw err;
  }
}

const PLAN_SCHEMA: Schema = [{ name: 'plan', type: { kind: 'varchar' }, nullable: false }];

/** EXPLAIN text as rows of one column, like the in-process EXPLAIN gives. */
function planRows(text: string): BatchStream {
  const lines = text.split('\n');
  return {
    schema: PLAN_SCHEMA,
    async *[Symbol.asyncIterator]() {
      yield {
        schema: PLAN_SCHEMA,
        length: lines.length,
        columns: [vectorFromScalars(PLAN_SCHEMA[0]!.type, lines)],
      };
    },
  };
}

async function openCatalog(source: QueryServiceDeps['catalog']): Promise<Catalog> {
  if (source instanceof Catalog) return source;
  const catalog = new Catalog();
  const store = typeof source === 'string' ? openBlobStore(source) : source;
  // A deployment without tables yet still answers SELECT 1, SHOW TABLES, CREATE EXTERNAL TABLE …
  for await (const _ of store.list('')) {
    await catalog.registerDataDir(store);
    break;
  }
  return catalog;
}

function columnsOf(schema: Schema): { name: string; type: DataType }[] {
  return schema.map((f) => ({ name: f.name, type: f.type }));
}

/** A SET value as the session property's text (what the client sends back). */
function literalText(v: LiteralValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// -------------------------------------------------------------------------------------------------

/** Keeps one query's record: versioned puts, phases only forward. */
class RecordWriter {
  private constructor(
    private readonly state: StateStore,
    private record: QueryRecord,
    private version: number,
  ) {}

  /**
   * Moves the request's record from QUEUED (written by the gateway, or created here) to PLANNING;
   * undefined when another coordinator got there first.
   */
  static async claim(state: StateStore, request: QueryRequest): Promise<RecordWriter | undefined> {
    const key = queryRecordKey(request.queryId);
    let item: StateItem | undefined = await state.get(key);
    if (item === undefined) {
      const now = Date.now();
      const queued: QueryRecord = {
        queryId: request.queryId,
        sql: request.sql,
        user: request.user,
        phase: 'QUEUED',
        createdAt: now,
        updatedAt: now,
      };
      try {
        item = await state.put(key, queued as unknown as JsonValue, { ifNotExists: true });
      } catch (err) {
        if (!(err instanceof ConditionFailedError)) throw err;
        item = await state.get(key);
        if (item === undefined) return undefined;
      }
    }
    const record = item.value as unknown as QueryRecord;
    if (record.phase !== 'QUEUED') return undefined;
    const writer = new RecordWriter(state, record, item.version);
    try {
      await writer.update({ phase: 'PLANNING' }, false);
    } catch (err) {
      if (err instanceof ConditionFailedError) return undefined;
      throw err;
    }
    return writer;
  }

  /** Rewrites the record (a new `updatedAt`) when it has not been written for `quietMs`. */
  async touch(quietMs: number): Promise<void> {
    if (Date.now() - this.record.updatedAt >= quietMs) await this.update({});
  }

  /**
   * Applies a change: a phase never moves back, and nothing changes after the end. On a version
   * conflict (another writer) it re-reads and applies the change again when `retry`.
   */
  async update(patch: Partial<QueryRecord>, retry = true): Promise<QueryRecord> {
    const key = queryRecordKey(this.record.queryId);
    for (;;) {
      const ended = this.record.phase === 'FINISHED' || this.record.phase === 'FAILED';
      if (ended) return this.record;
      const phase =
        patch.phase !== undefined && PHASE_ORDER[patch.phase] > PHASE_ORDER[this.record.phase]
          ? patch.phase
          : this.record.phase;
      const next: QueryRecord = { ...this.record, ...patch, phase, updatedAt: Date.now() };
      try {
        const item = await this.state.put(key, next as unknown as JsonValue, { ifVersion: this.version });
        this.record = next;
        this.version = item.version;
        return next;
      } catch (err) {
        if (!(err instanceof ConditionFailedError) || !retry) throw err;
        const item = await this.state.get(key);
        if (item === undefined) return this.record;
        this.record = item.value as unknown as QueryRecord;
        this.version = item.version;
      }
    }
  }
}
