/**
 * The protocol core alone (`Gateway.handle`, `Gateway.sweep`) over the in-memory StateStore and a
 * spool folder, for what a healthy server seldom shows: an invocation that is refused, one that is
 * lost (no coordinator ever starts the query), a client that goes away before any coordinator
 * ran, and requests the protocol does not have.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderBlobStore } from '../../src/adapters/local/folder-blob-store.ts';
import { MemoryStateStore } from '../../src/adapters/local/memory-state-store.ts';
import { type QueryRecord, type QueryRequest, queryRecordKey } from '../../src/engine/query-service.ts';
import { Gateway, type GatewayRequest } from '../../src/gateway/gateway.ts';
import { InvokeThrottledError } from '../../src/ports/invoker.ts';

let dir: string;
let spool: FolderBlobStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-gw-core-'));
  spool = new FolderBlobStore(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const BASE = 'http://gw.test';

function request(method: string, path: string, body = '', user: string | null = 'ann'): GatewayRequest {
  return { method, path, headers: user ? { 'x-trino-user': user } : {}, body, baseUrl: BASE };
}

// biome-ignore lint/suspicious/noExplicitAny: protocol JSON, checked field by field by the tests
type Json = Record<string, any>;

async function json(gateway: Gateway, req: GatewayRequest): Promise<{ status: number; body: Json }> {
  const res = await gateway.handle(req);
  return { status: res.status, body: res.body === '' ? {} : JSON.parse(res.body) };
}

describe('Gateway core', () => {
  it('fails a query whose coordinator invocation is refused, on its first page', async () => {
    const state = new MemoryStateStore();
    const gateway = new Gateway({
      state,
      spool,
      submit: async () => {
        throw new InvokeThrottledError('skein-coordinator', 10, 'account');
      },
    });
    const post = await json(gateway, request('POST', '/v1/statement', 'SELECT 1'));
    expect(post.status).toBe(200);
    expect(post.body.stats.state).toBe('QUEUED');
    const page = await json(gateway, request('GET', new URL(post.body.nextUri).pathname));
    expect(page.body.stats.state).toBe('FAILED');
    expect(page.body.error).toMatchObject({ errorType: 'EXTERNAL', errorName: 'GENERIC_EXTERNAL' });
    expect(page.body.error.message).toMatch(/could not be started: .*throttled/);
    expect(page.body.nextUri).toBeUndefined();
  });

  it('fails a query that no coordinator starts within startTimeoutMs, and leaves a cancel for a late one', async () => {
    const state = new MemoryStateStore();
    const submitted: QueryRequest[] = [];
    let offset = 0;
    const gateway = new Gateway(
      { state, spool, submit: async (r) => void submitted.push(r) },
      { startTimeoutMs: 60_000, pollWaitMs: 30, pollIntervalMs: 10, now: () => Date.now() + offset },
    );
    const post = await json(gateway, request('POST', '/v1/statement', 'SELECT 1'));
    expect(submitted.map((r) => [r.queryId, r.sql, r.user])).toEqual([[post.body.id, 'SELECT 1', 'ann']]);
    // Not started yet, but within the limit: still QUEUED after the poll's wait; poll again.
    const first = await json(gateway, request('GET', new URL(post.body.nextUri).pathname));
    expect(first.body.stats.state).toBe('QUEUED');
    expect(first.body.nextUri).toMatch(/\/w1$/);
    offset += 60_000;
    const late = await json(gateway, request('GET', new URL(first.body.nextUri).pathname));
    expect(late.body.stats.state).toBe('FAILED');
    expect(late.body.error.message).toMatch(/no coordinator started the query within 60 s/);
    // A coordinator that starts now finds the query cancelled.
    expect((await state.list('queries/')).map((i) => i.key)).toEqual([`queries/${post.body.id}/cancel`]);
  });

  it('fails a started query whose coordinator stopped rewriting its record, and leaves a cancel', async () => {
    const state = new MemoryStateStore();
    let offset = 0;
    const gateway = new Gateway(
      {
        state,
        spool,
        // A coordinator that claims the query, writes RUNNING once, and dies.
        submit: async (r) => {
          const t = Date.now();
          const record: QueryRecord = {
            queryId: r.queryId,
            sql: r.sql,
            user: r.user,
            phase: 'RUNNING',
            createdAt: t,
            updatedAt: t,
          };
          await state.put(queryRecordKey(r.queryId), record as never);
        },
      },
      { coordinatorTimeoutMs: 180_000, pollWaitMs: 30, pollIntervalMs: 10, now: () => Date.now() + offset },
    );
    const post = await json(gateway, request('POST', '/v1/statement', 'SELECT 1'));
    const first = await json(gateway, request('GET', new URL(post.body.nextUri).pathname));
    expect(first.body.stats.state).toBe('RUNNING');
    offset += 179_000;
    const quiet = await json(gateway, request('GET', new URL(first.body.nextUri).pathname));
    expect(quiet.body.stats.state).toBe('RUNNING');
    offset += 2_000;
    const dead = await json(gateway, request('GET', new URL(quiet.body.nextUri).pathname));
    expect(dead.body.stats.state).toBe('FAILED');
    expect(dead.body.error).toMatchObject({ errorType: 'EXTERNAL' });
    expect(dead.body.error.message).toMatch(/coordinator stopped reporting 181 s ago while RUNNING/);
    expect(dead.body.nextUri).toBeUndefined();
    // Should the coordinator only have been slow, it finds the query cancelled.
    expect((await state.list(`queries/${post.body.id}/`)).map((i) => i.key)).toEqual([
      `queries/${post.body.id}/cancel`,
    ]);
  });

  it('sweeps a query abandoned before any coordinator ran: its items are gone', async () => {
    const state = new MemoryStateStore();
    let now = 5_000_000;
    const gateway = new Gateway(
      { state, spool, submit: async () => {} },
      { abandonAfterMs: 10_000, now: () => now },
    );
    const post = await json(gateway, request('POST', '/v1/statement', 'SELECT 1'));
    expect((await json(gateway, request('GET', `/v1/query/${post.body.id}`))).body).toMatchObject({
      queryId: post.body.id,
      state: 'QUEUED',
      query: 'SELECT 1',
      session: { user: 'ann' },
    });
    expect(await gateway.sweep()).toBe(0);
    now += 10_000;
    expect(await gateway.sweep()).toBe(1);
    expect(await state.list('')).toEqual([]);
    expect((await json(gateway, request('GET', `/v1/query/${post.body.id}`))).status).toBe(404);
    expect((await json(gateway, request('GET', new URL(post.body.nextUri).pathname))).status).toBe(404);
  });

  it('answers requests outside the protocol with JSON errors', async () => {
    const gateway = new Gateway(
      { state: new MemoryStateStore(), spool, submit: async () => {} },
      { defaultUser: 'anon' },
    );
    expect((await json(gateway, request('DELETE', '/v1/info'))).status).toBe(405);
    expect((await json(gateway, request('GET', '/v1/statement'))).status).toBe(405);
    const bad = await json(gateway, {
      ...request('POST', '/v1/statement', 'SELECT 1'),
      headers: { 'x-trino-session': 'oops' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/X-Trino-Session: 'oops' is not name=value/);
    // With a default user, a request without X-Trino-User is accepted.
    const anon = await json(gateway, request('POST', '/v1/statement', 'SELECT 1', null));
    expect(anon.status).toBe(200);
    const info = await json(gateway, request('GET', `/v1/query/${anon.body.id}`));
    expect(info.body.session.user).toBe('anon');
    // A data token of a query that has no result yet is not a page of it.
    const path = new URL(anon.body.nextUri).pathname.replace(/w0$/, 'd0_0_0_AAAAAAAAAAAAAAAAAAAAAA');
    expect((await json(gateway, request('GET', path))).status).toBe(404);
  });
});
