/**
 * `skein query`, `skein explain` and `skein slt` as a user runs them: a real child process, its
 * output and exit code.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-cli-query-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const VALUES = `SELECT * FROM (VALUES
  (1, 'plain', 1.50, DATE '2024-02-29', 0.5::DOUBLE, TRUE),
  (2, 'a,b "c"', NULL, NULL, NULL, NULL),
  (3, '', -0.25, DATE '1999-12-31', 1e20::DOUBLE, FALSE)) t(id, s, d, day, f, b) ORDER BY id`;

/** One error line on stderr, no stack trace. */
function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^skein: error: /);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('skein query', () => {
  it('writes CSV: RFC 4180 quoting, NULL as an empty field, exact decimals and dates', async () => {
    const r = await runCli(['query', '--format', 'csv', VALUES]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'id,s,d,day,f,b\r\n' +
        '1,plain,1.50,2024-02-29,0.5,true\r\n' +
        '2,"a,b ""c""",,,,\r\n' +
        '3,"",-0.25,1999-12-31,1e+20,false\r\n',
    );
  });

  it('writes JSON: one object per row, numbers exact, NULL as null', async () => {
    const r = await runCli(['query', '--format', 'json', VALUES]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '[\n' +
        '{"id":1,"s":"plain","d":1.50,"day":"2024-02-29","f":0.5,"b":true},\n' +
        '{"id":2,"s":"a,b \\"c\\"","d":null,"day":null,"f":null,"b":null},\n' +
        '{"id":3,"s":"","d":-0.25,"day":"1999-12-31","f":1e+20,"b":false}\n' +
        ']\n',
    );
    expect(JSON.parse(r.stdout)).toHaveLength(3);
  });

  it('writes an aligned table with names, types and the row count', async () => {
    const r = await runCli([
      'query',
      "SELECT 42 AS answer, 'x' AS letter UNION ALL SELECT 7, NULL ORDER BY 1",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        '┌─────────┬─────────┐',
        '│ answer  │ letter  │',
        '│ integer │ varchar │',
        '├─────────┼─────────┤',
        '│       7 │ NULL    │',
        '│      42 │ x       │',
        '└─────────┴─────────┘',
        '2 rows',
        '',
      ].join('\n'),
    );
  });

  it('runs a file of statements over a data folder (-f, --data)', async () => {
    const file = join(dir, 'script.sql');
    await writeFile(
      file,
      `CREATE TABLE big AS SELECT * FROM orders WHERE amount > 6;
       SELECT p.name, b.amount FROM big b JOIN people p ON p.id = b.id ORDER BY b.amount;`,
    );
    const r = await runCli(['query', '--data', 'test/data/slt', '--format', 'csv', '-f', file]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('count\r\n2\r\nname,amount\r\nAda,10.50\r\nAlan,20.25\r\n');
  });

  it('fails with one line naming the problem and a non-zero exit code', async () => {
    const syntax = await runCli(['query', 'SELECT 1 +']);
    expect(syntax.code).toBe(1);
    expectOneLineError(syntax.stderr, /syntax error at line 1, column 11/);

    const table = await runCli(['query', '--data', 'test/data/slt', 'SELECT * FROM peeple']);
    expect(table.code).toBe(1);
    expectOneLineError(table.stderr, /table 'peeple' does not exist .*did you mean 'people'/);

    const missing = await runCli(['query', '-f', join(dir, 'nope.sql')]);
    expect(missing.code).toBe(1);
    expectOneLineError(missing.stderr, /cannot read .*nope\.sql: no such file/);

    const format = await runCli(['query', '--format', 'xml', 'SELECT 1']);
    expect(format.code).toBe(2);
    expectOneLineError(format.stderr, /--format must be table, csv or json/);

    const mode = await runCli(['query', '--mode', 'parallel', 'SELECT 1']);
    expect(mode.code).toBe(2);
    expectOneLineError(mode.stderr, /--mode must be/);
  });

  it('names a corrupt file', async () => {
    const data = join(dir, 'corrupt');
    await mkdir(join(data, 'things'), { recursive: true });
    await writeFile(join(data, 'things', 'part-0.parquet'), 'this is not parquet, just some text!');
    const r = await runCli(['query', '--data', data, 'SELECT count(*) FROM things']);
    expect(r.code).toBeGreaterThan(0);
    expectOneLineError(r.stderr, /things\/part-0\.parquet is not a valid Parquet file/);
  });

  it('shows the stack with --debug', async () => {
    const r = await runCli(['query', '--debug', 'SELECT nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^skein: error: column 'nope' does not exist/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('skein explain', () => {
  it('prints the physical plan, and with --analyze the rows each operator produced', async () => {
    const r = await runCli([
      'explain',
      '--mode',
      'single',
      '--analyze',
      '--data',
      'test/data/slt',
      "SELECT name, sum(amount) FROM orders WHERE day > DATE '2024-01-31' GROUP BY name ORDER BY 2",
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Sort: /);
    expect(r.stdout).toMatch(/HashAggregate: mode=single group=\[name\]/);
    expect(r.stdout).toMatch(/ParquetScan: orders \[.*\] predicate=\(day > DATE '2024-01-31'\).*\(rows=2,/);
    expect(r.stdout).toMatch(/^2 rows in .* ms; memory peak/m);
  });
});

describe('skein slt', () => {
  it('reports failures and ends with the totals', async () => {
    const file = join(dir, 'mixed.slt');
    await writeFile(file, 'query I\nSELECT 1 + 1\n----\n2\n\nquery I\nSELECT 2 + 2\n----\n5\n');
    const r = await runCli(['slt', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/mixed\.slt:6: wrong result/);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed');
  });
});
