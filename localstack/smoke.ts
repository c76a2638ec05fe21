/**
 * Smoke test of a Skein stack deployed to LocalStack (run by deploy.sh): Skein's own AWS adapters
 * against the deployed bucket, queues and functions. Usage:
 *
 *   AWS_ENDPOINT_URL=http://localhost:4566 node bin/run-ts.mjs localstack/smoke.ts localstack/outputs.json SkeinLocal
 *
 * Cannot run on the project's build machines (no Docker engine, so no LocalStack); written from
 * LocalStack's documentation and checked only for types and lint here.
 */
import { readFileSync } from 'node:fs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { awsClientConfig } from '../src/adapters/aws/client-config.ts';
import { LambdaInvoker } from '../src/adapters/aws/lambda-invoker.ts';
import { S3BlobStore } from '../src/adapters/aws/s3-blob-store.ts';
import { S3StateStore } from '../src/adapters/aws/s3-state-store.ts';
import { SqsMessageQueue } from '../src/adapters/aws/sqs-message-queue.ts';
import { getQueryRecord, readQueryResult, releaseQuery } from '../src/engine/query-service.ts';
import { cellText } from '../src/engine/values.ts';
import { parseInvocationFailure } from '../src/ports/invoker.ts';
import { newQueryId } from '../src/runtime/query-coordinator.ts';

const [outputsFile = 'localstack/outputs.json', stack = 'SkeinLocal'] = process.argv.slice(2);
const outputs = (JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>)[
  stack
];
if (!outputs) throw new Error(`no outputs for stack ${stack} in ${outputsFile}`);
const { BucketName, QueuePrefix, WorkerFunctionName, CoordinatorFunctionName, ApiFunctionName, ApiUrl } =
  outputs as Record<string, string>;

let failed = 0;
async function check(name: string, fn: () => Promise<string | undefined>): Promise<void> {
  try {
    const note = await fn();
    console.log(`PASS ${name}${note ? `: ${note}` : ''}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}: ${(err as Error).message}`);
  }
}
function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

const store = new S3BlobStore(BucketName!, 'smoke/');
await check('S3 put, get (ranged), list, delete', async () => {
  await store.put('a.txt', new TextEncoder().encode('hello, skein'));
  const part = new TextDecoder().decode(await store.get('a.txt', { offset: 7, length: 5 }));
  assert(part === 'skein', `ranged read gave '${part}'`);
  const keys: string[] = [];
  for await (const o of store.list('')) keys.push(o.key);
  assert(keys.includes('a.txt'), `listing gave ${keys.join(',')}`);
  await store.delete(['a.txt']);
  assert((await store.head('a.txt')) === undefined, 'object still there after delete');
  return undefined;
});
await check('S3 conditional create (If-None-Match: *)', async () => {
  const key = `cond-${Date.now()}`;
  assert(await store.putIfAbsent(key, new Uint8Array([1])), 'first putIfAbsent refused');
  assert(!(await store.putIfAbsent(key, new Uint8Array([2]))), 'second putIfAbsent overwrote');
  await store.delete([key]);
  return undefined;
});

const queues = new SqsMessageQueue({ prefix: `${QueuePrefix}q-` });
await check('SQS per-query queue: create, send, long-poll receive, delete', async () => {
  const name = `smoke-${Date.now()}`;
  await queues.createQueue(name, { visibilityTimeoutMs: 5_000 });
  await queues.send(name, { body: '{"hello":1}' });
  const got = await queues.receive(name, { waitTimeMs: 5_000, maxMessages: 10 });
  assert(got.length === 1 && got[0]!.body === '{"hello":1}', `received ${JSON.stringify(got)}`);
  await queues.delete(name, got[0]!.receiptHandle);
  await queues.deleteQueue(name);
  return undefined;
});

