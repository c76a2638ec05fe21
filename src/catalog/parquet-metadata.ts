/**
 * A Parquet file's schema and statistics, from its footer alone (one or two ranged GETs, no wasm).
 *
 * @example
 * const meta = await readParquetMetadata(store, 'lineitem/part-0.parquet');
 * meta.schema; // [{ name: 'l_orderkey', type: INT64, nullable: false }, …]
 * meta.statistics.columns.l_shipdate; // { min: 8036, max: 10561, nullCount: 0 }
 */
import { SkeinError } from '../errors.ts';
import {
  decodeParquetFooter,
  type ParquetColumnStatistics,
  type ParquetFooter,
  type ParquetLeafColumn,
  type ParquetStatValue,
  parquetFooterLength,
} from '../formats/parquet-footer.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import {
  BOOLEAN,
  DATE,
  type DataType,
  decimal,
  type Field,
  FLOAT64,
  INT32,
  INT64,
  MAX_DECIMAL_PRECISION,
  type Schema,
  TIMESTAMP,
  VARCHAR,
} from '../types/data-type.ts';
import {
  type ColumnStatistics,
  mergeColumnStatistics,
  type StatValue,
  type TableStatistics,
} from './statistics.ts';

export interface ParquetMetadata {
  readonly schema: Schema;
  readonly rowCount: number;
  readonly rowGroups: number;
  readonly statistics: TableStatistics;
}

const TAIL_BYTES = 64 << 10;

export async function readParquetFooter(
  store: BlobStore,
  key: string,
  size?: number,
): Promise<ParquetFooter> {
  const name = store.describe(key);
  const total = size ?? (await store.head(key))?.size;
  if (total === undefined) throw new SkeinError('NOT_FOUND', `no such Parquet file: ${name}`);
  if (total < 12)
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `${name} is not a valid Parquet file: it is only ${total} bytes long`,
    );
  const start = Math.max(0, total - TAIL_BYTES);
  let tail = await store.get(key, { offset: start, length: total - start });
  const len = parquetFooterLength(tail.subarray(tail.length - 8), name);
  if (len + 12 > total) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `${name} is not a valid Parquet file: its footer length ${len} exceeds the file size ${total}`,
    );
  }
  if (len + 8 > tail.length) tail = await store.get(key, { offset: total - len - 8, length: len + 8 });
  return decodeParquetFooter(tail.subarray(tail.length - 8 - len, tail.length - 8), name);
}

export async function readParquetMetadata(
  store: BlobStore,
  key: string,
  size?: number,
): Promise<ParquetMetadata> {
  const footer = await readParquetFooter(store, key, size);
  return parquetMetadata(footer, store.describe(key), size ?? null);
}

export function parquetMetadata(footer: ParquetFooter, file: string, bytes: number | null): ParquetMetadata {
  const schema = footer.columns.map((c) => parquetField(c, file));
  const columns: Record<string, ColumnStatistics> = {};
  footer.columns.forEach((c, i) => {
    let merged: ColumnStatistics | undefined;
    let first = true;
    for (const rg of footer.rowGroups) {
      const s = rg.numRows === 0 ? undefined : statsOf(rg.columns[i]?.statistics, c);
      if (rg.numRows === 0) continue;
      merged = first ? s : mergeColumnStatistics(merged, s);
      first = false;
    }
    if (merged && Object.keys(merged).length > 0) columns[c.name] = merged;
  });
  return {
    schema,
    rowCount: footer.numRows,
    rowGroups: footer.rowGroups.length,
    statistics: { rowCount: footer.numRows, rowCountExact: true, totalBytes: bytes, columns },
  };
}

/** The engine type for a Parquet leaf column; NOT_IMPLEMENTED for nested and exotic ones. */
export function parquetField(c: ParquetLeafColumn, file: string): Field {
  if (c.path.length > 1 || c.repetition === 'REPEATED') {
    throw new SkeinError(
      'NOT_IMPLEMENTED',
      `column '${c.name}' of ${file} is nested, which Skein does not read yet`,
    );
  }
  return { name: c.name, type: parquetType(c, file), nullable: c.repetition !== 'REQUIRED' };
}

function parquetType(c: ParquetLeafColumn, file: string): DataType {
  const lt = c.logicalType;
  if (lt.kind === 'decimal') {
    if (lt.precision < 1 || lt.precision > MAX_DECIMAL_PRECISION) {
      throw new SkeinError(
        'NOT_IMPLEMENTED',
        `column '${c.name}' of ${file} is DECIMAL(${lt.precision},${lt.scale}), wider than Skein supports`,
      );
    }
    return decimal(lt.precision, lt.scale);
  }
  switch (c.physicalType) {
    case 'BOOLEAN':
      return BOOLEAN;
    case 'INT32':
      if (lt.kind === 'date') return DATE;
      if (lt.kind === 'integer' && !lt.signed && lt.bitWidth === 32) return INT64;
      return INT32;
    case 'INT64':
      if (lt.kind === 'other' && lt.name === 'TIMESTAMP') return TIMESTAMP;
      return INT64;
    case 'INT96':
      return TIMESTAMP;
    case 'FLOAT':
    case 'DOUBLE':
      return FLOAT64;
    case 'BYTE_ARRAY':
      return VARCHAR;
    case 'FIXED_LEN_BYTE_ARRAY':
      if (lt.kind === 'other' && lt.name === 'UUID') return VARCHAR;
      throw new SkeinError(
        'NOT_IMPLEMENTED',
        `column '${c.name}' of ${file} is a fixed-length byte array, which Skein does not read yet`,
      );
  }
}

function statsOf(s: ParquetColumnStatistics | undefined, c: ParquetLeafColumn): ColumnStatistics | undefined {
  if (!s) return undefined;
  const out: { min?: StatValue; max?: StatValue; nullCount?: number; distinctCount?: number } = {};
  const min = s.minExact === false && typeof s.min === 'string' ? undefined : statValue(s.min, c);
  const max = s.maxExact === false && typeof s.max === 'string' ? undefined : statValue(s.max, c);
  if (min !== undefined) out.min = min;
  if (max !== undefined) out.max = max;
  if (s.nullCount !== undefined) out.nullCount = s.nullCount;
  if (s.distinctCount !== undefined) out.distinctCount = s.distinctCount;
  return out;
}

function statValue(v: ParquetStatValue | undefined, c: ParquetLeafColumn): StatValue | undefined {
  if (v === undefined || v instanceof Uint8Array) return undefined;
  const lt = c.logicalType;
  if (lt.kind === 'decimal' && (typeof v === 'bigint' || typeof v === 'number'))
    return Number(v) / 10 ** lt.scale;
  if (typeof v === 'bigint') return Number(v);
  return v;
}
