/**
 * Parquet footers (the Thrift `FileMetaData` at the end of a file), decoded into plain data:
 * row groups, column chunks, sizes and min/max statistics for row-group pruning.
 *
 * parquet-wasm 0.8 exposes row counts and sizes but no statistics, so Skein reads the footer
 * itself. A file ends with `<FileMetaData> <u32 LE length of it> "PAR1"`.
 *
 * @example
 * const tail = await store.get(key, { offset: size - 8, length: 8 });
 * const len = parquetFooterLength(tail);
 * const meta = await store.get(key, { offset: size - 8 - len, length: len });
 * const footer = decodeParquetFooter(meta);
 * footer.rowGroups[0].columns[0].statistics?.min;
 */
import { SkeinError } from '../errors.ts';
import { decodeThriftStruct, type ThriftStruct, type ThriftValue } from './thrift-compact.ts';

export const PARQUET_MAGIC = 'PAR1';

export type ParquetPhysicalType =
  | 'BOOLEAN'
  | 'INT32'
  | 'INT64'
  | 'INT96'
  | 'FLOAT'
  | 'DOUBLE'
  | 'BYTE_ARRAY'
  | 'FIXED_LEN_BYTE_ARRAY';

const PHYSICAL_TYPES: readonly ParquetPhysicalType[] = [
  'BOOLEAN',
  'INT32',
  'INT64',
  'INT96',
  'FLOAT',
  'DOUBLE',
  'BYTE_ARRAY',
  'FIXED_LEN_BYTE_ARRAY',
];

export type ParquetCodec = 'UNCOMPRESSED' | 'SNAPPY' | 'GZIP' | 'LZO' | 'BROTLI' | 'LZ4' | 'ZSTD' | 'LZ4_RAW';
const CODECS: readonly ParquetCodec[] = [
  'UNCOMPRESSED',
  'SNAPPY',
  'GZIP',
  'LZO',
  'BROTLI',
  'LZ4',
  'ZSTD',
  'LZ4_RAW',
];

/** The logical annotation of a leaf column, reduced to what matters for reading values. */
export type ParquetLogicalType =
  | { readonly kind: 'string' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'date' }
  | { readonly kind: 'integer'; readonly bitWidth: number; readonly signed: boolean }
  | { readonly kind: 'other'; readonly name: string }
  | { readonly kind: 'none' };

export interface ParquetLeafColumn {
  /** Dotted path for nested columns; the plain name for flat ones. */
  readonly name: string;
  readonly path: readonly string[];
  readonly physicalType: ParquetPhysicalType;
  readonly logicalType: ParquetLogicalType;
  readonly repetition: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
  /** Byte width of FIXED_LEN_BYTE_ARRAY values. */
  readonly typeLength?: number;
}

/**
 * A statistics value as Parquet stores it, by physical type: BOOLEAN → boolean, INT32 → number,
 * INT64 → bigint, FLOAT/DOUBLE → number, strings → string, decimals stored as bytes → bigint
 * (unscaled), other byte arrays → Uint8Array. DATE is days since 1970-01-01 and a DECIMAL is its
 * unscaled integer (apply `scale` from the column's logical type).
 */
export type ParquetStatValue = boolean | number | bigint | string | Uint8Array;

export interface ParquetColumnStatistics {
  readonly min?: ParquetStatValue;
  readonly max?: ParquetStatValue;
  readonly nullCount?: number;
  readonly distinctCount?: number;
  /** False when the writer truncated the value (long strings); the bound is then loose. */
  readonly minExact?: boolean;
  readonly maxExact?: boolean;
}

export interface ParquetColumnChunk {
  /** Index into `ParquetFooter.columns`. */
  readonly column: number;
  readonly codec: ParquetCodec;
  readonly numValues: number;
  readonly uncompressedBytes: number;
  readonly compressedBytes: number;
  /** First byte of the chunk: its dictionary page if any, else its first data page. */
  readonly startOffset: number;
  /** Whether the chunk starts with a dictionary page. */
  readonly hasDictionary: boolean;
  readonly statistics?: ParquetColumnStatistics;
}

export interface ParquetRowGroup {
  readonly numRows: number;
  readonly totalUncompressedBytes: number;
  readonly totalCompressedBytes: number;
  /** One per leaf column, in `ParquetFooter.columns` order. */
  readonly columns: readonly ParquetColumnChunk[];
}

/** A top-level field of the schema (what Arrow sees as a column) and the leaves under it. */
export interface ParquetTopLevelField {
  readonly name: string;
  /** Its leaves are `columns[firstLeaf .. firstLeaf + leafCount)`. */
  readonly firstLeaf: number;
  readonly leafCount: number;
  /** Its schema elements (itself and its descendants) are `schema[firstElement .. + elementCount)`. */
  readonly firstElement: number;
  readonly elementCount: number;
}

