import type { Schema } from '../../types/data-type.ts';
import type { PhysicalExpr } from '../expr.ts';
import type { NodeBase } from './common.ts';

/** Reads CSV files of a table (each file whole, one after another); see `csvScan`. */
export interface CsvScanNode extends NodeBase {
  readonly kind: 'csv_scan';
  readonly table: string;
  readonly store: string;
  readonly files: readonly { readonly key: string; readonly size: number }[];
  /** Every column of the files, in file order. */
  readonly fileSchema: Schema;
  readonly columns: readonly string[];
  readonly header: boolean;
  readonly delimiter: string;
  readonly quote: string;
  readonly predicate: PhysicalExpr | null;
  readonly limit: number | null;
}
