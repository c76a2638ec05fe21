/**
 * CSV scan (RFC 4180): a header row (by default), fields separated by `,`, records by LF or
 * CRLF, `"`-quoted fields that may hold separators, newlines and `""` for a quote. An empty
 * unquoted field is NULL; a quoted empty field (`""`) is the empty string. Values are parsed from
 * the bytes straight into typed columns (no per-field JS strings except for text that needs
 * unescaping), typed by a given schema or by sampling the file (`inferCsvSchema`, DuckDB's choice of
 * types: BOOLEAN, BIGINT, DOUBLE, DATE, TIMESTAMP, else VARCHAR).
 *
 * The file is read in chunks (8 MiB ranged GETs). A byte-range split (`range`) reads the records
 * that *start* inside the range — skipping the partial record at its beginning, finishing the one
 * that runs past its end — so splits of one file can be scanned by different tasks. That split rule
 * cannot see a quoted field containing a newline across a split boundary; such files must be
 * scanned whole.
 *
 * @example
 * const schema = await inferCsvSchema(store, 'orders.csv');
 * const scan = csvScan({ store, key: 'orders.csv', schema, columns: ['o_orderkey', 'o_orderdate'] }, ctx);
 */
import { SkeinError } from '../../errors.ts';
import type { BlobStore, ByteRange } from '../../ports/blob-store.ts';
import {
  BOOLEAN,
  DATE,
  type DataType,
  FLOAT64,
  INT64,
  type Schema,
  TIMESTAMP,
  typeToString,
  VARCHAR,
} from '../../types/data-type.ts';
import type { BatchStream, ExecContext } from '../context.ts';
import { checkCancelled } from '../filter.ts';
import {
  parseBoolean,
  parseDate,
  parseDecimal,
  parseDouble,
  parseInteger,
  parseInterval,
  parseTimestamp,
} from '../kernels/parse.ts';
import { StrBuilder } from '../kernels/str-builder.ts';
import {
  type Batch,
  boolVector,
  f64Vector,
  i32Vector,
  i64Vector,
  intervalVector,
  type Vector,
} from '../vector.ts';

export interface CsvOptions {
  /** Whether the first record names the columns (default true). */
  readonly header?: boolean;
  /** One ASCII character (default ','). */
  readonly delimiter?: string;
  /** One ASCII character (default '"'). */
  readonly quote?: string;
}

export interface CsvScanOptions extends CsvOptions {
  readonly store: BlobStore;
  readonly key: string;
  /** Every column of the file, in file order. */
  readonly schema: Schema;
  /** Columns to produce, in output order (all when absent). */
  readonly columns?: readonly string[];
  /** Scan only the records starting in this byte range (a split). */
  readonly range?: ByteRange;
  /** Bytes per GET (default 8 MiB). */
  readonly chunkBytes?: number;
}

const DEFAULT_CHUNK = 8 << 20;
const LF = 10;
const CR = 13;
const decoder = new TextDecoder();

// ---------------------------------------------------------------------------------------------
// Record scanning

/** Field boundaries of one record: for field k, bytes [start[k], end[k]); `quoted[k]` = 1 when quoted, 2 when it also holds `""`. */
interface Fields {
  count: number;
  start: Int32Array;
  end: Int32Array;
  quoted: Uint8Array;
}

function newFields(capacity: number): Fields {
  return {
    count: 0,
    start: new Int32Array(capacity),
    end: new Int32Array(capacity),
    quoted: new Uint8Array(capacity),
  };
}

function growFields(f: Fields): void {
  const cap = f.start.length * 2;
  const s = new Int32Array(cap);
  s.set(f.start);
  const e = new Int32Array(cap);
  e.set(f.end);
  const q = new Uint8Array(cap);
  q.set(f.quoted);
  f.start = s;
  f.end = e;
  f.quoted = q;
}

/**
 * Scans the record starting at `pos`. Returns the position after its terminator, or -1 when the
 * buffer ends inside it and more input may follow (`eof` false). `lines` counts newlines seen.
 */
