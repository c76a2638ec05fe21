import type { TableStatistics } from '../../catalog/statistics.ts';
import type { Expr } from '../expr.ts';
import type { OutputColumn } from '../plan.ts';

/**
 * Reads a catalog table. `columns` are the table columns the plan needs (projection pruning
 * narrows them to what the file reader must decode), each with a fresh id and its position in
 * the table's schema; `filters` are conjuncts over those columns that the reader may use to skip
 * row groups and must apply to the rows it returns; `limit` (only without filters) lets the reader
 * stop early. `statistics` is the catalog's, copied in so that estimates stay a pure function of
 * the plan.
 */
export interface ScanNode {
  readonly kind: 'scan';
  /** The table's catalog name (lower case, unqualified). */
  readonly table: string;
  /** The alias it was read under (`lineitem l1` → `l1`), for EXPLAIN; null when none. */
  readonly alias: string | null;
  readonly columns: readonly ScanColumn[];
  readonly filters: readonly Expr[];
  readonly limit: number | null;
  readonly statistics: TableStatistics | null;
}

export interface ScanColumn extends OutputColumn {
  /** Index of the column in the table's schema. */
  readonly index: number;
}

export function scan(
  table: string,
  alias: string | null,
  columns: readonly ScanColumn[],
  statistics: TableStatistics | null,
  filters: readonly Expr[] = [],
  limit: number | null = null,
): ScanNode {
  return Object.freeze({
    kind: 'scan',
    table,
    alias,
    columns: Object.freeze(columns.map((c) => Object.freeze({ ...c }))),
    filters: Object.freeze([...filters]),
    limit,
    statistics,
  });
}
