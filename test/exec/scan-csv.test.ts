/**
 * The CSV scan: RFC 4180 quoting, CRLF, empty fields as NULL, schema inference like DuckDB's,
 * errors naming the line, and byte-range splits that together read every record once.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderBlobStore } from '../../src/adapters/local/folder-blob-store.ts';
import { SkeinError } from '../../src/errors.ts';
import { type ExecContext, MemoryPool } from '../../src/exec/context.ts';
import { vectorValue } from '../../src/exec/expr/scalar.ts';
import { castVector } from '../../src/exec/kernels/cast.ts';
import { csvScan, inferCsvSchema } from '../../src/exec/scan/csv-scan.ts';
import type { Batch } from '../../src/exec/vector.ts';
import type { ScalarValue } from '../../src/physical/expr.ts';
import {
  BOOLEAN,
  DATE,
  decimal,
  FLOAT64,
  INT32,
  INT64,
  type Schema,
  TIMESTAMP,
  VARCHAR,
} from '../../src/types/data-type.ts';
import { type DuckDb, openDuckDb, sqlString } from '../helpers/duckdb.ts';

let dir: string;
let store: FolderBlobStore;
let db: DuckDb;
const ctx = (batchSize = 4096): ExecContext => ({ batchSize, memory: new MemoryPool(1 << 30) });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-csv-'));
  store = new FolderBlobStore(dir);
  db = await openDuckDb({ threads: 1 });
});
afterAll(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

async function rows(stream: AsyncIterable<Batch>): Promise<ScalarValue[][]> {
  const out: ScalarValue[][] = [];
  for await (const b of stream)
    for (let i = 0; i < b.length; i++) out.push(b.columns.map((c) => vectorValue(c, i)));
  return out;
}

async function text(stream: AsyncIterable<Batch>): Promise<(string | null)[][]> {
  const out: (string | null)[][] = [];
  for await (const b of stream) {
    const t = b.columns.map((c) => castVector(c, VARCHAR));
    for (let i = 0; i < b.length; i++) out.push(t.map((c) => vectorValue(c, i) as string | null));
  }
  return out;
}

const S = (names: [string, Parameters<typeof castVector>[1]][]): Schema =>
  names.map(([name, type]) => ({ name, type, nullable: true }));

describe('csvScan', () => {
  it('parses quotes, escaped quotes, embedded separators and newlines, CRLF, and empty fields', async () => {
    const body =
      'id,name,amount,day\r\n' +
      '1,"Smith, John",12.50,2020-01-31\r\n' +
      '2,"say ""hi""",,2020-02-29\r\n' +
      '3,"two\r\nlines",-0.05,\r\n' +
      '4,,7,1999-12-31\r\n' +
      '5,"",0.00,2000-01-01';
    await writeFile(join(dir, 'q.csv'), body);
    const schema = S([
      ['id', INT32],
      ['name', VARCHAR],
      ['amount', decimal(10, 2)],
      ['day', DATE],
    ]);
    const got = await text(csvScan({ store, key: 'q.csv', schema }, ctx()));
    expect(got).toEqual([
      ['1', 'Smith, John', '12.50', '2020-01-31'],
      ['2', 'say "hi"', null, '2020-02-29'],
      ['3', 'two\r\nlines', '-0.05', null],
      ['4', null, '7.00', '1999-12-31'],
      ['5', '', '0.00', '2000-01-01'],
    ]);
  });

  it('reads what DuckDB wrote, equal to DuckDB, across chunk boundaries and batches', async () => {
    const path = join(dir, 'duck.csv');
    await db.query(`
      COPY (SELECT i AS k, 'v' || (i % 13) || CASE WHEN i % 7 = 0 THEN ',"x"' ELSE '' END AS s,
                   (i / 8.0)::DECIMAL(12,3) AS d, CASE WHEN i % 9 = 0 THEN NULL ELSE i * 1.5 END AS f,
                   DATE '2000-01-01' + i::INTEGER AS dt, TIMESTAMP '2000-01-01 10:00:00' + INTERVAL (i) SECOND AS ts,
                   i % 2 = 0 AS b
            FROM range(5000) t(i)) TO ${sqlString(path)} (HEADER, DELIMITER ',')`);
    const schema = await inferCsvSchema(store, 'duck.csv');
    expect(schema.map((f) => [f.name, f.type])).toEqual([
      ['k', INT64],
      ['s', VARCHAR],
      ['d', FLOAT64],
      ['f', FLOAT64],
      ['dt', DATE],
      ['ts', TIMESTAMP],
      ['b', BOOLEAN],
    ]);
    const typed: Schema = schema.map((f) => (f.name === 'd' ? { ...f, type: decimal(12, 3) } : f));
    const got = await text(csvScan({ store, key: 'duck.csv', schema: typed, chunkBytes: 1000 }, ctx(777)));
    const want = (
      await db.query(
        `SELECT k::VARCHAR, s, d::VARCHAR, f::VARCHAR, dt::VARCHAR, ts::VARCHAR, b::VARCHAR FROM read_csv(${sqlString(path)}, types={'d': 'DECIMAL(12,3)'})`,
      )
    ).map((r) => Object.values(r) as (string | null)[]);
    expect(got).toEqual(want);
  });

  it('projects columns and splits by byte ranges, reading every record exactly once', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 3000; i++) lines.push(`${i},${'x'.repeat(i % 17)}`);
    const body = `${lines.join('\n')}\n`;
    await writeFile(join(dir, 'split.csv'), body);
    const schema = S([
      ['a', INT32],
      ['b', VARCHAR],
    ]);
    const size = Buffer.byteLength(body);
    const all: ScalarValue[] = [];
    const step = 4099;
    for (let off = 0; off < size; off += step) {
      const part = await rows(
        csvScan(
          {
            store,
            key: 'split.csv',
            schema,
            columns: ['a'],
            range: { offset: off, length: step },
            chunkBytes: 512,
          },
          ctx(),
        ),
      );
      all.push(...part.map((r) => r[0]!));
    }
    expect(all).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });

  it('names the file, line and column of a bad value, and wrong field counts', async () => {
    await writeFile(join(dir, 'bad.csv'), 'x,y\n1,2\n3,oops\n');
    const schema = S([
      ['x', INT32],
      ['y', INT32],
    ]);
    const err = await rows(csvScan({ store, key: 'bad.csv', schema }, ctx())).catch((e) => e as SkeinError);
    expect(err).toBeInstanceOf(SkeinError);
    expect((err as SkeinError).message).toMatch(/bad\.csv line 3, column 'y': cannot cast 'oops' to INTEGER/);
    await writeFile(join(dir, 'short.csv'), 'x,y\n1,2\n3\n');
    const err2 = await rows(csvScan({ store, key: 'short.csv', schema }, ctx())).catch(
      (e) => e as SkeinError,
    );
    expect((err2 as SkeinError).message).toMatch(/short\.csv line 3: expected 2 fields, found 1/);
    await writeFile(join(dir, 'open.csv'), 'x,y\n1,"2\n');
    const err3 = await rows(csvScan({ store, key: 'open.csv', schema }, ctx())).catch((e) => e as SkeinError);
    expect((err3 as SkeinError).message).toMatch(/open\.csv line 2: a quoted field is not closed/);
  });

  it('handles no header, other delimiters, a missing final newline and empty lines', async () => {
    await writeFile(join(dir, 'semi.csv'), '1;a\n\n2;"b;c"\n3;');
    const schema = S([
      ['n', INT64],
      ['t', VARCHAR],
    ]);
    const got = await rows(csvScan({ store, key: 'semi.csv', schema, header: false, delimiter: ';' }, ctx()));
    expect(got).toEqual([
      ['1', 'a'],
      ['2', 'b;c'],
      ['3', null],
    ]);
    const inferred = await inferCsvSchema(store, 'semi.csv', { header: false, delimiter: ';' });
    expect(inferred.map((f) => [f.name, f.type])).toEqual([
      ['column0', INT64],
      ['column1', VARCHAR],
    ]);
  });
});
