import { createHash } from 'node:crypto';
import { parseSlt, type SltRecord, type SltSortMode } from './parse.ts';

/** A value as an engine hands it to the runner: decimals and dates as exact strings. */
export type SltCell = string | number | bigint | boolean | null;

/** What the runner needs of an engine: run one SQL statement, return its rows. */
export interface SltEngine {
  /** Matched by `skipif` / `onlyif`. */
  readonly name: string;
  execute(sql: string): Promise<SltCell[][]>;
}

export interface SltFailure {
  file: string;
  line: number;
  sql: string;
  message: string;
}

export interface SltFileResult {
  passed: number;
  failed: number;
  skipped: number;
  failures: SltFailure[];
  /** With `update`, the file's text with every query's expected output replaced by the actual one. */
  updatedText?: string;
}

/**
 * Runs a sqllogictest file's records in order against an engine.
 *
 * Results are compared row by row (values separated by whitespace) or value by value (one per
 * line, the original format), after `rowsort`/`valuesort`; above `hash-threshold` values, the
 * expected output is `N values hashing to <md5>`, the md5 of every value followed by a newline.
 * Values are formatted by the query's type letters: `I` integer, `R` three decimals, anything
 * else as text; NULL is `NULL` and the empty string `(empty)`.
 */
export async function runSlt(
  engine: SltEngine,
  text: string,
  file: string,
  options: { update?: boolean } = {},
): Promise<SltFileResult> {
  const records = parseSlt(text, file);
  const result: SltFileResult = { passed: 0, failed: 0, skipped: 0, failures: [] };
  const edits: { at: number; remove: number; lines: string[] }[] = [];
  let hashThreshold = 0;
  for (const r of records) {
    if (r.kind === 'hash-threshold') {
      hashThreshold = r.value;
      continue;
    }
    if (!applies(r, engine.name)) {
      if (r.kind !== 'halt') result.skipped++;
      continue;
    }
    if (r.kind === 'halt') break;
    const fail = (message: string) => {
      result.failed++;
      result.failures.push({ file, line: r.line, sql: r.sql, message });
    };
    let rows: SltCell[][] | undefined;
    let error: unknown;
    try {
      rows = await engine.execute(r.sql);
    } catch (err) {
      error = err;
    }
    const errorText = error === undefined ? '' : error instanceof Error ? error.message : String(error);
    const wantsError = r.kind === 'statement' ? r.expect === 'error' : r.error !== undefined;
    if (wantsError) {
      const pattern = r.error ?? '';
      if (error === undefined)
        fail(`expected an error${pattern ? ` matching '${pattern}'` : ''}, but it succeeded`);
      else if (pattern !== '' && !errorMatches(errorText, pattern))
        fail(`expected an error matching '${pattern}', got: ${errorText}`);
      else result.passed++;
      continue;
    }
    if (error !== undefined) {
      fail(`unexpected error: ${errorText}`);
      continue;
    }
    if (r.kind === 'statement') {
      result.passed++;
      continue;
    }
    const values = formatRows(rows ?? [], r.types);
    const width = r.types.length;
    if ((rows ?? []).some((row) => row.length !== width)) {
      fail(`the query returned ${rows?.[0]?.length} columns, its type string '${r.types}' names ${width}`);
      continue;
    }
    const actual = render(values, r.sort, hashThreshold);
    if (options.update) {
      const start = r.sqlEndIndex;
      const remove =
        r.expected && r.expected.length >= 0 && hasSeparator(text, start) ? 1 + r.expected.length : 0;
      edits.push({ at: start, remove, lines: ['----', ...actual] });
    }
    const expected = r.expected ?? [];
    if (matches(values, r.sort, expected, actual)) result.passed++;
    else fail(`wrong result\nexpected:\n${indent(expected)}\nactual:\n${indent(actual)}`);
  }
  if (options.update) result.updatedText = applyEdits(text, edits);
  return result;
}

function applies(r: SltRecord, engine: string): boolean {
  if (r.kind === 'hash-threshold') return true;
  for (const c of r.conditions) {
    if (c.kind === 'skipif' && c.engine === engine) return false;
    if (c.kind === 'onlyif' && c.engine !== engine) return false;
  }
  return true;
}

