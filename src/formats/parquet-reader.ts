/**
 * Reads Parquet files from a BlobStore with range reads, one row group at a time.
 *
 * Opening costs one ranged GET for the file's last 64 KiB (plus a HEAD when the size is not
 * given, and a second GET when the footer is larger). Skein decodes the footer itself — parquet-wasm
 * 0.8 does not expose column statistics — and keeps all I/O in its own hands: reading a row group
 * fetches the wanted column chunks (adjacent ones coalesced into one GET, distant ones in parallel),
 * assembles them into a small Parquet file (`parquet-subset.ts`) and decodes that with parquet-wasm's
 * sync `readParquet`. The result crosses to apache-arrow as one IPC buffer (one copy out of wasm,
 * zero-copy after that).
 *
 * Why not parquet-wasm's async `ParquetFile` (which the stack probe measured): it `unwrap`s read and
 * decode errors inside wasm, so a failed GET or a damaged page becomes an uncaught exception and a
 * promise that never settles. Here a storage error surfaces as itself and a damaged file as a
 * SkeinError naming it.
 *
 * Memory: a row group's chosen chunks are held once in JS and once in wasm, and decoded whole inside
 * wasm (whose memory never shrinks and is capped at 4 GiB): budget about twice the decoded size of
 * the largest row group read, plus its compressed size.
 *
 * @example
 * const file = await ParquetReader.open(store, 'tpch/sf1/lineitem/part-0.parquet');
 * for (let i = 0; i < file.rowGroups.length; i++) {
 *   const shipdate = file.statistics(i, 'l_shipdate'); // { min: 8036, max: 10561, ... } (days)
 *   const batches = await file.readRowGroup(i, ['l_quantity', 'l_shipdate']);
 * }
 */
import {
  type Data,
  type DataType,
  Decimal,
  Dictionary,
  Field,
  Int32,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Type,
  tableFromIPC,
  tableToIPC,
  Utf8,
} from 'apache-arrow';
import type * as ParquetWasm from 'parquet-wasm';
import { SkeinError } from '../errors.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { type FfiBatches, openFfiStream, UnsupportedFfi } from './arrow-ffi.ts';
import {
  decodeParquetFooterThrift,
  type ParquetColumnStatistics,
  type ParquetFooter,
  type ParquetRowGroup,
  parquetFooterLength,
} from './parquet-footer.ts';
import { parquetSubset } from './parquet-subset.ts';
import type { ThriftStruct } from './thrift-compact.ts';

export interface ParquetOpenOptions {
  /** The file's size when already known (from a listing): saves a HEAD request. */
  readonly size?: number;
}

/**
 * parquet-wasm, loaded on first use: its Node build compiles a 4.9 MB wasm module as it is
 * imported (~100 ms), which processes that never decode Parquet — the API and coordinator functions,
 * which read footers with Skein's own decoder — should not pay at start.
 */
let wasm: typeof ParquetWasm | undefined;
let wasmLoading: Promise<typeof ParquetWasm> | undefined;
async function parquetWasm(): Promise<typeof ParquetWasm> {
  wasmLoading ??= import('parquet-wasm').then((m) => {
    wasm = m;
    return m;
  });
  return wasmLoading;
}

/** Bytes read from the end of a file on open; most footers fit, and small files entirely. */
const TAIL_BYTES = 64 << 10;
/**
 * Readers of recently opened files, by location and size (least recently used first). A reader
 * holds only the footer and the file's last bytes; reading row groups does not change it.
 */
const OPENED = new Map<string, { store: BlobStore; reader: ParquetReader }>();
const OPENED_MAX = 256;

/** Column chunks closer than this are fetched with one GET, gap included. */
const COALESCE_GAP = 1 << 20;

