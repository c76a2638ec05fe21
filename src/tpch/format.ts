import type { TpchBatch, TpchTableName } from './schema.ts';

/** Where a format writer sends its bytes, in order (a BlobWriter's `write`). */
export type ByteSink = (chunk: Uint8Array) => Promise<void>;

export type TpchFormat = 'tbl' | 'csv' | 'parquet';

/**
 * Encodes generated batches of one table part into one file of a format.
 * `write` is called with consecutive batches; `finish` once at the end (a CSV header, a Parquet
 * footer or a last buffered row group may be written then).
 */
export interface TpchFormatWriter {
  write(batch: TpchBatch): Promise<void>;
  finish(): Promise<void>;
}

export type TpchFormatWriterFactory = (table: TpchTableName, sink: ByteSink) => TpchFormatWriter;
