/**
 * Query results as text: `table` (aligned, for people), `csv` (RFC 4180: a header row, CRLF line
 * ends, fields quoted when they hold a separator, quote or line break; NULL is an empty field and
 * the empty string `""`) and `json` (an array of row objects, one per line; numbers as exact JSON
 * numbers, dates as `YYYY-MM-DD` strings).
 *
 * @example
 * await writeResult(result, 'csv', (s) => process.stdout.write(s));
 * // l_returnflag,sum_qty\r\nA,380456.00\r\n…
 */
import type { StatementResult } from '../engine/skein.ts';
import { cellText, isNumberType } from '../engine/values.ts';
import type { Schema } from '../types/data-type.ts';
import { typeToString } from '../types/data-type.ts';

export type OutputFormat = 'table' | 'csv' | 'json';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'csv', 'json'];

/** Writes a result's rows in `format`; returns how many rows there were. */
export async function writeResult(
  result: StatementResult,
  format: OutputFormat,
  write: (text: string) => void,
): Promise<number> {
  switch (format) {
    case 'csv':
      return writeCsv(result, write);
    case 'json':
      return writeJson(result, write);
    case 'table':
      return writeTable(result, write);
  }
}

// ---------------------------------------------------------------------------------------------
// CSV

function csvField(text: string | null): string {
  if (text === null) return '';
  if (text === '') return '""';
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

async function writeCsv(result: StatementResult, write: (text: string) => void): Promise<number> {
  write(`${result.schema.map((f) => csvField(f.name)).join(',')}\r\n`);
  let n = 0;
  for await (const b of result.batches) {
    const lines: string[] = [];
    for (let i = 0; i < b.length; i++) {
      lines.push(b.columns.map((v) => csvField(cellText(v, i))).join(','));
    }
    if (lines.length > 0) write(`${lines.join('\r\n')}\r\n`);
    n += b.length;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// JSON

function jsonValue(text: string | null, kind: string): string {
  if (text === null) return 'null';
  if (kind === 'boolean') return text;
  if (isNumberType(kind)) {
    // Exact digits as a JSON number; NaN and infinities have no JSON number form.
    return /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)
      ? text.replace(/^(-?)\./, '$10.')
      : JSON.stringify(text);
  }
  return JSON.stringify(text);
}

async function writeJson(result: StatementResult, write: (text: string) => void): Promise<number> {
  const keys = result.schema.map((f) => JSON.stringify(f.name));
  const kinds = result.schema.map((f) => f.type.kind);
  let n = 0;
  write('[');
  for await (const b of result.batches) {
    const lines: string[] = [];
    for (let i = 0; i < b.length; i++) {
      const fields = b.columns.map((v, c) => `${keys[c]}:${jsonValue(cellText(v, i), kinds[c]!)}`);
      lines.push(`${n + i === 0 ? '\n' : ',\n'}{${fields.join(',')}}`);
    }
    if (lines.length > 0) write(lines.join(''));
    n += b.length;
  }
  write(n === 0 ? ']\n' : '\n]\n');
  return n;
}

// ---------------------------------------------------------------------------------------------
// Table

async function writeTable(result: StatementResult, write: (text: string) => void): Promise<number> {
  const rows: (string | null)[][] = [];
  for await (const b of result.batches) {
    for (let i = 0; i < b.length; i++) rows.push(b.columns.map((v) => cellText(v, i)));
  }
  write(formatTable(result.schema, rows));
  return rows.length;
}

/** A box-drawn table of `rows` (NULL shown as `NULL`), names and types on top, the row count below. */
export function formatTable(
  schema: Schema,
  rows: readonly (readonly (string | null)[])[],
  options: { rowCount?: boolean; types?: boolean } = {},
): string {
  if (schema.length === 0) return '';
  const names = schema.map((f) => f.name);
  const types = schema.map((f) => typeToString(f.type).toLowerCase());
  const right = schema.map((f) => isNumberType(f.type.kind));
  const cells = rows.map((r) => r.map((v) => (v === null ? 'NULL' : v.replace(/[\r\n\t]/g, ' '))));
  const widths = schema.map((_, c) =>
    Math.max(
      width(names[c]!),
      options.types === false ? 0 : width(types[c]!),
      ...cells.map((r) => width(r[c]!)),
    ),
  );
  const line = (l: string, m: string, r: string) =>
    `${l}${widths.map((w) => '─'.repeat(w + 2)).join(m)}${r}\n`;
  const row = (vals: readonly string[], alignRight: readonly boolean[]) =>
    `│${vals.map((v, c) => ` ${alignRight[c] ? pad(v, widths[c]!, true) : pad(v, widths[c]!, false)} `).join('│')}│\n`;
  const center = widths.map(() => false);
  let out = line('┌', '┬', '┐');
  out += row(names, center);
  if (options.types !== false) out += row(types, center);
  out += line('├', '┼', '┤');
  for (const r of cells) out += row(r, right);
  out += line('└', '┴', '┘');
  if (options.rowCount !== false) out += `${rows.length} row${rows.length === 1 ? '' : 's'}\n`;
  return out;
}

/** Display width: code points (wide characters count as one; good enough for a terminal table). */
function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
}
