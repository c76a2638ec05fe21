import type { BlobStore } from '../ports/blob-store.ts';
import type { TpchFormat, TpchFormatWriterFactory } from './format.ts';
import { generateBatches, partRange } from './rows.ts';
import type { TpchTableName } from './schema.ts';

/** One file of the output: part `part` of `parts` of a table. */
export interface TpchPartJob {
  readonly table: TpchTableName;
  readonly part: number;
  readonly parts: number;
  readonly key: string;
}

export interface TpchPartResult {
  readonly rows: number;
  readonly bytes: number;
}

/** File name extension of each output format. */
export const FORMAT_EXTENSIONS: Readonly<Record<TpchFormat, string>> = {
  tbl: 'tbl',
  csv: 'csv',
  parquet: 'parquet',
};

/** The object key of a part: `<table>/part-<i>.<ext>`. */
export function partKey(table: TpchTableName, part: number, format: TpchFormat): string {
  return `${table}/part-${part}.${FORMAT_EXTENSIONS[format]}`;
}

/** Loads a format's writer; Parquet's (WebAssembly) is only loaded when asked for. */
export async function loadFormatWriter(format: TpchFormat): Promise<TpchFormatWriterFactory> {
  switch (format) {
    case 'tbl':
      return (await import('./format-tbl.ts')).tblWriter;
    case 'csv':
      return (await import('./format-csv.ts')).csvWriter;
    case 'parquet':
      return (await import('./format-parquet.ts')).parquetWriter;
  }
}

/**
 * Generates one part and writes it through the blob store under a temporary name; the part
 * appears under its key only when complete. Calls `onBatch` with the rows of each batch written.
 */
export async function writeTpchPart(
  job: TpchPartJob,
  sf: number,
  store: BlobStore,
  writerFactory: TpchFormatWriterFactory,
  textPool: Uint8Array,
  onBatch: (rows: number) => void,
): Promise<TpchPartResult> {
  const { start, count } = partRange(job.table, sf, job.part, job.parts);
  const out = await store.createWriter(job.key);
  let bytes = 0;
  let rows = 0;
  try {
    const writer = writerFactory(job.table, async (chunk) => {
      bytes += chunk.length;
      await out.write(chunk);
    });
    for (const batch of generateBatches(job.table, sf, start, count, { textPool })) {
      await writer.write(batch);
      rows += batch.rows;
      onBatch(batch.rows);
    }
    await writer.finish();
    await out.commit();
  } catch (err) {
    await out.abort();
    throw err;
  }
  return { rows, bytes };
}
