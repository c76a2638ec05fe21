/**
 * Builds a small, self-contained Parquet file holding one row group (or none) and some columns of
 * a larger file: `PAR1`, the chosen column chunks copied byte for byte, a rewritten footer.
 *
 * Why: parquet-wasm's async reader panics inside wasm on any read or decode error (it `unwrap`s
 * them), which surfaces as an uncaught exception while the read's promise never settles. Its sync
 * `readParquet` reports errors properly but wants a whole file in memory and decodes every
 * column. A subset file gives it exactly the bytes it needs, so Skein keeps I/O (ranged GETs,
 * coalescing, concurrency, retries) in its own hands and gets decode errors as errors.
 *
 * The footer is rewritten, not rebuilt: every Thrift field that stays valid is copied verbatim;
 * only the schema list, the row group's column list, and page offsets change. Page indexes, bloom
 * filters and sorting columns are left out (they point elsewhere in the original file); statistics
 * stay.
 *
 * @example
 * const { footer, thrift } = decodeParquetFooterThrift(footerBytes);
 * const bytes = parquetSubset(thrift, footer, 0, [0, 2], (leaf) => chunkBytes[leaf]);
 * const table = readParquet(bytes, { batchSize: footer.rowGroups[0].numRows });
 */
import { SkeinError } from '../errors.ts';
import type { ParquetFooter } from './parquet-footer.ts';
import {
  copyField,
  copyFields,
  encodeThriftStruct,
  T_BINARY,
  T_I32,
  T_I64,
  T_LIST,
  T_STRUCT,
  type ThriftField,
  ThriftStruct,
  type ThriftStructOut,
  type ThriftValue,
} from './thrift-compact.ts';

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]);
const ARROW_SCHEMA_KEY = 'ARROW:schema';

export interface SubsetOptions {
  /**
   * The value to write for the `ARROW:schema` metadata key (Arrow's own schema of the kept
   * columns: the types the decoder should produce), replacing the file's. When absent, the file's
   * value is kept if every field is, and left out otherwise.
   */
  readonly arrowSchema?: string;
}

/**
 * @param rowGroup the row group to keep, or undefined for a file with no row groups (a schema)
 * @param fields indexes into `footer.fields` of the top-level fields to keep, ascending
 * @param chunk the bytes of leaf column `leaf`'s chunk in `rowGroup`
 */