export interface ParquetFooter {
  readonly version: number;
  readonly numRows: number;
  readonly createdBy?: string;
  /** Top-level fields in file order; equal to `columns` for a flat schema. */
  readonly fields: readonly ParquetTopLevelField[];
  /** Leaf columns in file order; column chunks follow this order. */
  readonly columns: readonly ParquetLeafColumn[];
  readonly rowGroups: readonly ParquetRowGroup[];
  readonly keyValueMetadata: ReadonlyMap<string, string>;
}

/**
 * Checks the last 8 bytes of a Parquet file (length + magic) and returns the footer's length.
 * Throws a SkeinError naming `file` when the bytes are not a Parquet tail.
 */
export function parquetFooterLength(last8: Uint8Array, file = 'the file'): number {
  if (last8.length < 8) throw corrupt(file, 'it is shorter than a Parquet footer');
  const n = last8.length;
  if (last8[n - 4] !== 0x50 || last8[n - 3] !== 0x41 || last8[n - 2] !== 0x52 || last8[n - 1] !== 0x31) {
    throw corrupt(file, `it does not end with the Parquet magic '${PARQUET_MAGIC}'`);
  }
  const len = last8[n - 8]! | (last8[n - 7]! << 8) | (last8[n - 6]! << 16) | (last8[n - 5]! << 24);
  return len >>> 0;
}

/** Decodes the Thrift `FileMetaData` bytes of a footer. */
export function decodeParquetFooter(bytes: Uint8Array, file = 'the file'): ParquetFooter {
  return decodeParquetFooterThrift(bytes, file).footer;
}

/** Like `decodeParquetFooter`, also giving the decoded Thrift struct (for `parquet-subset.ts`). */
export function decodeParquetFooterThrift(
  bytes: Uint8Array,
  file = 'the file',
): { footer: ParquetFooter; thrift: ThriftStruct } {
  let fmd: ThriftStruct;
  try {
    fmd = decodeThriftStruct(bytes).value;
  } catch (err) {
    throw corrupt(file, `its footer cannot be decoded (${(err as Error).message})`, err);
  }
  try {
    return { footer: toFooter(fmd), thrift: fmd };
  } catch (err) {
    if (err instanceof SkeinError) throw corrupt(file, err.message, err);
    throw err;
  }
}

function corrupt(file: string, why: string, cause?: unknown): SkeinError {
  return new SkeinError('INVALID_ARGUMENT', `${file} is not a valid Parquet file: ${why}`, { cause });
}

const text = new TextDecoder();

function toFooter(fmd: ThriftStruct): ParquetFooter {
  const schema = list(fmd, 2, 'FileMetaData.schema').map((e) => struct(e, 'SchemaElement'));
  const { columns, fields } = walkSchema(schema);
  const rowGroups = (opt(fmd, 4) === undefined ? [] : list(fmd, 4, 'FileMetaData.row_groups')).map((rg) =>
    toRowGroup(struct(rg, 'RowGroup'), columns),
  );
  const kv = new Map<string, string>();
  const kvList = fmd.get(5);
  if (Array.isArray(kvList)) {
    for (const e of kvList) {
      const s = struct(e, 'KeyValue');
      const v = s.get(2);
      kv.set(str(s, 1, 'KeyValue.key'), v instanceof Uint8Array ? text.decode(v) : '');
    }
  }
  const createdBy = fmd.get(6);
  return {
    version: num(fmd, 1, 'FileMetaData.version'),
    numRows: num(fmd, 3, 'FileMetaData.num_rows'),
    ...(createdBy instanceof Uint8Array ? { createdBy: text.decode(createdBy) } : {}),
    fields,
    columns,
    rowGroups,
    keyValueMetadata: kv,
  };
}

