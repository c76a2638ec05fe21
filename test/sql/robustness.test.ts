import { describe, expect, it } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import { withoutPositions } from '../../src/sql/ast.ts';
import { parseStatement } from '../../src/sql/parser.ts';
import { printStatement } from '../../src/sql/print.ts';
import { CORPUS, tpchQueries } from './corpus.ts';

/** A small deterministic generator (LCG), so that failures reproduce. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
}

const PIECES = [
  '(',
  ')',
  ',',
  'SELECT',
  'FROM',
  'NOT',
  'AND',
  "'",
  '"',
  '/*',
  '--',
  '::',
  '.',
  '*',
  'IN',
  'BETWEEN',
  'x',
  '1',
  'CASE',
  'END',
  'OVER',
  'JOIN',
  'ON',
  ';',
  'INTERVAL',
  'DATE',
  'IS',
  'NULL',
  'WITH',
  'AS',
  'UNION',
  '((',
];

describe('mutated SQL', () => {
  it('either round-trips or fails with a SYNTAX error positioned inside the text', () => {
    const next = random(20240601);
    const sources = [...CORPUS.map((c) => c.sql), ...tpchQueries().map((q) => q.sql)];
    const outcomes = { parsed: 0, rejected: 0 };
    for (let n = 0; n < 4000; n++) {
      const words = sources[Math.floor(next() * sources.length)]!.split(/(\s+)/);
      for (let edits = 1 + Math.floor(next() * 3); edits > 0; edits--) {
        const i = Math.floor(next() * words.length);
        const piece = PIECES[Math.floor(next() * PIECES.length)]!;
        const r = next();
        if (r < 1 / 3) words.splice(i, 1);
        else if (r < 2 / 3) words.splice(i, 0, ` ${piece} `);
        else words[i] = piece;
      }
      const sql = words.join('');
      let ast: ReturnType<typeof parseStatement>;
      try {
        ast = parseStatement(sql);
      } catch (e) {
        expect(e, sql).toBeInstanceOf(SkeinError);
        const { code, position } = e as SkeinError;
        expect(code, sql).toBe('SYNTAX');
        const lines = sql.split(/\r\n|\r|\n/);
        expect(position!.line, sql).toBeLessThanOrEqual(lines.length);
        expect(position!.column, sql).toBeLessThanOrEqual(lines[position!.line - 1]!.length + 1);
        outcomes.rejected++;
        continue;
      }
      expect(withoutPositions(parseStatement(printStatement(ast))), sql).toEqual(withoutPositions(ast));
      outcomes.parsed++;
    }
    // both outcomes are exercised
    expect(outcomes.parsed).toBeGreaterThan(100);
    expect(outcomes.rejected).toBeGreaterThan(1000);
  });
});

describe('deeply nested SQL', () => {
  it('parses 200 levels of parentheses, subqueries and joins', () => {
    const parens = parseStatement(`SELECT ${'('.repeat(200)}1${')'.repeat(200)}`);
    expect(withoutPositions(parens)).toEqual(withoutPositions(parseStatement('SELECT 1')));
    let sub = 'SELECT 1';
    for (let i = 0; i < 200; i++) sub = `SELECT * FROM (${sub}) AS t${i}`;
    expect(parseStatement(sub).kind).toBe('query');
    const joins = parseStatement(`SELECT * FROM ${'('.repeat(200)}a JOIN b ON TRUE${')'.repeat(200)}`);
    expect(joins.kind === 'query' && joins.body.kind === 'select' && joins.body.from[0]!.kind).toBe('join');
  });

  it('refuses nesting beyond 500 levels with a syntax error, not a stack overflow', () => {
    for (const sql of [
      `SELECT ${'('.repeat(20000)}1${')'.repeat(20000)}`,
      `SELECT ${'NOT '.repeat(20000)}a`,
      `SELECT * FROM ${'('.repeat(20000)}a`,
      `${'EXPLAIN '.repeat(20000)}SELECT 1`,
    ]) {
      let error: unknown;
      try {
        parseStatement(sql);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SkeinError);
      expect((error as SkeinError).message).toMatch(
        /^syntax error at line 1, column \d+: SQL nested more than 500 levels deep is not supported$/,
      );
    }
  });
});
