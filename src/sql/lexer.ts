import { syntaxError } from './syntax-error.ts';

/**
 * - `word`: a keyword or unquoted identifier; `value` is its upper-case text (for keyword checks).
 * - `quoted`: a "quoted identifier"; `value` is its content with `""` unescaped.
 * - `string`: a 'string literal'; `value` is its content with `''` unescaped.
 * - `number`: `value` is the text.
 * - `param`: `$n` (`value` is `n`) or `?` (`value` is `''`).
 * - `op`: punctuation and operators; `value` is the operator, with `!=` spelled `<>`.
 * - `eof`: the end of the input, placed just after the last token.
 */
export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'op' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly value: string;
  /** The source text of the token. */
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

const TWO_CHAR_OPS = new Set(['<=', '>=', '<>', '!=', '||', '::', '//']);
const ONE_CHAR_OPS = new Set(['(', ')', ',', '.', ';', '*', '+', '-', '/', '%', '=', '<', '>']);

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isWordStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c > 127 && !isSpace(c));
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || isDigit(c) || c === 36; // $
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xa0 || c === 0xfeff;
}

/**
 * Splits SQL text into tokens, one at a time, skipping whitespace, `-- line` and (nestable)
 * `/* block *\/` comments. Throws a `SYNTAX` SkeinError for unterminated strings, identifiers and
 * comments (at their start) and for characters that begin no token.
 *
 * @example
 * const lexer = new Lexer("SELECT 'a' -- note");
 * lexer.next(); // { kind: 'word', value: 'SELECT', text: 'SELECT', line: 1, column: 1 }
 */
export class Lexer {
  private offset = 0;
  private line = 1;
  private lineStart = 0;
  private endLine = 1;
  private endColumn = 1;

  constructor(private readonly src: string) {}

  next(): Token {
    this.skipSpaceAndComments();
    const src = this.src;
    const start = this.offset;
    const line = this.line;
    const column = start - this.lineStart + 1;
    if (start >= src.length) {
      return { kind: 'eof', value: '', text: '', line: this.endLine, column: this.endColumn };
    }
    const c = src.charCodeAt(start);
    let kind: TokenKind;
    let value: string;
    if (isWordStart(c)) {
      let i = start + 1;
      while (i < src.length && isWordPart(src.charCodeAt(i))) i++;
      this.offset = i;
      kind = 'word';
      value = src.slice(start, i).toUpperCase();
    } else if (isDigit(c) || (c === 46 && isDigit(src.charCodeAt(start + 1)))) {
      this.offset = this.scanNumber(start, line, column);
      kind = 'number';
      value = src.slice(start, this.offset);
    } else if (c === 39) {
      kind = 'string';
      value = this.scanQuoted(39, 'string literal', line, column);
    } else if (c === 34) {
      kind = 'quoted';
      value = this.scanQuoted(34, 'quoted identifier', line, column);
      if (value === '') throw syntaxError({ line, column }, 'a quoted identifier cannot be empty');
    } else if (c === 63) {
      this.offset = start + 1;
      kind = 'param';
      value = '';
    } else if (c === 36 && isDigit(src.charCodeAt(start + 1))) {
      let i = start + 1;
      while (i < src.length && isDigit(src.charCodeAt(i))) i++;
      this.offset = i;
      kind = 'param';
      value = src.slice(start + 1, i);
    } else {
      const two = src.slice(start, start + 2);
      if (TWO_CHAR_OPS.has(two)) {
        this.offset = start + 2;
        value = two === '!=' ? '<>' : two;
      } else if (ONE_CHAR_OPS.has(src[start]!)) {
        this.offset = start + 1;
        value = src[start]!;
      } else {
        const ch = String.fromCodePoint(src.codePointAt(start)!);
        throw syntaxError({ line, column }, `unexpected character '${ch}'`);
      }
      kind = 'op';
    }
    this.endLine = this.line;
    this.endColumn = this.offset - this.lineStart + 1;
    return { kind, value, text: src.slice(start, this.offset), line, column };
  }

