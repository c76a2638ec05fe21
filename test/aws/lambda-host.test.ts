import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationFailure } from '../../src/ports/invoker.ts';
import { type LambdaHost, startLambdaHost } from './lambda-host.ts';

const handler = new URL('./fixtures/test-handler.ts', import.meta.url);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let host: LambdaHost;
let lambda: LambdaClient;
const asyncFailures: InvocationFailure[] = [];

beforeAll(async () => {
  host = await startLambdaHost({
    concurrency: 3,
    functions: {
      echo: { module: handler, environment: { SKEIN_TEST_VALUE: 'from-env' }, memoryMb: 256 },
      quick: { module: handler, timeoutMs: 400 },
      solo: { module: handler, reservedConcurrency: 1, timeoutMs: 5_000 },
      small: { module: handler, memoryMb: 24, timeoutMs: 20_000 },
    },
    onAsyncFailure: (f) => {
      asyncFailures.push(f);
    },
  });
  lambda = new LambdaClient(host.clientConfig);
});
afterAll(async () => {
  lambda?.destroy();
  await host?.close();
});

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const dec = (b: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(b)) as Record<string, unknown>;

type SdkError = Error & { $metadata?: { httpStatusCode?: number }; Reason?: string };

async function sdkError(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the SDK to throw');
}

