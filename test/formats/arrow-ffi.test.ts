/**
 * Reading row groups through the Arrow C Data Interface (`readRowGroupWith`) gives the same
 * vectors as through an IPC stream (`readRowGroup`), for every type Skein reads — NULLs included —
 * and a batch does not depend on wasm memory once converted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBlobStore } from '../../src/adapters/open-blob-store.ts';
import { batchFromArrow } from '../../src/exec/arrow.ts';
import type { Batch } from '../../src/exec/vector.ts';
import { ParquetReader } from '../../src/formats/parquet-reader.ts';
import { rowsOf } from '../exec/helpers.ts';
import { openDuckDb, sqlString } from '../helpers/duckdb.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-ffi-'));
  const db = await openDuckDb();
  try {
    await db.query(`COPY (
      SELECT
        i::INTEGER AS i32, i::BIGINT * 1000000007 AS i64, (i / 7)::DOUBLE AS f64, (i / 3)::FLOAT AS f32,
        (i * 1.25)::DECIMAL(15,2) AS d15, (i * 12345.6789)::DECIMAL(38,4) AS d38,
        (i % 100)::SMALLINT AS i16, (i % 100)::TINYINT AS i8, i % 3 = 0 AS b,
        CASE WHEN i % 5 = 0 THEN NULL WHEN i % 7 = 0 THEN '' ELSE 'row ' || i || repeat('x', i % 13) END AS s,
        DATE '2000-01-01' + (i % 3000)::INTEGER AS d,
        TIMESTAMP '2020-01-01 00:00:00' + to_microseconds(i * 1000003) AS ts,
        CASE WHEN i % 4 = 0 THEN NULL ELSE i END AS maybe
      FROM range(30000) t(i)
    ) TO ${sqlString(join(dir, 'types.parquet'))} (FORMAT PARQUET, ROW_GROUP_SIZE 10000)`);
  } finally {
    db.close();
  }
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('readRowGroupWith (C Data Interface)', () => {
  it('gives the same values as the IPC path, and batches outlive the decoder', async () => {
    const file = await ParquetReader.open(openBlobStore(dir), 'types.parquet');
    const columns = file.schema.fields.map((f) => f.name);
    expect(file.rowGroups.length).toBeGreaterThan(1);
    const kept: Batch[] = [];
    for (let g = 0; g < file.rowGroups.length; g++) {
      const ffi = await file.readRowGroupWith(g, columns, (rb) => batchFromArrow(rb));
      const ipc = (await file.readRowGroup(g, columns)).map((rb) => batchFromArrow(rb));
      expect(ffi.map((b) => b.schema)).toEqual(ipc.map((b) => b.schema));
      expect(rowsOf(ffi)).toEqual(rowsOf(ipc));
      kept.push(...ffi);
    }
    // Decode more (reusing wasm memory), then check the first batches did not change.
    const again = await file.readRowGroupWith(0, columns, (rb) => batchFromArrow(rb));
    for (let g = 1; g < file.rowGroups.length; g++)
      await file.readRowGroupWith(g, columns, (rb) => batchFromArrow(rb));
    expect(rowsOf([kept[0]!])).toEqual(rowsOf(again));
    expect(rowsOf(kept).length).toBe(30000);
  });

  it('reads a subset of columns in the order asked for', async () => {
    const file = await ParquetReader.open(openBlobStore(dir), 'types.parquet');
    const cols = ['s', 'd15', 'i32'];
    const ffi = await file.readRowGroupWith(1, cols, (rb) => batchFromArrow(rb));
    const ipc = (await file.readRowGroup(1, cols)).map((rb) => batchFromArrow(rb));
    expect(ffi[0]!.schema.map((f) => f.name)).toEqual(cols);
    expect(rowsOf(ffi)).toEqual(rowsOf(ipc));
  });
});