function scanRecord(
  buf: Uint8Array,
  pos: number,
  end: number,
  eof: boolean,
  delim: number,
  quote: number,
  f: Fields,
  onBadQuote: (at: number) => never,
): number {
  f.count = 0;
  let p = pos;
  for (;;) {
    if (f.count === f.start.length) growFields(f);
    const k = f.count++;
    if (p < end && buf[p] === quote) {
      // Quoted field.
      let q = p + 1;
      let escaped = false;
      for (;;) {
        while (q < end && buf[q] !== quote) q++;
        if (q >= end) return eof ? onBadQuote(p) : -1;
        if (q + 1 < end && buf[q + 1] === quote) {
          escaped = true;
          q += 2;
          continue;
        }
        if (q + 1 >= end && !eof) return -1;
        break;
      }
      f.start[k] = p + 1;
      f.end[k] = q;
      f.quoted[k] = escaped ? 2 : 1;
      p = q + 1;
      if (p < end && buf[p] === CR && p + 1 < end && buf[p + 1] === LF) p++;
      else if (p < end && buf[p] === CR && p + 1 >= end && !eof) return -1;
      if (p >= end) return eof ? end : -1;
      const c = buf[p]!;
      if (c === delim) {
        p++;
        continue;
      }
      if (c === LF) return p + 1;
      return onBadQuote(p);
    }
    // Unquoted field: up to the delimiter or the end of the line.
    let q = p;
    while (q < end) {
      const c = buf[q]!;
      if (c === delim || c === LF) break;
      q++;
    }
    if (q >= end && !eof) return -1;
    f.start[k] = p;
    f.end[k] =
      q < end && buf[q] === LF && q > p && buf[q - 1] === CR
        ? q - 1
        : q >= end && q > p && buf[q - 1] === CR
          ? q - 1
          : q;
    f.quoted[k] = 0;
    if (q >= end) return end;
    if (buf[q] === LF) return q + 1;
    p = q + 1;
  }
}

/** Bytes of a quoted field with `""` turned into `"`. */
function unescapeQuotes(buf: Uint8Array, s: number, e: number, quote: number): Uint8Array {
  const out = new Uint8Array(e - s);
  let n = 0;
  for (let k = s; k < e; k++) {
    out[n++] = buf[k]!;
    if (buf[k] === quote && buf[k + 1] === quote) k++;
  }
  return out.subarray(0, n);
}

