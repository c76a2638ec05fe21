import type { ParquetSplit } from '../../exec/scan/parquet-scan.ts';
import type { PhysicalExpr } from '../expr.ts';
import type { NodeBase } from './common.ts';

/**
 * Reads Parquet files of a table: the `columns` (file column names, in output order), skipping row
 * groups whose statistics refute `predicate`, and keeping only the rows where it is TRUE.
 * `store` names the blob store (`openBlobStore(store)`: a folder, later `s3://…`) that the split
 * keys are relative to.
 */
export interface ParquetScanNode extends NodeBase {
  readonly kind: 'parquet_scan';
  readonly table: string;
  readonly store: string;
  readonly splits: readonly ParquetSplit[];
  readonly columns: readonly string[];
  /** Over the output columns; null when there is none. */
  readonly predicate: PhysicalExpr | null;
  /** Stop after this many rows (only without a predicate); null for all. */
  readonly limit: number | null;
}
