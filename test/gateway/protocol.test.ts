/**
 * The Trino client protocol of `skein serve`, spoken with plain `fetch`: the QUEUED answer of a
 * POST, long polling, a result over many pages read from the spool, fetching a page again, bad
 * requests (no user, unknown query, forged nextUri), SET SESSION, cancelling, QueryInfo, and
 * abandonment (a client that stops polling loses its query and its spool objects).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServe, startServe } from '../../src/cli/serve.ts';
import { generateTpch } from '../../src/tpch/generate.ts';

let dir: string;
let server: RunningServe;
const USER = { 'X-Trino-User': 'tester' };
/** A query that runs for a few seconds (a 5,000 × 15,000 nested-loop join), to be cancelled. */
const SLOW =
  'SELECT count(*) FROM orders a, orders b WHERE a.o_custkey + b.o_custkey > 0 AND a.o_orderkey < 20000';

interface Results {
  id: string;
  infoUri?: string;
  nextUri?: string;
  columns?: { name: string; type: string; typeSignature: { rawType: string } }[];
  data?: unknown[][];
  stats: { state: string; elapsedTimeMillis: number; processedRows: number; progressPercentage?: number };
  error?: {
    message: string;
    errorCode: number;
    errorName: string;
    errorType: string;
    errorLocation?: { lineNumber: number; columnNumber: number };
  };
}

async function post(sql: string, headers: Record<string, string> = USER): Promise<Response> {
  return await fetch(`${server.url}/v1/statement`, { method: 'POST', body: sql, headers });
}

