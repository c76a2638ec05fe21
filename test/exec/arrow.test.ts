/**
 * Arrow ↔ Batch: round trips through IPC for every type, zero-copy where layouts agree, the
 * one-pass conversions (Int64, Decimal128, Bool, Dictionary, timestamp units), and slices.
 */
import {
  Field as ArrowField,
  Int32 as ArrowInt32,
  Schema as ArrowSchema,
  Dictionary,
  makeData,
  RecordBatch,
  Struct,
  Table,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  tableFromIPC,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { batchFromArrow, batchToArrow, schemaFromArrow } from '../../src/exec/arrow.ts';
import { vectorFromScalars, vectorValue } from '../../src/exec/expr/scalar.ts';
import type { Batch } from '../../src/exec/vector.ts';
import type { ScalarValue } from '../../src/physical/expr.ts';
import {
  BOOLEAN,
  DATE,
  type DataType,
  decimal,
  FLOAT64,
  INT32,
  INT64,
  INTERVAL,
  TIMESTAMP,
  VARCHAR,
} from '../../src/types/data-type.ts';

function rows(b: Batch): ScalarValue[][] {
  return Array.from({ length: b.length }, (_, i) => b.columns.map((c) => vectorValue(c, i)));
}

const columns: [string, DataType, ScalarValue[]][] = [
  ['b', BOOLEAN, [true, false, null, true, false, true, true, false, true, null]],
  ['i', INT32, [1, -2, null, 2147483647, -2147483648, 0, 7, 8, 9, 10]],
  [
    'l',
    INT64,
    ['1', '-9007199254740993', null, '9223372036854775807', '-9223372036854775808', '0', '2', '3', '4', '5'],
  ],
  ['l2', INT64, ['1', '-9007199254740991', null, '9007199254740991', '-4', '0', '2', '3', '4', '5']],
  ['f', FLOAT64, [1.5, -0, null, 'Infinity', 'NaN', 1e300, 2, 3, 4, 5]],
  ['d', decimal(15, 2), ['123', '-5', null, '999999999999999', '-999999999999999', '0', '1', '2', '3', '4']],
  [
    'dl',
    decimal(38, 4),
    ['123', '-9223372036854775808', null, '9223372036854775807', '-1', '0', '1', '2', '3', '4'],
  ],
  ['s', VARCHAR, ['abc', '', null, 'héllo 日本', 'x', 'y', 'z', 'ww', 'vv', 'u']],
  ['dt', DATE, [10561, -719528, null, 0, 1, 2, 3, 4, 5, 2932896]],
  ['ts', TIMESTAMP, ['912470400000000', '-1', null, '0', '1', '2', '3', '4', '5', '6']],
  [
    'iv',
    INTERVAL,
    [
      { months: 14, days: 3, micros: 1 },
      { months: -1, days: 0, micros: -3600000000 },
      null,
      { months: 0, days: 0, micros: 0 },
      { months: 1, days: 1, micros: 1 },
      { months: 2, days: 2, micros: 2 },
      { months: 3, days: 3, micros: 3 },
      { months: 4, days: 4, micros: 4 },
      { months: 5, days: 5, micros: 5 },
      { months: 6, days: 6, micros: 6 },
    ],
  ],
];

function sampleBatch(): Batch {
  return {
    schema: columns.map(([name, type]) => ({ name, type, nullable: true })),
    columns: columns.map(([, type, vals]) => vectorFromScalars(type, vals)),
    length: 10,
  };
}

describe('Batch → Arrow → IPC → Arrow → Batch', () => {
  it('round-trips every type with NULLs, extreme values and multibyte text', () => {
    const batch = sampleBatch();
    const table = new Table([batchToArrow(batch)]);
    const back = tableFromIPC(tableToIPC(table, 'stream'));
    expect(schemaFromArrow(back.schema)).toEqual(batch.schema);
    const b2 = batchFromArrow(back.batches[0]!);
    expect(rows(b2)).toEqual(rows(batch));
    // Storage choice on the way in: int64 beyond 2^53 stays BigInt, within it becomes doubles.
    expect(b2.columns[2]!.kind).toBe('i64');
    expect(b2.columns[3]!.kind).toBe('f64');
    expect(b2.columns[5]!.kind).toBe('f64');
    expect(b2.columns[6]!.kind).toBe('i64');
  });

  it('shares Int32, Float64, Date32 and Utf8 buffers instead of copying', () => {
    const batch = sampleBatch();
    const rb = batchToArrow(batch);
    const b2 = batchFromArrow(rb);
    for (const name of ['i', 'f', 'dt']) {
      const k = columns.findIndex(([n]) => n === name);
      const a = batch.columns[k] as { values: ArrayBufferView };
      const c = b2.columns[k] as { values: ArrayBufferView };
      expect(c.values.buffer).toBe(a.values.buffer);
    }
    const s = columns.findIndex(([n]) => n === 's');
    expect((b2.columns[s] as { bytes: Uint8Array }).bytes.buffer).toBe(
      (batch.columns[s] as { bytes: Uint8Array }).bytes.buffer,
    );
  });

  it('reads slices whose offset is not a byte boundary', () => {
    const rb = batchToArrow(sampleBatch());
    const sliced = rb.slice(3, 9);
    const b = batchFromArrow(sliced);
    expect(rows(b)).toEqual(rows(sampleBatch()).slice(3, 9));
  });
});

describe('Arrow types without a shared layout', () => {
  it('decodes Dictionary<Utf8>', () => {
    const v = vectorFromArray(['a', 'bb', null, 'a', 'ccc'], new Dictionary(new Utf8(), new ArrowInt32()));
    const schema = new ArrowSchema([new ArrowField('s', v.type, true)]);
    const rb = new RecordBatch(
      schema,
      makeData({ type: new Struct(schema.fields), length: 5, nullCount: 0, children: [v.data[0]!] }),
    );
    const b = batchFromArrow(rb);
    expect(b.schema[0]!.type).toEqual(VARCHAR);
    expect(rows(b).map((r) => r[0])).toEqual(['a', 'bb', null, 'a', 'ccc']);
  });

  it('converts timestamp units to microseconds', () => {
    const make = (type: TimestampSecond | TimestampMillisecond | TimestampNanosecond, values: bigint[]) => {
      const data = makeData({ type, length: values.length, nullCount: 0, data: BigInt64Array.from(values) });
      const schema = new ArrowSchema([new ArrowField('t', type, true)]);
      return new RecordBatch(
        schema,
        makeData({ type: new Struct(schema.fields), length: values.length, nullCount: 0, children: [data] }),
      );
    };
    expect(rows(batchFromArrow(make(new TimestampSecond(), [1n, -1n]))).map((r) => r[0])).toEqual([
      '1000000',
      '-1000000',
    ]);
    expect(rows(batchFromArrow(make(new TimestampMillisecond(), [1500n]))).map((r) => r[0])).toEqual([
      '1500000',
    ]);
    expect(rows(batchFromArrow(make(new TimestampNanosecond(), [1999n, -1n]))).map((r) => r[0])).toEqual([
      '1',
      '-1',
    ]);
  });

  it('widens small integers and keeps their NULLs', () => {
    const v = vectorFromArray([1, null, -3], new (class extends ArrowInt32 {})());
    const t = new Table({ x: v });
    const b = batchesOf(t)[0]!;
    expect(b.schema[0]!.type).toEqual(INT32);
    expect(rows(b).map((r) => r[0])).toEqual([1, null, -3]);
    const i8 = tableFromIPC(tableToIPC(new Table({ x: vectorFromArray(Int8Array.of(-1, 2)) })));
    expect(rows(batchFromArrow(i8.batches[0]!)).map((r) => r[0])).toEqual([-1, 2]);
    const u64 = tableFromIPC(tableToIPC(new Table({ x: vectorFromArray(BigUint64Array.of(1n, 2n ** 60n)) })));
    expect(rows(batchFromArrow(u64.batches[0]!)).map((r) => r[0])).toEqual(['1', '1152921504606846976']);
    expect(schemaFromArrow(u64.schema)[0]!.type).toEqual(INT64);
  });
});

function batchesOf(t: Table): Batch[] {
  return t.batches.map((rb) => batchFromArrow(rb));
}