export class ParquetReader {
  /** The file's location, for messages. */
  readonly name: string;
  readonly size: number;
  /** The Arrow schema of the whole file, as `readRowGroup` returns its columns. */
  readonly schema: Schema;
  readonly footer: ParquetFooter;
  private readonly store: BlobStore;
  private readonly key: string;
  private readonly thrift: ThriftStruct;
  private readonly tailStart: number;
  private readonly tail: Uint8Array;
  private readonly fieldIndex: ReadonlyMap<string, number>;
  private readonly leafIndex: ReadonlyMap<string, number>;
  private readonly hasArrowSchema: boolean;

  private constructor(args: {
    store: BlobStore;
    key: string;
    name: string;
    size: number;
    schema: Schema;
    footer: ParquetFooter;
    thrift: ThriftStruct;
    tailStart: number;
    tail: Uint8Array;
  }) {
    this.store = args.store;
    this.key = args.key;
    this.name = args.name;
    this.size = args.size;
    this.schema = args.schema;
    this.footer = args.footer;
    this.thrift = args.thrift;
    this.tailStart = args.tailStart;
    this.tail = args.tail;
    this.fieldIndex = new Map(args.footer.fields.map((f, i) => [f.name, i]));
    this.leafIndex = new Map(args.footer.columns.map((c, i) => [c.name, i]));
    this.hasArrowSchema = args.footer.keyValueMetadata.has('ARROW:schema');
  }

  /**
   * Opens `key` in `store`. A missing file is a NOT_FOUND SkeinError, a file that is not Parquet
   * (or is truncated) an INVALID_ARGUMENT one; both name the file. Storage errors pass through.
   */
  static async open(store: BlobStore, key: string, options: ParquetOpenOptions = {}): Promise<ParquetReader> {
    // A file opened before with the size its listing gives now: its footer is reused (a query over a
    // table opens each of its files; a session runs many queries over the same tables).
    const cacheKey = options.size === undefined ? undefined : `${store.describe(key)}\u0000${options.size}`;
    const cached = cacheKey === undefined ? undefined : OPENED.get(cacheKey);
    if (cached !== undefined && cached.store === store) {
      OPENED.delete(cacheKey!);
      OPENED.set(cacheKey!, cached);
      return cached.reader;
    }
    const reader = await ParquetReader.openUncached(store, key, options);
    if (cacheKey !== undefined) {
      OPENED.set(cacheKey, { store, reader });
      if (OPENED.size > OPENED_MAX) OPENED.delete(OPENED.keys().next().value!);
    }
    return reader;
  }

  private static async openUncached(
    store: BlobStore,
    key: string,
    options: ParquetOpenOptions,
  ): Promise<ParquetReader> {
    const { name, size, footer, thrift, tailStart, tail } = await fetchParquetFooter(store, key, options);
    const { readSchema } = await parquetWasm();
    let schema: Schema;
    try {
      const all = footer.fields.map((_, i) => i);
      const schemaOnly = parquetSubset(thrift, footer, undefined, all, () => new Uint8Array(0));
      schema = tableFromIPC(readSchema(schemaOnly).intoIPCStream()).schema;
    } catch (err) {
      if (err instanceof SkeinError && err.code === 'NOT_IMPLEMENTED') throw err;
      throw corrupt(name, `its schema cannot be read (${message(err)})`, err);
    }
    return new ParquetReader({ store, key, name, size, schema, footer, thrift, tailStart, tail });
  }

  get numRows(): number {
    return this.footer.numRows;
  }

  get rowGroups(): readonly ParquetRowGroup[] {
    return this.footer.rowGroups;
  }

  /**
   * Min/max/null count of a leaf column in a row group, as the writer recorded them (see
   * `ParquetStatValue` for the value types), or undefined when the file has none.
   */
  statistics(rowGroup: number, column: string): ParquetColumnStatistics | undefined {
    const rg = this.rowGroup(rowGroup);
    const i = this.leafIndex.get(column);
    if (i === undefined) throw this.unknownColumn(column);
    return rg.columns[i]!.statistics;
  }

