/**
 * The AWS services of a deployed function, configured from the environment the CDK stack sets
 * (`cdk/lib/skein-stack.ts`). Made once per execution environment and reused by warm invocations.
 *
 * | variable | meaning |
 * |---|---|
 * | `SKEIN_BUCKET` | the deployment's bucket: spool (`spool/`, expired after a day), state (`state/`) |
 * | `SKEIN_QUEUE_PREFIX` | prefix of the per-query queues the runtime creates and deletes |
 * | `SKEIN_STACK_QUEUE_PREFIX` | prefix of the stack's own queues (invocation failures, dead letters) |
 * | `SKEIN_FAILURE_QUEUE` | the stack queue that receives failed asynchronous invocations |
 * | `SKEIN_WORKER_FUNCTION` | the worker function's name (coordinator only) |
 * | `SKEIN_COORDINATOR_FUNCTION` | the coordinator function's name (API only) |
 * | `SKEIN_DATA` | where the tables are: a folder of table folders (coordinator only). Default `s3://$SKEIN_BUCKET/data/` |
 * | `SKEIN_MAX_CONCURRENCY` | worker invocations of one query at once (coordinator only). Default 32 |
 * | `SKEIN_WORKER_MEMORY_MB` | the worker function's memory; a task's operators may hold 70 % of it (coordinator only). Default 3008 |
 * | `SKEIN_DISTRIBUTED` | more distribution knobs as JSON (`DistributedOptionsInput`, e.g. `{"splitSize":67108864}`; coordinator only) |
 *
 * @example
 * const { spool, state, queries } = awsServices();
 * const deps = queryServiceDeps(); // the coordinator's: runQueryRequest(event, deps)
 */
import { LambdaInvoker } from '../src/adapters/aws/lambda-invoker.ts';
import { S3BlobStore } from '../src/adapters/aws/s3-blob-store.ts';
import { S3StateStore } from '../src/adapters/aws/s3-state-store.ts';
import { SqsMessageQueue } from '../src/adapters/aws/sqs-message-queue.ts';
import { openBlobStore } from '../src/adapters/open-blob-store.ts';
import type { DistributedOptionsInput } from '../src/distributed/options.ts';
import { FooterCache } from '../src/distributed/splits.ts';
import type { QueryServiceDeps } from '../src/engine/query-service.ts';
import { SkeinError } from '../src/errors.ts';
import type { BlobStore } from '../src/ports/blob-store.ts';

export interface AwsServices {
  /** Spool objects: `s3://$SKEIN_BUCKET/spool/…` (expired by the bucket's lifecycle rule). */
  spool: S3BlobStore;
  /** Coordinator state: `s3://$SKEIN_BUCKET/state/…`. */
  state: S3StateStore;
  /** Per-query queues. */
  queries: SqsMessageQueue;
  /** The stack's queues (invocation failures). */
  stackQueues: SqsMessageQueue;
  /** The name of the failure queue in `stackQueues`. */
  failureQueue: string;
  /** Invokes the worker (`skein-task`) and coordinator (`skein-coordinator`) functions. */
  invoker: LambdaInvoker;
}

/** Runtime function names → the deployed functions' names. */
export const FUNCTION_NAMES = { task: 'skein-task', coordinator: 'skein-coordinator' } as const;

let cached: AwsServices | undefined;

export function awsServices(env: NodeJS.ProcessEnv = process.env): AwsServices {
  if (cached && env === process.env) return cached;
  const bucket = required(env, 'SKEIN_BUCKET');
  const functions: Record<string, string> = {};
  if (env.SKEIN_WORKER_FUNCTION) functions[FUNCTION_NAMES.task] = env.SKEIN_WORKER_FUNCTION;
  if (env.SKEIN_COORDINATOR_FUNCTION) functions[FUNCTION_NAMES.coordinator] = env.SKEIN_COORDINATOR_FUNCTION;
  const services: AwsServices = {
    spool: new S3BlobStore(bucket, 'spool/'),
    state: new S3StateStore(bucket, 'state/'),
    queries: new SqsMessageQueue({ prefix: required(env, 'SKEIN_QUEUE_PREFIX') }),
    stackQueues: new SqsMessageQueue({ prefix: required(env, 'SKEIN_STACK_QUEUE_PREFIX') }),
    failureQueue: required(env, 'SKEIN_FAILURE_QUEUE'),
    invoker: new LambdaInvoker({ functions }),
  };
  if (env === process.env) cached = services;
  return services;
}

/**
 * Blob stores by location, kept across warm invocations (each holds an S3 client and its
 * connections).
 */
const stores = new Map<string, BlobStore>();

/** The blob store a location names (tables, the spool), opened once per execution environment. */
export function openStore(location: string): BlobStore {
  let s = stores.get(location);
  if (s === undefined) {
    s = openBlobStore(location);
    stores.set(location, s);
  }
  return s;
}

const footers = new FooterCache();

/**
 * What the coordinator function runs queries with: the AWS services, the tables under
 * `SKEIN_DATA` (listed afresh for every query, so new tables show up; Parquet footers are cached
 * while the environment is warm), and the concurrency and task memory the stack configured.
 */
export function queryServiceDeps(env: NodeJS.ProcessEnv = process.env): QueryServiceDeps {
  const s = awsServices(env);
  const bucket = required(env, 'SKEIN_BUCKET');
  const data = env.SKEIN_DATA || `s3://${bucket}/data/`;
  const workerMb = positive(env, 'SKEIN_WORKER_MEMORY_MB', 3008);
  return {
    invoker: s.invoker,
    queue: s.queries,
    state: s.state,
    spool: s.spool,
    spoolLocation: s.spool.describe(),
    openStore,
    footers,
    functionName: FUNCTION_NAMES.task,
    catalog: openStore(data),
    distributed: { ...distributedJson(env), maxConcurrency: positive(env, 'SKEIN_MAX_CONCURRENCY', 32) },
    taskMemoryLimit: Math.floor(workerMb * 0.7 * 1024 * 1024),
    failures: { queue: s.stackQueues, name: s.failureQueue },
  };
}

function distributedJson(env: NodeJS.ProcessEnv): DistributedOptionsInput {
  const text = env.SKEIN_DISTRIBUTED;
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as DistributedOptionsInput;
  } catch {
    // reported below
  }
  throw new SkeinError(
    'INTERNAL',
    `environment variable SKEIN_DISTRIBUTED must be a JSON object, got '${text}'`,
  );
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw new SkeinError(
      'INTERNAL',
      `environment variable ${name} must be a whole number from 1 up, got '${v}'`,
    );
  }
  return n;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) {
    throw new SkeinError(
      'INTERNAL',
      `environment variable ${name} is not set: the function is not deployed by Skein's stack`,
    );
  }
  return v;
}
