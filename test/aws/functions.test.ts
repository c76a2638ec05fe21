import { describe, expect, it } from 'vitest';
import { handler as api } from '../../functions/api.ts';
import { awsServices } from '../../functions/env.ts';
import { handler as worker } from '../../functions/worker.ts';
import { SkeinError } from '../../src/errors.ts';

const event = (method: string, rawPath: string) => ({
  rawPath,
  requestContext: { http: { method }, requestId: 'r' },
});

describe('functions/', () => {
  it('api answers /v1/info and refuses queries with a Trino-shaped 501 until the runtime lands', async () => {
    const info = await api(event('GET', '/v1/info'));
    expect(info.statusCode).toBe(200);
    expect(JSON.parse(info.body)).toMatchObject({
      nodeVersion: { version: expect.stringMatching(/^skein-/) },
    });
    const post = await api(event('POST', '/v1/statement'));
    expect(post.statusCode).toBe(501);
    expect(JSON.parse(post.body).error).toMatchObject({ errorName: 'NOT_SUPPORTED' });
    expect(JSON.parse(post.body).error.message).toMatch(
      /POST \/v1\/statement: query execution is not deployed/,
    );
  });

  it('worker fails every invocation with NOT_IMPLEMENTED, naming the request', async () => {
    await expect(worker({}, { awsRequestId: 'req-7' })).rejects.toMatchObject({
      code: 'NOT_IMPLEMENTED',
      message: expect.stringMatching(/request req-7/),
    });
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