  /**
   * Reads one row group, only `columns` (all when omitted), in the order asked for. One batch, or
   * none when the row group is empty.
   */
  async readRowGroup(index: number, columns?: readonly string[]): Promise<RecordBatch[]> {
    const subset = await this.rowGroupSubset(index, columns);
    if (subset.kind === 'empty') return subset.batches;
    await parquetWasm();
    return this.decodeIpc(subset.bytes, subset.rows, subset.order, index);
  }

  /**
   * Like `readRowGroup`, but hands each batch to `consume` while it still points into the
   * decoder's memory (no IPC copy: see `arrow-ffi.ts`) and returns what `consume` made of it. The
   * batch must not be kept: convert it (e.g. `batchFromArrow`, which copies what it shares).
   */
  async readRowGroupWith<T>(
    index: number,
    columns: readonly string[] | undefined,
    consume: (batch: RecordBatch) => T,
  ): Promise<T[]> {
    const slices = await this.readRowGroupSlices(index, columns, consume, (t) => t);
    try {
      return slices.lengths.map((n, b) => slices.take(b, 0, n));
    } finally {
      slices.free();
    }
  }

  /**
   * Decodes one row group and returns its record batches to be converted a slice of rows at a
   * time, by `consume` (which must copy what it keeps: slices point into the decoder's memory).
   * The decoded row group stays in wasm memory until `free()`; converting slice by slice, as a
   * consumer pulls them, keeps each slice's converted columns in cache for the operators above.
   * `slice` is used instead when the C Data Interface cannot carry a column type (IPC fallback).
   * `dictionaries`: string columns to hand out as dictionaries where their chunk is a small
   * dictionary (a caller that converts only some rows of them), besides the one-byte ones.
   */
  async readRowGroupSlices<T>(
    index: number,
    columns: readonly string[] | undefined,
    consume: (batch: RecordBatch) => T,
    slice: (t: T, lo: number, hi: number) => T,
    options: { readonly dictionaries?: ReadonlySet<string> } = {},
  ): Promise<RowGroupSlices<T>> {
    const subset = await this.rowGroupSubset(index, columns, true, options.dictionaries);
    if (subset.kind === 'empty') return eagerSlices(subset.batches, consume, slice);
    const { bytes, rows, order } = subset;
    const { readParquet, wasmMemory } = await parquetWasm();
    let table: ReturnType<typeof readParquet>;
    try {
      table = readParquet(bytes, { batchSize: rows });
    } catch (err) {
      throw corrupt(this.name, `row group ${index} cannot be read (${message(err)})`, err);
    }
    const stream = table.intoFFI();
    let batches: FfiBatches;
    try {
      batches = openFfiStream(stream, wasmMemory());
    } catch (err) {
      stream.free();
      if (!(err instanceof UnsupportedFfi)) throw err;
      return eagerSlices(this.decodeIpc(bytes, rows, order, index), consume, slice);
    }
    let freed = false;
    return {
      lengths: batches.lengths,
      take(b, lo, hi) {
        if (freed) throw new SkeinError('INTERNAL', 'a row group slice taken after free()');
        const rb = batches.slice(b, lo, hi);
        return consume(order === null ? rb : rb.selectAt(order));
      },
      view(b, c, lo, hi) {
        if (freed) throw new SkeinError('INTERNAL', 'a row group slice taken after free()');
        return batches.view(b, order === null ? c : order[c]!, lo, hi);
      },
      free() {
        if (!freed) stream.free();
        freed = true;
      },
    };
  }

