import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Dictionary,
  Field,
  Float64,
  Int32,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderBlobStore } from '../../src/adapters/local/folder-blob-store.ts';
import { SkeinError } from '../../src/errors.ts';
import type { ParquetStatValue } from '../../src/formats/parquet-footer.ts';
import { ParquetReader } from '../../src/formats/parquet-reader.ts';
import { ParquetStreamWriter } from '../../src/formats/parquet-writer.ts';
import type { BlobInfo, BlobStore, BlobWriter, ByteRange } from '../../src/ports/blob-store.ts';
import { parquetWriterWith } from '../../src/tpch/format-parquet.ts';
import { type DuckDb, openDuckDb, sqlString } from '../helpers/duckdb.ts';
import { sliceTpchBatch, tpchBatch } from '../helpers/tpch-batch.ts';

/** Counts requests and can fail ranged GETs outside the file's last 64 KiB. */
class CountingStore implements BlobStore {
  gets = 0;
  heads = 0;
  failDataReads: SkeinError | undefined;
  constructor(private readonly inner: BlobStore) {}
  put(key: string, body: Uint8Array): Promise<void> {
    return this.inner.put(key, body);
  }
  createWriter(key: string): Promise<BlobWriter> {
    return this.inner.createWriter(key);
  }
  async get(key: string, range?: ByteRange): Promise<Uint8Array> {
    this.gets++;
    if (this.failDataReads && range && range.offset < 1000) throw this.failDataReads;
    return this.inner.get(key, range);
  }
  head(key: string): Promise<BlobInfo | undefined> {
    this.heads++;
    return this.inner.head(key);
  }
  list(prefix: string): AsyncIterable<BlobInfo> {
    return this.inner.list(prefix);
  }
  delete(keys: readonly string[]): Promise<void> {
    return this.inner.delete(keys);
  }
  describe(key?: string): string {
    return this.inner.describe(key);
  }
}

const N = 30_000;
const RG = 12_000;
const orders = tpchBatch('orders', {
  o_orderkey: Array.from({ length: N }, (_, i) => 4_000_000_000 + i * 3),
  o_custkey: Array.from({ length: N }, (_, i) => (i * 7919) % 1500),
  o_orderstatus: Array.from({ length: N }, (_, i) => 'OFP'[i % 3]!),
  o_totalprice: Array.from({ length: N }, (_, i) => (i % 2 ? -1 : 1) * i * 101),
  o_orderdate: Array.from({ length: N }, (_, i) => 8035 + ((i * 37) % 2400)),
  o_orderpriority: Array.from({ length: N }, (_, i) => `${(i % 5) + 1}-PRIO`),
  o_clerk: Array.from({ length: N }, (_, i) => `Clerk#${String(i % 1000).padStart(9, '0')}`),
  o_shippriority: Array.from({ length: N }, (_, i) => i % 4),
  o_comment: Array.from({ length: N }, (_, i) => `comment, number ${i}`),
});

let db: DuckDb;
let dir: string;
let folder: FolderBlobStore;

beforeAll(async () => {
  db = await openDuckDb();
  dir = await mkdtemp(join(tmpdir(), 'skein-parquet-reader-'));
  folder = new FolderBlobStore(dir);
  const bw = await folder.createWriter('orders.parquet');
  const w = parquetWriterWith({ maxRowGroupRows: RG })('orders', (c) => bw.write(c));
  await w.write(sliceTpchBatch(orders, 0, 15_000));
  await w.write(sliceTpchBatch(orders, 15_000, N));
  await w.finish();
  await bw.commit();
});
afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

/** Decimal128 values of an Arrow column as unscaled numbers (low 64 bits; enough here). */
function decimals(batch: RecordBatch, name: string): number[] {
  const data = batch.getChild(name)!.data[0]!;
  const w = data.values as Uint32Array;
  return Array.from({ length: batch.numRows }, (_, i) => {
    const lo = w[(data.offset + i) * 4]!;
    const hi = w[(data.offset + i) * 4 + 1]! | 0;
    return hi * 4294967296 + lo;
  });
}

