/**
 * The Trino client protocol as one pure function: an HTTP request in, an HTTP response out, over a
 * small {@link GatewayBackend} (a StateStore, the spool, and a way to start a query). Hosts only
 * translate their requests: `node-server.ts` for `skein serve`, `http-api-event.ts` for the API
 * function behind API Gateway — the same code.
 *
 * The gateway never runs operators. `POST /v1/statement` hands a {@link QueryRequest} to the
 * backend (in process, or an asynchronous invocation of the coordinator function) and answers at
 * once with QUEUED. The coordinator keeps the query's {@link QueryRecord} current in the
 * StateStore; the gateway reads it on every poll, and once the query has FINISHED reads result
 * pages from the root stage's spool output (`result-pages.ts`). Its own small state per query (the
 * URI slug, the client's headers, when the client last polled) is one StateStore item,
 * `gateway/query/<id>`, so any instance (any Lambda container) can answer any request.
 *
 * | request | answer |
 * |---|---|
 * | `GET /v1/info` | server info |
 * | `POST /v1/statement` (SQL is the raw body) | QUEUED, `id`, `infoUri`, `nextUri`, no data |
 * | `GET /v1/statement/executing/<id>/<slug>/<token>` | long-polls ≤ `pollWaitMs`, then status, `columns`, a `data` page, `stats`, or `error` |
 * | `DELETE` of that URI, or `DELETE /v1/query/<id>` | cancels: the query ends FAILED (USER_CANCELED); 204 |
 * | `GET /v1/query/<id>` | QueryInfo (`queryId`, `state`, `query`, `failureInfo`, …) |
 *
 * Tokens: `w<n>` while the query has no result yet (polling it again is harmless), then
 * `d<read>_<offset>_<skip>_<mac>` naming a page's position in the result; the MAC (HMAC-SHA256
 * keyed by the query's random slug) makes a forged token a 404, and the same token always returns
 * the same page. Protocol errors (no user, unknown query, forged URI) are JSON
 * `{ "error": { message, errorCode, errorName, errorType } }` with a 4xx status; query errors are
 * on the page (HTTP 200), as Trino's clients expect.
 *
 * **Lifetime.** The client's last request time is kept (written at most every few seconds). A
 * query whose client has not polled for `abandonAfterMs` is abandoned: cancelled if still running,
 * and its result objects and records released. After the last page was served, the result is kept
 * `resultRetentionMs` (so that page can be fetched again), then released; QueryInfo stays
 * answerable `infoRetentionMs` longer. {@link Gateway.sweep} does this; hosts call it on a timer
 * (`skein serve`) or now and then on a request (the API function).
 *
 * @example
 * const gateway = new Gateway({ state, spool, submit: (r) => void runQueryRequest(r, deps) });
 * const res = await gateway.handle({ method: 'POST', path: '/v1/statement', headers: { 'x-trino-user': 'me' },
 *   body: 'SELECT 1', baseUrl: 'http://127.0.0.1:8080' });
 * JSON.parse(res.body).nextUri; // 'http://127.0.0.1:8080/v1/statement/executing/…/w0'
 */
import { createHmac, randomBytes } from 'node:crypto';
import pkg from '../../package.json' with { type: 'json' };
import type { SpoolReadPlan } from '../distributed/spool/reader.ts';
import {
  type QueryRecord,
  type QueryRequest,
  queryRecordKey,
  releaseQuery,
  requestCancel,
} from '../engine/query-service.ts';
import { asSkeinError } from '../errors.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { JsonValue, StateStore } from '../ports/state-store.ts';
import { newQueryId } from '../runtime/query-coordinator.ts';
import {
  cursorInPlan,
  type PageCursor,
  type PageLimits,
  readResultPage,
  resultReadPlan,
  START,
} from './result-pages.ts';
import { type RecordedError, type TrinoQueryError, trinoError } from './trino-errors.ts';
import { trinoColumn } from './trino-types.ts';

