/**
 * The Arrow IPC stream scan: batches written by apache-arrow come back equal, projected, sliced to
 * the batch size, read in small chunks; damaged or missing objects are named.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordBatchStreamWriter, Table, tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderBlobStore } from '../../src/adapters/local/folder-blob-store.ts';
import { SkeinError } from '../../src/errors.ts';
import { batchToArrow } from '../../src/exec/arrow.ts';
import { type ExecContext, MemoryPool } from '../../src/exec/context.ts';
import { vectorFromScalars, vectorValue } from '../../src/exec/expr/scalar.ts';
import { openIpcScan } from '../../src/exec/scan/ipc-scan.ts';
import type { Batch } from '../../src/exec/vector.ts';
import type { ScalarValue } from '../../src/physical/expr.ts';
import { decimal, INT32, VARCHAR } from '../../src/types/data-type.ts';

let dir: string;
let store: FolderBlobStore;
const ctx = (batchSize = 4096): ExecContext => ({ batchSize, memory: new MemoryPool(1 << 30) });

function makeBatch(start: number, n: number): Batch {
  const ks = Array.from({ length: n }, (_, i) => start + i);
  return {
    schema: [
      { name: 'k', type: INT32, nullable: true },
      { name: 's', type: VARCHAR, nullable: true },
      { name: 'd', type: decimal(15, 2), nullable: true },
    ],
    columns: [
      vectorFromScalars(INT32, ks),
      vectorFromScalars(
        VARCHAR,
        ks.map((k) => (k % 3 === 0 ? null : `s${k}`)),
      ),
      vectorFromScalars(
        decimal(15, 2),
        ks.map((k) => String(k * 101)),
      ),
    ],
    length: n,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-ipc-'));
  store = new FolderBlobStore(dir);
  const writer = new RecordBatchStreamWriter();
  for (let b = 0; b < 4; b++) writer.write(batchToArrow(makeBatch(b * 1000, 1000)));
  writer.finish();
  await store.put('spool.arrow', writer.toUint8Array(true));
  await store.put('bad.arrow', new Uint8Array([255, 255, 255, 255, 8, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]));
  await store.put('empty.arrow', tableToIPC(new Table([batchToArrow(makeBatch(0, 0))]), 'stream'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rows(stream: AsyncIterable<Batch>): Promise<{ rows: ScalarValue[][]; sizes: number[] }> {
  const out: ScalarValue[][] = [];
  const sizes: number[] = [];
  for await (const b of stream) {
    sizes.push(b.length);
    for (let i = 0; i < b.length; i++) out.push(b.columns.map((c) => vectorValue(c, i)));
  }
  return { rows: out, sizes };
}

describe('openIpcScan', () => {
  it('reads every batch back, projected and sliced, through small chunks', async () => {
    const scan = await openIpcScan(
      { store, key: 'spool.arrow', columns: ['d', 'k'], chunkBytes: 997 },
      ctx(600),
    );
    expect(scan.schema.map((f) => f.name)).toEqual(['d', 'k']);
    const { rows: got, sizes } = await rows(scan);
    expect(got).toEqual(Array.from({ length: 4000 }, (_, k) => [String(k * 101), k]));
    expect(Math.max(...sizes)).toBe(600);
  });

  it('reads a stream with no rows', async () => {
    const scan = await openIpcScan({ store, key: 'empty.arrow' }, ctx());
    expect(scan.schema.map((f) => f.name)).toEqual(['k', 's', 'd']);
    expect((await rows(scan)).rows).toEqual([]);
  });

  it('names a damaged or missing object', async () => {
    const bad = await openIpcScan({ store, key: 'bad.arrow' }, ctx()).then(
      async (s) => rows(s),
      (e) => e,
    );
    expect(bad).toBeInstanceOf(SkeinError);
    expect((bad as SkeinError).message).toMatch(/bad\.arrow is not a valid Arrow IPC stream/);
    const missing = await openIpcScan({ store, key: 'nope.arrow' }, ctx()).catch((e) => e as SkeinError);
    expect((missing as SkeinError).code).toBe('NOT_FOUND');
  });
});