function isoDay(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

/** A statistics value as DuckDB's parquet_metadata prints it, for the columns used here. */
function asDuckText(
  v: ParquetStatValue | undefined,
  kind: 'int' | 'date' | 'decimal' | 'string',
): string | null {
  if (v === undefined) return null;
  if (kind === 'date') return isoDay(v as number);
  if (kind === 'decimal') {
    const n = BigInt(v as number | bigint);
    const a = n < 0n ? -n : n;
    return `${n < 0n ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
  }
  return String(v);
}

describe('ParquetReader', () => {
  it('exposes the Arrow schema, row groups and row counts', async () => {
    const file = await ParquetReader.open(folder, 'orders.parquet');
    expect(file.name).toBe(join(dir, 'orders.parquet'));
    expect(file.numRows).toBe(N);
    expect(file.rowGroups.map((g) => g.numRows)).toEqual([RG, RG, N - 2 * RG]);
    expect(file.size).toBeGreaterThan(128 << 10); // larger than the tail read on open
    expect(file.schema.fields.map((f) => `${f.name} ${String(f.type)} ${f.nullable}`)).toEqual([
      'o_orderkey Int64 false',
      'o_custkey Int64 false',
      'o_orderstatus Utf8 false',
      'o_totalprice Decimal[15e+2] false',
      'o_orderdate Date32<DAY> false',
      'o_orderpriority Utf8 false',
      'o_clerk Utf8 false',
      'o_shippriority Int32 false',
      'o_comment Utf8 false',
    ]);
    expect(file.rowGroups[0]!.columns[3]!.codec).toBe('SNAPPY');
  });

  it('gives per-column min/max/null statistics equal to what DuckDB reads from the footer', async () => {
    const file = await ParquetReader.open(folder, 'orders.parquet');
    const kinds = {
      o_orderkey: 'int',
      o_custkey: 'int',
      o_orderstatus: 'string',
      o_totalprice: 'decimal',
      o_orderdate: 'date',
      o_clerk: 'string',
      o_shippriority: 'int',
      o_comment: 'string',
    } as const;
    const duck = await db.query(`
      select row_group_id, path_in_schema, stats_min_value, stats_max_value, stats_null_count
      from parquet_metadata(${sqlString(join(dir, 'orders.parquet'))})`);
    let compared = 0;
    for (const r of duck) {
      const kind = kinds[r.path_in_schema as keyof typeof kinds];
      if (!kind) continue;
      const s = file.statistics(Number(r.row_group_id), r.path_in_schema as string);
      expect(asDuckText(s?.min, kind), `${r.path_in_schema} min`).toBe(r.stats_min_value);
      expect(asDuckText(s?.max, kind), `${r.path_in_schema} max`).toBe(r.stats_max_value);
      expect(BigInt(s?.nullCount ?? -1)).toBe(r.stats_null_count);
      compared++;
    }
    expect(compared).toBe(3 * Object.keys(kinds).length);
    // And against the data itself: row group 1 holds rows 12000..23999.
    expect(file.statistics(1, 'o_orderkey')).toMatchObject({ min: 4_000_036_000n, max: 4_000_071_997n });
  });

  it('reads one row group with the asked columns, in the asked order', async () => {
    const file = await ParquetReader.open(folder, 'orders.parquet');
    const batches = await file.readRowGroup(1, ['o_comment', 'o_orderkey', 'o_totalprice', 'o_orderdate']);
    expect(batches).toHaveLength(1);
    const b = batches[0]!;
    expect(b.numRows).toBe(RG);
    expect(b.schema.fields.map((f) => f.name)).toEqual([
      'o_comment',
      'o_orderkey',
      'o_totalprice',
      'o_orderdate',
    ]);
    const idx = Array.from({ length: RG }, (_, i) => RG + i);
    expect(b.getChild('o_comment')!.toArray()).toEqual(idx.map((i) => `comment, number ${i}`));
    expect(Array.from(b.getChild('o_orderkey')!.toArray() as BigInt64Array)).toEqual(
      idx.map((i) => BigInt(4_000_000_000 + i * 3)),
    );
    expect(decimals(b, 'o_totalprice')).toEqual(idx.map((i) => (i % 2 ? -1 : 1) * i * 101));
    expect(Array.from(b.getChild('o_orderdate')!.data[0]!.values as Int32Array)).toEqual(
      idx.map((i) => 8035 + ((i * 37) % 2400)),
    );
    const all = await file.readRowGroup(2);
    expect(all[0]!.numRows).toBe(N - 2 * RG);
    expect(all[0]!.numCols).toBe(9);
    expect(all[0]!.schema.fields.map((f) => f.name)).toEqual(file.schema.fields.map((f) => f.name));
    expect(all[0]!.getChild('o_shippriority')!.toArray()).toEqual(
      Int32Array.from({ length: N - 2 * RG }, (_, i) => (2 * RG + i) % 4),
    );
    expect(all[0]!.getChild('o_clerk')!.get(5)).toBe(`Clerk#${String((2 * RG + 5) % 1000).padStart(9, '0')}`);
    const none = await file.readRowGroup(0, []);
    expect([none[0]!.numRows, none[0]!.numCols]).toEqual([RG, 0]);
  });

  it('opens with one ranged GET when the size is known and reads a row group with one more', async () => {
    const store = new CountingStore(folder);
    const size = (await folder.head('orders.parquet'))!.size;
    const file = await ParquetReader.open(store, 'orders.parquet', { size });
    expect([store.heads, store.gets]).toEqual([0, 1]);
    await file.readRowGroup(0, ['o_orderkey', 'o_custkey', 'o_comment']);
    expect(store.gets).toBe(2);
    await ParquetReader.open(store, 'orders.parquet');
    expect(store.heads).toBe(1);
  });

  it('reads a small file from the bytes fetched on open', async () => {
    const bw = await folder.createWriter('small.parquet');
    const w = parquetWriterWith({ maxRowGroupRows: 40 })('orders', (c) => bw.write(c));
    await w.write(sliceTpchBatch(orders, 0, 100));
    await w.finish();
    await bw.commit();
    const store = new CountingStore(folder);
    const file = await ParquetReader.open(store, 'small.parquet');
    expect(file.rowGroups.map((g) => g.numRows)).toEqual([40, 40, 20]);
    const [b] = await file.readRowGroup(2, ['o_custkey']);
    expect(Array.from(b!.getChild('o_custkey')!.toArray() as BigInt64Array)).toEqual(
      Array.from({ length: 20 }, (_, i) => BigInt(((80 + i) * 7919) % 1500)),
    );
    expect([store.heads, store.gets]).toEqual([1, 1]);
  });

  it('names the file and the column when a column is unknown', async () => {
    const file = await ParquetReader.open(folder, 'orders.parquet');
    const err = await file.readRowGroup(0, ['o_orderkey', 'o_nope']).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOT_FOUND' });
    expect((err as Error).message).toContain(`column 'o_nope' is not in ${join(dir, 'orders.parquet')}`);
    expect(() => file.statistics(0, 'nope')).toThrow(/column 'nope'/);
    expect(() => file.statistics(3, 'o_orderkey')).toThrow(/row group 3 .* has 3 row groups/);
  });

  it('reports a missing file as NOT_FOUND, naming it', async () => {
    const err = await ParquetReader.open(folder, 'nope.parquet').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkeinError);
    expect(err).toMatchObject({
      code: 'NOT_FOUND',
      message: `no such Parquet file: ${join(dir, 'nope.parquet')}`,
    });
  });

  it('reports files that are not Parquet, truncated or damaged, naming them', async () => {
    const good = new Uint8Array(await readFile(join(dir, 'orders.parquet')));
    const cases: [string, Uint8Array, RegExp][] = [
      [
        'text.parquet',
        new TextEncoder().encode('id,name\n1,a\n'.repeat(10)),
        /does not end with the Parquet magic/,
      ],
      ['tiny.parquet', new Uint8Array([0x50, 0x41, 0x52, 0x31]), /only 4 bytes long/],
      ['truncated.parquet', good.subarray(0, good.length - 100), /does not end with the Parquet magic/],
      ['huge-footer.parquet', withFooterLength(good, 0x7fffffff), /footer length \d+ exceeds the file size/],
      ['bad-footer.parquet', damageFooter(good), /footer cannot be decoded|is missing|not a struct|unknown/],
    ];
    for (const [key, bytes, why] of cases) {
      await folder.put(key, bytes);
      const err = await ParquetReader.open(folder, key).catch((e: unknown) => e);
      expect(err, key).toBeInstanceOf(SkeinError);
      expect((err as SkeinError).code, key).toBe('INVALID_ARGUMENT');
      expect((err as SkeinError).message, key).toContain(`${join(dir, key)} is not a valid Parquet file: `);
      expect((err as SkeinError).message, key).toMatch(why);
    }
  });

  it('reports a damaged column chunk when its row group is read', async () => {
    const file = await ParquetReader.open(folder, 'orders.parquet');
    const chunk = file.rowGroups[1]!.columns[8]!; // o_comment
    const bytes = new Uint8Array(await readFile(join(dir, 'orders.parquet')));
    bytes.fill(0xff, chunk.startOffset, chunk.startOffset + 64);
    await folder.put('damaged.parquet', bytes);
    const damaged = await ParquetReader.open(folder, 'damaged.parquet');
    expect((await damaged.readRowGroup(0, ['o_comment']))[0]!.numRows).toBe(RG);
    const err = await damaged.readRowGroup(1, ['o_comment']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkeinError);
    expect((err as SkeinError).message).toMatch(
      new RegExp(
        `^${escapeRegExp(join(dir, 'damaged.parquet'))} is not a valid Parquet file: row group 1 cannot be read`,
      ),
    );
  });

  it('passes storage errors through as themselves', async () => {
    const store = new CountingStore(folder);
    const file = await ParquetReader.open(store, 'orders.parquet');
    store.failDataReads = new SkeinError('EXTERNAL', 'connection reset');
    await expect(file.readRowGroup(0, ['o_orderkey'])).rejects.toBe(store.failDataReads);
  });
});