/** What the gateway needs from where it runs. */
export interface GatewayBackend {
  /** Query records (written by the coordinator) and the gateway's own items. */
  readonly state: StateStore;
  /** The spool the coordinator writes results to. */
  readonly spool: BlobStore;
  /**
   * Starts a query and resolves once it is accepted, not when it ends (in process: start
   * `runQueryRequest` without awaiting it; on AWS: an asynchronous invocation of the coordinator).
   */
  submit(request: QueryRequest): Promise<void>;
}

export interface GatewayOptions {
  /** The user of requests without `X-Trino-User`; without one, such requests are refused (400). */
  readonly defaultUser?: string;
  /** How long a poll waits for the query to finish before answering with its state. Default 1000 ms. */
  readonly pollWaitMs?: number;
  /** How often a waiting poll re-reads the query record. Default 100 ms. */
  readonly pollIntervalMs?: number;
  /** A query whose client has not polled for this long is abandoned. Default 5 minutes. */
  readonly abandonAfterMs?: number;
  /** A query that no coordinator has started after this long fails. Default 5 minutes. */
  readonly startTimeoutMs?: number;
  /**
   * A started query whose record has not changed for this long fails: its coordinator died (a crash,
   * or the function's time limit). Running coordinators rewrite the record at least every
   * `RECORD_LIVENESS_MS` (30 s). Default 3 minutes.
   */
  readonly coordinatorTimeoutMs?: number;
  /** How long a result stays readable after its last page was served. Default 60 s. */
  readonly resultRetentionMs?: number;
  /** How long QueryInfo of a released query stays answerable. Default 15 minutes. */
  readonly infoRetentionMs?: number;
  /** Page bounds (rows, JSON bytes). */
  readonly page?: PageLimits;
  /** `environment` in `/v1/info`. Default 'skein'. */
  readonly environment?: string;
  /** The clock (tests). */
  readonly now?: () => number;
}

/** An HTTP request as the hosts hand it over. Header names lower-case. */
export interface GatewayRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
  /** `http://host:port` (no trailing slash): the prefix of the URIs the gateway hands out. */
  readonly baseUrl: string;
}

export interface GatewayResponse {
  status: number;
  /** Header names as sent; an array for a header sent several times (X-Trino-Set-Session). */
  headers: Record<string, string | string[]>;
  body: string;
}

/** The gateway's own item per query, `gateway/query/<id>`. */
interface GatewayEntry {
  queryId: string;
  slug: string;
  sql: string;
  user: string;
  source?: string;
  catalog?: string;
  schema?: string;
  clientTags: string[];
  session: Record<string, string>;
  createdAt: number;
  /** When the client last asked about the query (written at most every `touchEveryMs`). */
  seenAt: number;
  /** When the final response (last page or error) was served. */
  deliveredAt?: number;
  /** The end as QueryInfo reports it once the record is released. */
  final?: { state: 'FINISHED' | 'FAILED'; error?: RecordedError; releasedAt: number };
  /** The query could not be started. */
  submitError?: RecordedError;
  /** The client cancelled it. */
  canceled?: boolean;
}

const ENTRY_PREFIX = 'gateway/query/';
const entryKey = (queryId: string) => `${ENTRY_PREFIX}${queryId}`;
const QUERY_ID = /^[0-9A-Za-z_-]{1,100}$/;
const started = Date.now();

/** The Trino client protocol over a {@link GatewayBackend}; see the module comment. */
export class Gateway {
  private readonly backend: GatewayBackend;
  private readonly options: Required<Omit<GatewayOptions, 'defaultUser' | 'page'>> &
    Pick<GatewayOptions, 'defaultUser' | 'page'>;
  /** Read plans of finished results, by query id (pure functions of the manifests; a cache). */
  private readonly plans = new Map<string, SpoolReadPlan | undefined>();

  constructor(backend: GatewayBackend, options: GatewayOptions = {}) {
    this.backend = backend;
    this.options = {
      pollWaitMs: 1000,
      pollIntervalMs: 100,
      abandonAfterMs: 5 * 60_000,
      startTimeoutMs: 5 * 60_000,
      coordinatorTimeoutMs: 3 * 60_000,
      resultRetentionMs: 60_000,
      infoRetentionMs: 15 * 60_000,
      environment: 'skein',
      now: Date.now,
      ...options,
    };
  }