function errorMatches(message: string, pattern: string): boolean {
  if (message.toLowerCase().includes(pattern.toLowerCase())) return true;
  try {
    return new RegExp(pattern, 'i').test(message);
  } catch {
    return false;
  }
}

/** Each row's values as text, by the query's type letters. */
export function formatRows(rows: SltCell[][], types: string): string[][] {
  return rows.map((row) => row.map((v, i) => formatValue(v, types[i] ?? 'T')));
}

export function formatValue(v: SltCell, type: string): string {
  if (v === null || v === undefined) return 'NULL';
  if (type === 'I') {
    if (typeof v === 'number') return String(Math.trunc(v));
    if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return v.replace(/\.\d+$/, '');
    if (typeof v === 'boolean') return v ? '1' : '0';
    return String(v);
  }
  if (type === 'R') {
    if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return roundDecimalText(v, 3);
    const n = typeof v === 'number' ? v : Number(v);
    if (Number.isNaN(n)) return String(v);
    const s = n.toFixed(3);
    return s === '-0.000' ? '0.000' : s;
  }
  const s = String(v);
  return s === '' ? '(empty)' : s;
}

/** Rounds decimal text to `digits` places, half away from zero, exactly (no binary floating point). */
function roundDecimalText(text: string, digits: number): string {
  const neg = text.startsWith('-');
  const [int = '0', frac = ''] = (neg ? text.slice(1) : text).split('.');
  const padded = (frac + '0'.repeat(digits + 1)).slice(0, digits + 1);
  let scaled = BigInt(int + padded.slice(0, digits));
  if (Number(padded[digits]) >= 5) scaled += 1n;
  const s = scaled.toString().padStart(digits + 1, '0');
  const out = `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  return neg && scaled !== 0n ? `-${out}` : out;
}

function sortRows(values: string[][], sort: SltSortMode): string[][] {
  if (sort !== 'rowsort') return values;
  return [...values].sort(compareRows);
}

function compareRows(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function flatValues(values: string[][], sort: SltSortMode): string[] {
  const flat = sortRows(values, sort).flat();
  return sort === 'valuesort' ? flat.sort() : flat;
}

function md5Line(flat: string[]): string {
  const h = createHash('md5');
  for (const v of flat) h.update(`${v}\n`);
  return `${flat.length} values hashing to ${h.digest('hex')}`;
}

/** The expected-output lines for these results (what update mode writes). */
function render(values: string[][], sort: SltSortMode, hashThreshold: number): string[] {
  const flat = flatValues(values, sort);
  if (hashThreshold > 0 && flat.length > hashThreshold) return [md5Line(flat)];
  if (sort === 'valuesort') return flat;
  return sortRows(values, sort).map((row) => row.join(' '));
}

function matches(values: string[][], sort: SltSortMode, expected: string[], actual: string[]): boolean {
  const norm = (l: string) => l.trim().replace(/\s+/g, ' ');
  const hashed =
    expected.length === 1 ? /^(\d+) values hashing to ([0-9a-f]{32})$/.exec(expected[0]!.trim()) : null;
  const flat = flatValues(values, sort);
  if (hashed) return md5Line(flat) === `${hashed[1]} values hashing to ${hashed[2]}`;
  if (expected.length === actual.length && expected.every((l, i) => norm(l) === norm(actual[i]!)))
    return true;
  // The original one-value-per-line layout.
  return expected.length === flat.length && expected.every((l, i) => l.trim() === flat[i]!.trim());
}

function hasSeparator(text: string, lineIndex: number): boolean {
  return text.split(/\r?\n/)[lineIndex]?.trim() === '----';
}

function applyEdits(text: string, edits: { at: number; remove: number; lines: string[] }[]): string {
  const lines = text.split(/\r?\n/);
  for (const e of [...edits].sort((a, b) => b.at - a.at)) lines.splice(e.at, e.remove, ...e.lines);
  return lines.join('\n');
}

function indent(lines: string[]): string {
  return lines.map((l) => `  ${l}`).join('\n');
}