  /** The Parquet bytes of one row group's wanted columns, and how to reorder them as asked. */
  private async rowGroupSubset(
    index: number,
    columns?: readonly string[],
    decimal64 = false,
    asDictionaries: ReadonlySet<string> = new Set(),
  ): Promise<
    | { kind: 'empty'; batches: RecordBatch[] }
    | { kind: 'subset'; bytes: Uint8Array; rows: number; order: number[] | null }
  > {
    const rg = this.rowGroup(index);
    const wanted = (columns ?? this.footer.fields.map((f) => f.name)).map((c) => {
      const i = this.fieldIndex.get(c);
      if (i === undefined) throw this.unknownColumn(c);
      return i;
    });
    if (new Set(wanted).size !== wanted.length) {
      throw new SkeinError('INTERNAL', `columns asked twice from ${this.name}: ${columns?.join(', ')}`);
    }
    if (rg.numRows === 0) return { kind: 'empty', batches: [] };
    if (wanted.length === 0) return { kind: 'empty', batches: [noColumns(rg.numRows)] };

    const fields = [...wanted].sort((a, b) => a - b);
    const leaves = fields.flatMap((f) => {
      const field = this.footer.fields[f]!;
      return Array.from({ length: field.leafCount }, (_, i) => field.firstLeaf + i);
    });
    const chunks = await this.fetchChunks(rg, leaves);
    // When asked (`decimal64`, the C Data Interface path): narrow decimals decode as Decimal64,
    // half the bytes of Decimal128 and a cheap conversion to Skein's 64-bit decimals; and string
    // columns stored as dictionaries of one-byte strings stay dictionaries — codes plus values,
    // which Skein expands itself: ~2.6 + ~1 ms per 1M rows of l_returnflag instead of ~10.
    const dictionaries = new Set(
      decimal64
        ? fields.filter((f) => this.smallDictionary(rg, f, asDictionaries.has(this.footer.fields[f]!.name)))
        : [],
    );
    const hinted =
      decimal64 &&
      (dictionaries.size > 0 || fields.some((f) => isNarrowDecimal(this.schema.fields[f]!.type)));
    const bytes = parquetSubset(this.thrift, this.footer, index, fields, (leaf) => chunks.get(leaf)!, {
      ...(hinted
        ? { arrowSchema: arrowSchemaMetadata(this.schema, fields, true, dictionaries) }
        : this.hasArrowSchema && fields.length < this.footer.fields.length
          ? { arrowSchema: arrowSchemaMetadata(this.schema, fields) }
          : {}),
    });
    // Columns come in file order; give them in the order asked for.
    const order = wanted.map((f) => fields.indexOf(f));
    return { kind: 'subset', bytes, rows: rg.numRows, order: order.every((o, i) => o === i) ? null : order };
  }

  /**
   * A flat UTF-8 field whose chunk in `rg` is dictionary-encoded with a small dictionary (its
   * pages hold little more than the codes; a chunk that fell back to plain pages is larger) of
   * what look like one-byte strings: its statistics' bounds are one byte long. Skein expands those
   * faster than the decoder; longer strings it expands slower, so they are left to the decoder
   * unless `anyLength` (a caller that converts only a few rows of the column).
   */
  private smallDictionary(rg: ParquetRowGroup, f: number, anyLength = false): boolean {
    const field = this.footer.fields[f]!;
    if (field.elementCount !== 1 || this.schema.fields[f]!.type.typeId !== Type.Utf8) return false;
    const chunk = rg.columns[field.firstLeaf]!;
    const oneByte = (v: unknown) => (typeof v === 'string' || v instanceof Uint8Array) && v.length === 1;
    return (
      chunk.hasDictionary &&
      chunk.uncompressedBytes <= 2 * rg.numRows + (1 << 20) &&
      (anyLength || (oneByte(chunk.statistics?.min) && oneByte(chunk.statistics?.max)))
    );
  }

  private decodeIpc(bytes: Uint8Array, rows: number, order: number[] | null, index: number): RecordBatch[] {
    let batches: RecordBatch[];
    try {
      // Loaded: every caller awaited parquetWasm() first.
      batches = tableFromIPC(wasm!.readParquet(bytes, { batchSize: rows }).intoIPCStream()).batches;
    } catch (err) {
      throw corrupt(this.name, `row group ${index} cannot be read (${message(err)})`, err);
    }
    return order === null ? batches : batches.map((b) => b.selectAt(order));
  }

