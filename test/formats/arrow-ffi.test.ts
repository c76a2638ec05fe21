/**
 * Reading row groups through the Arrow C Data Interface (`readRowGroupWith`) gives the same
 * vectors as through an IPC stream (`readRowGroup`), for every type Skein reads — NULLs included —
 * and a batch does not depend on wasm memory once converted.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Field, makeData, RecordBatch, Schema, Struct, Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBlobStore } from '../../src/adapters/open-blob-store.ts';
import { batchFromArrow } from '../../src/exec/arrow.ts';
import type { Batch } from '../../src/exec/vector.ts';
import { ParquetReader } from '../../src/formats/parquet-reader.ts';
import { ParquetStreamWriter } from '../../src/formats/parquet-writer.ts';
import { rowsOf } from '../exec/helpers.ts';
import { openDuckDb, sqlString } from '../helpers/duckdb.ts';
import { memorySink } from '../helpers/tpch-batch.ts';

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

describe('one-byte string dictionaries (kept as dictionaries by the decoder)', () => {
  it('give the same strings as the plain path, NULLs and unaligned slices included', async () => {
    // Written by Skein's own writer (arrow-rs), which records the Arrow schema the hint replaces.
    const n = 20_000;
    const flag = Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : 'ANRO'[i % 4]!));
    const mode = Array.from({ length: n }, (_, i) => ['AIR', 'MAIL', 'SHIP'][i % 3]!);
    const status = Array.from({ length: n }, (_, i) => 'FOP'[(i * 7) % 3]!);
    const schema = new Schema([
      new Field('flag', new Utf8(), true),
      new Field('mode', new Utf8(), false),
      new Field('status', new Utf8(), false),
    ]);
    const out = memorySink();
    const w = new ParquetStreamWriter(schema, out.sink, { maxRowGroupRows: 8_000 });
    await w.write(recordBatch([flag, mode, status], schema));
    await w.finish();
    await writeFile(join(dir, 'dict.parquet'), out.bytes());
    const file = await ParquetReader.open(openBlobStore(dir), 'dict.parquet');
    expect(file.rowGroups.length).toBeGreaterThan(1);
    let at = 0;
    for (let g = 0; g < file.rowGroups.length; g++) {
      const slices = await file.readRowGroupSlices(
        g,
        ['mode', 'flag', 'status'],
        (rb) => batchFromArrow(rb),
        (b) => b,
      );
      try {
        // The one-byte columns came out of the decoder as dictionaries; the other did not.
        expect(String(slices.view!(0, 1, 0, 1).type)).toMatch(/^Dictionary/);
        expect(String(slices.view!(0, 2, 0, 1).type)).toMatch(/^Dictionary/);
        expect(String(slices.view!(0, 0, 0, 1).type)).toBe('Utf8');
        const rows = slices.lengths[0]!;
        for (const [lo, hi] of [
          [0, rows],
          [3, 1001],
          [1001, rows],
        ] as const) {
          const got = rowsOf([slices.take(0, lo, hi)]);
          expect(got).toEqual(
            Array.from({ length: hi - lo }, (_, i) => [
              mode[at + lo + i]!,
              flag[at + lo + i] ?? null,
              status[at + lo + i]!,
            ]),
          );
        }
        at += rows;
      } finally {
        slices.free();
      }
    }
    expect(at).toBe(n);
  });
});

function recordBatch(columns: (string | null)[][], schema: Schema): RecordBatch {
  const children = columns.map((c) => vectorFromArray(c, new Utf8()).data[0]!);
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: columns[0]!.length, nullCount: 0, children }),
  );
}