describe('Lambda Invoke host, driven by @aws-sdk/client-lambda', () => {
  it('runs RequestResponse invocations on warm threads, with Lambda’s context and the function’s env', async () => {
    const r1 = await lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: enc({ n: 1 }) }));
    expect(r1.StatusCode).toBe(200);
    expect(r1.FunctionError).toBeUndefined();
    expect(r1.ExecutedVersion).toBe('$LATEST');
    const p1 = dec(r1.Payload);
    expect(p1).toMatchObject({
      event: { n: 1 },
      calls: 1,
      functionName: 'echo',
      memory: '256',
      env: 'from-env',
    });
    expect(p1.requestId).toBe(r1.$metadata.requestId);
    expect(p1.remainingMs as number).toBeGreaterThan(2_000);
    // The same thread again: module state survived.
    const r2 = await lambda.send(
      new InvokeCommand({
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:echo',
        Payload: enc({ n: 2 }),
      }),
    );
    expect(dec(r2.Payload)).toMatchObject({ event: { n: 2 }, calls: 2 });
    // An empty payload is the event {}.
    expect(dec((await lambda.send(new InvokeCommand({ FunctionName: 'echo' }))).Payload).event).toEqual({});
  });

  it('reports handler errors as X-Amz-Function-Error: Unhandled with Lambda’s error body', async () => {
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: enc({ action: 'fail', why: 'no split' }) }),
    );
    expect(r.StatusCode).toBe(200);
    expect(r.FunctionError).toBe('Unhandled');
    const body = dec(r.Payload);
    expect(body).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad input: no split' });
    expect(Array.isArray(body.trace)).toBe(true);
  });

  it('stops an invocation at its timeout, and the next one gets a fresh thread', async () => {
    const t0 = Date.now();
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: 'quick', Payload: enc({ action: 'sleep', ms: 5_000 }) }),
    );
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect(r.FunctionError).toBe('Unhandled');
    expect(dec(r.Payload)).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 0.40 seconds',
    });
    const ok = await lambda.send(new InvokeCommand({ FunctionName: 'quick', Payload: enc({}) }));
    expect(dec(ok.Payload)).toMatchObject({ calls: 1 });
  });

  it('reports a heap over the memory size as Runtime.OutOfMemory, and a dying thread as Runtime.ExitError', async () => {
    const oom = await lambda.send(
      new InvokeCommand({ FunctionName: 'small', Payload: enc({ action: 'oom' }) }),
    );
    expect(oom.FunctionError).toBe('Unhandled');
    expect(dec(oom.Payload).errorType).toBe('Runtime.OutOfMemory');
    const exit = await lambda.send(
      new InvokeCommand({ FunctionName: 'small', Payload: enc({ action: 'exit' }) }),
    );
    expect(dec(exit.Payload)).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: 'Runtime exited with code 3',
    });
  });

  it('enforces payload limits: 6 MB sync request and response, 256 KiB Event request', async () => {
    const big = 'x'.repeat(7 * 1024 * 1024);
    const e1 = await sdkError(
      lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: enc({ big }) })),
    );
    expect(e1.name).toBe('RequestTooLargeException');
    expect(e1.$metadata?.httpStatusCode).toBe(413);
    const e2 = await sdkError(
      lambda.send(
        new InvokeCommand({
          FunctionName: 'echo',
          InvocationType: 'Event',
          Payload: enc({ big: 'x'.repeat(256 * 1024) }),
        }),
      ),
    );
    expect(e2.name).toBe('RequestTooLargeException');
    // 256 KiB in all is still accepted.
    const fits = await lambda.send(
      new InvokeCommand({
        FunctionName: 'echo',
        InvocationType: 'Event',
        Payload: enc({ big: 'x'.repeat(256 * 1024 - 12) }),
      }),
    );
    expect(fits.StatusCode).toBe(202);
    const r = await lambda.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: enc({ action: 'big', bytes: 7 * 1024 * 1024 }) }),
    );
    expect(r.FunctionError).toBe('Unhandled');
    expect(dec(r.Payload).errorType).toBe('Function.ResponseSizeTooLarge');
  });

  it('throttles with 429 TooManyRequestsException beyond the concurrency cap and reserved concurrency', async () => {
    await host.whenIdle();
    const before = host.stats().throttled;
    // Reserved concurrency 1: a second concurrent call of the function is refused.
    const first = lambda.send(
      new InvokeCommand({ FunctionName: 'solo', Payload: enc({ action: 'sleep', ms: 3_000 }) }),
    );
    await sleep(300);
    const e1 = await sdkError(lambda.send(new InvokeCommand({ FunctionName: 'solo', Payload: enc({}) })));
    expect(e1.name).toBe('TooManyRequestsException');
    expect(e1.$metadata?.httpStatusCode).toBe(429);
    expect(e1.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    // Account cap 3: two more running fill it; Event invocations are refused too.
    const others = [1, 2].map(() =>
      lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: enc({ action: 'sleep', ms: 2_000 }) })),
    );
    await sleep(300);
    const e2 = await sdkError(
      lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: enc({}) })),
    );
    expect(e2.name).toBe('TooManyRequestsException');
    expect(e2.Reason).toBe('ConcurrentInvocationLimitExceeded');
    await Promise.all([first, ...others]);
    expect(host.stats().throttled - before).toBe(2);
    // Capacity is back once they end.
    expect(
      (await lambda.send(new InvokeCommand({ FunctionName: 'solo', Payload: enc({}) }))).StatusCode,
    ).toBe(200);
  });

  it('accepts Event invocations with 202 and reports their failures as an on-failure destination would', async () => {
    asyncFailures.length = 0;
    const ok = await lambda.send(
      new InvokeCommand({ FunctionName: 'echo', InvocationType: 'Event', Payload: enc({}) }),
    );
    expect(ok.StatusCode).toBe(202);
    expect(ok.Payload?.length ?? 0).toBe(0);
    const bad = await lambda.send(
      new InvokeCommand({
        FunctionName: 'echo',
        InvocationType: 'Event',
        Payload: enc({ action: 'fail', why: 'async' }),
      }),
    );
    expect(bad.StatusCode).toBe(202);
    await host.whenIdle();
    await sleep(20);
    expect(asyncFailures).toHaveLength(1);
    expect(asyncFailures[0]).toMatchObject({
      functionName: 'echo',
      invocationId: bad.$metadata.requestId,
      kind: 'error',
      errorType: 'TypeError',
      errorMessage: 'bad input: async',
      payload: { action: 'fail', why: 'async' },
    });
  });

  it('answers unknown functions, bad JSON and DryRun as Lambda does', async () => {
    const e1 = await sdkError(lambda.send(new InvokeCommand({ FunctionName: 'nope', Payload: enc({}) })));
    expect(e1.name).toBe('ResourceNotFoundException');
    expect(e1.$metadata?.httpStatusCode).toBe(404);
    const e2 = await sdkError(
      lambda.send(
        new InvokeCommand({ FunctionName: 'echo', Payload: new TextEncoder().encode('{not json') }),
      ),
    );
    expect(e2.name).toBe('InvalidRequestContentException');
    const dry = await lambda.send(new InvokeCommand({ FunctionName: 'echo', InvocationType: 'DryRun' }));
    expect(dry.StatusCode).toBe(204);
  });
});
