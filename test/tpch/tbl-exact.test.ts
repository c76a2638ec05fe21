/**
 * The generator's .tbl output against the official dbgen files at SF 0.01, whole and cut into
 * parts generated independently, plus the row counts of SF 0.1. The text pool is built once for
 * the file (about a second).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeTblBatch, tblWriter } from '../../src/tpch/format-tbl.ts';
import { generateBatches, getTextPool, partRange, unitCount } from '../../src/tpch/rows.ts';
import { TPCH_TABLES, type TpchTableName } from '../../src/tpch/schema.ts';

function reference(table: TpchTableName): Buffer {
  return gunzipSync(readFileSync(new URL(`../data/tpch/sf0.01/${table}.tbl.gz`, import.meta.url)));
}

/** '' when equal, else where they first differ, by line. */
function firstDifference(got: Uint8Array, want: Uint8Array): string {
  if (Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(want)) return '';
  const g = Buffer.from(got).toString('latin1').split('\n');
  const w = Buffer.from(want).toString('latin1').split('\n');
  let i = 0;
  while (i < g.length && i < w.length && g[i] === w[i]) i++;
  return `line ${i + 1} differs (${g.length - 1} lines generated, ${w.length - 1} expected)\n  got:  ${g[i] ?? '<end>'}\n  want: ${w[i] ?? '<end>'}`;
}

/** Part `part` of `parts` through the writer interface, as `skein tpch generate` writes a file. */
async function writePart(
  table: TpchTableName,
  part: number,
  parts: number,
  batchRows?: number,
): Promise<Buffer> {
  const { start, count } = partRange(table, 0.01, part, parts);
  const chunks: Uint8Array[] = [];
  const writer = tblWriter(table, async (chunk) => {
    chunks.push(chunk);
  });
  for (const batch of generateBatches(table, 0.01, start, count, { batchRows })) await writer.write(batch);
  await writer.finish();
  return Buffer.concat(chunks);
}

beforeAll(() => {
  getTextPool();
});

describe('dbgen .tbl output at SF 0.01', () => {
  for (const table of TPCH_TABLES) {
    it(`${table}: one part equals dbgen's file`, async () => {
      expect(firstDifference(await writePart(table, 0, 1), reference(table))).toBe('');
    });

    it(`${table}: four parts generated independently concatenate to dbgen's file`, async () => {
      const parts = await Promise.all([0, 1, 2, 3].map((p) => writePart(table, p, 4, 333)));
      expect(firstDifference(Buffer.concat(parts), reference(table))).toBe('');
    });
  }

  it('encodeTblBatch gives the same bytes batch by batch', () => {
    const got = Buffer.concat(
      [...generateBatches('customer', 0.01, 0, unitCount('customer', 0.01), { batchRows: 100 })].map(
        encodeTblBatch,
      ),
    );
    expect(firstDifference(got, reference('customer'))).toBe('');
  });
});

describe('text pool', () => {
  it("is dbgen's 300 MiB of sentences", () => {
    const pool = getTextPool();
    const text = (from: number, to: number) => Buffer.from(pool.subarray(from, to)).toString('latin1');
    expect(pool.length).toBe(300 * 1024 * 1024);
    expect(text(0, 67)).toBe('furiously special foxes haggle furiously blithely ironic deposits. ');
    expect(text(pool.length - 30, pool.length)).toBe('ly against the busy, express s');
  });
});

describe('row counts at SF 0.1', () => {
  // lineitem is the sum of 1–7 lines over 150 000 orders (dbgen's count, also known from its
  // SF 0.1 data sets); the rest are the scaled base counts.
  const expected: Record<TpchTableName, number> = {
    region: 5,
    nation: 25,
    supplier: 1000,
    customer: 15000,
    part: 20000,
    partsupp: 80000,
    orders: 150000,
    lineitem: 600572,
  };
  for (const table of TPCH_TABLES) {
    it(`${table} has ${expected[table]} rows`, () => {
      let rows = 0;
      for (const b of generateBatches(table, 0.1, 0, unitCount(table, 0.1))) rows += b.rows;
      expect(rows).toBe(expected[table]);
    });
  }
});