await check('Lambda: the API function answers /v1/info', async () => {
  const lambda = new LambdaClient(awsClientConfig('LAMBDA'));
  const res = await lambda.send(
    new InvokeCommand({
      FunctionName: ApiFunctionName,
      Payload: new TextEncoder().encode(
        JSON.stringify({
          rawPath: '/v1/info',
          requestContext: { http: { method: 'GET' }, requestId: 'smoke' },
        }),
      ),
    }),
  );
  const body = JSON.parse(new TextDecoder().decode(res.Payload)) as { statusCode: number; body: string };
  assert(body.statusCode === 200, `status ${body.statusCode}: ${body.body}`);
  return body.body;
});

await check(
  'Lambda: a worker invocation with a payload that is not a task fails and is reported on the failure queue',
  async () => {
    const invoker = new LambdaInvoker({ functions: { 'skein-task': WorkerFunctionName! } });
    const { invocationId } = await invoker.invoke('skein-task', { smoke: true });
    const stackQueues = new SqsMessageQueue({ prefix: QueuePrefix });
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      for (const m of await stackQueues.receive('invocation-failures', {
        waitTimeMs: 10_000,
        maxMessages: 10,
      })) {
        const f = parseInvocationFailure(m.body);
        await stackQueues.delete('invocation-failures', m.receiptHandle);
        if (f?.invocationId === invocationId) return `${f.errorType}: ${f.errorMessage}`;
      }
    }
    throw new Error(`no failure record for invocation ${invocationId} within 2 minutes`);
  },
);

await check(
  'Lambda: the coordinator runs a query on worker invocations; its result is in the spool',
  async () => {
    // A one-file table under the stack's default data location (s3://<bucket>/data/).
    const data = new S3BlobStore(BucketName!, 'data/');
    await data.put('smoke/part-0.csv', new TextEncoder().encode('x\n1\n2\n3\n'));
    const state = new S3StateStore(BucketName!, 'state/');
    const spool = new S3BlobStore(BucketName!, 'spool/');
    const queryId = newQueryId();
    try {
      const invoker = new LambdaInvoker({ functions: { 'skein-coordinator': CoordinatorFunctionName! } });
      await invoker.invoke('skein-coordinator', {
        queryId,
        sql: 'SELECT count(*) AS n, sum(x) AS s FROM smoke',
        user: 'smoke',
      });
      const deadline = Date.now() + 180_000;
      let record = await getQueryRecord(state, queryId);
      while (record?.phase !== 'FINISHED' && record?.phase !== 'FAILED') {
        assert(
          Date.now() < deadline,
          `query ${queryId} did not end within 3 minutes: ${JSON.stringify(record)}`,
        );
        await new Promise((r) => setTimeout(r, 1000));
        record = await getQueryRecord(state, queryId);
      }
      assert(record.phase === 'FINISHED', `query failed: ${JSON.stringify(record.error)}`);
      const rows: string[] = [];
      for await (const b of readQueryResult(spool, record)) {
        for (let i = 0; i < b.length; i++)
          rows.push(`${cellText(b.columns[0]!, i)},${cellText(b.columns[1]!, i)}`);
      }
      assert(rows.join(';') === '3,6', `result ${rows.join(';')}`);
      return `${record.stats?.tasks ?? 0} task(s), ${record.stats?.wallMs ?? 0} ms`;
    } finally {
      await releaseQuery(state, spool, queryId);
      await data.delete(['smoke/part-0.csv']);
    }
  },
);

if (ApiUrl) {
  await check('HTTP API: GET /v1/info', async () => {
    const res = await fetch(new URL('/v1/info', ApiUrl));
    assert(res.status === 200, `HTTP ${res.status}`);
    return await res.text();
  });
} else {
  console.log('SKIP HTTP API: deployed without it (LocalStack without an auth token has no API Gateway v2)');
}

console.log(failed === 0 ? 'smoke test passed' : `${failed} smoke checks failed`);
process.exitCode = failed === 0 ? 0 : 1;
