import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3StateStore } from '../../src/adapters/aws/s3-state-store.ts';
import { ConditionFailedError } from '../../src/ports/state-store.ts';
import { type Emulators, startEmulators } from './emulators.ts';

let aws: Emulators;
let client: S3Client;
let state: S3StateStore;

beforeAll(async () => {
  aws = await startEmulators({ buckets: ['skein'] });
  client = new S3Client(aws.clientConfig);
  state = new S3StateStore('skein', 'state/', { client, retry: { baseDelayMs: 1 } });
});
afterAll(async () => {
  client?.destroy();
  await aws?.stop();
});

async function conditionFailure(p: Promise<unknown>): Promise<ConditionFailedError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ConditionFailedError);
    return err as ConditionFailedError;
  }
  throw new Error('expected ConditionFailedError');
}

describe('S3StateStore on fauxqs (with S3 conditional writes)', () => {
  it('creates items at version 1 and counts every write', async () => {
    expect(await state.get('a')).toBeUndefined();
    expect(await state.put('a', { x: 1 })).toEqual({ key: 'a', value: { x: 1 }, version: 1 });
    expect(await state.put('a', { x: 2 })).toMatchObject({ version: 2 });
    expect(await state.get('a')).toEqual({ key: 'a', value: { x: 2 }, version: 2 });
  });

  it('ifNotExists: the first commit wins, later ones fail with the version found', async () => {
    expect(await state.put('q/1/commit/2/0', { attempt: 0 }, { ifNotExists: true })).toMatchObject({
      version: 1,
    });
    const e = await conditionFailure(state.put('q/1/commit/2/0', { attempt: 1 }, { ifNotExists: true }));
    expect(e.actualVersion).toBe(1);
    expect(e.message).toMatch(/expected no item, found version 1/);
    expect((await state.get('q/1/commit/2/0'))!.value).toEqual({ attempt: 0 });
  });

  it('of racing ifNotExists writers exactly one wins', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, attempt) =>
        state.put('race/commit', { attempt }, { ifNotExists: true }),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConditionFailedError);
    const winner = (won[0] as PromiseFulfilledResult<{ value: unknown }>).value.value;
    expect((await state.get('race/commit'))!.value).toEqual(winner);
  });

  it('ifVersion: compare-and-swap; of racing writers on one version exactly one wins', async () => {
    await state.put('cas', 0);
    expect(await state.put('cas', 1, { ifVersion: 1 })).toMatchObject({ version: 2 });
    expect((await conditionFailure(state.put('cas', 9, { ifVersion: 1 }))).actualVersion).toBe(2);
    expect((await conditionFailure(state.put('missing', 9, { ifVersion: 1 }))).actualVersion).toBeUndefined();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => state.put('cas', 100 + i, { ifVersion: 2 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await state.get('cas'))!.version).toBe(3);
  });

  it('unconditional writes that race all land, each with its own version', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => state.put('counter', i)));
    expect(results.map((r) => r.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await state.get('counter'))!.version).toBe(6);
  });

  it('deletes, optionally on a version', async () => {
    await state.put('d1', 'x');
    expect(await state.delete('d1')).toBe(true);
    expect(await state.delete('d1')).toBe(false);
    expect(await state.get('d1')).toBeUndefined();
    await state.put('d2', 'x');
    await state.put('d2', 'y');
    expect((await conditionFailure(state.delete('d2', { ifVersion: 1 }))).actualVersion).toBe(2);
    expect(await state.delete('d2', { ifVersion: 2 })).toBe(true);
    expect((await conditionFailure(state.delete('d2', { ifVersion: 2 }))).actualVersion).toBeUndefined();
  });

  it('lists items by key prefix, in key order', async () => {
    await state.put('list/b', 2);
    await state.put('list/a', 1);
    await state.put('list/a', 11);
    await state.put('listx', 0);
    expect(await state.list('list/')).toEqual([
      { key: 'list/a', value: 11, version: 2 },
      { key: 'list/b', value: 2, version: 1 },
    ]);
  });

  it('rejects values over 400 KiB and says which item is not its own', async () => {
    await expect(state.put('big', 'x'.repeat(410_000))).rejects.toThrow(/limit is 409600 bytes/);
    await client.send(new PutObjectCommand({ Bucket: 'skein', Key: 'state/alien', Body: 'not json' }));
    await expect(state.get('alien')).rejects.toThrow(/s3:\/\/skein\/state\/alien is not valid JSON/);
  });
});