describe('ParquetReader on Arrow types only ARROW:schema records', () => {
  it('keeps them in projections (the subset file carries a pruned ARROW:schema)', async () => {
    const dict = new Dictionary(new Utf8(), new Int32());
    const schema = new Schema([new Field('x', new Float64(), false), new Field('d', dict, true)]);
    const batch = new RecordBatch(
      schema,
      makeData({
        type: new Struct(schema.fields),
        length: 3,
        children: [
          vectorFromArray([1, 2, 3], new Float64()).data[0]!,
          vectorFromArray(['a', 'b', 'a'], dict).data[0]!,
        ],
      }),
    );
    const bw = await folder.createWriter('dict.parquet');
    const w = new ParquetStreamWriter(schema, (c) => bw.write(c));
    await w.write(batch);
    await w.finish();
    await bw.commit();
    const file = await ParquetReader.open(folder, 'dict.parquet');
    expect(file.schema.fields.map(String)).toEqual(['x: Float64', 'd: Dictionary<Int32, Utf8>']);
    const [all] = await file.readRowGroup(0);
    const [projected] = await file.readRowGroup(0, ['d']);
    expect(all!.schema.fields.map(String)).toEqual(['x: Float64', 'd: Dictionary<Int32, Utf8>']);
    expect(projected!.schema.fields.map(String)).toEqual(['d: Dictionary<Int32, Utf8>']);
    expect(projected!.getChild('d')!.toArray()).toEqual(['a', 'b', 'a']);
  });
});

