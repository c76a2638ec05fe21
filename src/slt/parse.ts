import { SkeinError } from '../errors.ts';

/**
 * The sqllogictest format: records separated by blank lines.
 *
 * ```
 * statement ok
 * CREATE TABLE t AS SELECT 1 AS x
 *
 * query IT rowsort
 * SELECT x, 'a' FROM t
 * ----
 * 1 a
 * ```
 */
export type SltRecord =
  | {
      kind: 'statement';
      line: number;
      expect: 'ok' | 'error';
      error?: string;
      sql: string;
      conditions: SltCondition[];
    }
  | {
      kind: 'query';
      line: number;
      types: string;
      sort: SltSortMode;
      label?: string;
      sql: string;
      /** Expected output lines, or undefined for `query error`. */
      expected?: string[];
      /** 0-based index of the line after the SQL (the `----` line, when there is one). */
      sqlEndIndex: number;
      error?: string;
      conditions: SltCondition[];
    }
  | { kind: 'hash-threshold'; line: number; value: number }
  | { kind: 'halt'; line: number; conditions: SltCondition[] };

export type SltSortMode = 'nosort' | 'rowsort' | 'valuesort';

export interface SltCondition {
  kind: 'skipif' | 'onlyif';
  engine: string;
}

/** Parses a .slt file's text; `file` only names it in errors. */
export function parseSlt(text: string, file: string): SltRecord[] {
  const lines = text.split(/\r?\n/);
  const records: SltRecord[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw new SkeinError('INVALID_ARGUMENT', `${file}:${i + 1}: ${msg}`);
  };
  while (i < lines.length) {
    const raw = lines[i]!;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    const conditions: SltCondition[] = [];
    let words = line.split(/\s+/);
    while (words[0] === 'skipif' || words[0] === 'onlyif') {
      conditions.push({ kind: words[0], engine: words[1] ?? fail(`${words[0]} needs an engine name`) });
      i++;
      words = (lines[i] ?? '').trim().split(/\s+/);
    }
    const start = i + 1;
    const head = words[0];
    i++;
    if (head === 'statement') {
      const expect = words[1];
      if (expect !== 'ok' && expect !== 'error') fail(`expected 'statement ok' or 'statement error'`);
      const sql = readBlock(lines, i, (l) => l.trim() === '');
      i += sql.length;
      if (sql.length === 0) fail('statement without SQL');
      const error = words.slice(2).join(' ') || undefined;
      records.push({
        kind: 'statement',
        line: start,
        expect: expect as 'ok' | 'error',
        error,
        sql: sql.join('\n'),
        conditions,
      });
    } else if (head === 'query') {
      if (words[1] === 'error') {
        const sql = readBlock(lines, i, (l) => l.trim() === '');
        i += sql.length;
        records.push({
          kind: 'query',
          line: start,
          types: '',
          sort: 'nosort',
          sql: sql.join('\n'),
          error: words.slice(2).join(' '),
          sqlEndIndex: i,
          conditions,
        });
        continue;
      }
      const types = words[1] ?? fail('query needs a type string such as I, T, R');
      if (!/^[A-Z]+$/.test(types)) fail(`bad query type string '${types}'`);
      const sortWord = words[2] ?? 'nosort';
      if (sortWord !== 'nosort' && sortWord !== 'rowsort' && sortWord !== 'valuesort')
        fail(`unknown sort mode '${sortWord}'`);
      const sql = readBlock(lines, i, (l) => l.trim() === '' || l.trim() === '----');
      i += sql.length;
      const sqlEndIndex = i;
      let expected: string[] = [];
      if (lines[i]?.trim() === '----') {
        i++;
        expected = readBlock(lines, i, (l) => l.trim() === '');
        i += expected.length;
      }
      records.push({
        kind: 'query',
        line: start,
        types,
        sort: sortWord as SltSortMode,
        label: words[3],
        sql: sql.join('\n'),
        expected: expected.map((l) => l.trimEnd()),
        sqlEndIndex,
        conditions,
      });
    } else if (head === 'hash-threshold') {
      const value = Number(words[1]);
      if (!Number.isInteger(value)) fail('hash-threshold needs a number');
      records.push({ kind: 'hash-threshold', line: start, value });
    } else if (head === 'halt') {
      records.push({ kind: 'halt', line: start, conditions });
    } else {
      fail(`unknown record '${head}'`);
    }
  }
  return records;
}

function readBlock(lines: string[], from: number, end: (line: string) => boolean): string[] {
  const out: string[] = [];
  for (let j = from; j < lines.length && !end(lines[j]!); j++) out.push(lines[j]!);
  return out;
}
