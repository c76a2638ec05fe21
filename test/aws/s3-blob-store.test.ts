import { randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore, type S3BlobStoreOptions } from '../../src/adapters/aws/s3-blob-store.ts';
import { openBlobStore } from '../../src/adapters/open-blob-store.ts';
import { SkeinError } from '../../src/errors.ts';
import { type Emulators, startEmulators } from './emulators.ts';

const MIB = 1024 * 1024;
let aws: Emulators;
let client: S3Client;

beforeAll(async () => {
  aws = await startEmulators({ buckets: ['skein-test', 'other'] });
  client = new S3Client(aws.clientConfig);
});
afterAll(async () => {
  client?.destroy();
  await aws?.stop();
});

function store(prefix: string, options: S3BlobStoreOptions = {}): S3BlobStore {
  return new S3BlobStore('skein-test', prefix, { client, retry: { baseDelayMs: 1 }, ...options });
}

/** Byte equality without vitest's element-by-element diffing, which is slow on large buffers. */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

async function collect(it: AsyncIterable<{ key: string; size: number }>) {
  const out: { key: string; size: number }[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function errorOf(p: Promise<unknown>): Promise<SkeinError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SkeinError);
    return err as SkeinError;
  }
  throw new Error('expected a SkeinError');
}

describe('S3BlobStore on fauxqs', () => {
  it('puts, gets, heads, lists and deletes within its prefix', async () => {
    const s = store('basic/a');
    await s.put('x/1.bin', new Uint8Array([1, 2, 3]));
    await s.put('x/2.bin', new Uint8Array([4, 5]));
    await s.put('y.bin', new Uint8Array(0));
    // Outside the prefix: a sibling whose key shares the prefix's characters.
    await client.send(new PutObjectCommand({ Bucket: 'skein-test', Key: 'basic/ab/z.bin', Body: 'no' }));

    expect(await s.get('x/1.bin')).toEqual(new Uint8Array([1, 2, 3]));
    expect(await s.get('y.bin')).toEqual(new Uint8Array(0));
    expect(await s.head('x/2.bin')).toEqual({ key: 'x/2.bin', size: 2 });
    expect(await s.head('nope')).toBeUndefined();
    expect(await collect(s.list(''))).toEqual([
      { key: 'x/1.bin', size: 3 },
      { key: 'x/2.bin', size: 2 },
      { key: 'y.bin', size: 0 },
    ]);
    expect((await collect(s.list('x/'))).map((o) => o.key)).toEqual(['x/1.bin', 'x/2.bin']);
    expect(s.describe()).toBe('s3://skein-test/basic/a');
    expect(s.describe('x/1.bin')).toBe('s3://skein-test/basic/a/x/1.bin');

    await s.delete(['x/1.bin', 'never-existed']);
    expect((await collect(s.list(''))).map((o) => o.key)).toEqual(['x/2.bin', 'y.bin']);
    await s.delete([]);
  });

  it('reads byte ranges, splitting large ones into concurrent ranged GETs', async () => {
    const data = randomBytes(100_000);
    const s = store('ranges', { readChunkSize: 7_000, readConcurrency: 3 });
    await s.put('blob', data);
    expect(same(await s.get('blob'), data)).toBe(true);
    expect(same(await s.get('blob', { offset: 10, length: 20 }), data.subarray(10, 30))).toBe(true);
    // Across several chunks, starting mid-chunk.
    expect(same(await s.get('blob', { offset: 6_999, length: 50_001 }), data.subarray(6_999, 57_000))).toBe(
      true,
    );
    // Past the end: what there is, like a file read.
    expect(same(await s.get('blob', { offset: 99_990, length: 100 }), data.subarray(99_990))).toBe(true);
    expect(await s.get('blob', { offset: 100_000, length: 10 })).toEqual(new Uint8Array(0));
    expect(await s.get('blob', { offset: 5, length: 0 })).toEqual(new Uint8Array(0));
    expect((await errorOf(s.get('missing', { offset: 0, length: 0 }))).code).toBe('NOT_FOUND');
  });

  it('writes a large object as a multipart upload, visible only at commit', async () => {
    const s = store('multipart', { partSize: 5 * MIB, uploadConcurrency: 2 });
    const data = randomBytes(12 * MIB + 12_345);
    const w = await s.createWriter('big.bin');
    // Odd-sized chunks, so parts are cut across them.
    for (let off = 0; off < data.length; off += 3 * MIB + 7) {
      await w.write(data.subarray(off, Math.min(data.length, off + 3 * MIB + 7)));
    }
    expect(await s.head('big.bin')).toBeUndefined();
    await w.commit();
    const head = await client.send(new HeadObjectCommand({ Bucket: 'skein-test', Key: 'multipart/big.bin' }));
    expect(head.ETag).toMatch(/-3"?$/); // three parts: 5 + 5 + 2 MiB
    const back = await s.get('big.bin');
    expect(back.length).toBe(data.length);
    expect(Buffer.from(back).equals(data)).toBe(true);
    // Ranged read across the part boundary, several ranges in flight.
    const r = await store('multipart', { readChunkSize: MIB }).get('big.bin', {
      offset: 5 * MIB - 100,
      length: 3 * MIB,
    });
    expect(Buffer.from(r).equals(data.subarray(5 * MIB - 100, 8 * MIB - 100))).toBe(true);
    // A 20 MiB put, over fauxqs's 11 MiB single-request limit, goes through as parts.
    const twenty = randomBytes(20 * MIB);
    await store('multipart').put('twenty.bin', twenty);
    expect(Buffer.from(await store('multipart').get('twenty.bin')).equals(twenty)).toBe(true);
  });

  it('aborting a writer leaves the key as it was, and is safe to repeat', async () => {
    const s = store('abort', { partSize: 5 * MIB });
    await s.put('kept.bin', new Uint8Array([9]));
    const w = await s.createWriter('kept.bin');
    await w.write(randomBytes(11 * MIB)); // two parts uploaded
    await w.abort();
    await w.abort();
    expect(await s.get('kept.bin')).toEqual(new Uint8Array([9]));
    await expect(w.commit()).rejects.toThrow(/used after commit or abort/);

    const fresh = await s.createWriter('never.bin');
    await fresh.write(new Uint8Array(10));
    await fresh.abort();
    expect(await s.head('never.bin')).toBeUndefined();
  });

  it('putIfAbsent writes only a new key; of racing writers exactly one wins', async () => {
    const s = store('cond', { partSize: 5 * MIB });
    expect(await s.putIfAbsent('k', new Uint8Array([1]))).toBe(true);
    expect(await s.putIfAbsent('k', new Uint8Array([2]))).toBe(false);
    expect(await s.get('k')).toEqual(new Uint8Array([1]));

    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => s.putIfAbsent('race', new Uint8Array([i]))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await s.get('race')).toEqual(new Uint8Array([winner]));

    // Multipart: the condition is checked at CompleteMultipartUpload.
    const big = randomBytes(6 * MIB);
    expect(await s.putIfAbsent('big', big)).toBe(true);
    expect(await s.putIfAbsent('big', randomBytes(6 * MIB))).toBe(false);
    expect(Buffer.from(await s.get('big')).equals(big)).toBe(true);
  });

  it('lists more than 1000 keys across pages, in order, and deletes them in batches', async () => {
    const s = store('many');
    const keys = Array.from({ length: 1_500 }, (_, i) => `k/${String(i).padStart(5, '0')}`);
    await aws.seed(
      'skein-test',
      keys.map((k) => [`many/${k}`, 'x']),
    );
    const listed = await collect(s.list('k/'));
    expect(listed.map((o) => o.key)).toEqual(keys);
    await s.delete(keys);
    expect(await collect(s.list(''))).toEqual([]);
  });

  it('retries SlowDown and 5xx answers with backoff', async () => {
    const retries: number[] = [];
    const s = store('retry', {
      partSize: 5 * MIB,
      retry: { baseDelayMs: 1, onRetry: (r) => retries.push(r.attempt) },
    });
    aws.faults.add({ method: 'PUT', match: /\/retry\/a(\?|$)/, times: 2, code: 'SlowDown', status: 503 });
    await s.put('a', new Uint8Array([7]));
    aws.faults.add({ method: 'GET', match: /\/retry\/a/, times: 1, code: 'InternalError', status: 500 });
    expect(await s.get('a')).toEqual(new Uint8Array([7]));
    aws.faults.add({ method: 'PUT', match: /partNumber=2/, times: 2, code: 'SlowDown', status: 503 });
    const data = randomBytes(11 * MIB);
    await s.put('b', data);
    expect(Buffer.from(await s.get('b')).equals(data)).toBe(true);
    expect(retries.length).toBe(5);
    expect(aws.faults.injected).toBeGreaterThanOrEqual(5);

    // Out of attempts: the error names the object.
    const limited = store('retry', { retry: { attempts: 2, baseDelayMs: 1 } });
    aws.faults.add({ method: 'GET', match: /\/retry\/a/, times: 2, code: 'SlowDown', status: 503 });
    const err = await errorOf(limited.get('a'));
    expect(err.code).toBe('EXTERNAL');
    expect(err.message).toMatch(/cannot read s3:\/\/skein-test\/retry\/a: SlowDown/);
    aws.faults.clear();
  });

  it('reports missing objects and buckets as NOT_FOUND, naming the s3:// location', async () => {
    const e1 = await errorOf(store('p').get('missing.bin'));
    expect(e1.code).toBe('NOT_FOUND');
    expect(e1.message).toBe('cannot read s3://skein-test/p/missing.bin: no such object');
    const e2 = await errorOf(new S3BlobStore('no-such-bucket', 'x', { client }).put('a', new Uint8Array(1)));
    expect(e2.code).toBe('NOT_FOUND');
    expect(e2.message).toMatch(/s3:\/\/no-such-bucket\/x\/a: no such bucket 'no-such-bucket'/);
    expect(() => S3BlobStore.fromUrl('s3://Bad_Bucket/x')).toThrow(/not a valid bucket name/);
  });

  it('fails a read when the object is replaced between its ranged GETs', async () => {
    const s = store('replaced', { readChunkSize: 1_000, readConcurrency: 1 });
    await s.put('obj', randomBytes(5_000));
    // After the first GET, overwrite the object (through the fault hook's timing: a slow second GET).
    let replaced = false;
    const slow = new S3Client({ ...aws.clientConfig });
    slow.middlewareStack.add(
      (next) => async (args) => {
        const input = (args as { input?: { Range?: string } }).input;
        if (!replaced && input?.Range && !input.Range.startsWith('bytes=0-')) {
          replaced = true;
          await client.send(
            new PutObjectCommand({ Bucket: 'skein-test', Key: 'replaced/obj', Body: randomBytes(5_000) }),
          );
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const err = await errorOf(
      store('replaced', { client: slow, readChunkSize: 1_000, readConcurrency: 1 }).get('obj'),
    );
    expect(err.message).toMatch(/replaced while being read/);
    slow.destroy();
  });

  it('is what openBlobStore returns for s3:// locations, configured from the environment', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, aws.env);
    try {
      const s = openBlobStore('s3://skein-test/opened/');
      expect(s.describe()).toBe('s3://skein-test/opened');
      expect(s.describe('a/b')).toBe('s3://skein-test/opened/a/b');
      await s.put('a/b', new TextEncoder().encode('hello'));
      const got = await client.send(new GetObjectCommand({ Bucket: 'skein-test', Key: 'opened/a/b' }));
      expect(await got.Body!.transformToString()).toBe('hello');
      expect(await s.putIfAbsent!('a/b', new Uint8Array(1))).toBe(false);
      expect(await collect(s.list(''))).toEqual([{ key: 'a/b', size: 5 }]);
    } finally {
      process.env = saved;
    }
    expect(() => openBlobStore('gs://bucket/x')).toThrow(/gs:\/\/ scheme is not supported/);
  });
});
