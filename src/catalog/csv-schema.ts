/**
 * CSV schema inference from a sample: the delimiter, whether there is a header, and each column's
 * type — the narrowest of BOOLEAN, BIGINT, DOUBLE, DATE, TIMESTAMP that every non-empty sampled
 * value fits, else VARCHAR (DuckDB's choices for the same sample). Empty fields are NULLs.
 *
 * @example
 * inferCsvSchema('a,b\n1,x\n2,y\n'); // { delimiter: ',', header: true, schema: [a BIGINT, b VARCHAR], … }
 */
import { SkeinError } from '../errors.ts';
import {
  BOOLEAN,
  DATE,
  type DataType,
  FLOAT64,
  INT64,
  type Schema,
  TIMESTAMP,
  VARCHAR,
} from '../types/data-type.ts';

export interface CsvOptions {
  /** One character; detected among `,` `|` `;` TAB when absent. */
  readonly delimiter?: string;
  /** Detected when absent: a first row of non-numeric names over a typed body is a header. */
  readonly header?: boolean;
  readonly quote?: string;
}

export interface CsvLayout {
  readonly delimiter: string;
  readonly header: boolean;
  readonly quote: string;
  readonly schema: Schema;
  /** Average bytes per data row in the sample, to estimate row counts from file sizes. */
  readonly bytesPerRow: number;
}

const CANDIDATE_DELIMITERS = [',', '|', ';', '\t'];

/** Splits CSV text into records (RFC 4180 quoting; LF or CRLF). A cut-off last record is dropped unless `complete`. */
export function parseCsvRecords(text: string, delimiter: string, quote = '"', complete = true): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === quote) {
        if (text[i + 1] === quote) {
          field += quote;
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === quote && field === '') {
      quoted = true;
      i++;
    } else if (ch === delimiter) {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += ch;
      i++;
    }
  }
  if (complete && (field !== '' || row.length > 0)) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Infers the layout of a CSV file from its first bytes (`complete` when the sample is the whole file). */
export function inferCsvSchema(
  sample: string,
  options: CsvOptions = {},
  file = 'the CSV file',
  complete = true,
): CsvLayout {
  const quote = options.quote ?? '"';
  const delimiter = options.delimiter ?? detectDelimiter(sample, quote, complete);
  const records = parseCsvRecords(sample, delimiter, quote, complete).filter(
    (r) => !(r.length === 1 && r[0] === ''),
  );
  if (records.length === 0)
    throw new SkeinError('INVALID_ARGUMENT', `${file} is empty: cannot infer its columns`);
  const width = records[0]!.length;
  const first = records[0]!;
  const body = records.slice(1);
  const bodyTypes = columnTypes(body, width);
  const header = options.header ?? detectHeader(first, body, bodyTypes);
  const data = header ? body : records;
  const types = header ? bodyTypes : columnTypes(records, width);
  const names = header
    ? first.map((v, i) => (v.trim() === '' ? `column${i}` : v.trim()))
    : first.map((_, i) => `column${i}`);
  const dataBytes = Math.max(1, sample.length - (header ? sample.indexOf('\n') + 1 || sample.length : 0));
  return {
    delimiter,
    header,
    quote,
    schema: names.map((name, i) => ({ name, type: types[i] ?? VARCHAR, nullable: true })),
    bytesPerRow: data.length > 0 ? dataBytes / data.length : 100,
  };
}

/** A first row is a header when it is text where the body is typed, or, for all-text bodies, when its values are distinct names. */
function detectHeader(
  first: readonly string[],
  body: readonly string[][],
  bodyTypes: readonly DataType[],
): boolean {
  if (first.some((v, c) => bodyTypes[c] !== VARCHAR && inferValueType(v) === VARCHAR && body.length > 0))
    return true;
  if (bodyTypes.some((t) => t !== VARCHAR) && body.length > 0) return false;
  return (
    first.every((v) => v.trim() !== '' && inferValueType(v) === VARCHAR) &&
    new Set(first).size === first.length
  );
}

function detectDelimiter(sample: string, quote: string, complete: boolean): string {
  let best = ',';
  let bestScore = -1;
  for (const d of CANDIDATE_DELIMITERS) {
    const rows = parseCsvRecords(sample, d, quote, complete).slice(0, 50);
    if (rows.length === 0) continue;
    const w = rows[0]!.length;
    if (w < 2) continue;
    const consistent = rows.filter((r) => r.length === w).length / rows.length;
    const score = consistent * 1000 + w;
    if (score > bestScore) {
      bestScore = score;
      best = d;
    }
  }
  return best;
}

function columnTypes(rows: readonly string[][], width: number): DataType[] {
  const out: DataType[] = [];
  for (let c = 0; c < width; c++) {
    let t: DataType | null = null;
    for (const r of rows) {
      const v = r[c] ?? '';
      if (v === '') continue;
      t = widen(t, inferValueType(v));
      if (t === VARCHAR) break;
    }
    out.push(t ?? VARCHAR);
  }
  return out;
}

function widen(a: DataType | null, b: DataType): DataType {
  if (a === null || a === b) return b;
  if ((a === INT64 && b === FLOAT64) || (a === FLOAT64 && b === INT64)) return FLOAT64;
  if ((a === DATE && b === TIMESTAMP) || (a === TIMESTAMP && b === DATE)) return TIMESTAMP;
  return VARCHAR;
}

/** The narrowest type one CSV value fits. */
export function inferValueType(v: string): DataType {
  const s = v.trim();
  if (/^(true|false)$/i.test(s)) return BOOLEAN;
  if (/^[-+]?\d{1,18}$/.test(s)) return INT64;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return FLOAT64;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return DATE;
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) return TIMESTAMP;
  return VARCHAR;
}
