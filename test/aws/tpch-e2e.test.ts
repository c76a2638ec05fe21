/**
 * TPC-H end to end on emulated AWS: fauxqs (S3, SQS) and the project's Lambda Invoke host running
 * the real `functions/coordinator.ts` and `functions/worker.ts` in worker threads under a
 * concurrency cap. The SF 0.01 Parquet files are uploaded to the emulated bucket; each query is an
 * asynchronous invocation of the coordinator function through `@aws-sdk/client-lambda`, which
 * invokes a worker function per task; the test polls the query's record in the S3 state store
 * until it ends, reads the result from the bucket's spool, and compares it with DuckDB on the
 * same files. After each query nothing but the result is left in the spool, no per-query queue
 * remains, and after release the spool is empty.
 *
 * All 22 queries take about 25 s here (2 cores; worker threads stay warm between queries).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../src/adapters/aws/s3-blob-store.ts';
import { S3StateStore } from '../../src/adapters/aws/s3-state-store.ts';
import { SqsMessageQueue } from '../../src/adapters/aws/sqs-message-queue.ts';
import {
  getQueryRecord,
  type QueryRecord,
  readQueryResult,
  releaseQuery,
} from '../../src/engine/query-service.ts';
import type { StatementResult } from '../../src/engine/skein.ts';
import { invocationFailureRecord } from '../../src/ports/invoker.ts';
import { QUEUE_LIMITS } from '../../src/ports/message-queue.ts';
import { newQueryId } from '../../src/runtime/query-coordinator.ts';
import type { OrderByItem, Query } from '../../src/sql/ast.ts';
import { parseStatements } from '../../src/sql/index.ts';
import { generateTpch } from '../../src/tpch/generate.ts';
import { TPCH_TABLES } from '../../src/tpch/schema.ts';
import { diffRows, duckRows, skeinRows } from '../engine/result-compare.ts';
import { type DuckDb, openDuckDb, sqlString } from '../helpers/duckdb.ts';
import { type Emulators, startEmulators } from './emulators.ts';
import { type LambdaHost, startLambdaHost } from './lambda-host.ts';

const BUCKET = 'skein-e2e';
const PREFIX = 'SkeinE2E-';
const QUERIES = new URL('../data/tpch/queries/', import.meta.url);

let dir: string;
let aws: Emulators;
let host: LambdaHost;
let lambda: LambdaClient;
let sqs: SQSClient;
let spool: S3BlobStore;
let state: S3StateStore;
let duck: DuckDb;
const savedEnv = { ...process.env };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-aws-tpch-'));
  await generateTpch({ sf: 0.01, out: dir, threads: 1 });
  aws = await startEmulators({ buckets: [BUCKET] });
  // The hosted functions' threads take their environment from this process's.
  Object.assign(process.env, aws.env);
  for (const t of TPCH_TABLES) {
    const files = await readdir(join(dir, t));
    const objects: [string, Uint8Array][] = [];
    for (const f of files) objects.push([`data/${t}/${f}`, await readFile(join(dir, t, f))]);
    await aws.seed(BUCKET, objects);
  }
  sqs = new SQSClient(aws.clientConfig);
  const stackQueues = new SqsMessageQueue({ client: sqs, prefix: PREFIX });
  await stackQueues.createQueue('invocation-failures');
  spool = new S3BlobStore(BUCKET, 'spool/', { client: new S3Client(aws.clientConfig) });
  state = new S3StateStore(BUCKET, 'state/', { client: new S3Client(aws.clientConfig) });

  // What the CDK stack sets (cdk/lib/skein-stack.ts), with tiny splits so stages have several tasks.
  const env = {
    SKEIN_BUCKET: BUCKET,
    SKEIN_QUEUE_PREFIX: `${PREFIX}q-`,
    SKEIN_STACK_QUEUE_PREFIX: PREFIX,
    SKEIN_FAILURE_QUEUE: 'invocation-failures',
    SKEIN_WORKER_FUNCTION: 'skein-worker',
    SKEIN_MAX_CONCURRENCY: '4',
    SKEIN_WORKER_MEMORY_MB: '512',
    SKEIN_DISTRIBUTED: JSON.stringify({ tasks: 2, splitSize: 256 * 1024 }),
  };
  const worker = {
    module: new URL('../../functions/worker.ts', import.meta.url),
    memoryMb: 512,
    environment: env,
  };
  const coordinator = {
    module: new URL('../../functions/coordinator.ts', import.meta.url),
    memoryMb: 512,
    timeoutMs: 120_000,
    environment: env,
  };
  host = await startLambdaHost({
    // One coordinator and three workers at once: the coordinator's fourth task is throttled (429).
    concurrency: 4,
    functions: {
      'skein-coordinator': coordinator,
      'skein-worker': { ...worker, timeoutMs: 60_000 },
      // For the crash case: a coordinator whose worker function always times out.
      'skein-coordinator-2': {
        ...coordinator,
        environment: { ...env, SKEIN_WORKER_FUNCTION: 'skein-worker-timeout' },
      },
      'skein-worker-timeout': { ...worker, timeoutMs: 1 },
    },
    // Lambda's on-failure destination: the stack's failure queue.
    onAsyncFailure: async (f) => {
      await stackQueues.send('invocation-failures', {
        body: invocationFailureRecord(f, QUEUE_LIMITS.maxMessageBytes),
      });
    },
  });
  process.env.AWS_ENDPOINT_URL_LAMBDA = host.endpoint;
  lambda = new LambdaClient(host.clientConfig);

  duck = await openDuckDb({ threads: 1 });
  for (const t of TPCH_TABLES) {
    await duck.query(
      `CREATE VIEW ${t} AS SELECT * FROM read_parquet(${sqlString(join(dir, t, '*.parquet'))})`,
    );
  }
}, 180_000);

/** The finished TPC-H queries' records, for the summary printed at the end. */
const finished: QueryRecord[] = [];