  /** Fetches the chunks of `leaves` in a row group: from the cached tail, or coalesced ranged GETs. */
  private async fetchChunks(
    rg: ParquetRowGroup,
    leaves: readonly number[],
  ): Promise<Map<number, Uint8Array>> {
    const out = new Map<number, Uint8Array>();
    const ranges: { start: number; end: number; leaves: number[] }[] = [];
    const sorted = [...leaves].sort((a, b) => rg.columns[a]!.startOffset - rg.columns[b]!.startOffset);
    for (const leaf of sorted) {
      const c = rg.columns[leaf]!;
      const start = c.startOffset;
      const end = start + c.compressedBytes;
      if (start >= this.tailStart) {
        out.set(leaf, this.tail.subarray(start - this.tailStart, end - this.tailStart));
        continue;
      }
      const last = ranges[ranges.length - 1];
      if (last && start - last.end <= COALESCE_GAP && start >= last.start) {
        last.end = Math.max(last.end, end);
        last.leaves.push(leaf);
      } else ranges.push({ start, end, leaves: [leaf] });
    }
    await Promise.all(
      ranges.map(async (r) => {
        const bytes = await readExactly(this.store, this.key, this.name, r.start, r.end - r.start);
        for (const leaf of r.leaves) {
          const c = rg.columns[leaf]!;
          out.set(leaf, bytes.subarray(c.startOffset - r.start, c.startOffset - r.start + c.compressedBytes));
        }
      }),
    );
    return out;
  }

  private rowGroup(index: number): ParquetRowGroup {
    const rg = this.footer.rowGroups[index];
    if (rg === undefined || !Number.isInteger(index)) {
      throw new SkeinError(
        'INTERNAL',
        `row group ${index} asked of ${this.name}, which has ${this.footer.rowGroups.length} row groups`,
      );
    }
    return rg;
  }

  private unknownColumn(column: string): SkeinError {
    return new SkeinError(
      'NOT_FOUND',
      `column '${column}' is not in ${this.name} (its columns: ${this.schema.fields.map((f) => f.name).join(', ')})`,
    );
  }
}

/** What `fetchParquetFooter` read: the decoded footer and the file's last bytes. */
export interface FetchedParquetFooter {
  /** The file's location, for messages. */
  readonly name: string;
  readonly size: number;
  readonly footer: ParquetFooter;
  /** The footer as decoded Thrift, for rewriting (`parquet-subset.ts`). */
  readonly thrift: ThriftStruct;
  /** The file's bytes from `tailStart` to its end (at least the footer; the whole of a small file). */
  readonly tailStart: number;
  readonly tail: Uint8Array;
}

/**
 * Reads and decodes a Parquet file's footer with one ranged GET of its last 64 KiB (a second when
 * the footer is larger; a HEAD first when `size` is not given), checking that every column chunk
 * lies inside the file. Errors as for `ParquetReader.open`.
 *
 * @example
 * const { footer } = await fetchParquetFooter(store, 'lineitem/part-0.parquet', { size });
 */
export async function fetchParquetFooter(
  store: BlobStore,
  key: string,
  options: ParquetOpenOptions = {},
): Promise<FetchedParquetFooter> {
  const name = store.describe(key);
  const size = options.size ?? (await store.head(key))?.size;
  if (size === undefined) throw new SkeinError('NOT_FOUND', `no such Parquet file: ${name}`);
  if (size < 12) throw corrupt(name, `it is only ${size} bytes long`);

  let tailStart = Math.max(0, size - TAIL_BYTES);
  let tail = await readExactly(store, key, name, tailStart, size - tailStart);
  const footerLen = parquetFooterLength(tail.subarray(tail.length - 8), name);
  if (footerLen + 12 > size)
    throw corrupt(name, `its footer length ${footerLen} exceeds the file size ${size}`);
  if (footerLen + 8 > tail.length) {
    tailStart = size - footerLen - 8;
    tail = await readExactly(store, key, name, tailStart, footerLen + 8);
  }
  const { footer, thrift } = decodeParquetFooterThrift(
    tail.subarray(tail.length - 8 - footerLen, tail.length - 8),
    name,
  );
  for (const [i, rg] of footer.rowGroups.entries()) {
    for (const c of rg.columns) {
      if (c.startOffset < 0 || c.compressedBytes < 0 || c.startOffset + c.compressedBytes > size) {
        throw corrupt(name, `a column chunk of row group ${i} lies outside the file`);
      }
    }
  }
  return { name, size, footer, thrift, tailStart, tail };
}

