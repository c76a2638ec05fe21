import {
  Bool,
  DateDay,
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

/** A row of the test schema. */
export interface Row {
  id: number;
  bucket: number;
  x: number | null;
  s: string | null;
  flag: boolean | null;
  day: number | null;
}

export const schema = new Schema([
  new Field('id', new Int32(), false),
  new Field('bucket', new Int32(), false),
  new Field('x', new Float64(), true),
  new Field('s', new Utf8(), true),
  new Field('flag', new Bool(), true),
  new Field('day', new DateDay(), true),
]);

/** Deterministic pseudo-random numbers in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Rows with ids from `firstId`, each in a bucket chosen by `bucketOf`; about one value in seven
 * is NULL, strings vary in length (some empty).
 */
export function makeRows(n: number, bucketOf: (i: number) => number, firstId = 0, seed = 1): Row[] {
  const r = rng(seed);
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const id = firstId + i;
    rows.push({
      id,
      bucket: bucketOf(i),
      x: r() < 0.15 ? null : Math.round(r() * 1e6) / 100,
      s: r() < 0.15 ? null : 'v'.repeat(Math.floor(r() * 12)) + String(id),
      flag: r() < 0.15 ? null : r() < 0.5,
      day: r() < 0.15 ? null : 18000 + (id % 1000),
    });
  }
  return rows;
}

/** One record batch of the test schema holding `rows` in order. */
export function toBatch(rows: readonly Row[]): RecordBatch {
  const f = schema.fields;
  const children = [
    vectorFromArray(
      rows.map((r) => r.id),
      f[0]!.type,
    ),
    vectorFromArray(
      rows.map((r) => r.bucket),
      f[1]!.type,
    ),
    vectorFromArray(
      rows.map((r) => r.x),
      f[2]!.type,
    ),
    vectorFromArray(
      rows.map((r) => r.s),
      f[3]!.type,
    ),
    vectorFromArray(
      rows.map((r) => r.flag),
      f[4]!.type,
    ),
    vectorFromArray(
      rows.map((r) => (r.day === null ? null : r.day * 86_400_000)),
      f[5]!.type,
    ),
  ].map((v) => v.data[0]!);
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: rows.length, children }),
  );
}

/**
 * What a counting-sort partitioner hands the spool writer: the rows sorted by bucket as one batch,
 * and the bucket boundaries.
 */
export function partitioned(
  rows: readonly Row[],
  bucketCount: number,
): { batch: RecordBatch; starts: number[] } {
  const sorted = [...rows].sort((a, b) => a.bucket - b.bucket || a.id - b.id);
  const starts = new Array<number>(bucketCount + 1).fill(0);
  for (const r of rows) starts[r.bucket + 1]!++;
  for (let b = 0; b < bucketCount; b++) starts[b + 1]! += starts[b]!;
  return { batch: toBatch(sorted), starts };
}

/** Rows of decoded batches, as plain objects. */
export function rowsOf(batches: readonly RecordBatch[]): Row[] {
  const out: Row[] = [];
  for (const b of batches) {
    const cols = schema.fields.map((f) => b.getChild(f.name)!);
    for (let i = 0; i < b.numRows; i++) {
      const day = cols[5]!.get(i) as number | null;
      out.push({
        id: cols[0]!.get(i) as number,
        bucket: cols[1]!.get(i) as number,
        x: cols[2]!.get(i) as number | null,
        s: cols[3]!.get(i) as string | null,
        flag: cols[4]!.get(i) as boolean | null,
        day: day === null ? null : Math.round(day / 86_400_000),
      });
    }
  }
  return out;
}

export function byId(a: Row, b: Row): number {
  return a.id - b.id;
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
