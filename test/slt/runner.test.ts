import { createHash } from 'node:crypto';
import { DuckDBInstance, DuckDBTypeId, type JS, JSDuckDBValueConverter } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSlt } from '../../src/slt/parse.ts';
import { formatValue, runSlt, type SltCell, type SltEngine } from '../../src/slt/run.ts';

// The runner is tested against a real engine: DuckDB, in memory.
let duck: SltEngine;
let close: () => void;
beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  duck = {
    name: 'duckdb',
    async execute(sql) {
      const reader = await conn.runAndReadAll(sql);
      const rows = reader.convertRows<JS>((value, type, converter) =>
        type.typeId === DuckDBTypeId.DECIMAL || type.typeId === DuckDBTypeId.DATE
          ? String(value)
          : JSDuckDBValueConverter(value, type, converter),
      );
      return rows as SltCell[][];
    },
  };
  close = () => {
    conn.closeSync();
    instance.closeSync();
  };
});
afterAll(() => close());

const FILE = `
# a comment
statement ok
CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a', 1.5), (2, NULL, 2.25), (3, '', -0.0001)) v(x, s, r)

query ITR rowsort
SELECT x, s, r FROM t
----
1 a 1.500
2 NULL 2.250
3 (empty) 0.000

query I valuesort
SELECT x FROM t ORDER BY x DESC
----
1
2
3

statement error does not exist
SELECT * FROM missing_table

query error Binder Error
SELECT nope FROM t

skipif duckdb
query I
SELECT 'never run'
----
42

onlyif other-engine
statement ok
THIS IS NOT SQL

hash-threshold 2

query I rowsort
SELECT x FROM t
----
3 values hashing to ${md5('1\n2\n3\n')}
`;

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

describe('sqllogictest runner', () => {
  it('parses records with their lines, types, sort modes and conditions', () => {
    const recs = parseSlt(FILE, 'x.slt');
    expect(recs.map((r) => r.kind)).toEqual([
      'statement',
      'query',
      'query',
      'statement',
      'query',
      'query',
      'statement',
      'hash-threshold',
      'query',
    ]);
    const q = recs[1]!;
    expect(q).toMatchObject({
      kind: 'query',
      line: 6,
      types: 'ITR',
      sort: 'rowsort',
      sql: 'SELECT x, s, r FROM t',
    });
    expect(recs[4]).toMatchObject({ kind: 'query', error: 'Binder Error' });
    expect(recs[5]).toMatchObject({ conditions: [{ kind: 'skipif', engine: 'duckdb' }] });
  });

  it('passes a correct file and skips what does not apply', async () => {
    const r = await runSlt(duck, FILE, 'x.slt');
    expect(r.failures).toEqual([]);
    expect(r).toMatchObject({ passed: 6, failed: 0, skipped: 2 });
  });

  it('reports wrong results, missing errors and unexpected errors with their lines', async () => {
    const bad = `
query I
SELECT 1
----
2

statement error
SELECT 1

statement ok
SELECT * FROM nowhere
`;
    const r = await runSlt(duck, bad, 'bad.slt');
    expect(r.passed).toBe(0);
    expect(r.failed).toBe(3);
    expect(r.failures.map((f) => f.line)).toEqual([2, 7, 10]);
    expect(r.failures[0]!.message).toMatch(/expected:\n {2}2\nactual:\n {2}1/);
    expect(r.failures[1]!.message).toMatch(/expected an error/);
    expect(r.failures[2]!.message).toMatch(/unexpected error: .*nowhere/);
  });

  it('accepts the one-value-per-line layout', async () => {
    const r = await runSlt(duck, "query IT\nSELECT 7, 'x'\n----\n7\nx\n", 'v.slt');
    expect(r).toMatchObject({ passed: 1, failed: 0 });
  });

  it('rewrites expected output in update mode', async () => {
    const text = "query I rowsort\nSELECT 2 UNION ALL SELECT 1\n----\n5\n\nquery T\nSELECT 'new'\n";
    const r = await runSlt(duck, text, 'u.slt', { update: true });
    expect(r.updatedText).toBe(
      "query I rowsort\nSELECT 2 UNION ALL SELECT 1\n----\n1\n2\n\nquery T\nSELECT 'new'\n----\nnew\n",
    );
    const again = await runSlt(duck, r.updatedText!, 'u.slt');
    expect(again).toMatchObject({ passed: 2, failed: 0 });
  });

  it('formats values by type letter', () => {
    expect(formatValue(null, 'I')).toBe('NULL');
    expect(formatValue('12.75', 'I')).toBe('12');
    expect(formatValue(12345678901234567890n, 'I')).toBe('12345678901234567890');
    expect(formatValue('1.2345', 'R')).toBe('1.235');
    expect(formatValue('-2.0005', 'R')).toBe('-2.001');
    expect(formatValue('-0.0001', 'R')).toBe('0.000');
    expect(formatValue(-0.0001, 'R')).toBe('0.000');
    expect(formatValue('', 'T')).toBe('(empty)');
    expect(formatValue(true, 'T')).toBe('true');
  });
});
