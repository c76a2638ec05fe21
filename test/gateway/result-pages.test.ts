/**
 * Result pages read from spool objects: Trino's JSON value encoding of every Skein type, pages
 * bounded by rows and bytes that never split a row, cursors in the middle of a record batch, the
 * same page for the same cursor, and a cursor that is not a position refused.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderBlobStore } from '../../src/adapters/local/folder-blob-store.ts';
import type { SpoolManifest } from '../../src/distributed/spool/format.ts';
import { SpoolWriter } from '../../src/distributed/spool/writer.ts';
import { spoolSchema, toSpoolBatch } from '../../src/distributed/spool-batch.ts';
import type { Batch } from '../../src/exec/vector.ts';
import {
  boolVector,
  f64Vector,
  i32Vector,
  i64Vector,
  intervalVector,
  strVector,
} from '../../src/exec/vector.ts';
import {
  cursorInPlan,
  type PageCursor,
  readResultPage,
  resultReadPlan,
  START,
} from '../../src/gateway/result-pages.ts';
import { trinoColumn, valueEncoder } from '../../src/gateway/trino-types.ts';
import {
  BOOLEAN,
  DATE,
  decimal,
  FLOAT64,
  INT32,
  INT64,
  INTERVAL,
  type Schema,
  TIMESTAMP,
  VARCHAR,
} from '../../src/types/data-type.ts';

const enc = new TextEncoder();

function strings(values: (string | null)[]) {
  const offsets = new Int32Array(values.length + 1);
  const parts: Uint8Array[] = [];
  let n = 0;
  const validity = new Uint8Array((values.length + 7) >> 3);
  values.forEach((v, i) => {
    if (v !== null) {
      const b = enc.encode(v);
      parts.push(b);
      n += b.length;
      validity[i >> 3]! |= 1 << (i & 7);
    }
    offsets[i + 1] = n;
  });
  const bytes = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  return strVector(VARCHAR, offsets, bytes, values.includes(null) ? validity : null);
}

describe('Trino value encoding', () => {
  it('names types with their signatures', () => {
    expect(trinoColumn('a', decimal(15, 2))).toEqual({
      name: 'a',
      type: 'decimal(15,2)',
      typeSignature: {
        rawType: 'decimal',
        arguments: [
          { kind: 'LONG', value: 15 },
          { kind: 'LONG', value: 2 },
        ],
      },
    });
    expect(trinoColumn('t', TIMESTAMP).type).toBe('timestamp(6)');
    expect(trinoColumn('s', VARCHAR).type).toBe('varchar');
    expect(trinoColumn('s', VARCHAR).typeSignature.arguments).toEqual([{ kind: 'LONG', value: 2147483647 }]);
    expect([INT32, INT64, FLOAT64, BOOLEAN, DATE, INTERVAL].map((t) => trinoColumn('x', t).type)).toEqual([
      'integer',
      'bigint',
      'double',
      'boolean',
      'date',
      'interval day to second',
    ]);
  });

  it('writes each type as Trino does', () => {
    const all = (v: Parameters<typeof valueEncoder>[0]) => {
      const e = valueEncoder(v);
      return Array.from({ length: v.length }, (_, i) => e(i));
    };
    expect(all(i32Vector(INT32, Int32Array.of(1, -7)))).toEqual(['1', '-7']);
    expect(all(f64Vector(INT64, Float64Array.of(2 ** 53, -3)))).toEqual(['9007199254740992', '-3']);
    expect(all(i64Vector(INT64, BigInt64Array.of(2n ** 62n)))).toEqual(['4611686018427387904']);
    expect(
      all(f64Vector(FLOAT64, Float64Array.of(0.1, Number.NaN, Number.POSITIVE_INFINITY, -Infinity))),
    ).toEqual(['0.1', '"NaN"', '"Infinity"', '"-Infinity"']);
    expect(all(f64Vector(decimal(15, 2), Float64Array.of(1230, -5)))).toEqual(['"12.30"', '"-0.05"']);
    expect(all(i64Vector(decimal(38, 4), BigInt64Array.of(12345678901234567n)))).toEqual([
      '"1234567890123.4567"',
    ]);
    expect(all(strings(['a"b', null, 'ü']))).toEqual(['"a\\"b"', 'null', '"ü"']);
    expect(all(i32Vector(DATE, Int32Array.of(0, 19_000)))).toEqual(['"1970-01-01"', '"2022-01-08"']);
    expect(all(f64Vector(TIMESTAMP, Float64Array.of(1_500_000, -1)))).toEqual([
      '"1970-01-01 00:00:01.500000"',
      '"1969-12-31 23:59:59.999999"',
    ]);
    expect(all(boolVector(BOOLEAN, Uint8Array.of(1, 0)))).toEqual(['true', 'false']);
    expect(
      all(
        intervalVector(
          INTERVAL,
          Int32Array.of(0, 0),
          Int32Array.of(1, 0),
          Float64Array.of(3_723_004_000, -1_500_000),
        ),
      ),
    ).toEqual(['"1 01:02:03.004"', '"-0 00:00:01.500"']);
  });
});

describe('result pages from the spool', () => {
  let dir: string;
  let store: FolderBlobStore;
  const N = 1000;
  const schema: Schema = [
    { name: 'n', type: INT32, nullable: false },
    { name: 'price', type: decimal(12, 2), nullable: false },
    { name: 's', type: VARCHAR, nullable: true },
  ];
  const columns = schema.map((f) => ({ name: f.name, type: f.type }));
  let manifests: SpoolManifest[];
  const expected = (i: number) => `[${i},"${(i * 1.25).toFixed(2)}",${i % 7 === 0 ? 'null' : `"row ${i}"`}]`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skein-gw-pages-'));
    store = new FolderBlobStore(dir);
    manifests = [];
    // Two producer attempts (like two root tasks), batches of 90 rows written per bucket of 3.
    for (let task = 0; task < 2; task++) {
      const arrow = spoolSchema(schema, [0, 1, 2]);
      const w = new SpoolWriter(store, {
        attempt: { queryId: 'q1', stage: 0, task, attempt: 0 },
        bucketCount: 3,
        schema: arrow,
        maxBatchRows: 90,
      });
      for (let start = task * 500; start < (task + 1) * 500; start += 50) {
        const idx = Array.from({ length: 50 }, (_, k) => start + k);
        const batch: Batch = {
          schema,
          length: 50,
          columns: [
            i32Vector(INT32, Int32Array.from(idx)),
            f64Vector(
              decimal(12, 2),
              Float64Array.from(idx, (i) => i * 125),
            ),
            strings(idx.map((i) => (i % 7 === 0 ? null : `row ${i}`))),
          ],
        };
        await w.write((start / 50) % 3, toSpoolBatch(batch, arrow));
      }
      manifests.push(await w.finish());
    }
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function all(maxRows: number, targetBytes?: number) {
    const plan = resultReadPlan(manifests);
    const pages: string[][] = [];
    let cursor: PageCursor | undefined = START;
    while (cursor) {
      const page = await readResultPage(store, plan, columns, cursor, {
        maxRows,
        ...(targetBytes ? { targetBytes } : {}),
      });
      pages.push(page.rows);
      cursor = page.next;
    }
    return pages;
  }

  it('pages through every row exactly once, in bounded pages', async () => {
    const pages = await all(64);
    const rows = pages.flat();
    expect(rows).toHaveLength(N);
    expect(new Set(rows)).toEqual(new Set(Array.from({ length: N }, (_, i) => expected(i))));
    expect(Math.max(...pages.map((p) => p.length))).toBe(64);
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(N / 64));
    for (const r of rows) expect(JSON.parse(r)).toHaveLength(3);
  });

  it('bounds pages by JSON bytes too, without splitting a row', async () => {
    const pages = await all(100_000, 2000);
    expect(pages.flat()).toHaveLength(N);
    for (const p of pages.slice(0, -1)) {
      const bytes = p.reduce((s, r) => s + r.length + 1, 0);
      expect(bytes).toBeGreaterThanOrEqual(2000);
      expect(bytes - p[p.length - 1]!.length - 1).toBeLessThan(2000);
    }
  });

  it('gives the same page for the same cursor, also in the middle of a batch', async () => {
    const plan = resultReadPlan(manifests);
    const first = await readResultPage(store, plan, columns, START, { maxRows: 37 });
    expect(first.next?.skip).toBe(37);
    const a = await readResultPage(store, plan, columns, first.next!, { maxRows: 37 });
    const b = await readResultPage(store, plan, columns, first.next!, { maxRows: 37 });
    expect(a).toEqual(b);
    expect(a.rows[0]).not.toBe(first.rows[0]);
  });

  it('refuses a cursor that is not a position of the result', async () => {
    const plan = resultReadPlan(manifests);
    expect(cursorInPlan(plan, { read: 99, offset: 0, skip: 0 })).toBe(false);
    await expect(readResultPage(store, plan, columns, { read: 0, offset: 3, skip: 0 })).rejects.toThrow(
      /not name a position/,
    );
    expect(resultReadPlan([])).toBeUndefined();
    expect((await readResultPage(store, undefined, columns, START)).rows).toEqual([]);
  });
});
