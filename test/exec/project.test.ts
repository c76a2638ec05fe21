/**
 * Project and VALUES streams: output schema and names, column pass-through, computed columns,
 * constants, and VALUES rows with literal widths cast to the column types.
 */
import { describe, expect, it } from 'vitest';
import { type BatchStream, type ExecContext, MemoryPool } from '../../src/exec/context.ts';
import { vectorFromScalars, vectorValue } from '../../src/exec/expr/scalar.ts';
import { projectStream } from '../../src/exec/project.ts';
import { valuesStream } from '../../src/exec/values.ts';
import type { Batch } from '../../src/exec/vector.ts';
import {
  call,
  column,
  decimalLiteral,
  int32Literal,
  nullLiteral,
  varcharLiteral,
} from '../../src/physical/expr.ts';
import { decimal, INT32, type Schema, VARCHAR } from '../../src/types/data-type.ts';

const ctx = (batchSize = 1024): ExecContext => ({ batchSize, memory: new MemoryPool(1 << 30) });
const schema: Schema = [
  { name: 'price', type: decimal(15, 2), nullable: false },
  { name: 'disc', type: decimal(15, 2), nullable: true },
  { name: 'flag', type: VARCHAR, nullable: false },
];
const batch: Batch = {
  schema,
  length: 3,
  columns: [
    vectorFromScalars(decimal(15, 2), ['10000', '2550', '99']),
    vectorFromScalars(decimal(15, 2), ['5', null, '10']),
    vectorFromScalars(VARCHAR, ['A', 'N', 'R']),
  ],
};
const input: BatchStream = {
  schema,
  async *[Symbol.asyncIterator]() {
    yield batch;
  },
};

async function collect(s: AsyncIterable<Batch>): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for await (const b of s)
    for (let i = 0; i < b.length; i++) out.push(b.columns.map((c) => vectorValue(c, i)));
  return out;
}

describe('projectStream', () => {
  it('computes columns, passes references through, and names the output', async () => {
    const price = column(0, decimal(15, 2));
    const disc = column(1, decimal(15, 2));
    const stream = projectStream(
      input,
      [
        { name: 'flag', expr: column(2, VARCHAR) },
        { name: 'disc_price', expr: call('*', [price, call('-', [int32Literal(1), disc])]) },
        { name: 'one', expr: int32Literal(1) },
        { name: 'label', expr: call('||', [column(2, VARCHAR), varcharLiteral('!')]) },
      ],
      ctx(),
    );
    expect(stream.schema).toEqual([
      { name: 'flag', type: VARCHAR, nullable: false },
      { name: 'disc_price', type: decimal(18, 4), nullable: true },
      { name: 'one', type: INT32, nullable: true },
      { name: 'label', type: VARCHAR, nullable: true },
    ]);
    const out: Batch[] = [];
    for await (const b of stream) out.push(b);
    expect(out[0]!.columns[0]).toBe(batch.columns[2]);
    expect(
      await collect(
        projectStream(
          input,
          [{ name: 'x', expr: call('*', [price, call('-', [int32Literal(1), disc])]) }],
          ctx(),
        ),
      ),
    ).toEqual([['950000'], [null], ['8910']]);
  });
});

describe('valuesStream', () => {
  it('evaluates constant rows into batches of the column types', async () => {
    const vs: Schema = [
      { name: 'a', type: INT32, nullable: true },
      { name: 'b', type: decimal(5, 1), nullable: true },
    ];
    const rows = Array.from({ length: 5 }, (_, i) => [
      call('+', [int32Literal(i), int32Literal(1)]),
      i === 2 ? nullLiteral(decimal(5, 1)) : decimalLiteral(`${i}.5`),
    ]);
    const stream = valuesStream(vs, rows, ctx(2));
    const sizes: number[] = [];
    const all: unknown[][] = [];
    for await (const b of stream) {
      sizes.push(b.length);
      expect(b.columns[1]!.type).toEqual(decimal(5, 1));
      for (let i = 0; i < b.length; i++) all.push(b.columns.map((c) => vectorValue(c, i)));
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(all).toEqual([
      [1, '5'],
      [2, '15'],
      [3, null],
      [4, '35'],
      [5, '45'],
    ]);
  });

  it('rejects rows of the wrong width', () => {
    expect(() =>
      valuesStream([{ name: 'a', type: INT32, nullable: true }], [[int32Literal(1), int32Literal(2)]], ctx()),
    ).toThrow(/VALUES row 1 has 2 values, expected 1/);
  });
});
