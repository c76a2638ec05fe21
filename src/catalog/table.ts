/**
 * What the catalog holds: external file tables, memory tables and views.
 *
 * Entries are immutable; the catalog replaces an entry to change it (an INSERT swaps in a memory
 * table with more batches). An external table keeps its BlobStore so the physical planner can read
 * its files; everything else is plain data.
 */
import type { Batch } from '../exec/vector.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Query } from '../sql/ast.ts';
import type { Schema } from '../types/data-type.ts';
import type { CsvLayout } from './csv-schema.ts';
import type { TableStatistics } from './statistics.ts';

export type TableEntry = ExternalTable | MemoryTable | ViewEntry;

/** One file of an external table. */
export interface ExternalFile {
  /** Key in the table's store. */
  readonly key: string;
  readonly size: number;
  /** From the Parquet footer; null for CSV. */
  readonly rowCount: number | null;
  readonly rowGroups: number | null;
}

/** Parquet or CSV files in a BlobStore: one file, or every file of that format under a folder. */
export interface ExternalTable {
  readonly kind: 'external';
  readonly name: string;
  readonly schema: Schema;
  readonly format: 'parquet' | 'csv';
  readonly store: BlobStore;
  /** Where the files are, for messages and EXPLAIN (`/data/tpch/lineitem`). */
  readonly location: string;
  readonly files: readonly ExternalFile[];
  /** How the CSV files are laid out; null for Parquet. */
  readonly csv: CsvLayout | null;
  readonly statistics: TableStatistics;
}

/** Rows held in memory (CREATE TABLE, CTAS, INSERT). */
export interface MemoryTable {
  readonly kind: 'memory';
  readonly name: string;
  readonly schema: Schema;
  readonly batches: readonly Batch[];
  readonly primaryKey: readonly string[];
  readonly statistics: TableStatistics;
}

/** A named query, bound anew wherever it is used. */
export interface ViewEntry {
  readonly kind: 'view';
  readonly name: string;
  /** Column names from `CREATE VIEW v (a, b)`; `[]` to use the query's own. */
  readonly columns: readonly string[];
  readonly query: Query;
  /** The SQL text it was created from, when known (SHOW CREATE, messages). */
  readonly sql: string | null;
}
