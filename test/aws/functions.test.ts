import { describe, expect, it } from 'vitest';
import { handler as api } from '../../functions/api.ts';
import { handler as coordinator } from '../../functions/coordinator.ts';
import { awsServices, queryServiceDeps } from '../../functions/env.ts';
import { handler as worker } from '../../functions/worker.ts';
import { SkeinError } from '../../src/errors.ts';

const event = (method: string, rawPath: string) => ({
  rawPath,
  requestContext: { http: { method }, requestId: 'r' },
});

describe('functions/', () => {
  it('api answers /v1/info and speaks the Trino protocol through the gateway', async () => {
    const info = await api(event('GET', '/v1/info'));
    expect(info.statusCode).toBe(200);
    expect(JSON.parse(info.body)).toMatchObject({
      nodeVersion: { version: expect.stringMatching(/^skein-/) },
      coordinator: true,
    });
    // No user: refused before any AWS service is touched.
    const noUser = await api({ ...event('POST', '/v1/statement'), body: 'SELECT 1' });
    expect(noUser.statusCode).toBe(400);
    expect(JSON.parse(noUser.body).error.message).toMatch(/X-Trino-User/);
    // Outside the stack (no SKEIN_BUCKET): a JSON error naming what is missing, not a crash.
    const post = await api({
      ...event('POST', '/v1/statement'),
      headers: { 'x-trino-user': 'me' },
      body: 'SELECT 1',
    });
    expect(post.statusCode).toBe(500);
    expect(JSON.parse(post.body).error).toMatchObject({ errorType: 'INTERNAL_ERROR' });
    expect(JSON.parse(post.body).error.message).toMatch(/SKEIN_BUCKET is not set/);
    const unknown = await api(event('GET', '/v2/nothing'));
    expect(unknown.statusCode).toBe(404);
  });

  it('worker and coordinator run the runtime (test/aws/tpch-e2e.test.ts); outside the stack they name what is missing', async () => {
    // A warm-up event only loads the engine.
    await expect(worker({ warmup: true })).resolves.toBeUndefined();
    await expect(worker({ spec: {} })).rejects.toThrow(/SKEIN_BUCKET is not set/);
    await expect(coordinator({ queryId: 'q-1', sql: 'SELECT 1', user: 'me' })).rejects.toThrow(
      /SKEIN_BUCKET is not set/,
    );
  });

  it('builds the coordinator’s query service from the stack’s environment', () => {
    const env = {
      SKEIN_BUCKET: 'b',
      SKEIN_QUEUE_PREFIX: 'Skein-q-',
      SKEIN_STACK_QUEUE_PREFIX: 'Skein-',
      SKEIN_FAILURE_QUEUE: 'invocation-failures',
      SKEIN_WORKER_FUNCTION: 'Skein-Worker-1',
      AWS_REGION: 'eu-west-1',
    };
    const d = queryServiceDeps(env);
    expect((d.catalog as { describe(): string }).describe()).toBe('s3://b/data');
    expect(d.spoolLocation).toBe('s3://b/spool');
    expect(d.functionName).toBe('skein-task');
    expect(d.distributed).toEqual({ maxConcurrency: 32 });
    expect(d.taskMemoryLimit).toBe(Math.floor(3008 * 0.7 * 2 ** 20));
    expect(d.failures!.name).toBe('invocation-failures');
    const tuned = queryServiceDeps({
      ...env,
      SKEIN_DATA: 's3://tables/tpch/sf1/',
      SKEIN_MAX_CONCURRENCY: '8',
      SKEIN_WORKER_MEMORY_MB: '1024',
      SKEIN_DISTRIBUTED: '{"splitSize":1048576}',
    });
    expect((tuned.catalog as { describe(): string }).describe()).toBe('s3://tables/tpch/sf1');
    expect(tuned.distributed).toEqual({ splitSize: 1_048_576, maxConcurrency: 8 });
    expect(tuned.taskMemoryLimit).toBe(Math.floor(1024 * 0.7 * 2 ** 20));
    expect(() => queryServiceDeps({ ...env, SKEIN_MAX_CONCURRENCY: 'many' })).toThrow(
      /SKEIN_MAX_CONCURRENCY must be a whole number/,
    );
    expect(() => queryServiceDeps({ ...env, SKEIN_DISTRIBUTED: '[1]' })).toThrow(
      /SKEIN_DISTRIBUTED must be a JSON object/,
    );
  });

  it('builds the AWS services from the stack’s environment, and names a missing variable', () => {
    const s = awsServices({
      SKEIN_BUCKET: 'b',
      SKEIN_QUEUE_PREFIX: 'Skein-q-',
      SKEIN_STACK_QUEUE_PREFIX: 'Skein-',
      SKEIN_FAILURE_QUEUE: 'invocation-failures',
      AWS_REGION: 'eu-west-1',
    });
    expect(s.spool.describe('x')).toBe('s3://b/spool/x');
    expect(s.state.prefix).toBe('state/');
    expect(s.queries.sqsName('q-1-events')).toBe('Skein-q-q-1-events');
    expect(s.stackQueues.sqsName(s.failureQueue)).toBe('Skein-invocation-failures');
    expect(() => awsServices({ SKEIN_BUCKET: 'b' })).toThrow(SkeinError);
    expect(() => awsServices({ SKEIN_BUCKET: 'b' })).toThrow(/SKEIN_QUEUE_PREFIX is not set/);
  });
});