/** Runs a statement to its end; returns every response (the POST's first). */
async function run(
  sql: string,
  headers: Record<string, string> = USER,
): Promise<{ pages: Results[]; responses: Response[] }> {
  const res = await post(sql, headers);
  expect(res.status).toBe(200);
  const pages: Results[] = [(await res.json()) as Results];
  const responses = [res];
  while (pages[pages.length - 1]!.nextUri) {
    const r = await fetch(pages[pages.length - 1]!.nextUri!, { headers });
    expect(r.status).toBe(200);
    responses.push(r);
    pages.push((await r.json()) as Results);
  }
  return { pages, responses };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-gw-protocol-'));
  await generateTpch({ sf: 0.01, out: dir, tables: ['nation', 'region', 'orders'], threads: 1 });
  server = await startServe({
    host: '127.0.0.1',
    port: 0,
    data: dir,
    gateway: {
      page: { maxRows: 1000 },
      abandonAfterMs: 1500,
      resultRetentionMs: 2000,
      infoRetentionMs: 2000,
    },
    sweepEveryMs: 200,
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('skein serve: the Trino client protocol', () => {
  it('answers /v1/info', async () => {
    const res = await fetch(`${server.url}/v1/info`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      coordinator: true,
      starting: false,
      nodeVersion: { version: expect.stringMatching(/^skein-/) },
    });
  });

  it('answers a POST at once with QUEUED and no data, then results on nextUri', async () => {
    const res = await post(
      'SELECT n_nationkey, n_name FROM nation WHERE n_regionkey = 1 ORDER BY n_nationkey',
    );
    const first = (await res.json()) as Results;
    expect(first.stats.state).toBe('QUEUED');
    expect(first.data).toBeUndefined();
    expect(first.id).toMatch(/\S/);
    expect(first.infoUri).toBe(`${server.url}/v1/query/${first.id}`);
    expect(first.nextUri).toMatch(new RegExp(`^${server.url}/v1/statement/executing/${first.id}/`));
    const rows: unknown[][] = [];
    let page = first;
    let columns: Results['columns'];
    while (page.nextUri) {
      page = (await (await fetch(page.nextUri, { headers: USER })).json()) as Results;
      columns ??= page.columns;
      rows.push(...(page.data ?? []));
    }
    expect(page.stats.state).toBe('FINISHED');
    expect(columns?.map((c) => [c.name, c.type])).toEqual([
      ['n_nationkey', 'bigint'],
      ['n_name', 'varchar'],
    ]);
    expect(rows).toEqual([
      [1, 'ARGENTINA'],
      [2, 'BRAZIL'],
      [3, 'CANADA'],
      [17, 'PERU'],
      [24, 'UNITED STATES'],
    ]);
  });

  it("encodes values as Trino's JSON does, and answers an empty result with its columns and no data", async () => {
    const { pages } = await run(
      "SELECT CAST(2.5 AS DOUBLE) AS d, DATE '2024-01-02' AS dt, TIMESTAMP '2024-01-02 03:04:05.5' AS ts, " +
        "true AS b, CAST(12.3 AS DECIMAL(10,2)) AS m, 'x' AS s, CAST(NULL AS INTEGER) AS n, INTERVAL '1' DAY AS i",
    );
    const columns = pages.find((p) => p.columns)!.columns!;
    expect(columns.map((c) => c.type)).toEqual([
      'double',
      'date',
      'timestamp(6)',
      'boolean',
      'decimal(10,2)',
      'varchar',
      'integer',
      'interval day to second',
    ]);
    expect(pages.flatMap((p) => p.data ?? [])).toEqual([
      [2.5, '2024-01-02', '2024-01-02 03:04:05.500000', true, '12.30', 'x', null, '1 00:00:00.000'],
    ]);
    const empty = await run('SELECT n_name FROM nation WHERE n_nationkey < 0');
    const last = empty.pages.at(-1)!;
    expect(last.stats.state).toBe('FINISHED');
    expect(last.columns?.map((c) => c.name)).toEqual(['n_name']);
    expect(empty.pages.every((p) => p.data === undefined)).toBe(true);
  });

  it('pages a large result from the spool; every page can be fetched again and gives the same rows', async () => {
    const { pages } = await run('SELECT o_orderkey, o_totalprice, o_orderdate FROM orders');
    const data = pages.filter((p) => p.data);
    expect(data.length).toBeGreaterThanOrEqual(15);
    for (const p of data) expect(p.data!.length).toBeLessThanOrEqual(1000);
    const rows = data.flatMap((p) => p.data!);
    expect(rows).toHaveLength(15_000);
    expect(new Set(rows.map((r) => r[0])).size).toBe(15_000);
    expect(rows[0]).toEqual([
      expect.any(Number),
      expect.stringMatching(/^\d+\.\d\d$/),
      expect.stringMatching(/^\d{4}-\d\d-\d\d$/),
    ]);
    // Re-fetch a middle page by its URI: the same page again (idempotent tokens).
    const mid = pages.findIndex((p, i) => i > 2 && p.data);
    const again = (await (await fetch(pages[mid - 1]!.nextUri!, { headers: USER })).json()) as Results;
    expect(again.data).toEqual(pages[mid]!.data);
    expect(again.nextUri).toBe(pages[mid]!.nextUri);
    const last = pages[pages.length - 1]!;
    expect(last.stats.state).toBe('FINISHED');
    expect(last.nextUri).toBeUndefined();
  });

  it('long-polls: a poll of a running query waits about a second, then answers with its state', async () => {
    const first = (await (await post(SLOW)).json()) as Results;
    const t0 = performance.now();
    const res = await fetch(first.nextUri!, { headers: USER });
    const waited = performance.now() - t0;
    expect(res.status).toBe(200);
    const r = (await res.json()) as Results;
    expect(['QUEUED', 'PLANNING', 'RUNNING']).toContain(r.stats.state);
    expect(waited).toBeGreaterThan(900);
    expect(waited).toBeLessThan(2500);
    expect(r.nextUri).toMatch(/\/w1$/);
    expect(r.data).toBeUndefined();
    expect((await fetch(`${server.url}/v1/query/${first.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('puts a SQL error on the page with its code and location', async () => {
    const { pages } = await run('SELECT *\nFROM no_such_table');
    const last = pages[pages.length - 1]!;
    expect(last.stats.state).toBe('FAILED');
    expect(last.error).toMatchObject({
      errorName: 'TABLE_NOT_FOUND',
      errorType: 'USER_ERROR',
      errorLocation: { lineNumber: 2, columnNumber: expect.any(Number) },
    });
    expect(last.error!.message).toMatch(/no_such_table/);
    const syntax = (await run('SELEC 1')).pages.at(-1)!;
    expect(syntax.error).toMatchObject({
      errorName: 'SYNTAX_ERROR',
      errorCode: 1,
      errorLocation: { lineNumber: 1, columnNumber: 1 },
    });
  });

  it('refuses bad requests with a 4xx and a JSON error', async () => {
    const noUser = await post('SELECT 1', {});
    expect(noUser.status).toBe(400);
    expect(((await noUser.json()) as { error: { message: string } }).error.message).toMatch(/X-Trino-User/);

    const empty = await post('  ', USER);
    expect(empty.status).toBe(400);

    const unknown = await fetch(`${server.url}/v1/query/20260101_000000_00000_nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { errorName: 'NOT_FOUND' } });

    const { pages } = await run('SELECT o_orderkey FROM orders');
    const real = pages.find((p) => p.nextUri && /\/d[^/]+$/.test(p.nextUri))!.nextUri!;
    const forgedToken = real.replace(/_[A-Za-z0-9_-]{22}$/, '_AAAAAAAAAAAAAAAAAAAAAA');
    const forgedSlug = real.replace(/(executing\/[^/]+\/)[^/]+/, '$1xyz');
    const forgedId = real.replace(/executing\/[^/]+/, 'executing/20260101_000000_00000_nope');
    for (const uri of [forgedToken, forgedSlug, forgedId, `${real.replace(/\/[^/]+$/, '')}/zzz`]) {
      const r = await fetch(uri, { headers: USER });
      expect(r.status, uri).toBe(404);
      const body = (await r.json()) as { error: { message: string; errorName: string } };
      expect(body.error.errorName).toBe('NOT_FOUND');
    }
    const nowhere = await fetch(`${server.url}/v2/whatever`);
    expect(nowhere.status).toBe(404);
  });

  it('answers SET SESSION with X-Trino-Set-Session and takes X-Trino-Session on later queries', async () => {
    const { responses } = await run("SET SESSION batch_size = '1024'");
    const headers = responses.map((r) => r.headers.get('x-trino-set-session')).filter((h) => h !== null);
    expect(headers).toContain('batch_size=1024');
    const shown = await run('SHOW batch_size', { ...USER, 'X-Trino-Session': 'batch_size=2048' });
    const rows = shown.pages.flatMap((p) => p.data ?? []);
    expect(JSON.stringify(rows)).toMatch(/2048/);
  });

  it('shares one catalog between queries: a view created by one is read by the next', async () => {
    const created = await run('CREATE VIEW asia AS SELECT n_name FROM nation WHERE n_regionkey = 2');
    expect(created.pages.at(-1)!.stats.state).toBe('FINISHED');
    const { pages } = await run('SELECT count(*) AS n FROM asia');
    expect(pages.flatMap((p) => p.data ?? [])).toEqual([[5]]);
  });

  it('cancels a query: DELETE /v1/query/{id} ends it FAILED with USER_CANCELED, and QueryInfo says so', async () => {
    const first = (await (await post(SLOW)).json()) as Results;
    const del = await fetch(`${server.url}/v1/query/${first.id}`, { method: 'DELETE', headers: USER });
    expect(del.status).toBe(204);
    let page = first;
    while (page.nextUri) page = (await (await fetch(page.nextUri, { headers: USER })).json()) as Results;
    expect(page.stats.state).toBe('FAILED');
    expect(page.error).toMatchObject({ errorName: 'USER_CANCELED', errorType: 'USER_ERROR' });
    const info = (await (
      await fetch(`${server.url}/v1/query/${first.id}`, { headers: USER })
    ).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ queryId: first.id, state: 'FAILED', query: SLOW });
    expect(info.failureInfo).toMatchObject({ message: expect.any(String) });
  });

  it('releases a result a while after its last page was served; QueryInfo stays a while longer', async () => {
    const { pages } = await run('SELECT o_orderkey FROM orders WHERE o_orderkey < 100');
    const id = pages[0]!.id;
    const lastUri = pages.at(-2)!.nextUri!;
    expect((await fetch(lastUri, { headers: USER })).status).toBe(200);
    expect(await spoolKeysOf(id)).not.toEqual([]);
    await until(async () => (await spoolKeysOf(id)).length === 0);
    const again = await fetch(lastUri, { headers: USER });
    expect(again.status).toBe(410);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(/released/);
    const info = await fetch(`${server.url}/v1/query/${id}`);
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ queryId: id, state: 'FINISHED' });
    await until(async () => (await fetch(`${server.url}/v1/query/${id}`)).status === 404);
  }, 20_000);

  it('abandons a query whose client stops polling: records and spool objects are gone', async () => {
    const { pages } = await (async () => {
      const first = (await (await post('SELECT o_orderkey, o_comment FROM orders')).json()) as Results;
      // Poll until the first data page, then stop.
      let page = first;
      while (!page.data && page.nextUri)
        page = (await (await fetch(page.nextUri, { headers: USER })).json()) as Results;
      return { pages: [first, page] };
    })();
    const id = pages[0]!.id;
    expect(pages[1]!.data!.length).toBeGreaterThan(0);
    expect(await spoolKeysOf(id)).not.toEqual([]);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await fetch(`${server.url}/v1/query/${id}`)).status !== 404) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await fetch(`${server.url}/v1/query/${id}`)).status).toBe(404);
    expect((await fetch(pages[1]!.nextUri!, { headers: USER })).status).toBe(404);
    expect(await spoolKeysOf(id)).toEqual([]);
  }, 20_000);
});

async function until(condition: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function spoolKeysOf(queryId: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of server.spool.list('')) if (o.key.includes(queryId)) keys.push(o.key);
  return keys;
}
