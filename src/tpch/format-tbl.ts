/**
 * dbgen's `.tbl` text: every field followed by '|' (the last one too), rows ended by '\n',
 * money with two decimals, dates as YYYY-MM-DD. One quirk is kept for byte identity: dbgen
 * prints l_quantity as a whole number ("17", not "17.00").
 */
import { SkeinError } from '../errors.ts';
import type { ByteSink, TpchFormatWriter, TpchFormatWriterFactory } from './format.ts';
import {
  TPCH_SCHEMAS,
  type TpchBatch,
  type TpchColumnData,
  type TpchColumnType,
  type TpchTableName,
} from './schema.ts';
import { TEXT_FIELDS, type TextFields } from './text-fields.ts';

/** Bytes per chunk handed to the sink. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/** How each column is printed. */
const KIND_INT64 = 0;
const KIND_INT32 = 1;
const KIND_DECIMAL = 2;
/** A decimal column dbgen prints as an integer (l_quantity). */
const KIND_DECIMAL_AS_INTEGER = 3;
const KIND_DATE = 4;
const KIND_STRING = 5;

/** Widest text of a non-string field, with its separator: a 16-digit number, sign, '.', '|'. */
const MAX_NUMBER_FIELD = 24;
/** Room for word-wide copies running past the end of a field. */
const SLACK = 8;

const KIND_OF_TYPE: Readonly<Record<TpchColumnType, number>> = {
  int64: KIND_INT64,
  int32: KIND_INT32,
  decimal: KIND_DECIMAL,
  date: KIND_DATE,
  string: KIND_STRING,
};

function columnKinds(table: TpchTableName): Int32Array {
  return Int32Array.from(TPCH_SCHEMAS[table], (c) =>
    table === 'lineitem' && c.name === 'l_quantity' ? KIND_DECIMAL_AS_INTEGER : KIND_OF_TYPE[c.type],
  );
}

const NO_BUFFER = new Uint8Array(0);

/**
 * Encodes batches of one table into `.tbl` chunks of about `chunkBytes`. Each emitted chunk is a
 * fresh buffer the receiver may keep; a chunk is allocated when the first row needs it.
 */
export class TblEncoder {
  private readonly kinds: Int32Array;
  private readonly rows: RowEncoder;
  private readonly chunkBytes: number;
  private readonly fields: TextFields = TEXT_FIELDS;
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(
    readonly table: TpchTableName,
    chunkBytes = CHUNK_BYTES,
  ) {
    this.kinds = columnKinds(table);
    this.rows = rowEncoder(table);
    this.chunkBytes = chunkBytes;
    this.buf = NO_BUFFER;
    this.view = new DataView(this.buf.buffer);
  }

  /** Encodes a batch, calling `emit` for every chunk that fills up. */
  encode(batch: TpchBatch, emit: (chunk: Uint8Array) => void): void {
    const ncols = this.kinds.length;
    if (batch.table !== this.table || batch.columns.length !== ncols) {
      throw new SkeinError(
        'INTERNAL',
        `internal error (this is a bug in Skein): a ${batch.table} batch with ${batch.columns.length} columns sent to the ${this.table} .tbl encoder`,
      );
    }
    for (let c = 0; c < ncols; c++) {
      const type = batch.columns[c]!.type;
      const kind = this.kinds[c];
      const expected = kind === KIND_STRING ? 'string' : kind === KIND_DATE ? 'date' : null;
      if (expected !== null ? type !== expected : type === 'string' || type === 'date') {
        throw new SkeinError(
          'INTERNAL',
          `internal error (this is a bug in Skein): column ${c} of a ${batch.table} batch has type ${type}`,
        );
      }
    }
    this.pos = this.rows(this, batch.rows, emit, batch.columns);
  }

  /**
   * Hands out the current chunk (ending at `pos`) and starts a new one with room for at least
   * `bytes`; for the row loop.
   */
  nextChunk(pos: number, emit: (chunk: Uint8Array) => void, bytes: number): void {
    if (pos > 0) emit(this.buf.subarray(0, pos));
    this.buf = new Uint8Array(Math.max(this.chunkBytes, bytes));
    this.view = new DataView(this.buf.buffer);
  }

  get buffer(): Uint8Array {
    return this.buf;
  }

  get bufferView(): DataView {
    return this.view;
  }

  get position(): number {
    return this.pos;
  }

  get textFields(): TextFields {
    return this.fields;
  }

  /** Returns what is buffered (possibly nothing); the next row starts a new chunk. */
  flush(): Uint8Array {
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = NO_BUFFER;
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
    return chunk;
  }
}

/**
 * The row loop of one table: straight-line code per column, compiled once per table from its
 * schema with `new Function` (only the column positions and kinds go into the source). A generic
 * loop that dispatches on each field's type took twice as long on lineitem.
 */
type RowEncoder = (
  e: TblEncoder,
  rows: number,
  emit: (chunk: Uint8Array) => void,
  columns: readonly TpchColumnData[],
) => number;

const rowEncoders = new Map<TpchTableName, RowEncoder>();

function rowEncoder(table: TpchTableName): RowEncoder {
  let f = rowEncoders.get(table);
  if (f === undefined) {
    f = compileRowEncoder(columnKinds(table));
    rowEncoders.set(table, f);
  }
  return f;
}

/**
 * The source of a table's row loop; see `rowEncoder`. `encode` has checked the column types.
 * Numbers and dates are TextFields' methods written out inline (V8 would not inline that many
 * calls), reading its tables from locals.
 */
