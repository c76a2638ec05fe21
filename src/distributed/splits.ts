/**
 * Leaf splits (DESIGN §3.5): the units of table input a source stage's tasks share, weighted by
 * the bytes they read.
 *
 * - **Parquet**: one split per row group, weighing the bytes of the columns the scan reads once
 *   decoded (rows × value width, from the file footer) — what the task's operators work through,
 *   which compressed or dictionary-encoded sizes do not tell. A row group heavier than the split size is cut into row ranges
 *   (each task reading one decodes the whole row group and keeps its rows — the price of sharing a
 *   large row group; ranges of one row group given to one task are read once).
 * - **CSV**: one split per file, weighing its size.
 *
 * Splits are enumerated when the stage starts (footers are cached per file), and each task gets
 * its share in its TaskSpec ({@link assignSplits}: contiguous runs balanced by weight, so a task's
 * ranges of a row group stay together). This is the seam for streamed split feeds: a SplitSource
 * yielding batches lazily and a feed per task replace these two functions later.
 *
 * @example
 * const splits = await enumerateSplits(scanNode, store, 64 * 2 ** 20, footers);
 * const perTask = assignSplits(splits, 4); // SourceSplit[][]
 * const fragmentForTask0 = withSplits(scanNode, perTask[0]);
 */
import { readParquetFooter } from '../catalog/parquet-metadata.ts';
import type { ParquetSplit } from '../exec/scan/parquet-scan.ts';
import type { ParquetFooter } from '../formats/parquet-footer.ts';
import type { CsvScanNode, ParquetScanNode } from '../physical/plan.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { DataType } from '../types/data-type.ts';
import { splitBucketRanges } from './spool/split.ts';

/** One split of a scan: a file, or one row group of it, or a row range of that row group. */
export interface SourceSplit {
  readonly key: string;
  /** The file's size. */
  readonly size: number;
  readonly rowGroup?: number;
  /** Rows [start, end) of the row group. */
  readonly rows?: { readonly start: number; readonly end: number };
  /** The row group's row count (Parquet). */
  readonly rowGroupRows?: number;
  /**
   * Bytes of work: the columns it reads, decoded (rows × value width; the uncompressed size for
   * strings), or the CSV file's size.
   */
  readonly weight: number;
}

/** Parquet footers by file, shared across queries (a file's footer does not change with its size). */
export class FooterCache {
  private readonly cache = new Map<string, Promise<ParquetFooter>>();

  get(store: BlobStore, key: string, size: number): Promise<ParquetFooter> {
    const id = `${store.describe(key)}\u0000${size}`;
    let p = this.cache.get(id);
    if (p === undefined) {
      p = readParquetFooter(store, key, size);
      p.catch(() => this.cache.delete(id));
      this.cache.set(id, p);
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    }
    return p;
  }
}

/** The splits of a scan node, in file and row-group order. */
export async function enumerateSplits(
  node: ParquetScanNode | CsvScanNode,
  store: BlobStore,
  splitSize: number,
  footers: FooterCache = new FooterCache(),
): Promise<SourceSplit[]> {
  if (node.kind === 'csv_scan') return node.files.map((f) => ({ key: f.key, size: f.size, weight: f.size }));
  const wanted = new Set(node.columns);
  const perFile = await Promise.all(
    node.splits.map(async (file) => {
      const size = file.size ?? (await store.head(file.key))?.size ?? 0;
      const footer = await footers.get(store, file.key, size);
      // Per leaf column: the width of its values once decoded (0 for variable-width ones).
      const widths = footer.columns.map((c) => {
        if (!wanted.has(c.path[0]!)) return -1;
        const f = node.schema[node.columns.indexOf(c.path[0]!)];
        return f === undefined ? 0 : decodedWidth(f.type);
      });
      const groups = file.rowGroups ?? footer.rowGroups.map((_, i) => i);
      const out: SourceSplit[] = [];
      for (const g of groups) {
        const rg = footer.rowGroups[g]!;
        let weight = 0;
        rg.columns.forEach((c, i) => {
          const w = widths[i]!;
          if (w >= 0) weight += Math.max(c.uncompressedBytes, w * rg.numRows);
        });
        const pieces =
          rg.numRows > 1 && weight > splitSize ? Math.min(rg.numRows, Math.ceil(weight / splitSize)) : 1;
        if (pieces === 1) {
          out.push({ key: file.key, size, rowGroup: g, rowGroupRows: rg.numRows, weight });
          continue;
        }
        for (let k = 0; k < pieces; k++) {
          const start = Math.floor((k * rg.numRows) / pieces);
          const end = Math.floor(((k + 1) * rg.numRows) / pieces);
          out.push({
            key: file.key,
            size,
            rowGroup: g,
            rows: { start, end },
            rowGroupRows: rg.numRows,
            weight: (weight * (end - start)) / rg.numRows,
          });
        }
      }
      return out;
    }),
  );
  return perFile.flat();
}