  /** Answers one request; never throws (an unexpected failure is a 500 with a JSON error). */
  async handle(req: GatewayRequest): Promise<GatewayResponse> {
    try {
      return await this.route(req);
    } catch (err) {
      const e = asSkeinError(err);
      const status = e.code === 'NOT_FOUND' ? 404 : e.isUserError ? 400 : e.code === 'EXTERNAL' ? 502 : 500;
      return protocolError(status, e.code === 'INTERNAL' ? 'INTERNAL' : e.code, e.message);
    }
  }

  private async route(req: GatewayRequest): Promise<GatewayResponse> {
    const method = req.method.toUpperCase();
    const path = req.path.replace(/\/+$/, '') || '/';
    if (path === '/v1/info') {
      if (method !== 'GET') return methodNotAllowed(method, path);
      return json(200, {
        nodeVersion: { version: `skein-${pkg.version}` },
        environment: this.options.environment,
        coordinator: true,
        starting: false,
        uptime: `${((this.options.now() - started) / 1000).toFixed(2)}s`,
      });
    }
    if (path === '/v1/statement') {
      if (method !== 'POST') return methodNotAllowed(method, path);
      return await this.submit(req);
    }
    const exec = /^\/v1\/statement\/(?:executing|queued)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
    if (exec) {
      const [, id, slug, token] = exec as unknown as [string, string, string, string];
      if (method === 'GET') return await this.poll(req, id, slug, token);
      if (method === 'DELETE') {
        const entry = await this.entry(id);
        if (!entry || entry.slug !== slug) return unknownQuery(id);
        await this.cancel(entry);
        return { status: 204, headers: {}, body: '' };
      }
      return methodNotAllowed(method, path);
    }
    const info = /^\/v1\/query\/([^/]+)$/.exec(path);
    if (info) {
      const id = info[1]!;
      const entry = await this.entry(id);
      if (!entry) return unknownQuery(id);
      if (method === 'GET') return json(200, await this.queryInfo(req, entry));
      if (method === 'DELETE') {
        await this.cancel(entry);
        return { status: 204, headers: {}, body: '' };
      }
      return methodNotAllowed(method, path);
    }
    return protocolError(
      404,
      'NOT_FOUND',
      `${method} ${path}: no such resource (the Trino client protocol is under /v1/)`,
    );
  }

  // ---------------------------------------------------------------------------------------------
  // POST /v1/statement

  private async submit(req: GatewayRequest): Promise<GatewayResponse> {
    const user = header(req, 'x-trino-user') ?? this.options.defaultUser;
    if (!user) {
      return protocolError(
        400,
        'INVALID_ARGUMENT',
        'X-Trino-User header is required (the user running the query)',
      );
    }
    const sql = req.body;
    if (sql.trim() === '')
      return protocolError(400, 'INVALID_ARGUMENT', 'SQL statement is empty (send it as the request body)');
    const session = parseSession(header(req, 'x-trino-session'));
    if (typeof session === 'string') return protocolError(400, 'INVALID_ARGUMENT', session);
    const now = this.options.now();
    const entry: GatewayEntry = {
      queryId: newQueryId(),
      slug: randomBytes(12).toString('base64url'),
      sql,
      user,
      clientTags: (header(req, 'x-trino-client-tags') ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== ''),
      session,
      createdAt: now,
      seenAt: now,
    };
    const source = header(req, 'x-trino-source');
    const catalog = header(req, 'x-trino-catalog');
    const schema = header(req, 'x-trino-schema');
    if (source) entry.source = source;
    if (catalog) entry.catalog = catalog;
    if (schema) entry.schema = schema;
    await this.backend.state.put(entryKey(entry.queryId), entry as unknown as JsonValue, {
      ifNotExists: true,
    });
    const request: QueryRequest = {
      queryId: entry.queryId,
      sql,
      user,
      ...(Object.keys(session).length > 0 ? { session } : {}),
      ...(source ? { source } : {}),
      ...(catalog ? { catalog } : {}),
      ...(schema ? { schema } : {}),
    };
    try {
      await this.backend.submit(request);
    } catch (err) {
      const e = asSkeinError(err);
      entry.submitError = { code: e.code, message: `the query could not be started: ${e.message}` };
      await this.backend.state.put(entryKey(entry.queryId), entry as unknown as JsonValue);
    }
    return json(200, {
      id: entry.queryId,
      infoUri: this.infoUri(req, entry.queryId),
      nextUri: this.nextUri(req, entry, 'w0'),
      stats: stats(undefined, entry, now),
      warnings: [],
    });
  }