function countNewlines(buf: Uint8Array, s: number, e: number): number {
  let c = 0;
  for (let k = s; k < e; k++) if (buf[k] === LF) c++;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Column builders

interface ColumnBuilder {
  /** Parses field bytes into row `i`; returns false when they are not a value of the type. */
  set(i: number, buf: Uint8Array, s: number, e: number): boolean | 'range';
  setNull(i: number): void;
  finish(n: number): Vector;
}

function builderFor(type: DataType, capacity: number): ColumnBuilder {
  const validity = new Uint8Array((capacity + 7) >> 3).fill(0xff);
  let anyNull = false;
  const setNull = (i: number): void => {
    validity[i >> 3]! &= ~(1 << (i & 7));
    anyNull = true;
  };
  const valid = (n: number): Uint8Array | null => (anyNull ? validity.slice(0, (n + 7) >> 3) : null);
  switch (type.kind) {
    case 'boolean': {
      const values = new Uint8Array(capacity);
      return {
        set(i, b, s, e) {
          const r = parseBoolean(b, s, e);
          if (r === undefined) return false;
          values[i] = r;
          return true;
        },
        setNull,
        finish: (n) => boolVector(type, values.slice(0, n), valid(n)),
      };
    }
    case 'int32': {
      const values = new Int32Array(capacity);
      return {
        set(i, b, s, e) {
          const r = parseInteger(b, s, e);
          if (r === undefined) return false;
          if (typeof r !== 'number' || (r | 0) !== r) return 'range';
          values[i] = r;
          return true;
        },
        setNull,
        finish: (n) => i32Vector(type, values.slice(0, n), valid(n)),
      };
    }
    case 'date': {
      const values = new Int32Array(capacity);
      return {
        set(i, b, s, e) {
          const r = parseDate(b, s, e);
          if (typeof r !== 'number') return r === 'range' ? 'range' : false;
          values[i] = r;
          return true;
        },
        setNull,
        finish: (n) => i32Vector(type, values.slice(0, n), valid(n)),
      };
    }
    case 'int64':
    case 'decimal': {
      const values = new Float64Array(capacity);
      const wide: WideColumn = { big: null };
      const isInt = type.kind === 'int64';
      const precision = type.kind === 'decimal' ? type.precision : 0;
      const scale = type.kind === 'decimal' ? type.scale : 0;
      return {
        set(i, b, s, e) {
          const r = isInt ? parseInteger(b, s, e) : parseDecimal(b, s, e, precision, scale);
          if (typeof r === 'number') {
            values[i] = r;
            if (wide.big !== null) setWide(wide, i, r);
            return true;
          }
          if (r === undefined) return false;
          if (r === 'range') return 'range';
          return setWideBig(wide, values, capacity, i, r);
        },
        setNull,
        finish: (n) =>
          wide.big === null
            ? f64Vector(type, values.slice(0, n), valid(n))
            : i64Vector(type, wide.big.slice(0, n), valid(n)),
      };
    }
    case 'float64':
    case 'timestamp': {
      const values = new Float64Array(capacity);
      const parse = type.kind === 'float64' ? parseDouble : parseTimestamp;
      return {
        set(i, b, s, e) {
          const r = parse(b, s, e);
          if (typeof r !== 'number') return r === 'range' ? 'range' : false;
          values[i] = r;
          return true;
        },
        setNull,
        finish: (n) => f64Vector(type, values.slice(0, n), valid(n)),
      };
    }
    case 'varchar': {
      let sb = new StrBuilder(capacity, capacity * 16);
      return {
        set(_i, b, s, e) {
          sb.append(b, s, e);
          sb.endRow();
          return true;
        },
        setNull() {
          sb.endNull();
        },
        finish() {
          const v = sb.finish();
          sb = new StrBuilder(capacity, capacity * 16);
          return { ...v, type };
        },
      };
    }
    case 'interval': {
      const m = new Int32Array(capacity);
      const d = new Int32Array(capacity);
      const u = new Float64Array(capacity);
      return {
        set(i, b, s, e) {
          const r = parseInterval(decoder.decode(b.subarray(s, e)));
          if (r === undefined) return false;
          m[i] = r.months;
          d[i] = r.days;
          u[i] = r.micros;
          return true;
        },
        setNull,
        finish: (n) => intervalVector(type, m.slice(0, n), d.slice(0, n), u.slice(0, n), valid(n)),
      };
    }
    default:
      throw new SkeinError('NOT_IMPLEMENTED', `CSV columns of type ${typeToString(type)} are not supported`);
  }
}

/** A BIGINT/DECIMAL column that met a value beyond 2^53 switches to BigInt storage. */
interface WideColumn {
  big: BigInt64Array | null;
}

// BigInt work lives outside the per-field parsers: V8 optimizes a function holding BigInt
// operations much worse, even when they never run (measured 5× on DECIMAL parsing).
function setWide(w: WideColumn, i: number, v: number): void {
  w.big![i] = BigInt(v);
}

function setWideBig(
  w: WideColumn,
  values: Float64Array,
  capacity: number,
  i: number,
  r: bigint,
): true | 'range' {
  if (r < -(2n ** 63n) || r >= 2n ** 63n) return 'range';
  if (w.big === null) {
    w.big = new BigInt64Array(capacity);
    for (let k = 0; k < i; k++) w.big[k] = BigInt(values[k]!);
  }
  w.big[i] = r;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Reading

function byteOf(s: string | undefined, dflt: number, what: string): number {
  if (s === undefined) return dflt;
  if (s.length !== 1 || s.charCodeAt(0) > 127) {
    throw new SkeinError('INVALID_ARGUMENT', `the CSV ${what} must be one ASCII character, got '${s}'`);
  }
  return s.charCodeAt(0);
}

const NEED_MORE = 0;
const RECORD = 1;
const DONE = 2;

/**
 * The records of a file (or a byte range of it), as field boundaries over a buffer. `next()` is
 * synchronous — records are scanned without a promise each — and asks for `fill()` only when the
 * buffer ends inside a record.
 */
class RecordReader {
  buf = new Uint8Array(0);
  readonly f = newFields(16);
  /** Line number (1-based) of the current record. */
  line = 1;
  private pos = 0;
  private bufStartAbs: number;
  private readPos: number;
  private eof = false;
  private started = false;
  private skipHeader: boolean;
  private nextLine = 1;

  constructor(
    private readonly store: BlobStore,
    private readonly key: string,
    private readonly name: string,
    private readonly size: number,
    private readonly opts: {
      delim: number;
      quote: number;
      range?: ByteRange;
      chunk: number;
      skipHeader: boolean;
    },
  ) {
    const rangeStart = opts.range?.offset ?? 0;
    // A split not at the start owns the records that begin after the first newline at or after
    // (offset − 1): reading starts one byte early so a record starting exactly at `offset` is kept.
    this.readPos = rangeStart > 0 ? rangeStart - 1 : 0;
    this.bufStartAbs = this.readPos;
    this.eof = this.readPos >= size;
    this.skipHeader = opts.skipHeader && rangeStart === 0;
  }

  private get rangeEnd(): number {
    const r = this.opts.range;
    return r === undefined ? this.size : Math.min(this.size, r.offset + r.length);
  }

  async fill(): Promise<void> {
    const len = Math.min(this.opts.chunk, this.size - this.readPos);
    const chunk =
      len > 0 ? await this.store.get(this.key, { offset: this.readPos, length: len }) : new Uint8Array(0);
    this.readPos += chunk.length;
    this.eof = this.readPos >= this.size || chunk.length === 0;
    const rest = this.buf.subarray(this.pos);
    const next = new Uint8Array(rest.length + chunk.length);
    next.set(rest);
    next.set(chunk, rest.length);
    this.bufStartAbs += this.pos;
    this.buf = next;
    this.pos = 0;
  }

  private badQuote = (at: number): never => {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `${this.name} line ${this.nextLine}: a quoted field is not closed, or is followed by something other than a delimiter or a line end (byte ${this.bufStartAbs + at})`,
    );
  };

  /** Scans the next record: RECORD (fields in `f`), NEED_MORE (call fill), or DONE. */
  next(): number {
    const buf = this.buf;
    if (!this.started) {
      if ((this.opts.range?.offset ?? 0) > 0) {
        const nl = buf.indexOf(LF, this.pos);
        if (nl < 0) {
          if (this.eof) return DONE;
          this.pos = buf.length;
          return NEED_MORE;
        }
        this.pos = nl + 1;
      }
      this.started = true;
    }
    for (;;) {
      if (this.bufStartAbs + this.pos >= this.rangeEnd) return DONE;
      if (this.pos >= buf.length) return this.eof ? DONE : NEED_MORE;
      const next = scanRecord(
        buf,
        this.pos,
        buf.length,
        this.eof,
        this.opts.delim,
        this.opts.quote,
        this.f,
        this.badQuote,
      );
      if (next < 0) return this.eof ? DONE : NEED_MORE;
      const f = this.f;
      this.line = this.nextLine;
      this.nextLine += countNewlines(buf, this.pos, next);
      this.pos = next;
      // Empty lines are skipped.
      if (f.count === 1 && f.quoted[0] === 0 && f.end[0]! === f.start[0]!) continue;
      if (this.skipHeader) {
        this.skipHeader = false;
        continue;
      }
      return RECORD;
    }
  }
}

async function openRecords(
  store: BlobStore,
  key: string,
  opts: { delim: number; quote: number; range?: ByteRange; chunk: number; skipHeader: boolean },
): Promise<RecordReader> {
  const name = store.describe(key);
  const info = await store.head(key);
  if (info === undefined) throw new SkeinError('NOT_FOUND', `no such CSV file: ${name}`);
  return new RecordReader(store, key, name, info.size, opts);
}

/** The header names (or column0…), and a sample of records as text, for inference. */
async function sample(
  store: BlobStore,
  key: string,
  options: CsvOptions,
  maxRows: number,
): Promise<{ names: string[]; rows: (string | null)[][] }> {
  const delim = byteOf(options.delimiter, 44, 'delimiter');
  const quote = byteOf(options.quote, 34, 'quote');
  const header = options.header ?? true;
  const rows: (string | null)[][] = [];
  let names: string[] | undefined;
  const reader = await openRecords(store, key, { delim, quote, chunk: 1 << 20, skipHeader: false });
  for (;;) {
    const r = reader.next();
    if (r === NEED_MORE) {
      await reader.fill();
      continue;
    }
    if (r === DONE) break;
    const { buf, f } = reader;
    const fields: (string | null)[] = [];
    for (let k = 0; k < f.count; k++) {
      const s = f.start[k]!;
      const e = f.end[k]!;
      if (f.quoted[k] === 0 && s === e) fields.push(null);
      else
        fields.push(
          decoder.decode(f.quoted[k] === 2 ? unescapeQuotes(buf, s, e, quote) : buf.subarray(s, e)),
        );
    }
    if (names === undefined && header) names = fields.map((x, i) => x ?? `column${i}`);
    else rows.push(fields);
    if (rows.length >= maxRows) break;
  }
  names ??= (rows[0] ?? []).map((_, i) => `column${i}`);
  return { names, rows };
}

/**
 * Infers a schema by sampling up to `sampleRows` records: per column the first of BOOLEAN,
 * BIGINT, DOUBLE, DATE, TIMESTAMP that every non-empty sampled value parses as, else VARCHAR.
 */
export async function inferCsvSchema(
  store: BlobStore,
  key: string,
  options: CsvOptions & { sampleRows?: number } = {},
): Promise<Schema> {
  const { names, rows } = await sample(store, key, options, options.sampleRows ?? 2048);
  const enc = new TextEncoder();
  const candidates: [DataType, (b: Uint8Array) => boolean][] = [
    [BOOLEAN, (b) => /^\s*(true|false)\s*$/i.test(decoder.decode(b))],
    [
      INT64,
      (b) => typeof parseInteger(b, 0, b.length) === 'number' && /^\s*[+-]?\d+\s*$/.test(decoder.decode(b)),
    ],
    [FLOAT64, (b) => parseDouble(b, 0, b.length) !== undefined],
    [
      DATE,
      (b) => typeof parseDate(b, 0, b.length) === 'number' && /^\s*-?\d+-\d+-\d+\s*$/.test(decoder.decode(b)),
    ],
    [TIMESTAMP, (b) => typeof parseTimestamp(b, 0, b.length) === 'number'],
  ];
  return names.map((n, c) => {
    const values = rows.map((r) => r[c] ?? null).filter((v): v is string => v !== null);
    let type: DataType = VARCHAR;
    if (values.length > 0) {
      const bytes = values.map((v) => enc.encode(v));
      for (const [t, ok] of candidates) {
        if (bytes.every(ok)) {
          type = t;
          break;
        }
      }
    }
    return { name: n, type, nullable: true };
  });
}

/** A CSV scan with a known schema. */
export function csvScan(options: CsvScanOptions, ctx: ExecContext): BatchStream {
  const delim = byteOf(options.delimiter, 44, 'delimiter');
  const quote = byteOf(options.quote, 34, 'quote');
  if (delim === quote) throw new SkeinError('INVALID_ARGUMENT', 'the CSV delimiter and quote must differ');
  const all = options.schema;
  const wanted = options.columns ?? all.map((f) => f.name);
  const index = wanted.map((c) => {
    const i = all.findIndex((f) => f.name === c);
    if (i < 0) {
      throw new SkeinError(
        'NOT_FOUND',
        `column '${c}' is not in ${options.store.describe(options.key)} (its columns: ${all.map((f) => f.name).join(', ')})`,
      );
    }
    return i;
  });
  const schema = index.map((i) => all[i]!);
  const name = options.store.describe(options.key);
  return {
    schema,
    async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
      const cap = ctx.batchSize;
      let builders = schema.map((f) => builderFor(f.type, cap));
      let n = 0;
      const flush = (): Batch => {
        const b = { schema, length: n, columns: builders.map((x) => x.finish(n)) };
        builders = schema.map((f) => builderFor(f.type, cap));
        n = 0;
        return b;
      };
      const reader = await openRecords(options.store, options.key, {
        delim,
        quote,
        ...(options.range ? { range: options.range } : {}),
        chunk: options.chunkBytes ?? DEFAULT_CHUNK,
        skipHeader: options.header ?? true,
      });
      for (;;) {
        const r = reader.next();
        if (r === NEED_MORE) {
          await reader.fill();
          continue;
        }
        if (r === DONE) break;
        const { buf, f, line } = reader;
        if (f.count !== all.length) {
          throw new SkeinError(
            'INVALID_ARGUMENT',
            `${name} line ${line}: expected ${all.length} fields, found ${f.count}`,
          );
        }
        for (let c = 0; c < index.length; c++) {
          const k = index[c]!;
          const s = f.start[k]!;
          const e = f.end[k]!;
          const q = f.quoted[k]!;
          const b = builders[c]!;
          if (q === 0 && s === e) {
            b.setNull(n);
            continue;
          }
          const ok = q === 2 ? setUnescaped(b, n, buf, s, e, quote) : b.set(n, buf, s, e);
          if (ok !== true) {
            const text = decoder.decode(q === 2 ? unescapeQuotes(buf, s, e, quote) : buf.subarray(s, e));
            throw new SkeinError(
              'INVALID_ARGUMENT',
              `${name} line ${line}, column '${schema[c]!.name}': cannot cast '${text}' to ${typeToString(schema[c]!.type)}${
                ok === 'range' ? ' (out of range)' : ''
              }`,
            );
          }
        }
        if (++n === cap) {
          checkCancelled(ctx);
          yield flush();
        }
      }
      if (n > 0) yield flush();
    },
  };
}

function setUnescaped(b: ColumnBuilder, i: number, buf: Uint8Array, s: number, e: number, quote: number) {
  const u = unescapeQuotes(buf, s, e, quote);
  return b.set(i, u, 0, u.length);
}