/**
 * Shares splits among `tasks` tasks: contiguous runs whose heaviest is as light as possible. With
 * fewer splits than tasks, the last tasks get none.
 */
export function assignSplits(splits: readonly SourceSplit[], tasks: number): SourceSplit[][] {
  const out: SourceSplit[][] = Array.from({ length: tasks }, () => []);
  if (splits.length === 0) return out;
  if (splits.length <= tasks) {
    splits.forEach((s, i) => {
      out[i]!.push(s);
    });
    return out;
  }
  const ranges = splitBucketRanges(
    splits.map((s) => Math.max(1, Math.round(s.weight))),
    tasks,
  );
  ranges.forEach((r, i) => {
    out[i]!.push(...splits.slice(r.lo, r.hi));
  });
  return out;
}

/** A scan node reading only `splits` (adjacent row ranges of one row group merged into one read). */
export function withSplits<T extends ParquetScanNode | CsvScanNode>(
  node: T,
  splits: readonly SourceSplit[],
): T {
  if (node.kind === 'csv_scan') {
    return Object.freeze({
      ...node,
      files: splits.map((s) => ({ key: s.key, size: s.size })),
    }) as unknown as T;
  }
  const merged: ParquetSplit[] = [];
  let last:
    | { key: string; size: number; rowGroup: number; start: number; end: number; rows: number }
    | undefined;
  const flush = () => {
    if (last === undefined) return;
    const whole = last.start === 0 && last.end === last.rows;
    merged.push({
      key: last.key,
      size: last.size,
      rowGroups: [last.rowGroup],
      ...(whole ? {} : { rows: { start: last.start, end: last.end } }),
    });
    last = undefined;
  };
  for (const s of splits) {
    if (s.rowGroup === undefined) {
      flush();
      merged.push({ key: s.key, size: s.size });
      continue;
    }
    if (s.rows === undefined) {
      flush();
      merged.push({ key: s.key, size: s.size, rowGroups: [s.rowGroup] });
      continue;
    }
    if (last && last.key === s.key && last.rowGroup === s.rowGroup && last.end === s.rows.start) {
      last.end = s.rows.end;
      continue;
    }
    flush();
    last = {
      key: s.key,
      size: s.size,
      rowGroup: s.rowGroup,
      start: s.rows.start,
      end: s.rows.end,
      rows: s.rowGroupRows ?? Number.NaN,
    };
  }
  flush();
  return Object.freeze({ ...node, splits: merged }) as unknown as T;
}

/** Bytes of a decoded value of a fixed-width type; 0 for strings (their size is their bytes). */
function decodedWidth(t: DataType): number {
  switch (t.kind) {
    case 'boolean':
      return 1;
    case 'int32':
    case 'date':
      return 4;
    case 'varchar':
    case 'null':
      return 0;
    case 'interval':
      return 16;
    default:
      return 8;
  }
}