/** Walks the depth-first schema list and returns its leaves with their paths, and the top-level fields. */
function walkSchema(schema: ThriftStruct[]): {
  columns: ParquetLeafColumn[];
  fields: ParquetTopLevelField[];
} {
  const out: ParquetLeafColumn[] = [];
  const fields: ParquetTopLevelField[] = [];
  let i = 1; // element 0 is the root
  const walk = (path: string[]): void => {
    const el = schema[i++];
    if (el === undefined) throw bad('schema ends early');
    const name = str(el, 4, 'SchemaElement.name');
    const children = opt(el, 5);
    const p = [...path, name];
    if (typeof children === 'number' && children > 0) {
      for (let c = 0; c < children; c++) walk(p);
      return;
    }
    const t = num(el, 1, 'SchemaElement.type');
    const physicalType = PHYSICAL_TYPES[t];
    if (physicalType === undefined) throw bad(`unknown physical type ${t} for column '${p.join('.')}'`);
    const rep = opt(el, 3);
    const typeLength = opt(el, 2);
    out.push({
      name: p.join('.'),
      path: p,
      physicalType,
      logicalType: logicalTypeOf(el),
      repetition: rep === 1 ? 'OPTIONAL' : rep === 2 ? 'REPEATED' : 'REQUIRED',
      ...(typeof typeLength === 'number' ? { typeLength } : {}),
    });
  };
  const root = schema[0];
  if (root === undefined) throw bad('the schema is empty');
  const n = opt(root, 5);
  for (let c = 0; c < (typeof n === 'number' ? n : 0); c++) {
    const firstElement = i;
    const firstLeaf = out.length;
    walk([]);
    fields.push({
      name: str(schema[firstElement]!, 4, 'SchemaElement.name'),
      firstLeaf,
      leafCount: out.length - firstLeaf,
      firstElement,
      elementCount: i - firstElement,
    });
  }
  if (i !== schema.length) throw bad(`the schema has ${schema.length - i} elements outside the tree`);
  return { columns: out, fields };
}

function logicalTypeOf(el: ThriftStruct): ParquetLogicalType {
  const lt = el.get(10);
  if (lt instanceof Map) {
    // LogicalType is a union: exactly one field is set.
    const [[id, v]] = [...lt.entries()] as [[number, ThriftValue]];
    switch (id) {
      case 1:
        return { kind: 'string' };
      case 5: {
        const d = struct(v, 'DecimalType');
        return {
          kind: 'decimal',
          scale: num(d, 1, 'DecimalType.scale'),
          precision: num(d, 2, 'DecimalType.precision'),
        };
      }
      case 6:
        return { kind: 'date' };
      case 10: {
        const it = struct(v, 'IntType');
        return { kind: 'integer', bitWidth: num(it, 1, 'IntType.bitWidth'), signed: it.get(2) === true };
      }
      default:
        return { kind: 'other', name: LOGICAL_NAMES[id] ?? `logical type ${id}` };
    }
  }
  // Older writers set only the converted type.
  const ct = el.get(6);
  switch (ct) {
    case undefined:
      return { kind: 'none' };
    case 0:
      return { kind: 'string' };
    case 5:
      return { kind: 'decimal', scale: numOr(el, 7, 0), precision: numOr(el, 8, 0) };
    case 6:
      return { kind: 'date' };
    case 11:
    case 12:
    case 13:
    case 14:
      return { kind: 'integer', bitWidth: 8 << (ct - 11), signed: false };
    case 15:
    case 16:
    case 17:
    case 18:
      return { kind: 'integer', bitWidth: 8 << (ct - 15), signed: true };
    default:
      return { kind: 'other', name: `converted type ${String(ct)}` };
  }
}

const LOGICAL_NAMES: Record<number, string> = {
  2: 'MAP',
  3: 'LIST',
  4: 'ENUM',
  7: 'TIME',
  8: 'TIMESTAMP',
  11: 'UNKNOWN',
  12: 'JSON',
  13: 'BSON',
  14: 'UUID',
  15: 'FLOAT16',
};

function toRowGroup(rg: ThriftStruct, columns: readonly ParquetLeafColumn[]): ParquetRowGroup {
  const chunks = list(rg, 1, 'RowGroup.columns').map((c, i) => {
    const cc = struct(c, 'ColumnChunk');
    const md = cc.get(3);
    if (!(md instanceof Map)) throw bad('a column chunk has no metadata (encrypted files are not supported)');
    const col = columns[i];
    if (col === undefined) throw bad('a row group has more column chunks than the schema has columns');
    const codecId = num(md, 4, 'ColumnMetaData.codec');
    const dataPage = num(md, 9, 'ColumnMetaData.data_page_offset');
    const dictPage = opt(md, 11);
    const stats = md.get(12);
    return {
      column: i,
      codec: CODECS[codecId] ?? 'UNCOMPRESSED',
      numValues: num(md, 5, 'ColumnMetaData.num_values'),
      uncompressedBytes: num(md, 6, 'ColumnMetaData.total_uncompressed_size'),
      compressedBytes: num(md, 7, 'ColumnMetaData.total_compressed_size'),
      startOffset: typeof dictPage === 'number' && dictPage > 0 && dictPage < dataPage ? dictPage : dataPage,
      hasDictionary: typeof dictPage === 'number' && dictPage > 0 && dictPage < dataPage,
      ...(stats instanceof Map ? { statistics: toStatistics(stats, col) } : {}),
    } satisfies ParquetColumnChunk;
  });
  if (chunks.length !== columns.length) throw bad('a row group has fewer column chunks than the schema');
  const compressed = opt(rg, 6);
  return {
    numRows: num(rg, 3, 'RowGroup.num_rows'),
    totalUncompressedBytes: num(rg, 2, 'RowGroup.total_byte_size'),
    totalCompressedBytes:
      typeof compressed === 'number' ? compressed : chunks.reduce((s, c) => s + c.compressedBytes, 0),
    columns: chunks,
  };
}

