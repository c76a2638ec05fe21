import { describe, expect, it } from 'vitest';
import { Lexer, type Token } from '../../src/sql/lexer.ts';

function tokens(sql: string): Pick<Token, 'kind' | 'value' | 'line' | 'column'>[] {
  const lexer = new Lexer(sql);
  const out: Pick<Token, 'kind' | 'value' | 'line' | 'column'>[] = [];
  for (;;) {
    const { kind, value, line, column } = lexer.next();
    out.push({ kind, value, line, column });
    if (kind === 'eof') return out;
  }
}

describe('Lexer', () => {
  it('reads words, quoted names, strings, numbers, parameters and operators', () => {
    expect(
      tokens(`sElect "Mixed""Q", 'it''s', 1.5e3, $2, ?, a!=b, x::int || y <= z`).map((t) => [
        t.kind,
        t.value,
      ]),
    ).toEqual([
      ['word', 'SELECT'],
      ['quoted', 'Mixed"Q'],
      ['op', ','],
      ['string', "it's"],
      ['op', ','],
      ['number', '1.5e3'],
      ['op', ','],
      ['param', '2'],
      ['op', ','],
      ['param', ''],
      ['op', ','],
      ['word', 'A'],
      ['op', '<>'],
      ['word', 'B'],
      ['op', ','],
      ['word', 'X'],
      ['op', '::'],
      ['word', 'INT'],
      ['op', '||'],
      ['word', 'Y'],
      ['op', '<='],
      ['word', 'Z'],
      ['eof', ''],
    ]);
  });

  it('skips line comments and nested block comments, keeping line and column right', () => {
    expect(tokens('a -- one\n/* two /* three */\n still */ b\r\n  c')).toEqual([
      { kind: 'word', value: 'A', line: 1, column: 1 },
      { kind: 'word', value: 'B', line: 3, column: 11 },
      { kind: 'word', value: 'C', line: 4, column: 3 },
      // the end of input sits just after the last token
      { kind: 'eof', value: '', line: 4, column: 4 },
    ]);
  });

  it('reads a minus before a number as an operator, and `1-1` as three tokens', () => {
    expect(tokens('1-1').map((t) => t.value)).toEqual(['1', '-', '1', '']);
    expect(tokens('.5 1. 7').map((t) => t.value)).toEqual(['.5', '1.', '7', '']);
  });

  it('places the end of input at 1:1 for empty text', () => {
    expect(tokens('  \n ')).toEqual([{ kind: 'eof', value: '', line: 1, column: 1 }]);
  });
});
