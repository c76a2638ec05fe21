import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { type Emulators, startEmulators } from './emulators.ts';

const TABLES = ['customer', 'lineitem', 'nation', 'orders', 'part', 'partsupp', 'region', 'supplier'];

let aws: Emulators;
let s3: S3Client;
beforeAll(async () => {
  aws = await startEmulators({ buckets: ['tpch'] });
  s3 = new S3Client(aws.clientConfig);
});
afterAll(async () => {
  s3?.destroy();
  await aws?.stop();
});

async function keysUnder(prefix: string): Promise<string[]> {
  const res = await s3.send(new ListObjectsV2Command({ Bucket: 'tpch', Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key!);
}

async function object(key: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: 'tpch', Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

describe('skein tpch generate --out s3://…', () => {
  it('writes parts whose concatenation is dbgen’s reference output, byte for byte', async () => {
    const r = await runCli(
      [
        'tpch',
        'generate',
        '--sf',
        '0.01',
        '--format',
        'tbl',
        '--parts',
        '2',
        '--threads',
        '2',
        '--out',
        's3://tpch/sf0.01/tbl',
      ],
      aws.env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/into s3:\/\/tpch\/sf0\.01\/tbl/);
    const keys = await keysUnder('sf0.01/tbl/');
    expect(keys).toEqual(TABLES.flatMap((t) => [`sf0.01/tbl/${t}/part-0.tbl`, `sf0.01/tbl/${t}/part-1.tbl`]));
    for (const t of TABLES) {
      const got = Buffer.concat([
        await object(`sf0.01/tbl/${t}/part-0.tbl`),
        await object(`sf0.01/tbl/${t}/part-1.tbl`),
      ]);
      const want = gunzipSync(await readFile(`test/data/tpch/sf0.01/${t}.tbl.gz`));
      expect(got.length, t).toBe(want.length);
      expect(got.equals(want), t).toBe(true);
    }
  });

  it('fails with one line naming the location when the bucket does not exist, writing nothing', async () => {
    const r = await runCli(
      ['tpch', 'generate', '--sf', '0.01', '--tables', 'nation', '--out', 's3://no-such-bucket/x'],
      aws.env,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/s3:\/\/no-such-bucket\/x\/.*no such bucket/);
  });
});
