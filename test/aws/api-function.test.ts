/**
 * The API function as deployed: hosted by the Lambda Invoke host and called with API Gateway
 * (HTTP API, payload 2.0) events through the real Lambda client, with the gateway's and the
 * queries' state in S3 (fauxqs) and each query started by an asynchronous invocation of the
 * coordinator function — itself hosted, with the worker function, reading tables from S3.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTpch } from '../../src/tpch/generate.ts';
import { type Emulators, startEmulators } from './emulators.ts';
import { type LambdaHost, startLambdaHost } from './lambda-host.ts';

let aws: Emulators;
let host: LambdaHost;
let lambda: LambdaClient;

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** One HTTP request to the API function, as API Gateway would deliver it. */
async function call(
  method: string,
  path: string,
  options: { body?: string; user?: string } = {},
): Promise<Answer> {
  const event = {
    version: '2.0',
    rawPath: path,
    rawQueryString: '',
    headers: {
      host: 'api.example',
      'x-forwarded-proto': 'https',
      ...(options.user ? { 'x-trino-user': options.user } : {}),
    },
    ...(options.body === undefined
      ? {}
      : { body: Buffer.from(options.body).toString('base64'), isBase64Encoded: true }),
    requestContext: {
      http: { method },
      requestId: `r-${Math.random()}`,
      domainName: 'api.example',
      stage: '$default',
    },
  };
  const r = await lambda.send(
    new InvokeCommand({
      FunctionName: 'Skein-Api',
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
  expect(r.FunctionError, new TextDecoder().decode(r.Payload)).toBeUndefined();
  return JSON.parse(new TextDecoder().decode(r.Payload)) as Answer;
}

const pathOf = (uri: string) => new URL(uri).pathname;

beforeAll(async () => {
  aws = await startEmulators({ buckets: ['skein'] });
  // Tables in the deployment's bucket, as `skein tpch generate --out s3://…` writes them.
  const saved = { ...process.env };
  Object.assign(process.env, aws.env);
  try {
    await generateTpch({ sf: 0.01, out: 's3://skein/data', tables: ['nation'], threads: 1 });
  } finally {
    for (const k of Object.keys(aws.env)) if (saved[k] === undefined) delete process.env[k];
  }
  const environment: Record<string, string> = {
    ...aws.env,
    SKEIN_BUCKET: 'skein',
    SKEIN_DATA: 's3://skein/data/',
    SKEIN_QUEUE_PREFIX: 'api-q-',
    SKEIN_STACK_QUEUE_PREFIX: 'api-',
    SKEIN_FAILURE_QUEUE: 'invocation-failures',
    SKEIN_COORDINATOR_FUNCTION: 'Skein-Coordinator',
    SKEIN_WORKER_FUNCTION: 'Skein-Worker',
  };
  host = await startLambdaHost({
    concurrency: 6,
    functions: {
      'Skein-Api': {
        module: new URL('../../functions/api.ts', import.meta.url),
        environment,
        timeoutMs: 30_000,
        memoryMb: 512,
      },
      'Skein-Coordinator': {
        module: new URL('../../functions/coordinator.ts', import.meta.url),
        environment,
        timeoutMs: 60_000,
        memoryMb: 1024,
      },
      'Skein-Worker': {
        module: new URL('../../functions/worker.ts', import.meta.url),
        environment,
        timeoutMs: 60_000,
        memoryMb: 1024,
      },
    },
  });
  // The functions invoke each other through this host: its endpoint is known only now, and the
  // host reads `environment` when it starts a function's thread (the first invocation).
  environment.AWS_ENDPOINT_URL_LAMBDA = host.endpoint;
  lambda = new LambdaClient(host.clientConfig);
}, 120_000);

afterAll(async () => {
  lambda?.destroy();
  await host?.close();
  await aws?.stop();
});

describe('the API function behind API Gateway', () => {
  it('runs a query: QUEUED at once, then columns and rows from the coordinator function', async () => {
    const post = await call('POST', '/v1/statement', {
      user: 'ann',
      body: 'SELECT n_nationkey, n_name FROM nation WHERE n_nationkey < 3 ORDER BY n_nationkey',
    });
    expect(post.statusCode).toBe(200);
    let page = JSON.parse(post.body);
    expect(page.stats.state).toBe('QUEUED');
    expect(page.nextUri).toMatch(/^https:\/\/api\.example\/v1\/statement\/executing\//);
    const rows: unknown[] = [];
    let columns: unknown;
    const deadline = Date.now() + 60_000;
    while (page.nextUri && Date.now() < deadline) {
      const r = await call('GET', pathOf(page.nextUri), { user: 'ann' });
      expect(r.statusCode).toBe(200);
      page = JSON.parse(r.body);
      columns ??= page.columns;
      rows.push(...(page.data ?? []));
    }
    expect(page.error).toBeUndefined();
    expect(page.stats.state).toBe('FINISHED');
    expect(columns).toMatchObject([
      { name: 'n_nationkey', type: 'bigint' },
      { name: 'n_name', type: 'varchar' },
    ]);
    expect(rows).toEqual([
      [0, 'ALGERIA'],
      [1, 'ARGENTINA'],
      [2, 'BRAZIL'],
    ]);
    const info = await call('GET', `/v1/query/${page.id}`, { user: 'ann' });
    expect(JSON.parse(info.body)).toMatchObject({
      queryId: page.id,
      state: 'FINISHED',
      session: { user: 'ann' },
    });
  }, 90_000);

  it('reports a SQL error on the page, and refuses unknown queries and forged URIs with 404', async () => {
    const post = JSON.parse(
      (await call('POST', '/v1/statement', { user: 'ann', body: 'SELECT * FROM nowhere' })).body,
    );
    let page = post;
    const deadline = Date.now() + 60_000;
    while (page.nextUri && Date.now() < deadline)
      page = JSON.parse((await call('GET', pathOf(page.nextUri))).body);
    expect(page.stats.state).toBe('FAILED');
    expect(page.error).toMatchObject({
      errorName: 'TABLE_NOT_FOUND',
      errorLocation: { lineNumber: 1, columnNumber: 15 },
    });
    expect((await call('GET', '/v1/query/nope-1')).statusCode).toBe(404);
    const forged = await call('GET', `${pathOf(post.nextUri).replace(/\/[^/]+\/w0$/, '/AAAA/w0')}`);
    expect(forged.statusCode).toBe(404);
    expect(JSON.parse(forged.body).error.errorName).toBe('NOT_FOUND');
    expect((await call('POST', '/v1/statement', { body: 'SELECT 1' })).statusCode).toBe(400);
  }, 90_000);
});
