import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaInvoker } from '../../src/adapters/aws/lambda-invoker.ts';
import { S3BlobStore } from '../../src/adapters/aws/s3-blob-store.ts';
import { SqsMessageQueue } from '../../src/adapters/aws/sqs-message-queue.ts';
import {
  InvokeError,
  InvokeThrottledError,
  invocationFailureRecord,
  MAX_INVOKE_PAYLOAD_BYTES,
  parseInvocationFailure,
} from '../../src/ports/invoker.ts';
import { QUEUE_LIMITS } from '../../src/ports/message-queue.ts';
import { type Emulators, startEmulators } from './emulators.ts';
import { type LambdaHost, startLambdaHost } from './lambda-host.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let aws: Emulators;
let host: LambdaHost;
let lambda: LambdaClient;
let queue: SqsMessageQueue;
let blobs: S3BlobStore;
let invoker: LambdaInvoker;

beforeAll(async () => {
  aws = await startEmulators({ buckets: ['spool'] });
  queue = new SqsMessageQueue({ client: new SQSClient(aws.clientConfig), prefix: 'it-' });
  blobs = new S3BlobStore('spool', 'out', { client: new S3Client(aws.clientConfig) });
  await queue.createQueue('failures');
  host = await startLambdaHost({
    concurrency: 2,
    functions: {
      // The deployed name differs from the runtime's name, as with a CDK stack.
      'Skein-Worker-1A2B': {
        module: new URL('./fixtures/blob-writer-handler.ts', import.meta.url),
        environment: aws.env,
        timeoutMs: 10_000,
      },
      sleeper: { module: new URL('./fixtures/test-handler.ts', import.meta.url), timeoutMs: 300 },
    },
    // Lambda's on-failure destination: a record on an SQS queue.
    onAsyncFailure: async (f) => {
      await queue.send('failures', { body: invocationFailureRecord(f, QUEUE_LIMITS.maxMessageBytes) });
    },
  });
  lambda = new LambdaClient(host.clientConfig);
  invoker = new LambdaInvoker({
    client: lambda,
    functions: { 'skein-task': 'Skein-Worker-1A2B' },
    retry: { baseDelayMs: 1 },
  });
});
afterAll(async () => {
  lambda?.destroy();
  queue?.close();
  blobs?.client.destroy();
  await host?.close();
  await aws?.stop();
});

async function failures(n: number): Promise<ReturnType<typeof parseInvocationFailure>[]> {
  const out: ReturnType<typeof parseInvocationFailure>[] = [];
  const deadline = Date.now() + 10_000;
  while (out.length < n && Date.now() < deadline) {
    for (const m of await queue.receive('failures', { maxMessages: 10, waitTimeMs: 1_000 })) {
      out.push(parseInvocationFailure(m.body));
      await queue.delete('failures', m.receiptHandle);
    }
  }
  return out;
}

describe('LambdaInvoker against the Invoke host', () => {
  it('invokes asynchronously (Event); the handler runs with the AWS adapters and writes to S3', async () => {
    const { invocationId } = await invoker.invoke('skein-task', {
      location: 's3://spool/out',
      key: 'task-1.txt',
      text: 'written by a function',
    });
    expect(invocationId).toMatch(/^[0-9a-f-]{36}$/);
    await host.whenIdle();
    expect(new TextDecoder().decode(await blobs.get('task-1.txt'))).toBe('written by a function');
  });

  it('reports failed and timed-out invocations through the failure queue, keyed by invocation id', async () => {
    const a = await invoker.invoke('skein-task', {
      location: 's3://spool/out',
      key: 'x',
      text: '',
      fail: true,
    });
    const b = await invoker.invoke('sleeper', { action: 'sleep', ms: 5_000 });
    const got = await failures(2);
    const byId = new Map(got.map((f) => [f!.invocationId, f!]));
    expect(byId.get(a.invocationId)).toMatchObject({
      functionName: 'Skein-Worker-1A2B',
      kind: 'error',
      errorType: 'RangeError',
      errorMessage: 'refusing to write x',
      payload: { key: 'x', fail: true },
    });
    expect(byId.get(b.invocationId)).toMatchObject({ functionName: 'sleeper', kind: 'timeout' });
  });

  it('throws InvokeThrottledError (EXTERNAL, retry later) when Lambda answers 429, without retrying itself', async () => {
    await host.whenIdle();
    const before = host.stats().invocations;
    const busy = [
      await invoker.invoke('sleeper', { action: 'sleep', ms: 250 }),
      await invoker.invoke('sleeper', { action: 'sleep', ms: 250 }),
    ];
    expect(busy).toHaveLength(2);
    let err: unknown;
    try {
      await invoker.invoke('sleeper', {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvokeThrottledError);
    expect((err as InvokeThrottledError).code).toBe('EXTERNAL');
    expect((err as Error).message).toMatch(/throttled by Lambda \(ConcurrentInvocationLimitExceeded\)/);
    expect(host.stats().invocations - before).toBe(2);
    await host.whenIdle();
    await sleep(10);
    await expect(invoker.invoke('sleeper', {})).resolves.toHaveProperty('invocationId');
  });

  it('refuses payloads over 256 KiB before sending, and names unknown functions', async () => {
    const big = { blob: 'x'.repeat(MAX_INVOKE_PAYLOAD_BYTES) };
    await expect(invoker.invoke('skein-task', big)).rejects.toMatchObject({
      reason: 'RequestEntityTooLargeException',
      code: 'INTERNAL',
    });
    let err: unknown;
    try {
      await invoker.invoke('no-such-function', {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvokeError);
    expect(err).toMatchObject({ reason: 'ResourceNotFoundException', code: 'NOT_FOUND' });
    expect((err as Error).message).toBe("cannot invoke 'no-such-function': no such function");
  });
});