/**
 * The `ARROW:schema` metadata value for some fields of `schema`: base64 of an Arrow IPC schema
 * message, as arrow-rs writes it, so a projection keeps the Arrow types the whole file has.
 */
function arrowSchemaMetadata(
  schema: Schema,
  fields: readonly number[],
  decimal64 = false,
  dictionaries: ReadonlySet<number> = new Set(),
): string {
  let selected = schema.selectAt(fields as number[]);
  if (decimal64) {
    selected = new Schema(
      selected.fields.map((f, i) =>
        dictionaries.has(fields[i]!)
          ? new Field(f.name, new Dictionary(new Utf8(), new Int32()), f.nullable, f.metadata)
          : isNarrowDecimal(f.type)
            ? new Field(
                f.name,
                new Decimal((f.type as Decimal).scale, (f.type as Decimal).precision, 64),
                f.nullable,
                f.metadata,
              )
            : f,
      ),
      selected.metadata,
    );
  }
  const ipc = tableToIPC(new Table(selected), 'stream');
  return Buffer.from(ipc.subarray(0, ipc.length - 8)).toString('base64'); // without end-of-stream
}

async function readExactly(store: BlobStore, key: string, name: string, offset: number, length: number) {
  const bytes = await store.get(key, { offset, length });
  if (bytes.length !== length) {
    throw new SkeinError(
      'EXTERNAL',
      `${name} changed while being read: asked for ${length} bytes at ${offset}, got ${bytes.length}`,
    );
  }
  return bytes;
}

/** A decoded row group's batches, converted a slice at a time (`ParquetReader.readRowGroupSlices`). */
export interface RowGroupSlices<T> {
  /** Rows per batch. */
  readonly lengths: readonly number[];
  /** Rows [lo, hi) of batch `b`, converted. */
  take(b: number, lo: number, hi: number): T;
  /**
   * Column `c` (in the order asked for) of rows [lo, hi) of batch `b` as Arrow Data over the
   * decoder's memory — fixed-width values not copied — for a caller that converts only some rows.
   * Valid until the next decode or `free()`. Absent when the batches are already out of wasm.
   */
  readonly view?: (b: number, c: number, lo: number, hi: number) => Data;
  /** Releases the decoded row group (idempotent). */
  free(): void;
}

/** Slices of batches already out of wasm (the IPC path, empty row groups): converted once, then sliced. */
function eagerSlices<T>(
  batches: readonly RecordBatch[],
  consume: (batch: RecordBatch) => T,
  slice: (t: T, lo: number, hi: number) => T,
): RowGroupSlices<T> {
  const converted: (T | undefined)[] = [];
  return {
    lengths: batches.map((rb) => rb.numRows),
    take(b, lo, hi) {
      converted[b] ??= consume(batches[b]!);
      return slice(converted[b]!, lo, hi);
    },
    free() {},
  };
}

/** A Decimal128 of at most 18 digits: it fits Decimal64. */
function isNarrowDecimal(t: DataType): boolean {
  return t.typeId === Type.Decimal && (t as Decimal).bitWidth === 128 && (t as Decimal).precision <= 18;
}

function noColumns(numRows: number): RecordBatch {
  return new RecordBatch(
    new Schema([]),
    makeData({ type: new Struct([]), length: numRows, nullCount: 0, children: [] }),
  );
}

function corrupt(name: string, why: string, cause?: unknown): SkeinError {
  return new SkeinError('INVALID_ARGUMENT', `${name} is not a valid Parquet file: ${why}`, { cause });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