describe('ParquetReader on a file DuckDB wrote', () => {
  it('reads its row groups, values and statistics', async () => {
    const path = join(dir, 'duck.parquet');
    await db.query(`
      copy (
        select i::bigint as k, (i % 100)::integer as small, (i * 1.25)::decimal(15,2) as price,
               (date '1992-01-01' + (i % 2000)::integer) as day,
               case when i % 10 = 0 then null else 'v' || (i % 37) end as label
        from range(5000) t(i)
      ) to ${sqlString(path)} (format parquet, row_group_size 2048, compression snappy)`);
    const file = await ParquetReader.open(folder, 'duck.parquet');
    expect(file.numRows).toBe(5000);
    expect(file.rowGroups.reduce((s, g) => s + g.numRows, 0)).toBe(5000);
    expect(file.schema.fields.map((f) => String(f.type))).toEqual([
      'Int64',
      'Int32',
      'Decimal[15e+2]',
      'Date32<DAY>',
      'Utf8',
    ]);

    const duck = await db.query(`
      select row_group_id, path_in_schema, stats_min_value, stats_max_value, stats_null_count
      from parquet_metadata(${sqlString(path)})`);
    const kinds = { k: 'int', small: 'int', price: 'decimal', day: 'date', label: 'string' } as const;
    for (const r of duck) {
      const kind = kinds[r.path_in_schema as keyof typeof kinds];
      const s = file.statistics(Number(r.row_group_id), r.path_in_schema as string);
      expect(asDuckText(s?.min, kind), `${r.path_in_schema}`).toBe(r.stats_min_value);
      expect(asDuckText(s?.max, kind), `${r.path_in_schema}`).toBe(r.stats_max_value);
      expect(BigInt(s?.nullCount ?? -1)).toBe(r.stats_null_count);
    }

    let sumK = 0n;
    let sumPrice = 0;
    let nulls = 0;
    for (let g = 0; g < file.rowGroups.length; g++) {
      for (const b of await file.readRowGroup(g, ['price', 'k', 'label'])) {
        for (const v of b.getChild('k')!.toArray() as BigInt64Array) sumK += v;
        for (const v of decimals(b, 'price')) sumPrice += v;
        nulls += b.getChild('label')!.nullCount;
      }
    }
    const want = await db.one(`
      select sum(k) as k, sum(price) as p, count(*) - count(label) as nulls from read_parquet(${sqlString(path)})`);
    expect(sumK).toBe(want.k);
    expect((sumPrice / 100).toFixed(2)).toBe(want.p);
    expect(BigInt(nulls)).toBe(want.nulls);
  });
});

function withFooterLength(file: Uint8Array, len: number): Uint8Array {
  const out = file.slice();
  new DataView(out.buffer).setUint32(out.length - 8, len, true);
  return out;
}

/** Overwrites the start of the footer (the FileMetaData struct) with junk. */
function damageFooter(file: Uint8Array): Uint8Array {
  const out = file.slice();
  const len = new DataView(out.buffer).getUint32(out.length - 8, true);
  out.fill(0x0d, out.length - 8 - len, out.length - 8 - len + 16);
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