  // ---------------------------------------------------------------------------------------------
  // GET nextUri

  private async poll(req: GatewayRequest, id: string, slug: string, token: string): Promise<GatewayResponse> {
    const entry = await this.entry(id);
    if (!entry || entry.slug !== slug) return unknownQuery(id);
    const parsed = this.parseToken(entry, token);
    if (parsed === undefined) {
      return protocolError(404, 'NOT_FOUND', `query ${id}: '${token}' is not a page of this query`);
    }
    if (entry.final) {
      return protocolError(410, 'NOT_FOUND', `query ${id} has ended and its results were released`);
    }
    await this.touch(entry);
    let record: QueryRecord | undefined;
    if (parsed.kind === 'wait') {
      record = await this.waitForEnd(entry);
      if (record === undefined && !entry.submitError) await this.checkStarted(entry);
      else if (record !== undefined && !entry.submitError) await this.checkAlive(entry, record);
    } else {
      record = await this.record(id);
      if (record?.phase !== 'FINISHED') {
        return protocolError(404, 'NOT_FOUND', `query ${id}: '${token}' is not a page of this query`);
      }
    }
    const now = this.options.now();
    const body: Record<string, unknown> = { id, infoUri: this.infoUri(req, id) };
    const headers: Record<string, string | string[]> = {};
    const error = entry.submitError ?? record?.error;
    if (entry.submitError || record?.phase === 'FAILED') {
      body.stats = stats(record, entry, now, 'FAILED');
      body.error = trinoError(
        error ?? { code: 'INTERNAL', message: 'the query failed without an error (a bug in Skein)' },
      );
      body.warnings = [];
      await this.delivered(entry);
      return json(200, body, headers);
    }
    if (record?.columns) body.columns = record.columns.map((c) => trinoColumn(c.name, c.type));
    if (record?.phase !== 'FINISHED') {
      body.nextUri = this.nextUri(req, entry, `w${parsed.kind === 'wait' ? parsed.n + 1 : 0}`);
      body.stats = stats(record, entry, now);
      body.warnings = [];
      return json(200, body, headers);
    }
    // FINISHED: a page of the result.
    const plan = this.plan(id, record);
    const cursor = parsed.kind === 'data' ? parsed.cursor : START;
    if (!cursorInPlan(plan, cursor)) {
      return protocolError(404, 'NOT_FOUND', `query ${id}: '${token}' is not a page of this query`);
    }
    let page: Awaited<ReturnType<typeof readResultPage>>;
    try {
      page = await readResultPage(this.backend.spool, plan, record.columns ?? [], cursor, this.options.page);
    } catch (err) {
      const e = asSkeinError(err);
      if (e.code === 'EXTERNAL') return protocolError(410, 'EXTERNAL', `query ${id}: ${e.message}`);
      throw err;
    }
    if (!body.columns) body.columns = [];
    if (page.next) body.nextUri = this.nextUri(req, entry, this.dataToken(entry, page.next));
    body.stats = stats(record, entry, now);
    body.warnings = [];
    addSessionHeaders(record, headers);
    if (record.setSession || record.resetSession) body.updateType = 'SET SESSION';
    if (!page.next) await this.delivered(entry);
    const head = JSON.stringify(body);
    const text = page.rows.length === 0 ? head : `${head.slice(0, -1)},"data":[${page.rows.join(',')}]}`;
    return { status: 200, headers: { 'content-type': 'application/json', ...headers }, body: text };
  }

