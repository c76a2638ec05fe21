/**
 * Arrow record batches read straight out of parquet-wasm's memory through the Arrow C Data
 * Interface, instead of an IPC stream: no IPC encoding inside wasm and no copy of the whole
 * stream out of it. Buffers that every consumer converts anyway (64-bit integers, decimals,
 * timestamps, floats32, booleans, small integers) stay views into wasm memory; the others
 * (Int32, Date32, Float64, UTF-8, validity bitmaps) are copied, as consumers share those as they
 * are. So a batch is only valid until the wasm table is freed (or wasm memory grows): convert it
 * at once. Batches are read in slices of rows, so a consumer can convert a row group piecewise.
 *
 * Layout of the C structs in wasm32 (pointers 4 bytes, int64 8-byte aligned):
 * ArrowSchema { format 0, name 4, metadata 8, flags 16, n_children 24, children 32, dictionary 36, … }
 * ArrowArray  { length 0, null_count 8, offset 16, n_buffers 24, n_children 32, buffers 40,
 *               children 44, dictionary 48, … }
 *
 * @example
 * const stream = table.intoFFI();
 * try {
 *   const batches = openFfiStream(stream, wasmMemory());
 *   const first = batchFromArrow(batches.slice(0, 0, Math.min(65536, batches.lengths[0])));
 * } finally {
 *   stream.free();
 * }
 */
import {
  type DataType as ArrowType,
  Binary,
  Bool,
  type Data,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  LargeBinary,
  LargeUtf8,
  makeData,
  makeVector,
  Null,
  RecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
} from 'apache-arrow';

/** What `openFfiStream` needs of parquet-wasm's FFIStream. */
export interface FfiStreamLike {
  arrayAddrs(): Uint32Array;
  schemaAddr(): number;
}

/** A column type this reader does not handle: the caller falls back to IPC. */
export class UnsupportedFfi extends Error {}

interface FfiSchema {
  format: string;
  name: string;
  children: FfiSchema[];
  nullable: boolean;
  /** A dictionary-encoded column's values (`format` is then its codes'). */
  dictionary?: FfiSchema;
}

/** The record batches of an FFI stream, read in slices (see {@link openFfiStream}). */
export interface FfiBatches {
  /** Rows per record batch. */
  readonly lengths: readonly number[];
  /**
   * Rows [lo, hi) of record batch `b`, over wasm memory as it is now: valid until the next call
   * into wasm (which may grow, and so detach, the memory) or until the stream is freed.
   */
  slice(b: number, lo: number, hi: number): RecordBatch;
  /**
   * Column `c` of rows [lo, hi) of batch `b`, with fixed-width values and strings as views into
   * wasm memory even where `slice` copies them (a caller that converts or gathers them itself).
   * Valid as long as `slice`'s batches are.
   */
  view(b: number, c: number, lo: number, hi: number): Data;
}

/** Where one column array of one record batch lies in wasm memory. */
interface FfiColumn {
  readonly length: number;
  readonly nullCount: number;
  readonly buffers: readonly number[];
  /** A dictionary-encoded column's values. */
  readonly dictionary?: FfiColumn;
}

/**
 * Reads the stream's schema and the addresses of its buffers, not the values: `slice` then reads
 * any row range of a batch. Converting a row group slice by slice keeps each slice's converted
 * columns in cache for the operators above, instead of writing the whole row group out to memory
 * first. Throws UnsupportedFfi (before any slice is taken) for column types it does not read.
 */
