/**
 * SQL data types, as plain data. Every layer speaks these: the binder types expressions with them,
 * plans carry them, operators choose kernels by them, and formats map them to Arrow/Parquet types.
 *
 * How values of each type are held in memory (see `src/exec/vector.ts`):
 * - boolean: one byte per value (0/1)
 * - int32, date (days since 1970-01-01): Int32Array
 * - int64, decimal (scaled integer: 12.34 in DECIMAL(p,2) is 1234), timestamp (microseconds since
 *   the epoch), float64: Float64Array — exact for integers up to 2^53. int64 and decimal vectors
 *   whose values outgrow 2^53 (sums, products) switch to BigInt64Array storage.
 * - varchar: UTF-8 bytes plus Int32 offsets (Arrow's Utf8 layout)
 * - interval: months, days and microseconds (SQL's three independent parts)
 */
export type DataType =
  | { readonly kind: 'null' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'int32' }
  | { readonly kind: 'int64' }
  | { readonly kind: 'float64' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'varchar' }
  | { readonly kind: 'date' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'interval' };

export type TypeKind = DataType['kind'];

/** The largest decimal precision Skein accepts (SQL's usual 38). */
export const MAX_DECIMAL_PRECISION = 38;

export const NULL_TYPE: DataType = Object.freeze({ kind: 'null' });
export const BOOLEAN: DataType = Object.freeze({ kind: 'boolean' });
export const INT32: DataType = Object.freeze({ kind: 'int32' });
export const INT64: DataType = Object.freeze({ kind: 'int64' });
export const FLOAT64: DataType = Object.freeze({ kind: 'float64' });
export const VARCHAR: DataType = Object.freeze({ kind: 'varchar' });
export const DATE: DataType = Object.freeze({ kind: 'date' });
export const TIMESTAMP: DataType = Object.freeze({ kind: 'timestamp' });
export const INTERVAL: DataType = Object.freeze({ kind: 'interval' });

/** DECIMAL(precision, scale); throws a TypeError-free plain Error on nonsense (callers validate). */
export function decimal(precision: number, scale: number): DataType {
  return Object.freeze({ kind: 'decimal', precision, scale });
}

export function isNumeric(t: DataType): boolean {
  return t.kind === 'int32' || t.kind === 'int64' || t.kind === 'float64' || t.kind === 'decimal';
}

export function isInteger(t: DataType): boolean {
  return t.kind === 'int32' || t.kind === 'int64';
}

export function typesEqual(a: DataType, b: DataType): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'decimal' && b.kind === 'decimal') return a.precision === b.precision && a.scale === b.scale;
  return true;
}

/** The SQL spelling of a type, as shown in errors, EXPLAIN and DESCRIBE. */
export function typeToString(t: DataType): string {
  switch (t.kind) {
    case 'null':
      return 'NULL';
    case 'boolean':
      return 'BOOLEAN';
    case 'int32':
      return 'INTEGER';
    case 'int64':
      return 'BIGINT';
    case 'float64':
      return 'DOUBLE';
    case 'decimal':
      return `DECIMAL(${t.precision},${t.scale})`;
    case 'varchar':
      return 'VARCHAR';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'interval':
      return 'INTERVAL';
  }
}

/** A named, typed column of a schema. */
export interface Field {
  readonly name: string;
  readonly type: DataType;
  readonly nullable: boolean;
}

export type Schema = readonly Field[];
