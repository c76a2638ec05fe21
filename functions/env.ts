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
 *
 * @example
 * const { spool, state, queries } = awsServices();
 */
import { LambdaInvoker } from '../src/adapters/aws/lambda-invoker.ts';
import { S3BlobStore } from '../src/adapters/aws/s3-blob-store.ts';
import { S3StateStore } from '../src/adapters/aws/s3-state-store.ts';
import { SqsMessageQueue } from '../src/adapters/aws/sqs-message-queue.ts';
import { SkeinError } from '../src/errors.ts';

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