export function openFfiStream(
  stream: FfiStreamLike,
  memory: { readonly buffer: ArrayBufferLike },
): FfiBatches {
  // Every call into wasm first: one of them could grow (and so detach) the memory buffer.
  const schemaAddr = stream.schemaAddr();
  const addrs = Array.from(stream.arrayAddrs());
  const buf = memory.buffer as ArrayBuffer;
  const view = new DataView(buf);
  const bytes = new Uint8Array(buf);
  const schema = readSchema(view, bytes, schemaAddr);
  if (schema.format !== '+s') throw new UnsupportedFfi(`top-level format ${schema.format}`);
  const formats = schema.children.map((c) => c.format);
  const types = schema.children.map((c) => arrowType(c));
  for (const [c, f] of formats.entries()) {
    if (schema.children[c]!.dictionary !== undefined) continue; // (arrowType checked it)
    if (
      !(f in FIXED) &&
      f !== 'n' &&
      f !== 'b' &&
      !VARIABLE.has(f) &&
      !f.startsWith('ts') &&
      !f.startsWith('d:')
    )
      throw new UnsupportedFfi(`Arrow format '${f}'`);
  }
  const arrowSchema = new Schema(schema.children.map((c, i) => new Field(c.name, types[i]!, c.nullable)));
  const structType = new Struct(arrowSchema.fields);
  const batches: { length: number; columns: FfiColumn[]; dictionaries: (Data | undefined)[] }[] = [];
  for (const addr of addrs) {
    const length = i64(view, addr);
    if (i64(view, addr + 16) !== 0) throw new UnsupportedFfi('struct array with an offset');
    const nChildren = i64(view, addr + 32);
    const childrenPtr = view.getUint32(addr + 44, true);
    const columns: FfiColumn[] = [];
    for (let c = 0; c < nChildren; c++)
      columns.push(readColumn(view, view.getUint32(childrenPtr + 4 * c, true)));
    batches.push({ length, columns, dictionaries: [] });
  }
  return {
    lengths: batches.map((b) => b.length),
    slice(b, lo, hi) {
      const batch = batches[b]!;
      if (lo < 0 || hi > batch.length || lo > hi)
        throw new RangeError(`rows [${lo}, ${hi}) of a batch of ${batch.length}`);
      const now = memory.buffer as ArrayBuffer;
      const children = batch.columns.map((col, c) =>
        col.dictionary !== undefined
          ? sliceDictionary(now, batch, c, types[c] as Dictionary, lo, hi)
          : sliceArray(now, col, types[c]!, formats[c]!, lo, hi, true),
      );
      const data = makeData({ type: structType, length: hi - lo, nullCount: 0, children });
      return new RecordBatch(arrowSchema, data);
    },
    view(b, c, lo, hi) {
      const batch = batches[b]!;
      if (lo < 0 || hi > batch.length || lo > hi)
        throw new RangeError(`rows [${lo}, ${hi}) of a batch of ${batch.length}`);
      const now = memory.buffer as ArrayBuffer;
      if (batch.columns[c]!.dictionary !== undefined)
        return sliceDictionary(now, batch, c, types[c] as Dictionary, lo, hi);
      return sliceArray(now, batch.columns[c]!, types[c]!, formats[c]!, lo, hi, false);
    },
  };
}

function i64(view: DataView, at: number): number {
  return Number(view.getBigInt64(at, true));
}

function cString(bytes: Uint8Array, ptr: number): string {
  if (ptr === 0) return '';
  let end = ptr;
  while (bytes[end] !== 0) end++;
  return Buffer.from(bytes.subarray(ptr, end)).toString('utf8');
}

function readSchema(view: DataView, bytes: Uint8Array, addr: number): FfiSchema {
  const format = cString(bytes, view.getUint32(addr, true));
  const name = cString(bytes, view.getUint32(addr + 4, true));
  const flags = i64(view, addr + 16);
  const nChildren = i64(view, addr + 24);
  const childrenPtr = view.getUint32(addr + 32, true);
  const dictPtr = view.getUint32(addr + 36, true);
  const children: FfiSchema[] = [];
  for (let i = 0; i < nChildren; i++)
    children.push(readSchema(view, bytes, view.getUint32(childrenPtr + 4 * i, true)));
  const out: FfiSchema = { format, name, children, nullable: (flags & 2) !== 0 };
  if (dictPtr !== 0) out.dictionary = readSchema(view, bytes, dictPtr);
  return out;
}