  private skipSpaceAndComments(): void {
    const src = this.src;
    let i = this.offset;
    for (;;) {
      if (i >= src.length) break;
      const c = src.charCodeAt(i);
      if (c === 10 || c === 13) {
        i = this.newlineAt(i);
      } else if (isSpace(c)) {
        i++;
      } else if (c === 45 && src.charCodeAt(i + 1) === 45) {
        // -- comment, up to (not including) the end of the line
        i += 2;
        while (i < src.length && src.charCodeAt(i) !== 10 && src.charCodeAt(i) !== 13) i++;
      } else if (c === 47 && src.charCodeAt(i + 1) === 42) {
        i = this.skipBlockComment(i);
      } else {
        break;
      }
    }
    this.offset = i;
  }

  /** Consumes a line break (\n, \r\n or \r) at `i`; returns the offset after it. */
  private newlineAt(i: number): number {
    const src = this.src;
    if (src.charCodeAt(i) === 13 && src.charCodeAt(i + 1) === 10) i++;
    i++;
    this.line++;
    this.lineStart = i;
    return i;
  }

  private skipBlockComment(start: number): number {
    const src = this.src;
    const line = this.line;
    const column = start - this.lineStart + 1;
    let depth = 0;
    let i = start;
    while (i < src.length) {
      const c = src.charCodeAt(i);
      if (c === 47 && src.charCodeAt(i + 1) === 42) {
        depth++;
        i += 2;
      } else if (c === 42 && src.charCodeAt(i + 1) === 47) {
        depth--;
        i += 2;
        if (depth === 0) return i;
      } else if (c === 10 || c === 13) {
        i = this.newlineAt(i);
      } else {
        i++;
      }
    }
    throw syntaxError({ line, column }, "unterminated comment: expected '*/' but found end of input");
  }

  /** Scans '…' or "…" (doubled quote = one quote) from this.offset; returns the unescaped content. */
  private scanQuoted(quote: number, what: string, line: number, column: number): string {
    const src = this.src;
    let i = this.offset + 1;
    let value = '';
    let chunk = i;
    while (i < src.length) {
      const c = src.charCodeAt(i);
      if (c === quote) {
        if (src.charCodeAt(i + 1) === quote) {
          value += src.slice(chunk, i + 1);
          i += 2;
          chunk = i;
          continue;
        }
        this.offset = i + 1;
        return value + src.slice(chunk, i);
      }
      if (c === 10 || c === 13) {
        i = this.newlineAt(i);
      } else {
        i++;
      }
    }
    const q = String.fromCharCode(quote);
    throw syntaxError(
      { line, column },
      `unterminated ${what}: expected a closing ${q} but found end of input`,
    );
  }

  /** Scans `12`, `1.5`, `.5`, `1.`, `1e10`, `2.5E-3`; returns the end offset. */
  private scanNumber(start: number, line: number, column: number): number {
    const src = this.src;
    let i = start;
    while (isDigit(src.charCodeAt(i))) i++;
    if (src.charCodeAt(i) === 46 && src.charCodeAt(i + 1) !== 46) {
      i++;
      while (isDigit(src.charCodeAt(i))) i++;
    }
    const e = src.charCodeAt(i);
    if (e === 101 || e === 69) {
      const sign = src.charCodeAt(i + 1);
      const first = sign === 43 || sign === 45 ? i + 2 : i + 1;
      if (isDigit(src.charCodeAt(first))) {
        i = first;
        while (isDigit(src.charCodeAt(i))) i++;
      }
    }
    if (i < src.length && isWordPart(src.charCodeAt(i))) {
      let j = i;
      while (j < src.length && isWordPart(src.charCodeAt(j))) j++;
      throw syntaxError({ line, column }, `invalid number '${src.slice(start, j)}'`);
    }
    return i;
  }
}