afterAll(async () => {
  if (finished.length > 0) {
    const avg = (f: (r: QueryRecord) => number) =>
      Math.round(finished.reduce((n, r) => n + f(r), 0) / finished.length);
    const req = (k: 'get' | 'put' | 'list' | 'delete' | 'send' | 'receive' | 'ack' | 'invoke') =>
      avg((r) => r.stats!.requests![k]);
    console.log(
      `${finished.length} queries on emulated AWS, per query on average: ${avg((r) => r.stats!.tasks)} tasks, ` +
        `${avg((r) => r.stats!.wallMs)} ms; S3 GET ${req('get')}, PUT ${req('put')}, LIST ${req('list')}, ` +
        `DELETE ${req('delete')}; SQS send ${req('send')}, receive ${req('receive')}, delete ${req('ack')}; ` +
        `Lambda invoke ${req('invoke')}`,
    );
  }
  duck?.close();
  lambda?.destroy();
  await host?.close();
  sqs?.destroy();
  await aws?.stop();
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Invokes the coordinator function (Event) and polls the query's record until it ends. */
async function runQuery(sql: string, fn = 'skein-coordinator'): Promise<QueryRecord> {
  const queryId = newQueryId();
  const res = await lambda.send(
    new InvokeCommand({
      FunctionName: fn,
      InvocationType: 'Event',
      Payload: JSON.stringify({ queryId, sql, user: 'e2e' }),
    }),
  );
  expect(res.StatusCode).toBe(202);
  const deadline = Date.now() + 110_000;
  for (;;) {
    const record = await getQueryRecord(state, queryId);
    if (record?.phase === 'FINISHED' || record?.phase === 'FAILED') {
      // The coordinator invocation ends right after its last write; the next query starts clean.
      await host.whenIdle();
      return record;
    }
    if (Date.now() > deadline) throw new Error(`query ${queryId} did not end: ${JSON.stringify(record)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function spoolKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of spool.list('')) keys.push(o.key);
  return keys.sort();
}

async function queryQueues(): Promise<string[]> {
  const res = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: `${PREFIX}q-` }));
  return res.QueueUrls ?? [];
}

/** Checks what a query left: only its result in the spool, no queue; after release, nothing. */
async function checkLeftovers(record: QueryRecord): Promise<void> {
  const result = (record.result?.manifests ?? []).flatMap((m) => m.objects.map((o) => o.key));
  expect(await spoolKeys()).toEqual([...result].sort());
  expect(await queryQueues()).toEqual([]);
  // Of the runtime's state only the tombstone stays (for late tasks; the bucket's lifecycle expires it).
  const stateKeys = (await state.list(`q/${record.queryId}/`)).map((i) => i.key);
  expect(stateKeys.filter((k) => k !== `q/${record.queryId}/cancel`)).toEqual([]);
  await releaseQuery(state, spool, record.queryId);
  expect(await spoolKeys()).toEqual([]);
  expect(await getQueryRecord(state, record.queryId)).toBeUndefined();
}

function orderKeys(sql: string, names: readonly string[]): number[] {
  const last = parseStatements(sql).at(-1)!;
  if (last.kind !== 'query') return [];
  return (last as Query).orderBy.map((o: OrderByItem) => {
    const e = o.expr;
    if (e.kind === 'number') return Number(e.text) - 1;
    if (e.kind === 'column') {
      const i = names.indexOf(e.name.value.toLowerCase());
      if (i >= 0) return i;
    }
    throw new Error(`cannot find ORDER BY item ${JSON.stringify(e)} among the output columns`);
  });
}

describe('TPC-H SF 0.01 on emulated AWS: coordinator and worker functions, results equal DuckDB’s', () => {
  for (let n = 1; n <= 22; n++) {
    const name = `q${String(n).padStart(2, '0')}`;
    it(name, async () => {
      const sql = await readFile(new URL(`${name}.sql`, QUERIES), 'utf8');
      const record = await runQuery(sql);
      expect(record.error).toBeUndefined();
      expect(record.phase).toBe('FINISHED');
      expect(record.stats!.tasks).toBeGreaterThan(0);
      const result: StatementResult = {
        kind: 'query',
        schema: readQueryResult(spool, record).schema,
        batches: readQueryResult(spool, record),
        returnsRows: true,
      };
      const ours = await skeinRows(result);
      const theirs = duckRows(await duck.query(sql));
      expect(ours.names).toEqual(theirs.names);
      expect(record.columns!.map((c) => c.name)).toEqual(theirs.names);
      expect(record.result!.rows).toBe(theirs.rows.length);
      expect(diffRows(ours, theirs, orderKeys(sql, ours.names))).toEqual([]);
      expect(ours.rows.length).toBeGreaterThan(0);
      await checkLeftovers(record);
      finished.push(record);
    }, 120_000);
  }

  it('backs off when worker invocations are throttled (429) and still finishes', () => {
    // The coordinator keeps up to 4 tasks in flight; the host runs 3 workers beside it.
    expect(host.stats().throttled).toBeGreaterThan(0);
  });

  it('fails a query clearly when its worker invocations time out, and leaves nothing behind', async () => {
    const record = await runQuery(
      'SELECT l_returnflag, count(*) FROM lineitem GROUP BY 1',
      'skein-coordinator-2',
    );
    expect(record.phase).toBe('FAILED');
    expect(record.error!.code).toBe('EXTERNAL');
    expect(record.error!.message).toMatch(/timeout: Task timed out after/);
    await checkLeftovers(record);
  }, 120_000);

  it('reports a SQL error in the record, with its position', async () => {
    const record = await runQuery('SELECT l_nope FROM lineitem');
    expect(record.phase).toBe('FAILED');
    expect(record.error).toMatchObject({ code: 'PLAN', position: { line: 1, column: 8 } });
    await checkLeftovers(record);
  }, 60_000);
});