export function parquetSubset(
  fmd: ThriftStruct,
  footer: ParquetFooter,
  rowGroup: number | undefined,
  fields: readonly number[],
  chunk: (leaf: number) => Uint8Array,
  options: SubsetOptions = {},
): Uint8Array {
  if (fmd.has(8) || fmd.has(9))
    throw new SkeinError('NOT_IMPLEMENTED', 'encrypted Parquet files are not supported');
  const schema = structs(fmd.get(2));
  const allFields = fields.length === footer.fields.length;

  // Schema: the root with a new child count, then each kept field's elements as they were.
  const root = schema[0]!;
  const newSchema: ThriftStructOut[] = [
    [...copyFields(root, [5]), { id: 5, type: T_I32, value: fields.length }],
  ];
  const leaves: number[] = [];
  for (const f of fields) {
    const field = footer.fields[f]!;
    for (let e = 0; e < field.elementCount; e++) newSchema.push(schema[field.firstElement + e]!);
    for (let l = 0; l < field.leafCount; l++) leaves.push(field.firstLeaf + l);
  }

  // Column chunks, placed one after another after the leading magic.
  const parts: Uint8Array[] = [MAGIC];
  let pos = MAGIC.length;
  const rowGroups: ThriftStructOut[] = [];
  if (rowGroup !== undefined) {
    const rg = structs(fmd.get(4))[rowGroup]!;
    const info = footer.rowGroups[rowGroup]!;
    const chunks = structs(rg.get(1));
    const newChunks: ThriftStructOut[] = [];
    let uncompressed = 0;
    let compressed = 0;
    for (const leaf of leaves) {
      const bytes = chunk(leaf);
      const meta = info.columns[leaf]!;
      if (bytes.length !== meta.compressedBytes) {
        throw new SkeinError(
          'INTERNAL',
          `column chunk ${leaf} of row group ${rowGroup} has ${bytes.length} bytes, expected ${meta.compressedBytes}`,
        );
      }
      newChunks.push(moveChunk(chunks[leaf]!, meta.startOffset, pos));
      parts.push(bytes);
      pos += bytes.length;
      uncompressed += meta.uncompressedBytes;
      compressed += meta.compressedBytes;
    }
    rowGroups.push([
      { id: 1, type: T_LIST, structs: newChunks },
      { id: 2, type: T_I64, value: uncompressed },
      copyField(rg, 3)!,
      { id: 5, type: T_I64, value: MAGIC.length },
      { id: 6, type: T_I64, value: compressed },
    ]);
  }

  const out: ThriftField[] = [
    copyField(fmd, 1)!,
    { id: 2, type: T_LIST, structs: newSchema },
    { id: 3, type: T_I64, value: rowGroup === undefined ? 0 : footer.rowGroups[rowGroup]!.numRows },
    { id: 4, type: T_LIST, structs: rowGroups },
  ];
  const kv = fmd.get(5);
  const kept: ThriftStructOut[] = [];
  if (Array.isArray(kv)) {
    for (const e of structs(kv)) {
      const key = e.get(1);
      const isArrowSchema = key instanceof Uint8Array && new TextDecoder().decode(key) === ARROW_SCHEMA_KEY;
      // The file's Arrow schema stays only when it describes the subset as it is.
      if (isArrowSchema && (options.arrowSchema !== undefined || !allFields)) continue;
      kept.push(e);
    }
  }
  if (options.arrowSchema !== undefined) {
    kept.push([
      { id: 1, type: T_BINARY, value: new TextEncoder().encode(ARROW_SCHEMA_KEY) },
      { id: 2, type: T_BINARY, value: new TextEncoder().encode(options.arrowSchema) },
    ]);
  }
  if (Array.isArray(kv) || kept.length > 0) out.push({ id: 5, type: T_LIST, structs: kept });
  const createdBy = copyField(fmd, 6);
  if (createdBy) out.push(createdBy);
  const orders = fmd.get(7);
  if (Array.isArray(orders)) {
    const all = structs(orders);
    out.push({ id: 7, type: T_LIST, structs: leaves.map((l) => all[l]!) });
  }

  const footerBytes = encodeThriftStruct(out);
  const tail = new Uint8Array(8);
  new DataView(tail.buffer).setUint32(0, footerBytes.length, true);
  tail.set(MAGIC, 4);
  parts.push(footerBytes, tail);
  return concat(parts, pos + footerBytes.length + 8);
}

/** A ColumnChunk whose pages move from `from` to `to`; page index and bloom filter left out. */
function moveChunk(cc: ThriftStruct, from: number, to: number): ThriftField[] {
  if (cc.has(1))
    throw new SkeinError('NOT_IMPLEMENTED', 'Parquet column chunks in other files are not supported');
  if (cc.has(8) || cc.has(9))
    throw new SkeinError('NOT_IMPLEMENTED', 'encrypted Parquet files are not supported');
  const md = cc.get(3);
  if (!(md instanceof ThriftStruct))
    throw new SkeinError('INVALID_ARGUMENT', 'a column chunk has no metadata');
  const shift = (v: ThriftValue | undefined) => (typeof v === 'number' ? v - from + to : undefined);
  const dataPage = md.get(9) as number;
  const dictPage = md.get(11);
  const newMd: ThriftField[] = [
    ...copyFields(md, [9, 10, 11, 14, 15]),
    { id: 9, type: T_I64, value: shift(dataPage)! },
  ];
  if (typeof dictPage === 'number' && dictPage > 0 && dictPage < dataPage) {
    newMd.push({ id: 11, type: T_I64, value: shift(dictPage)! });
  }
  const fileOffset = cc.get(2);
  return [
    { id: 2, type: T_I64, value: typeof fileOffset === 'number' ? Math.max(0, shift(fileOffset)!) : 0 },
    { id: 3, type: T_STRUCT, fields: newMd },
  ];
}

function structs(v: ThriftValue | undefined): ThriftStruct[] {
  if (!Array.isArray(v) || !v.every((e) => e instanceof ThriftStruct)) {
    throw new SkeinError('INVALID_ARGUMENT', 'a Parquet footer list of structs is malformed');
  }
  return v as ThriftStruct[];
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}