  /**
   * A query no coordinator has picked up within `startTimeoutMs` (its invocation was lost, or the
   * coordinator crashed before writing the record) fails, and is cancelled in case one still comes.
   */
  private async checkStarted(entry: GatewayEntry): Promise<void> {
    const waited = this.options.now() - entry.createdAt;
    if (waited < this.options.startTimeoutMs) return;
    await requestCancel(this.backend.state, entry.queryId);
    entry.submitError = {
      code: 'EXTERNAL',
      message: `no coordinator started the query within ${Math.round(waited / 1000)} s (its invocation was lost or failed before the query began)`,
    };
    await this.save(entry);
  }

  /**
   * A query whose coordinator stopped rewriting its record (PLANNING or RUNNING, unchanged for
   * `coordinatorTimeoutMs`) fails; a cancel is left in case the coordinator is only slow.
   */
  private async checkAlive(entry: GatewayEntry, record: QueryRecord): Promise<void> {
    if (record.phase !== 'PLANNING' && record.phase !== 'RUNNING') return;
    const silent = this.options.now() - record.updatedAt;
    if (silent < this.options.coordinatorTimeoutMs) return;
    await requestCancel(this.backend.state, entry.queryId);
    entry.submitError = {
      code: 'EXTERNAL',
      message: `the query's coordinator stopped reporting ${Math.round(silent / 1000)} s ago while ${record.phase} (it crashed or reached its time limit)`,
    };
    await this.save(entry);
  }

