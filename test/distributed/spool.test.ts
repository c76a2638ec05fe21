import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Dictionary,
  Field,
  Int32,
  makeData,
  type RecordBatch as RB,
  RecordBatch,
  Schema,
  Struct,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderBlobStore } from '../../src/adapters/local/folder-blob-store.ts';
import {
  balancedBucketRanges,
  bucketWeights,
  concatBatches,
  deleteAttemptSpool,
  deleteQuerySpool,
  deleteSpoolObjects,
  parseSpoolKey,
  planSpoolRead,
  readSpool,
  readSpoolBuckets,
  readSpoolIndex,
  SPOOL_FOOTER_BYTES,
  type SpoolManifest,
  SpoolWriter,
  splitBucketRanges,
  spoolObjectKey,
  type TaskAttemptId,
} from '../../src/distributed/spool/index.ts';
import { SkeinError } from '../../src/errors.ts';
import {
  byId,
  collect,
  makeRows,
  partitioned,
  type Row,
  rng,
  rowsOf,
  schema,
  toBatch,
} from './spool-helpers.ts';

const attempt = (task: number, attemptNo = 0, queryId = 'q1', stage = 2): TaskAttemptId => ({
  queryId,
  stage,
  task,
  attempt: attemptNo,
});

describe('spool', () => {
  let dir: string;
  let store: FolderBlobStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skein-spool-'));
    store = new FolderBlobStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes `rows` as one producer attempt, in input batches of `chunk` rows, through writeRuns. */
  async function produce(
    a: TaskAttemptId,
    rows: readonly Row[],
    B: number,
    options: { chunk?: number; memoryLimitBytes?: number } = {},
  ): Promise<SpoolManifest> {
    const w = new SpoolWriter(store, { attempt: a, bucketCount: B, schema, ...options });
    const chunk = options.chunk ?? 500;
    for (let i = 0; i < rows.length; i += chunk) {
      const { batch, starts } = partitioned(rows.slice(i, i + chunk), B);
      await w.writeRuns(batch, starts);
    }
    return w.finish();
  }

  it('round-trips many buckets, with empty ones, and reads any bucket range', async () => {
    const B = 64;
    // Buckets 10–19 stay empty; the rest get uneven amounts.
    const r = rng(7);
    const rows = makeRows(6000, () => {
      let b: number;
      do b = Math.floor(r() ** 2 * B);
      while (b >= 10 && b < 20);
      return b;
    });
    const m = await produce(attempt(0), rows, B);
    expect(m.objects).toHaveLength(1);
    expect(m.rows).toBe(rows.length);
    const o = m.objects[0]!;
    expect(o.key).toBe(spoolObjectKey(attempt(0), 0));
    for (let b = 10; b < 20; b++) {
      expect(o.rows[b]).toBe(0);
      expect(o.offsets[b + 1]).toBe(o.offsets[b]);
    }
    // The object's own index says what the manifest says.
    const index = await readSpoolIndex(store, o.key);
    expect({ ...index, schema: undefined }).toEqual({ ...o, schema: undefined });
    expect((await store.head(o.key))!.size).toBe(o.size);

    for (const [lo, hi] of [
      [0, B],
      [0, 1],
      [10, 20],
      [5, 33],
      [63, 64],
      [20, 21],
    ] as const) {
      const got = rowsOf(await collect(readSpoolBuckets(store, [m], { lo, hi }))).sort(byId);
      const want = rows.filter((x) => x.bucket >= lo && x.bucket < hi);
      expect(got, `buckets [${lo}, ${hi})`).toEqual(want);
    }
  });

  it('merges small batches of a bucket into few IPC record batches', async () => {
    const B = 4;
    const rows = makeRows(4000, (i) => i % B);
    // 200 input batches of 20 rows: 5 rows per bucket each.
    const m = await produce(attempt(0), rows, B, { chunk: 20 });
    const batches = await collect(readSpoolBuckets(store, [m], { lo: 1, hi: 2 }));
    expect(batches).toHaveLength(1);
    expect(batches[0]!.numRows).toBe(1000);
    expect(rowsOf(batches)).toEqual(rows.filter((x) => x.bucket === 1));
  });

  it('concatenates batches exactly, nulls and unaligned slices included', () => {
    const rows = makeRows(997, () => 0, 0, 3);
    const whole = toBatch(rows);
    const parts: RB[] = [];
    for (let i = 0, n = 1; i < rows.length; i += n, n = (n * 7) % 61) parts.push(whole.slice(i, i + n));
    const merged = concatBatches(schema, parts);
    expect(merged.numRows).toBe(rows.length);
    expect(rowsOf([merged])).toEqual(rows);
  });

  it('keeps dictionary-encoded columns readable from any bucket range', async () => {
    const type = new Dictionary(new Utf8(), new Int32());
    const dschema = new Schema([new Field('k', new Int32()), new Field('d', type, true)]);
    const mk = (ks: number[], ds: (string | null)[]) =>
      new RecordBatch(
        dschema,
        makeData({
          type: new Struct(dschema.fields),
          length: ks.length,
          children: [vectorFromArray(ks, new Int32()).data[0]!, vectorFromArray(ds, type).data[0]!],
        }),
      );
    const w = new SpoolWriter(store, { attempt: attempt(0), bucketCount: 3, schema: dschema });
    await w.write(0, mk([1, 2], ['a', 'b']));
    await w.write(2, mk([3, 4, 5], ['x', null, 'y']));
    await w.write(0, mk([6], ['c']));
    const m = await w.finish();
    const values = async (lo: number, hi: number) =>
      (await collect(readSpoolBuckets(store, [m], { lo, hi }))).flatMap((b) => [
        ...b.getChild('d')!.toArray(),
      ]);
    expect(await values(0, 3)).toEqual(['a', 'b', 'c', 'x', null, 'y']);
    expect(await values(2, 3)).toEqual(['x', null, 'y']);
    expect(await values(1, 3)).toEqual(['x', null, 'y']);
  });

  it('reads several producers, and byte-balanced ranges cover every row exactly once', async () => {
    const B = 128;
    const producers = 5;
    const manifests: SpoolManifest[] = [];
    const all: Row[] = [];
    for (let t = 0; t < producers; t++) {
      const r = rng(100 + t);
      // Skewed: low buckets are heavier.
      const rows = makeRows(3000, () => Math.floor(r() ** 3 * B), t * 100_000, t + 1);
      all.push(...rows);
      manifests.push(await produce(attempt(t), rows, B));
    }
    // An attempt with no rows: no object, but a manifest.
    const empty = await produce(attempt(producers), [], B);
    expect(empty.objects).toEqual([]);
    manifests.push(empty);

    const weights = bucketWeights(manifests);
    const N = 7;
    const ranges = balancedBucketRanges(manifests, N);
    expect(ranges).toHaveLength(N);
    expect(ranges[0]!.lo).toBe(0);
    expect(ranges[N - 1]!.hi).toBe(B);
    for (let i = 1; i < N; i++) expect(ranges[i]!.lo).toBe(ranges[i - 1]!.hi);
    const loads = ranges.map(({ lo, hi }) => weights.slice(lo, hi).reduce((a, b) => a + b, 0));
    const total = weights.reduce((a, b) => a + b, 0);
    // Optimal min-max: within one bucket of the ideal share.
    expect(Math.max(...loads)).toBeLessThanOrEqual(total / N + Math.max(...weights));

    const seen: Row[] = [];
    for (const range of ranges) {
      const plan = planSpoolRead(manifests, range);
      // One GET per producer object with data in the range; the JSON plan is small.
      expect(plan.reads.length).toBeLessThanOrEqual(producers);
      expect(new Set(plan.reads.map((r) => r.key)).size).toBe(plan.reads.length);
      expect(plan.schemas).toHaveLength(1);
      const got = rowsOf(
        await collect(readSpool(store, JSON.parse(JSON.stringify(plan)), { concurrency: 2 })),
      );
      for (const row of got) expect(row.bucket >= range.lo && row.bucket < range.hi).toBe(true);
      expect(got.length).toBe(plan.rows);
      seen.push(...got);
    }
    expect(seen.sort(byId)).toEqual([...all].sort(byId));
  });

  it('splits buckets optimally by weight into exactly N non-empty ranges', () => {
    expect(splitBucketRanges([5, 1, 1, 1, 1, 1], 2)).toEqual([
      { lo: 0, hi: 1 },
      { lo: 1, hi: 6 },
    ]);
    // Even weights spread evenly rather than leaving the last range short.
    expect(splitBucketRanges(new Array(10).fill(1), 4).map((r) => r.hi - r.lo)).toEqual([2, 3, 2, 3]);
    expect(splitBucketRanges([0, 0, 0, 0, 0, 0], 3)).toEqual([
      { lo: 0, hi: 2 },
      { lo: 2, hi: 4 },
      { lo: 4, hi: 6 },
    ]);
    expect(splitBucketRanges([3, 0, 0, 0], 4)).toEqual([0, 1, 2, 3].map((i) => ({ lo: i, hi: i + 1 })));
    expect(() => splitBucketRanges([1, 2], 3)).toThrow(/cannot split 2 buckets into 3 ranges/);

    // Against brute force (dynamic programming) on random inputs.
    const r = rng(42);
    for (let trial = 0; trial < 300; trial++) {
      const B = 1 + Math.floor(r() * 14);
      const n = 1 + Math.floor(r() * B);
      const w = Array.from({ length: B }, () => (r() < 0.3 ? 0 : Math.floor(r() * 100)));
      const ranges = splitBucketRanges(w, n);
      expect(ranges).toHaveLength(n);
      let at = 0;
      for (const x of ranges) {
        expect(x.lo).toBe(at);
        expect(x.hi).toBeGreaterThan(x.lo);
        at = x.hi;
      }
      expect(at).toBe(B);
      const max = Math.max(...ranges.map((x) => w.slice(x.lo, x.hi).reduce((a, b) => a + b, 0)));
      expect(max, JSON.stringify({ w, n })).toBe(optimalMax(w, n));
    }
  });

  it('handles large batches and splits large reads at bucket boundaries', async () => {
    const B = 8;
    // 400k rows in bucket 3 (one input batch), a few elsewhere.
    const big = makeRows(400_000, () => 3, 0, 9);
    const small = makeRows(5000, (i) => [0, 2, 5, 7][i % 4]!, 1_000_000, 10);
    const w = new SpoolWriter(store, { attempt: attempt(0), bucketCount: B, schema });
    await w.write(3, toBatch(big));
    const p = partitioned(small, B);
    await w.writeRuns(p.batch, p.starts);
    const m = await w.finish();
    expect(m.objects[0]!.bytes[3]).toBeGreaterThan(8 * 1024 * 1024);

    const plan = planSpoolRead([m], { lo: 0, hi: B }, { maxReadBytes: 64 * 1024 });
    // Bucket 3 alone exceeds the read size, so it gets a GET of its own.
    expect(plan.reads.length).toBeGreaterThanOrEqual(3);
    const three = m.objects[0]!;
    expect(
      plan.reads.some(
        (x) => x.offset === three.offsets[3] && x.length === three.offsets[4]! - three.offsets[3]!,
      ),
    ).toBe(true);
    const got = rowsOf(await collect(readSpool(store, plan, { concurrency: 3 }))).sort(byId);
    expect(got).toEqual([...big, ...small].sort(byId));
  });

  it('rolls over to further objects at the memory bound', async () => {
    const B = 16;
    const rows = makeRows(20_000, (i) => (i * 7) % B);
    const m = await produce(attempt(0), rows, B, { memoryLimitBytes: 100 * 1024, chunk: 1000 });
    expect(m.objects.length).toBeGreaterThan(2);
    expect(m.objects.map((o) => o.key)).toEqual(m.objects.map((_, i) => spoolObjectKey(attempt(0), i)));
    expect(m.rows).toBe(rows.length);
    const plan = planSpoolRead([m], { lo: 4, hi: 9 });
    expect(plan.reads).toHaveLength(m.objects.length);
    const got = rowsOf(await collect(readSpool(store, plan))).sort(byId);
    expect(got).toEqual(rows.filter((x) => x.bucket >= 4 && x.bucket < 9));
  });

  it('reports a corrupt footer, a truncated object and a missing one with the object named', async () => {
    const rows = makeRows(1000, (i) => i % 4);
    const m = await produce(attempt(0), rows, 4);
    const o = m.objects[0]!;
    const path = join(dir, o.key);

    const original = await readFile(path);
    const bad = Buffer.from(original);
    bad[bad.length - 1] ^= 0xff;
    await writeFile(path, bad);
    await expect(readSpoolIndex(store, o.key)).rejects.toThrow(
      new RegExp(`spool object ${escapeRegExp(path)} is corrupt.*footer magic`),
    );

    const flipped = Buffer.from(original);
    flipped[o.offsets[4]! + 20] ^= 0x01; // inside the index
    await writeFile(path, flipped);
    await expect(readSpoolIndex(store, o.key)).rejects.toThrow(/index checksum does not match/);

    await writeFile(path, original.subarray(0, original.length - SPOOL_FOOTER_BYTES - 3));
    await expect(readSpoolIndex(store, o.key)).rejects.toThrow(new RegExp(escapeRegExp(path)));

    await writeFile(path, original);
    await truncate(path, o.offsets[2]! + 10);
    const err = await collect(readSpoolBuckets(store, [m], { lo: 0, hi: 4 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SkeinError);
    expect((err as SkeinError).message).toMatch(
      new RegExp(`spool object ${escapeRegExp(path)} is shorter than its manifest`),
    );

    await rm(path);
    await expect(collect(readSpoolBuckets(store, [m], { lo: 0, hi: 4 }))).rejects.toThrow(
      new RegExp(`spool object ${escapeRegExp(path)} is missing`),
    );
  });

  it('notices a range whose bytes do not decode to the rows the manifest promises', async () => {
    const m = await produce(
      attempt(0),
      makeRows(1000, (i) => i % 4),
      4,
    );
    const o = m.objects[0]!;
    const lying: SpoolManifest = {
      ...m,
      objects: [{ ...o, rows: o.rows.map((r, b) => (b === 1 ? r + 1 : r)) }],
    };
    await expect(collect(readSpoolBuckets(store, [lying], { lo: 1, hi: 2 }))).rejects.toThrow(
      /hold 250 rows; its manifest says 251/,
    );
  });

  it('deletes by manifest, by attempt and by query, leaving other queries alone', async () => {
    const rows = makeRows(300, (i) => i % 3);
    const committed = await produce(attempt(0, 0), rows, 3);
    // A failed attempt that wrote an object but never committed.
    const crashed = await produce(attempt(1, 0), rows, 3);
    const winner = await produce(attempt(1, 1), rows, 3);
    const other = await produce(attempt(0, 0, 'q2'), rows, 3);
    const keys = async () => {
      const out: string[] = [];
      for await (const x of store.list('spool/')) out.push(x.key);
      return out.sort();
    };
    expect(await keys()).toHaveLength(4);

    await deleteSpoolObjects(store, [committed, winner]);
    expect(await keys()).toEqual([crashed.objects[0]!.key, other.objects[0]!.key].sort());
    expect(await deleteAttemptSpool(store, [attempt(1, 0), attempt(2, 0)])).toBe(1);
    expect(await keys()).toEqual([other.objects[0]!.key]);

    await produce(attempt(5, 3), rows, 3);
    await produce(attempt(6, 0, 'q1', 4), rows, 3);
    expect(await deleteQuerySpool(store, 'q1')).toBe(2);
    expect(await keys()).toEqual([other.objects[0]!.key]);
  });

  it('aborts by deleting what the attempt wrote, and refuses use after finish', async () => {
    const rows = makeRows(5000, (i) => i % 8);
    const w = new SpoolWriter(store, {
      attempt: attempt(0),
      bucketCount: 8,
      schema,
      memoryLimitBytes: 20 * 1024,
    });
    const p = partitioned(rows, 8);
    await w.writeRuns(p.batch, p.starts);
    expect(await store.head(spoolObjectKey(attempt(0), 0))).toBeDefined();
    await w.abort();
    expect(await collect(store.list('spool/'))).toEqual([]);

    const w2 = new SpoolWriter(store, { attempt: attempt(1), bucketCount: 8, schema });
    await w2.finish();
    await expect(w2.write(0, toBatch(rows.slice(0, 1)))).rejects.toThrow(/used after it was finished/);
    await expect(w2.write(9, toBatch(rows.slice(0, 1)))).rejects.toThrow();
    const w3 = new SpoolWriter(store, { attempt: attempt(2), bucketCount: 8, schema });
    await expect(w3.write(8, toBatch(rows.slice(0, 1)))).rejects.toThrow(/bucket 8 is outside 0 … 7/);
  });

  it('keys spool objects by attempt under a hash prefix', () => {
    const key = spoolObjectKey(attempt(3, 1, 'q-7'), 0);
    expect(key).toMatch(/^spool\/[0-9a-f]{2}\/q-7\/2\/3\/1\/part-0\.arrows$/);
    expect(parseSpoolKey(key)).toEqual({ queryId: 'q-7', stage: 2, task: 3, attempt: 1, part: 0 });
    expect(parseSpoolKey(key.replace(/^spool\/../, 'spool/zz'))).toBeUndefined();
    const prefixes = new Set(
      Array.from({ length: 200 }, (_, t) => spoolObjectKey(attempt(t), 0).slice(6, 8)),
    );
    expect(prefixes.size).toBeGreaterThan(100);
    expect(() => spoolObjectKey(attempt(0, 0, '../x'), 0)).toThrow(
      /query id '..\/x' cannot name spool objects/,
    );
  });
});

/** The least possible heaviest range, by dynamic programming. */
function optimalMax(w: readonly number[], n: number): number {
  const B = w.length;
  const pre = [0];
  for (const x of w) pre.push(pre[pre.length - 1]! + x);
  // best[k][i]: least max splitting the first i buckets into k non-empty ranges.
  let best = Array.from({ length: B + 1 }, (_, i) => (i === 0 ? 0 : Number.POSITIVE_INFINITY));
  for (let k = 1; k <= n; k++) {
    const next = new Array<number>(B + 1).fill(Number.POSITIVE_INFINITY);
    for (let i = 1; i <= B; i++) {
      for (let j = k - 1; j < i; j++) next[i] = Math.min(next[i]!, Math.max(best[j]!, pre[i]! - pre[j]!));
    }
    best = next;
  }
  return best[B]!;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
