/** The producer side of hash exchanges: buckets by key hash, and the spool's column pruning. */
import { describe, expect, it } from 'vitest';
import { bucketsOf, partitionBatch } from '../../src/distributed/hash-partitioner.ts';
import { spoolSchema, toSpoolBatch } from '../../src/distributed/spool-batch.ts';
import { batchFromArrow } from '../../src/exec/arrow.ts';
import type { Batch, Vector } from '../../src/exec/vector.ts';
import { INT32, INT64, type Schema, VARCHAR } from '../../src/types/data-type.ts';

const schema: Schema = [
  { name: 'k32', type: INT32, nullable: false },
  { name: 'k64', type: INT64, nullable: false },
  { name: 's', type: VARCHAR, nullable: true },
];

function batch(n: number): Batch {
  const k32 = new Int32Array(n);
  const k64 = new Float64Array(n);
  const text: string[] = [];
  for (let i = 0; i < n; i++) {
    k32[i] = (i * 7919) % 1000;
    k64[i] = k32[i]!;
    text.push(`v${i}`);
  }
  const bytes = new TextEncoder().encode(text.join(''));
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + text[i]!.length;
  const columns: Vector[] = [
    { kind: 'i32', type: INT32, length: n, validity: null, values: k32 },
    { kind: 'f64', type: INT64, length: n, validity: null, values: k64 },
    { kind: 'str', type: VARCHAR, length: n, validity: null, offsets, bytes },
  ];
  return { schema, columns, length: n };
}

describe('hash partitioning', () => {
  it('buckets equal integers alike whatever their width (so joins on INTEGER = BIGINT meet)', () => {
    const b = batch(5000);
    expect([...bucketsOf(b, [0], 128)]).toEqual([...bucketsOf(b, [1], 128)]);
  });

  it('orders rows by bucket, keeping every row once and rows of a bucket in order', () => {
    const b = batch(5000);
    const buckets = bucketsOf(b, [1], 16);
    const { batch: sorted, starts } = partitionBatch(b, [1], 16);
    expect(starts[0]).toBe(0);
    expect(starts[16]).toBe(5000);
    const keys = (sorted.columns[1] as { values: Float64Array }).values;
    const again = bucketsOf(sorted, [1], 16);
    for (let bucket = 0; bucket < 16; bucket++) {
      for (let i = starts[bucket]!; i < starts[bucket + 1]!; i++) expect(again[i]).toBe(bucket);
    }
    expect([...keys].sort((x, y) => x - y)).toEqual(
      [...(b.columns[1] as { values: Float64Array }).values].sort((x, y) => x - y),
    );
    expect(starts[1]! - starts[0]!).toBe([...buckets].filter((x) => x === 0).length);
  });

  it('leaves unread columns alone and writes them as Null columns', () => {
    const b = batch(100);
    const { batch: sorted } = partitionBatch(b, [0], 8, [0, 1]);
    expect(sorted.columns[2]).toBe(b.columns[2]);
    const arrow = spoolSchema(schema, [0, 1]);
    const rb = toSpoolBatch(sorted, arrow);
    expect(rb.schema.fields.map((f) => String(f.type))).toEqual(['Int32', 'Int64', 'Null']);
    const back = batchFromArrow(rb, schema);
    expect(back.columns[2]!.kind).toBe('null');
    expect(back.columns[2]!.type).toEqual(VARCHAR);
  });
});