function toStatistics(s: ThriftStruct, col: ParquetLeafColumn): ParquetColumnStatistics {
  let max = s.get(5);
  let min = s.get(6);
  // The deprecated min/max fields (1, 2) were written with signed byte-wise order; they are only
  // trustworthy for types whose order is the plain signed numeric one.
  if (min === undefined && max === undefined && legacyStatsUsable(col)) {
    max = s.get(1);
    min = s.get(2);
  }
  const out: {
    min?: ParquetStatValue;
    max?: ParquetStatValue;
    nullCount?: number;
    distinctCount?: number;
    minExact?: boolean;
    maxExact?: boolean;
  } = {};
  const minV = min instanceof Uint8Array ? decodeStatValue(min, col) : undefined;
  const maxV = max instanceof Uint8Array ? decodeStatValue(max, col) : undefined;
  if (minV !== undefined) out.min = minV;
  if (maxV !== undefined) out.max = maxV;
  const nulls = s.get(3);
  if (typeof nulls === 'number') out.nullCount = nulls;
  const distinct = s.get(4);
  if (typeof distinct === 'number') out.distinctCount = distinct;
  const maxExact = s.get(7);
  if (typeof maxExact === 'boolean') out.maxExact = maxExact;
  const minExact = s.get(8);
  if (typeof minExact === 'boolean') out.minExact = minExact;
  return out;
}

function legacyStatsUsable(col: ParquetLeafColumn): boolean {
  const lt = col.logicalType;
  if (lt.kind === 'integer' && !lt.signed) return false;
  return (
    col.physicalType === 'BOOLEAN' ||
    col.physicalType === 'INT32' ||
    col.physicalType === 'INT64' ||
    col.physicalType === 'FLOAT' ||
    col.physicalType === 'DOUBLE'
  );
}

/** Decodes a PLAIN-encoded statistics value (see `ParquetStatValue`); undefined when malformed. */
export function decodeStatValue(b: Uint8Array, col: ParquetLeafColumn): ParquetStatValue | undefined {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (col.physicalType) {
    case 'BOOLEAN':
      return b.length >= 1 ? b[0] !== 0 : undefined;
    case 'INT32':
      return b.length === 4 ? view.getInt32(0, true) : undefined;
    case 'INT64':
      return b.length === 8 ? view.getBigInt64(0, true) : undefined;
    case 'FLOAT':
      return b.length === 4 ? view.getFloat32(0, true) : undefined;
    case 'DOUBLE':
      return b.length === 8 ? view.getFloat64(0, true) : undefined;
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY': {
      const lt = col.logicalType;
      if (lt.kind === 'string' || (lt.kind === 'other' && (lt.name === 'ENUM' || lt.name === 'JSON'))) {
        return text.decode(b);
      }
      if (lt.kind === 'decimal') return bigEndianSigned(b);
      return b.slice();
    }
    default:
      return b.slice();
  }
}

function bigEndianSigned(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let v = 0n;
  for (const byte of b) v = (v << 8n) | BigInt(byte);
  return b[0]! & 0x80 ? v - (1n << BigInt(b.length * 8)) : v;
}

function bad(why: string): SkeinError {
  return new SkeinError('INVALID_ARGUMENT', why);
}

function opt(s: ThriftStruct, id: number): ThriftValue | undefined {
  return s.get(id);
}

function num(s: ThriftStruct, id: number, what: string): number {
  const v = s.get(id);
  if (typeof v !== 'number') throw bad(`${what} is missing`);
  return v;
}

function numOr(s: ThriftStruct, id: number, dflt: number): number {
  const v = s.get(id);
  return typeof v === 'number' ? v : dflt;
}

function str(s: ThriftStruct, id: number, what: string): string {
  const v = s.get(id);
  if (!(v instanceof Uint8Array)) throw bad(`${what} is missing`);
  return text.decode(v);
}

function list(s: ThriftStruct, id: number, what: string): ThriftValue[] {
  const v = s.get(id);
  if (!Array.isArray(v)) throw bad(`${what} is missing`);
  return v;
}

function struct(v: ThriftValue | undefined, what: string): ThriftStruct {
  if (!(v instanceof Map)) throw bad(`${what} is not a struct`);
  return v;
}