function arrowType(s: FfiSchema): ArrowType {
  const f = s.format;
  if (s.dictionary !== undefined) {
    // Dictionaries of strings with int32 codes (what Skein asks the decoder for).
    if (f !== 'i' || s.dictionary.format !== 'u' || s.dictionary.dictionary !== undefined)
      throw new UnsupportedFfi(`dictionary of '${s.dictionary.format}' with '${f}' codes`);
    return new Dictionary(new Utf8(), new Int32());
  }
  switch (f) {
    case 'n':
      return new Null();
    case 'b':
      return new Bool();
    case 'c':
      return new Int8();
    case 'C':
      return new Uint8();
    case 's':
      return new Int16();
    case 'S':
      return new Uint16();
    case 'i':
      return new Int32();
    case 'I':
      return new Uint32();
    case 'l':
      return new Int64();
    case 'L':
      return new Uint64();
    case 'f':
      return new Float32();
    case 'g':
      return new Float64();
    case 'u':
      return new Utf8();
    case 'U':
      return new LargeUtf8();
    case 'z':
      return new Binary();
    case 'Z':
      return new LargeBinary();
    case 'tdD':
      return new DateDay();
    case 'tdm':
      return new DateMillisecond();
  }
  const ts = /^ts([smun]):(.*)$/.exec(f);
  if (ts) {
    if (ts[2] !== '') throw new UnsupportedFfi('timestamp with a time zone');
    switch (ts[1]) {
      case 's':
        return new TimestampSecond();
      case 'm':
        return new TimestampMillisecond();
      case 'u':
        return new TimestampMicrosecond();
      default:
        return new TimestampNanosecond();
    }
  }
  const dec = /^d:(\d+),(\d+)(?:,(\d+))?$/.exec(f);
  if (dec && (dec[3] === undefined || dec[3] === '128' || dec[3] === '64')) {
    return new Decimal(Number(dec[2]), Number(dec[1]), dec[3] === '64' ? 64 : 128);
  }
  throw new UnsupportedFfi(`Arrow format '${f}'`);
}

/** Bytes per value of fixed-width formats, and whether the consumer always converts them (view ok). */
const FIXED: Readonly<Record<string, { width: number; view: boolean }>> = {
  c: { width: 1, view: true },
  C: { width: 1, view: true },
  s: { width: 2, view: true },
  S: { width: 2, view: true },
  i: { width: 4, view: false },
  I: { width: 4, view: true },
  l: { width: 8, view: true },
  L: { width: 8, view: true },
  f: { width: 4, view: true },
  g: { width: 8, view: false },
  tdD: { width: 4, view: false },
  tdm: { width: 8, view: true },
};

const VARIABLE = new Set(['u', 'z', 'U', 'Z']);

function readColumn(view: DataView, addr: number): FfiColumn {
  const length = i64(view, addr);
  const nullCount = i64(view, addr + 8);
  if (i64(view, addr + 16) !== 0) throw new UnsupportedFfi('column array with an offset');
  const nBuffers = i64(view, addr + 24);
  const buffersPtr = view.getUint32(addr + 40, true);
  const buffers: number[] = [];
  for (let i = 0; i < nBuffers; i++) buffers.push(view.getUint32(buffersPtr + 4 * i, true));
  const dictPtr = view.getUint32(addr + 48, true);
  if (dictPtr === 0) return { length, nullCount, buffers };
  return { length, nullCount, buffers, dictionary: readColumn(view, dictPtr) };
}

/**
 * Rows [lo, hi) of one column as apache-arrow Data: views into wasm memory where consumers convert
 * the values anyway (see FIXED), copies where they keep them — unless not `copyShared`: then
 * fixed-width values and UTF-8 strings are views too (string offsets then need not start at 0).
 */
function sliceArray(
  buf: ArrayBuffer,
  col: FfiColumn,
  type: ArrowType,
  format: string,
  lo: number,
  hi: number,
  copyShared: boolean,
): Data {
  const length = hi - lo;
  const ptr = (i: number): number => col.buffers[i] ?? 0;
  if (format === 'n') return makeData({ type: type as Null, length, nullCount: length });
  const validityPtr = ptr(0);
  const nullBitmap =
    col.nullCount > 0 && validityPtr !== 0 ? bitRange(buf, validityPtr, lo, length, true) : undefined;
  // A slice's own null count is left for apache-arrow to count when asked (-1: unknown).
  const common = {
    length,
    nullCount: nullBitmap ? (lo === 0 && hi === col.length ? col.nullCount : -1) : 0,
    ...(nullBitmap ? { nullBitmap } : {}),
  };
  const fixed = FIXED[format];
  if (fixed !== undefined || format.startsWith('ts') || format.startsWith('d:')) {
    const width = fixed?.width ?? (format.startsWith('d:') ? (format.endsWith(',64') ? 8 : 16) : 8);
    const copy = copyShared && fixed !== undefined && !fixed.view;
    const raw = new Uint8Array(buf, ptr(1) + lo * width, length * width);
    const bytes = copy ? raw.slice() : raw;
    return makeData({ type: type as Int32, ...common, data: typedView(format, bytes, length) as Int32Array });
  }
  if (format === 'b') {
    return makeData({ type: type as Bool, ...common, data: bitRange(buf, ptr(1), lo, length, false) });
  }
  if ((format === 'u' || format === 'z') && !copyShared) {
    // Views: the offsets as they are (not starting at 0), into the whole value buffer.
    const offsets = new Int32Array(buf, ptr(1) + 4 * lo, length + 1);
    const data = new Uint8Array(buf, ptr(2), offsets[length]!);
    return makeData({ type: type as Utf8, ...common, valueOffsets: offsets, data });
  }
  if (format === 'u' || format === 'z') {
    const offsets = new Int32Array(buf, ptr(1) + 4 * lo, length + 1).slice();
    const base = offsets[0]!;
    if (base !== 0) for (let i = 0; i <= length; i++) offsets[i]! -= base;
    const data = new Uint8Array(buf, ptr(2) + base, offsets[length]!).slice();
    return makeData({ type: type as Utf8, ...common, valueOffsets: offsets, data });
  }
  if (format === 'U' || format === 'Z') {
    const offsets = new BigInt64Array(buf, ptr(1) + 8 * lo, length + 1).slice();
    const base = offsets[0]!;
    if (base !== 0n) for (let i = 0; i <= length; i++) offsets[i]! -= base;
    const data = new Uint8Array(buf, ptr(2) + Number(base), Number(offsets[length]!)).slice();
    return makeData({ type: type as LargeUtf8, ...common, valueOffsets: offsets, data });
  }
  throw new UnsupportedFfi(`Arrow format '${format}'`);
}