  /** Re-reads the record until the query has ended or `pollWaitMs` passed. */
  private async waitForEnd(entry: GatewayEntry): Promise<QueryRecord | undefined> {
    const deadline = this.options.now() + this.options.pollWaitMs;
    for (;;) {
      const record = await this.record(entry.queryId);
      if (entry.submitError || record?.phase === 'FINISHED' || record?.phase === 'FAILED') return record;
      const left = deadline - this.options.now();
      if (left <= 0) return record;
      await sleep(Math.min(left, this.options.pollIntervalMs));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Cancel, QueryInfo

  private async cancel(entry: GatewayEntry): Promise<void> {
    if (entry.final) return;
    const record = await this.record(entry.queryId);
    if (record?.phase === 'FINISHED' || record?.phase === 'FAILED') return;
    await requestCancel(this.backend.state, entry.queryId);
    if (!entry.canceled) {
      entry.canceled = true;
      await this.save(entry);
    }
  }

  private async queryInfo(req: GatewayRequest, entry: GatewayEntry): Promise<Record<string, unknown>> {
    const record = entry.final ? undefined : await this.record(entry.queryId);
    const error = entry.submitError ?? entry.final?.error ?? record?.error;
    const state = entry.final?.state ?? (entry.submitError ? 'FAILED' : (record?.phase ?? 'QUEUED'));
    const info: Record<string, unknown> = {
      queryId: entry.queryId,
      state,
      query: entry.sql,
      self: this.infoUri(req, entry.queryId),
      session: {
        user: entry.user,
        ...(entry.source ? { source: entry.source } : {}),
        ...(entry.catalog ? { catalog: entry.catalog } : {}),
        ...(entry.schema ? { schema: entry.schema } : {}),
        clientTags: entry.clientTags,
        systemProperties: entry.session,
      },
      scheduled: state !== 'QUEUED',
      queryStats: record?.stats ?? {},
    };
    if (error) {
      const t = trinoError(error);
      info.failureInfo = t.failureInfo;
      info.errorCode = { code: t.errorCode, name: t.errorName, type: t.errorType };
      info.errorType = t.errorType;
    }
    return info;
  }

  // ---------------------------------------------------------------------------------------------
  // Lifetime

  /**
   * Abandons queries whose client went away, releases results served long enough ago, and forgets
   * released queries after `infoRetentionMs`. Returns how many queries it released or forgot.
   */
  async sweep(): Promise<number> {
    const now = this.options.now();
    const o = this.options;
    let n = 0;
    for (const item of await this.backend.state.list(ENTRY_PREFIX)) {
      const entry = item.value as unknown as GatewayEntry;
      try {
        if (entry.final) {
          if (now - entry.final.releasedAt >= o.infoRetentionMs) {
            await this.backend.state.delete(item.key);
            n++;
          }
          continue;
        }
        const abandoned = entry.deliveredAt === undefined && now - entry.seenAt >= o.abandonAfterMs;
        const served = entry.deliveredAt !== undefined && now - entry.deliveredAt >= o.resultRetentionMs;
        if (!abandoned && !served) continue;
        const record = await this.record(entry.queryId);
        const ended =
          entry.submitError || !record || record.phase === 'FINISHED' || record.phase === 'FAILED';
        if (!ended) {
          // Abandoned while running: stop it; a later sweep releases it once it has ended.
          await requestCancel(this.backend.state, entry.queryId);
          continue;
        }
        await releaseQuery(this.backend.state, this.backend.spool, entry.queryId);
        this.plans.delete(entry.queryId);
        if (abandoned) {
          // An abandoned query is gone: nobody is left to ask about it.
          await this.backend.state.delete(item.key);
        } else {
          const error = entry.submitError ?? record?.error;
          entry.final = {
            state: error ? 'FAILED' : 'FINISHED',
            ...(error ? { error } : {}),
            releasedAt: now,
          };
          await this.save(entry);
        }
        n++;
      } catch (err) {
        // One query's trouble must not stop the others' cleanup; the next sweep retries it.
        void err;
      }
    }
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private async entry(queryId: string): Promise<GatewayEntry | undefined> {
    if (!QUERY_ID.test(queryId)) return undefined;
    const item = await this.backend.state.get(entryKey(queryId));
    return item ? (item.value as unknown as GatewayEntry) : undefined;
  }

  private async save(entry: GatewayEntry): Promise<void> {
    await this.backend.state.put(entryKey(entry.queryId), entry as unknown as JsonValue);
  }

  private async record(queryId: string): Promise<QueryRecord | undefined> {
    const item = await this.backend.state.get(queryRecordKey(queryId));
    // The coordinator writes QueryRecord values; the StateStore gives them back as JSON.
    return item ? (item.value as unknown as QueryRecord) : undefined;
  }

  /** Notes that the client is still there (a write at most every few seconds). */
  private async touch(entry: GatewayEntry): Promise<void> {
    const now = this.options.now();
    if (now - entry.seenAt < Math.min(5000, this.options.abandonAfterMs / 4)) return;
    entry.seenAt = now;
    await this.save(entry);
  }

  private async delivered(entry: GatewayEntry): Promise<void> {
    if (entry.deliveredAt !== undefined) return;
    entry.deliveredAt = this.options.now();
    entry.seenAt = entry.deliveredAt;
    await this.save(entry);
  }

  private plan(queryId: string, record: QueryRecord): SpoolReadPlan | undefined {
    if (!this.plans.has(queryId)) {
      if (this.plans.size > 1000) this.plans.clear();
      this.plans.set(queryId, resultReadPlan(record.result?.manifests ?? []));
    }
    return this.plans.get(queryId);
  }

  private infoUri(req: GatewayRequest, id: string): string {
    return `${req.baseUrl}/v1/query/${id}`;
  }

  private nextUri(req: GatewayRequest, entry: GatewayEntry, token: string): string {
    return `${req.baseUrl}/v1/statement/executing/${entry.queryId}/${entry.slug}/${token}`;
  }

  private dataToken(entry: GatewayEntry, c: PageCursor): string {
    const text = `${c.read}_${c.offset}_${c.skip}`;
    return `d${text}_${mac(entry, text)}`;
  }

  private parseToken(
    entry: GatewayEntry,
    token: string,
  ): { kind: 'wait'; n: number } | { kind: 'data'; cursor: PageCursor } | undefined {
    const w = /^w(\d{1,9})$/.exec(token);
    if (w) return { kind: 'wait', n: Number(w[1]) };
    const d = /^d(\d{1,9})_(\d{1,15})_(\d{1,9})_([A-Za-z0-9_-]{22})$/.exec(token);
    if (!d) return undefined;
    const text = `${d[1]}_${d[2]}_${d[3]}`;
    if (mac(entry, text) !== d[4]) return undefined;
    return { kind: 'data', cursor: { read: Number(d[1]), offset: Number(d[2]), skip: Number(d[3]) } };
  }
}

function mac(entry: GatewayEntry, text: string): string {
  return createHmac('sha256', entry.slug).update(`${entry.queryId}/${text}`).digest('base64url').slice(0, 22);
}

/** Trino's `StatementStats` from a query record. */
function stats(
  record: QueryRecord | undefined,
  entry: GatewayEntry,
  now: number,
  state: string = record?.phase ?? 'QUEUED',
): Record<string, unknown> {
  const p = record?.progress;
  const s = record?.stats;
  const total = p?.splits ?? p?.tasks ?? 0;
  const done = p?.splitsDone ?? p?.tasksDone ?? 0;
  const ended = state === 'FINISHED' || state === 'FAILED';
  const end = ended && record ? record.updatedAt : now;
  const out: Record<string, unknown> = {
    state,
    queued: state === 'QUEUED',
    scheduled: state === 'RUNNING' || state === 'FINISHED',
    nodes: 1,
    totalSplits: total,
    queuedSplits: 0,
    runningSplits: ended ? 0 : Math.max(0, total - done),
    completedSplits: done,
    cpuTimeMillis: Math.round(s?.cpuMs ?? 0),
    wallTimeMillis: Math.round(s?.wallMs ?? 0),
    queuedTimeMillis: 0,
    elapsedTimeMillis: Math.max(0, end - entry.createdAt),
    processedRows: s?.rows ?? 0,
    processedBytes: s?.bytes ?? 0,
    physicalInputBytes: s?.bytes ?? 0,
    peakMemoryBytes: 0,
    spilledBytes: 0,
  };
  if (state === 'RUNNING' && p) {
    const fraction = total > 0 ? done / total : p.stages > 0 ? p.stagesDone / p.stages : 0;
    out.progressPercentage = Math.min(100, Math.round(fraction * 1000) / 10);
  }
  if (state === 'FINISHED') out.progressPercentage = 100;
  return out;
}

function addSessionHeaders(record: QueryRecord, headers: Record<string, string | string[]>): void {
  const set = Object.entries(record.setSession ?? {});
  if (set.length > 0) headers['X-Trino-Set-Session'] = set.map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  if (record.resetSession && record.resetSession.length > 0) {
    headers['X-Trino-Clear-Session'] = [...record.resetSession];
  }
}

/** `X-Trino-Session: a=1,b=x%20y` → { a: '1', b: 'x y' }; a string names what is wrong. */
function parseSession(text: string | undefined): Record<string, string> | string {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const part of text.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    if (eq <= 0) return `X-Trino-Session: '${p}' is not name=value`;
    try {
      out[p.slice(0, eq).trim()] = decodeURIComponent(p.slice(eq + 1).trim());
    } catch {
      return `X-Trino-Session: the value of '${p.slice(0, eq)}' is not URL-encoded text`;
    }
  }
  return out;
}

function header(req: GatewayRequest, name: string): string | undefined {
  const v = req.headers[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function json(
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): GatewayResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** A protocol-level error (not a query's): a 4xx/5xx status with a Trino-shaped JSON body. */
function protocolError(status: number, code: RecordedError['code'], message: string): GatewayResponse {
  const t: TrinoQueryError = trinoError({ code, message });
  return json(status, {
    error: { message: t.message, errorCode: t.errorCode, errorName: t.errorName, errorType: t.errorType },
  });
}

function unknownQuery(id: string): GatewayResponse {
  return protocolError(
    404,
    'NOT_FOUND',
    `query '${id}' is not known to this server (finished long ago, or never started)`,
  );
}

function methodNotAllowed(method: string, path: string): GatewayResponse {
  return protocolError(405, 'INVALID_ARGUMENT', `${method} is not allowed on ${path}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
