/**
 * Table and column statistics, as plain JSON data: what the optimizer estimates cardinalities
 * from. They are copied into scan nodes, so keep them small.
 *
 * Values of `min`/`max` are plain numbers for numeric and temporal columns (a DECIMAL as its real
 * value, possibly rounded; a DATE as days since 1970-01-01; a TIMESTAMP as microseconds), strings
 * for VARCHAR (possibly truncated: then only a bound), booleans for BOOLEAN.
 */
export type StatValue = number | string | boolean;

export interface ColumnStatistics {
  readonly min?: StatValue;
  readonly max?: StatValue;
  readonly nullCount?: number;
  readonly distinctCount?: number;
}

export interface TableStatistics {
  /** From metadata (Parquet footers, memory tables) or estimated (CSV); null when unknown. */
  readonly rowCount: number | null;
  /** False when `rowCount` is an estimate (CSV: file bytes ÷ sampled bytes per row). */
  readonly rowCountExact: boolean;
  /** Bytes on storage (or in memory). */
  readonly totalBytes: number | null;
  /** By column name; a column without statistics is absent. */
  readonly columns: Readonly<Record<string, ColumnStatistics>>;
}

/** Combines the statistics of two parts of one table (files, batches). */
export function mergeColumnStatistics(
  a: ColumnStatistics | undefined,
  b: ColumnStatistics | undefined,
): ColumnStatistics {
  if (!a || !b) return {};
  const out: { min?: StatValue; max?: StatValue; nullCount?: number } = {};
  if (a.min !== undefined && b.min !== undefined && typeof a.min === typeof b.min)
    out.min = lesser(a.min, b.min);
  if (a.max !== undefined && b.max !== undefined && typeof a.max === typeof b.max)
    out.max = lesser(b.max, a.max) === a.max ? b.max : a.max;
  if (a.nullCount !== undefined && b.nullCount !== undefined) out.nullCount = a.nullCount + b.nullCount;
  return out;
}

/** The smaller of two values of one type; they may be strings, so not Math.min. */
function lesser(a: StatValue, b: StatValue): StatValue {
  if (b < a) return b;
  return a;
}
