/**
 * TPC-H tables as Parquet: snappy, row groups of at most 1,000,000 rows, non-nullable columns.
 *
 * Type mapping (Arrow → Parquet as DuckDB/Spark/Trino read it):
 * - `int64`   → Int64            → INT64                  (BIGINT)
 * - `int32`   → Int32            → INT32                  (INTEGER)
 * - `decimal` → Decimal128(15,2) → INT64 DECIMAL(15,2)    (DECIMAL(15,2))
 * - `date`    → Date32 (days)    → INT32 DATE             (DATE)
 * - `string`  → Utf8             → BYTE_ARRAY STRING      (VARCHAR)
 *
 * Generated batches become Arrow data without per-row builders: int32, date and string columns
 * are used as they are (zero-copy); int64 and decimal columns, held as doubles by the generator,
 * take one pass into 64- or 128-bit two's-complement words.
 *
 * @example
 * const w = parquetWriter('lineitem', (chunk) => blobWriter.write(chunk));
 * for (const batch of generateBatches('lineitem', 1, 0, n)) await w.write(batch);
 * await w.finish();
 */
import {
  type Data,
  type DataType,
  DateDay,
  Decimal,
  Field,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Utf8,
} from 'apache-arrow';
import { SkeinError } from '../errors.ts';
import { ParquetStreamWriter, type ParquetWriterOptions } from '../formats/parquet-writer.ts';
import type { TpchFormatWriterFactory } from './format.ts';
import {
  TPCH_SCHEMAS,
  type TpchBatch,
  type TpchColumnData,
  type TpchColumnType,
  type TpchTableName,
} from './schema.ts';

const TWO_POW_32 = 4294967296;

function arrowType(t: TpchColumnType): DataType {
  switch (t) {
    case 'int64':
      return new Int64();
    case 'int32':
      return new Int32();
    case 'decimal':
      return new Decimal(2, 15, 128);
    case 'date':
      return new DateDay();
    case 'string':
      return new Utf8();
  }
}

const schemas = new Map<TpchTableName, Schema>();

/** The Arrow schema of a TPC-H table: TPC-H names, non-nullable fields. */
export function tpchArrowSchema(table: TpchTableName): Schema {
  let s = schemas.get(table);
  if (!s) {
    s = new Schema(TPCH_SCHEMAS[table].map((c) => new Field(c.name, arrowType(c.type), false)));
    schemas.set(table, s);
  }
  return s;
}

/** Turns a generated batch into an Arrow RecordBatch (see the module comment for the cost). */
export function tpchBatchToArrow(batch: TpchBatch): RecordBatch {
  const schema = tpchArrowSchema(batch.table);
  const defs = TPCH_SCHEMAS[batch.table];
  if (batch.columns.length !== defs.length) {
    throw new SkeinError(
      'INTERNAL',
      `a ${batch.table} batch has ${batch.columns.length} columns, the table has ${defs.length}`,
    );
  }
  const n = batch.rows;
  const children = batch.columns.map((col, i): Data => {
    const field = schema.fields[i]!;
    if (col.type !== defs[i]!.type) {
      throw new SkeinError(
        'INTERNAL',
        `${batch.table}.${field.name} came as ${col.type}, expected ${defs[i]!.type}`,
      );
    }
    return columnData(col, field.type, n);
  });
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }),
  );
}

function columnData(col: TpchColumnData, type: DataType, n: number): Data {
  switch (col.type) {
    case 'int32':
      return makeData({ type: type as Int32, length: n, nullCount: 0, data: col.values.subarray(0, n) });
    case 'date':
      return makeData({ type: type as DateDay, length: n, nullCount: 0, data: col.values.subarray(0, n) });
    case 'int64':
      return makeData({ type: type as Int64, length: n, nullCount: 0, data: toInt64(col.values, n) });
    case 'decimal':
      return makeData({ type: type as Decimal, length: n, nullCount: 0, data: toDecimal128(col.values, n) });
    case 'string':
      return makeData({
        type: type as Utf8,
        length: n,
        nullCount: 0,
        valueOffsets: col.offsets.subarray(0, n + 1),
        data: col.bytes,
      });
  }
}

/** Integral doubles → little-endian int64 words, without BigInt. */
function toInt64(v: Float64Array, n: number): BigInt64Array {
  const out = new BigInt64Array(n);
  const w = new Int32Array(out.buffer);
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const x = v[i]!;
    w[j] = x >>> 0; // ToUint32 is x mod 2^32, also for negatives
    w[j + 1] = Math.floor(x / TWO_POW_32);
  }
  return out;
}

/** Integral doubles (hundredths) → little-endian 128-bit words, as Arrow's Decimal128 holds them. */
function toDecimal128(v: Float64Array, n: number): Uint32Array {
  const w = new Int32Array(n * 4);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const x = v[i]!;
    const hi = Math.floor(x / TWO_POW_32);
    w[j] = x >>> 0;
    w[j + 1] = hi;
    w[j + 2] = w[j + 3] = hi >> 31;
  }
  return new Uint32Array(w.buffer);
}

/**
 * Mostly-unique columns, written without dictionary encoding (see `plainColumns` in
 * `parquet-writer.ts`). Low-cardinality columns (flags, modes, dates, quantities, small keys such
 * as l_suppkey at small scale) keep their dictionaries, which also make them smaller.
 */
const PLAIN_COLUMNS: Readonly<Record<TpchTableName, readonly string[]>> = {
  part: ['p_partkey', 'p_name', 'p_retailprice', 'p_comment'],
  supplier: ['s_suppkey', 's_name', 's_address', 's_phone', 's_acctbal', 's_comment'],
  partsupp: ['ps_partkey', 'ps_comment'],
  customer: ['c_custkey', 'c_name', 'c_address', 'c_phone', 'c_acctbal', 'c_comment'],
  orders: ['o_orderkey', 'o_custkey', 'o_totalprice', 'o_comment'],
  lineitem: ['l_orderkey', 'l_partkey', 'l_extendedprice', 'l_comment'],
  nation: [],
  region: [],
};

/** A Parquet writer factory with other options (row-group size, compression). */
export function parquetWriterWith(options: ParquetWriterOptions): TpchFormatWriterFactory {
  return (table, sink) => {
    const writer = new ParquetStreamWriter(tpchArrowSchema(table), sink, {
      plainColumns: PLAIN_COLUMNS[table],
      ...options,
    });
    return {
      write: (batch) => writer.write(tpchBatchToArrow(batch)),
      async finish() {
        await writer.finish();
      },
    };
  };
}

/** TPC-H tables as snappy Parquet with row groups of at most 1,000,000 rows. */
export const parquetWriter: TpchFormatWriterFactory = parquetWriterWith({});