/**
 * Rows [lo, hi) of a dictionary-encoded column: its codes as a view, its values (copied once per
 * batch and kept) as the dictionary.
 */
function sliceDictionary(
  buf: ArrayBuffer,
  batch: { columns: FfiColumn[]; dictionaries: (Data | undefined)[] },
  c: number,
  type: Dictionary,
  lo: number,
  hi: number,
): Data {
  const col = batch.columns[c]!;
  const values = col.dictionary!;
  batch.dictionaries[c] ??= sliceArray(buf, values, type.dictionary, 'u', 0, values.length, true);
  const length = hi - lo;
  const validityPtr = col.buffers[0] ?? 0;
  const nullBitmap =
    col.nullCount > 0 && validityPtr !== 0 ? bitRange(buf, validityPtr, lo, length, true) : undefined;
  return makeData({
    type,
    length,
    nullCount: nullBitmap ? -1 : 0,
    ...(nullBitmap ? { nullBitmap } : {}),
    data: new Int32Array(buf, (col.buffers[1] ?? 0) + 4 * lo, length),
    dictionary: makeVector(batch.dictionaries[c]!),
  });
}

/** Bits [lo, lo + n) of a bitmap at `ptr`, starting at bit 0: a view when byte-aligned (copied if `copy`). */
function bitRange(buf: ArrayBuffer, ptr: number, lo: number, n: number, copy: boolean): Uint8Array {
  const bytes = (n + 7) >> 3;
  if ((lo & 7) === 0) {
    const v = new Uint8Array(buf, ptr + (lo >> 3), bytes);
    return copy ? v.slice() : v;
  }
  const src = new Uint8Array(buf, ptr + (lo >> 3), ((lo & 7) + n + 7) >> 3);
  const out = new Uint8Array(bytes);
  const shift = lo & 7;
  for (let i = 0; i < bytes; i++) out[i] = (src[i]! >> shift) | ((src[i + 1] ?? 0) << (8 - shift));
  return out;
}

/** The typed array apache-arrow expects for a format's values. */
function typedView(format: string, b: Uint8Array, length: number): ArrayBufferView {
  const at = b.byteOffset;
  const buf = b.buffer;
  switch (format) {
    case 'c':
      return new Int8Array(buf, at, length);
    case 'C':
      return b;
    case 's':
      return new Int16Array(buf, at, length);
    case 'S':
      return new Uint16Array(buf, at, length);
    case 'i':
    case 'tdD':
      return new Int32Array(buf, at, length);
    case 'I':
      return new Uint32Array(buf, at, length);
    case 'f':
      return new Float32Array(buf, at, length);
    case 'g':
      return new Float64Array(buf, at, length);
    case 'L':
      return new BigUint64Array(buf, at, length);
    default:
      if (format.startsWith('d:')) return new Uint32Array(buf, at, b.length / 4);
      return new BigInt64Array(buf, at, length);
  }
}
