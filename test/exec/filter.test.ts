/**
 * The Filter stream: passes whole batches through untouched, gathers partial ones, coalesces the
 * small results of selective filters, and stops when the query is cancelled.
 */
import { describe, expect, it } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import { type BatchStream, type ExecContext, MemoryPool } from '../../src/exec/context.ts';
import { vectorFromScalars, vectorValue } from '../../src/exec/expr/scalar.ts';
import { filterStream } from '../../src/exec/filter.ts';
import type { Batch } from '../../src/exec/vector.ts';
import {
  and,
  call,
  column,
  inList,
  int32Literal,
  isNull,
  like,
  varcharLiteral,
} from '../../src/physical/expr.ts';
import { INT32, type Schema, VARCHAR } from '../../src/types/data-type.ts';

const schema: Schema = [
  { name: 'k', type: INT32, nullable: true },
  { name: 's', type: VARCHAR, nullable: true },
];

function source(batches: number, rows: number): BatchStream & { batches: Batch[] } {
  const list: Batch[] = [];
  for (let b = 0; b < batches; b++) {
    const ks = Array.from({ length: rows }, (_, i) => b * rows + i);
    list.push({
      schema,
      length: rows,
      columns: [
        vectorFromScalars(
          INT32,
          ks.map((k) => (k % 10 === 9 ? null : k)),
        ),
        vectorFromScalars(
          VARCHAR,
          ks.map((k) => `row ${k}`),
        ),
      ],
    });
  }
  return {
    schema,
    batches: list,
    async *[Symbol.asyncIterator]() {
      yield* list;
    },
  };
}

async function collect(
  s: AsyncIterable<Batch>,
): Promise<{ ks: unknown[]; sizes: number[]; batches: Batch[] }> {
  const ks: unknown[] = [];
  const sizes: number[] = [];
  const batches: Batch[] = [];
  for await (const b of s) {
    batches.push(b);
    sizes.push(b.length);
    for (let i = 0; i < b.length; i++) ks.push(vectorValue(b.columns[0]!, i));
  }
  return { ks, sizes, batches };
}

const ctx = (batchSize = 100, signal?: AbortSignal): ExecContext => ({
  batchSize,
  memory: new MemoryPool(1 << 30),
  ...(signal ? { signal } : {}),
});

describe('filterStream', () => {
  it('keeps the rows where the predicate is TRUE (not NULL), in order', async () => {
    const src = source(3, 100);
    const out = await collect(filterStream(src, call('>=', [column(0, INT32), int32Literal(250)]), ctx()));
    expect(out.ks).toEqual(Array.from({ length: 50 }, (_, i) => 250 + i).filter((k) => k % 10 !== 9));
  });

  it('IN and NOT IN over strings of every length, with NULLs and after another conjunct', async () => {
    const words = ['', 'a', 'ab', 'abc', 'abd', 'abcd', 'abce', 'AIR', 'AIR REG', 'REG AIR', 'AIR REGX', 'é'];
    const rows = 500;
    const ks = Array.from({ length: rows }, (_, i) => i);
    const ss = ks.map((k) => (k % 13 === 5 ? null : words[(k * 7) % words.length]!));
    const s2: Schema = [schema[0]!, schema[1]!];
    const batch: Batch = {
      schema: s2,
      length: rows,
      columns: [vectorFromScalars(INT32, ks), vectorFromScalars(VARCHAR, ss)],
    };
    const src: BatchStream = {
      schema: s2,
      async *[Symbol.asyncIterator]() {
        yield batch;
      },
    };
    const list = ['', 'abc', 'abcd', 'AIR REG', 'é', 'zz'];
    const lits = list.map((w) => varcharLiteral(w));
    const s = column(1, VARCHAR);
    const cases = [
      { p: inList(s, lits), want: (k: number) => ss[k] !== null && list.includes(ss[k]!) },
      { p: inList(s, lits, true), want: (k: number) => ss[k] !== null && !list.includes(ss[k]!) },
      {
        p: and(call('>=', [column(0, INT32), int32Literal(100)]), inList(s, lits)),
        want: (k: number) => k >= 100 && ss[k] !== null && list.includes(ss[k]!),
      },
    ];
    for (const c of cases) {
      const out = await collect(filterStream(src, c.p, ctx(1000)));
      const expected = ks.filter(c.want);
      expect(expected.length).toBeGreaterThan(50);
      expect(out.ks).toEqual(expected);
    }
  });

  it('passes batches where every row passes through untouched', async () => {
    const src = source(2, 100);
    const out = await collect(filterStream(src, like(column(1, VARCHAR), varcharLiteral('row %')), ctx()));
    expect(out.batches).toEqual(src.batches);
    expect(out.batches[0]).toBe(src.batches[0]);
  });

  it('coalesces small results into batches of at least half the batch size', async () => {
    const src = source(20, 100);
    const pred = and(
      isNull(column(0, INT32), true),
      call('=', [call('%', [column(0, INT32), int32Literal(10)]), int32Literal(0)]),
    );
    const out = await collect(filterStream(src, pred, ctx(100)));
    expect(out.ks).toEqual(Array.from({ length: 200 }, (_, i) => i * 10));
    expect(out.sizes.slice(0, -1).every((n) => n >= 50)).toBe(true);
    expect(out.sizes.reduce((a, b) => a + b, 0)).toBe(200);
  });

  it('stops with USER_CANCELED once the signal is aborted', async () => {
    const ac = new AbortController();
    const stream = filterStream(
      source(5, 100),
      call('>', [column(0, INT32), int32Literal(-1)]),
      ctx(100, ac.signal),
    );
    const seen: number[] = [];
    const run = async () => {
      for await (const b of stream) {
        seen.push(b.length);
        ac.abort();
      }
    };
    await expect(run()).rejects.toSatisfy((e) => e instanceof SkeinError && e.code === 'USER_CANCELED');
    expect(seen.length).toBe(1);
  });
});