function compileRowEncoder(kinds: Int32Array): RowEncoder {
  const setup: string[] = [];
  const body: string[] = [];
  const stringLengths: string[] = [];
  let fixed = 1 + SLACK;
  const uint = (v: string): string[] => [
    `if (${v} < 10000) { view.setInt32(pos, left[${v}], true); pos += width[${v}]; }`,
    `else if (${v} < 100000000) { const h = (${v} / 10000) | 0; view.setInt32(pos, left[h], true); pos += width[h];`,
    `  view.setInt32(pos, padded[${v} - h * 10000], true); pos += 4; }`,
    `else pos = fields.largeUint(view, pos, ${v});`,
  ];
  const sign = (v: string): string => `if (${v} < 0) { view.setUint8(pos++, 0x2d); ${v} = -${v}; }`;
  kinds.forEach((kind, c) => {
    if (kind === KIND_STRING) {
      setup.push(
        `const o${c} = columns[${c}].offsets, b${c} = columns[${c}].bytes;`,
        `const v${c} = new DataView(b${c}.buffer, b${c}.byteOffset, b${c}.byteLength), n${c} = b${c}.length - 3;`,
      );
      stringLengths.push(`o${c}[r + 1] - o${c}[r]`);
      fixed += 1;
      // 4 bytes at a time while the source has room to read past the end.
      body.push(
        `{ const s = o${c}[r], len = o${c}[r + 1] - s;`,
        `  if (s + len < n${c}) { for (let k = 0; k < len; k += 4) view.setInt32(pos + k, v${c}.getInt32(s + k, true), true); }`,
        `  else { for (let k = 0; k < len; k++) out[pos + k] = b${c}[s + k]; }`,
        '  pos += len; }',
      );
    } else {
      setup.push(`const c${c} = columns[${c}].values;`);
      fixed += MAX_NUMBER_FIELD;
      switch (kind) {
        case KIND_INT64:
        case KIND_INT32:
          body.push(`{ let v = c${c}[r]; ${sign('v')}`, ...uint('v'), '}');
          break;
        case KIND_DECIMAL:
          body.push(
            `{ let v = c${c}[r]; ${sign('v')} const w = Math.floor(v / 100);`,
            ...uint('w'),
            '  view.setInt32(pos, cents[v - w * 100], true); pos += 3; }',
          );
          break;
        case KIND_DECIMAL_AS_INTEGER:
          body.push(`{ let v = Math.trunc(c${c}[r] / 100); ${sign('v')}`, ...uint('v'), '}');
          break;
        case KIND_DATE:
          body.push(
            `{ const i = c${c}[r] - firstDay;`,
            '  if (i >= 0 && i < days) { const s = i * 12; view.setInt32(pos, dates.getInt32(s, true), true);',
            '    view.setInt32(pos + 4, dates.getInt32(s + 4, true), true); view.setInt32(pos + 8, dates.getInt32(s + 8, true), true); }',
            `  else fields.date(view, pos, c${c}[r]);`,
            '  pos += 10; }',
          );
          break;
      }
    }
    body.push('out[pos++] = 0x7c;');
  });
  const rowBytes = [String(fixed), ...stringLengths].join(' + ');
  const source = `
    ${setup.join('\n    ')}
    const fields = e.textFields;
    const { left, width, padded, cents, firstDay, days } = fields, dates = fields.dateTable;
    let out = e.buffer, view = e.bufferView, pos = e.position;
    for (let r = 0; r < rows; r++) {
      const rowBytes = ${rowBytes};
      if (pos + rowBytes > out.length) {
        e.nextChunk(pos, emit, rowBytes);
        out = e.buffer; view = e.bufferView; pos = 0;
      }
      ${body.join('\n      ')}
      out[pos++] = 0x0a;
    }
    return pos;`;
  return new Function('e', 'rows', 'emit', 'columns', source) as RowEncoder;
}

/**
 * One batch as `.tbl` text (for tests and benchmarks; writers should use `tblWriter`).
 *
 * @example
 * new TextDecoder().decode(encodeTblBatch(batch)); // "1|Customer#000000001|...|\n..."
 */
export function encodeTblBatch(batch: TpchBatch): Uint8Array {
  const encoder = new TblEncoder(batch.table, 1 << 20);
  const chunks: Uint8Array[] = [];
  encoder.encode(batch, (c) => chunks.push(c));
  chunks.push(encoder.flush());
  if (chunks.length === 1) return chunks[0]!;
  return Buffer.concat(chunks);
}

class TblWriter implements TpchFormatWriter {
  private readonly encoder: TblEncoder;
  private readonly ready: Uint8Array[] = [];

  constructor(
    table: TpchTableName,
    private readonly sink: ByteSink,
  ) {
    this.encoder = new TblEncoder(table);
  }

  async write(batch: TpchBatch): Promise<void> {
    this.encoder.encode(batch, (chunk) => this.ready.push(chunk));
    while (this.ready.length > 0) await this.sink(this.ready.shift()!);
  }

  async finish(): Promise<void> {
    const last = this.encoder.flush();
    if (last.length > 0) await this.sink(last);
  }
}

/**
 * Writes `.tbl` files identical to dbgen's, in chunks of 4 MiB.
 *
 * @example
 * const w = tblWriter('nation', (chunk) => blob.write(chunk));
 * for (const b of generateBatches('nation', 1, 0, 25)) await w.write(b);
 * await w.finish();
 */
export const tblWriter: TpchFormatWriterFactory = (table, sink) => new TblWriter(table, sink);
