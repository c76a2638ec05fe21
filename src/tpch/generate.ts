import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { openBlobStore } from '../adapters/open-blob-store.ts';
import { SkeinError } from '../errors.ts';
import type { TpchFormat } from './format.ts';
import { loadFormatWriter, partKey, type TpchPartJob, writeTpchPart } from './part.ts';
import { unitCount } from './rows.ts';
import { TPCH_TABLES, type TpchTableName } from './schema.ts';
import { buildSharedTextPool } from './text-pool.ts';
import type { WorkerReply, WorkerSetup } from './worker.ts';

export const TPCH_FORMATS: readonly TpchFormat[] = ['parquet', 'csv', 'tbl'];

/**
 * Options of {@link generateTpch}; `skein tpch generate` maps its flags onto these one to one.
 */
export interface TpchGenerateOptions {
  /** Scale factor: > 0; fractional below 1 (0.01, 0.1), a whole number from 1 up. */
  sf: number;
  /** Output location: a folder (one subfolder per table). */
  out: string;
  /** Default `parquet`. */
  format?: TpchFormat;
  /** Default: all eight tables. */
  tables?: readonly TpchTableName[];
  /** Parts per table. Default: one per ~128 MB of .tbl text, at least `threads` for large tables. */
  parts?: number;
  /** Worker threads. Default: the machine's core count. 1 runs in the calling thread. */
  threads?: number;
  /** Called as rows are written; `totalRows` is an estimate (lineitem's count is known at the end). */
  onProgress?: (progress: TpchProgress) => void;
}

export interface TpchProgress {
  rows: number;
  totalRows: number;
  table: TpchTableName;
}

export interface TpchGeneratedFile {
  table: TpchTableName;
  part: number;
  key: string;
  rows: number;
  bytes: number;
}

export interface TpchGenerateResult {
  files: TpchGeneratedFile[];
  rows: number;
  bytes: number;
  wallMs: number;
}

/** dbgen rows per unit (lineitem: about 4 per order; partsupp: 4 per part), for progress estimates. */
const ROWS_PER_UNIT: Partial<Record<TpchTableName, number>> = { lineitem: 4.0, partsupp: 4 };
/** Approximate .tbl bytes per row, for choosing a default part count. */
const TBL_BYTES_PER_ROW: Record<TpchTableName, number> = {
  part: 120,
  supplier: 140,
  partsupp: 145,
  customer: 160,
  orders: 110,
  lineitem: 125,
  nation: 90,
  region: 80,
};
const DEFAULT_PART_BYTES = 128 * 1024 * 1024;

/** Checks the options and fills in defaults; every problem is a one-line INVALID_ARGUMENT error. */
export function resolveTpchOptions(
  o: TpchGenerateOptions,
): Required<Omit<TpchGenerateOptions, 'onProgress'>> {
  const { sf } = o;
  if (!Number.isFinite(sf) || sf <= 0) {
    throw new SkeinError('INVALID_ARGUMENT', `scale factor must be a number greater than 0, got ${sf}`);
  }
  if (sf >= 1 && !Number.isInteger(sf)) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `scale factor ${sf} is not supported: from 1 up it must be a whole number (dbgen's rule)`,
    );
  }
  const format = o.format ?? 'parquet';
  if (!TPCH_FORMATS.includes(format)) {
    throw new SkeinError('INVALID_ARGUMENT', `unknown format '${format}' (use ${TPCH_FORMATS.join(', ')})`);
  }
  const tables = o.tables ?? TPCH_TABLES;
  if (tables.length === 0) throw new SkeinError('INVALID_ARGUMENT', 'no tables to generate');
  for (const t of tables) {
    if (!TPCH_TABLES.includes(t)) {
      throw new SkeinError('INVALID_ARGUMENT', `unknown table '${t}' (TPC-H has ${TPCH_TABLES.join(', ')})`);
    }
  }
  const threads = o.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new SkeinError('INVALID_ARGUMENT', `threads must be a whole number from 1 up, got ${threads}`);
  }
  if (o.parts !== undefined) {
    if (!Number.isInteger(o.parts) || o.parts < 1) {
      throw new SkeinError('INVALID_ARGUMENT', `parts must be a whole number from 1 up, got ${o.parts}`);
    }
    for (const t of tables) {
      const units = unitCount(t, sf);
      if (o.parts > units) {
        const what = t === 'lineitem' ? 'orders' : t === 'partsupp' ? 'parts' : 'rows';
        throw new SkeinError(
          'INVALID_ARGUMENT',
          `--parts ${o.parts} is larger than table ${t} at SF ${sf}, which is cut by its ${units} ${what}`,
        );
      }
    }
  }
  if (typeof o.out !== 'string' || o.out === '')
    throw new SkeinError('INVALID_ARGUMENT', 'no output location');
  return { sf, out: o.out, format, tables, parts: o.parts ?? 0, threads };
}

/** The default number of parts for a table: one per ~128 MB, at least `threads` when it is large. */
export function defaultParts(table: TpchTableName, sf: number, threads: number): number {
  const units = unitCount(table, sf);
  const bytes = estimatedRows(table, sf) * TBL_BYTES_PER_ROW[table];
  let parts = Math.ceil(bytes / DEFAULT_PART_BYTES);
  if (bytes > 16 * 1024 * 1024) parts = Math.max(parts, threads);
  return Math.max(1, Math.min(units, parts));
}

function estimatedRows(table: TpchTableName, sf: number): number {
  return unitCount(table, sf) * (ROWS_PER_UNIT[table] ?? 1);
}

/**
 * Generates TPC-H tables as `<out>/<table>/part-<i>.<ext>`. Parts are independent (dbgen's step
 * scheme) and run on worker threads; each is written under a temporary name and appears only when
 * complete. On failure the parts this run already wrote are deleted, so a failed run never leaves a
 * table that looks complete. Parts of an earlier run with the same extension that this run did not
 * write (say, from a larger `parts`) are deleted after success, so each table folder holds one copy.
 *
 * @example
 * await generateTpch({ sf: 0.1, out: './data', format: 'parquet' });
 */
export async function generateTpch(options: TpchGenerateOptions): Promise<TpchGenerateResult> {
  const o = resolveTpchOptions(options);
  const t0 = performance.now();
  const store = openBlobStore(o.out);
  await checkWritable(store);

  const jobs: TpchPartJob[] = [];
  const estimates = new Map<TpchTableName, number>();
  for (const table of o.tables) {
    const parts = o.parts || defaultParts(table, o.sf, o.threads);
    estimates.set(table, estimatedRows(table, o.sf));
    for (let part = 0; part < parts; part++)
      jobs.push({ table, part, parts, key: partKey(table, part, o.format) });
  }
  // Largest parts first, so the last to finish are small ones and threads stay busy.
  const jobRows = (j: TpchPartJob) => (estimates.get(j.table) ?? 0) / j.parts;
  jobs.sort((a, b) => jobRows(b) - jobRows(a));

  const totalRows = [...estimates.values()].reduce((a, b) => a + b, 0);
  let doneRows = 0;
  const progress = (rows: number, table: TpchTableName) => {
    doneRows += rows;
    options.onProgress?.({ rows: doneRows, totalRows: Math.max(totalRows, doneRows), table });
  };

  const files: TpchGeneratedFile[] = [];
  try {
    const textPool = buildSharedTextPool();
    const threads = Math.min(o.threads, jobs.length);
    if (threads <= 1) {
      const factory = await loadFormatWriter(o.format);
      for (const job of jobs) {
        const r = await writeTpchPart(job, o.sf, store, factory, textPool, (n) => progress(n, job.table));
        files.push({ table: job.table, part: job.part, key: job.key, ...r });
      }
    } else {
      await runOnWorkers(
        jobs,
        threads,
        { location: o.out, format: o.format, sf: o.sf, textPool },
        progress,
        files,
      );
    }
  } catch (err) {
    await store.delete(files.map((f) => f.key)).catch(() => {});
    throw err;
  }
  await deleteStaleParts(store, o.tables, o.format, new Set(files.map((f) => f.key)));

  files.sort((a, b) => (a.table === b.table ? a.part - b.part : a.table < b.table ? -1 : 1));
  return {
    files,
    rows: files.reduce((a, f) => a + f.rows, 0),
    bytes: files.reduce((a, f) => a + f.bytes, 0),
    wallMs: performance.now() - t0,
  };
}

/** Fails early, with the folder named, when the output cannot be written. */
async function checkWritable(store: ReturnType<typeof openBlobStore>): Promise<void> {
  const w = await store.createWriter('.skein-write-check');
  await w.abort();
}

async function deleteStaleParts(
  store: ReturnType<typeof openBlobStore>,
  tables: readonly TpchTableName[],
  format: TpchFormat,
  keep: ReadonlySet<string>,
): Promise<void> {
  const stale: string[] = [];
  for (const table of tables) {
    const re = new RegExp(`^${table}/part-\\d+\\.${format}$`);
    for await (const { key } of store.list(`${table}/`)) if (re.test(key) && !keep.has(key)) stale.push(key);
  }
  if (stale.length > 0) await store.delete(stale);
}

function runOnWorkers(
  jobs: TpchPartJob[],
  threads: number,
  setup: Omit<WorkerSetup, 'entry'>,
  progress: (rows: number, table: TpchTableName) => void,
  files: TpchGeneratedFile[],
): Promise<void> {
  const queue = [...jobs];
  const bootstrap = new URL('../worker-bootstrap.mjs', import.meta.url);
  const workerData: WorkerSetup = { ...setup, entry: new URL('./worker.ts', import.meta.url).href };
  return new Promise<void>((resolve, reject) => {
    const workers: Worker[] = [];
    const idle = new Set<Worker>();
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(err);
    };
    const current = new Map<Worker, TpchPartJob>();
    const next = (w: Worker) => {
      const job = queue.shift();
      if (job) {
        current.set(w, job);
        w.postMessage(job);
        return;
      }
      current.delete(w);
      idle.add(w);
      void w.terminate();
      if (idle.size === workers.length && !failed) resolve();
    };
    for (let i = 0; i < threads; i++) {
      const w = new Worker(bootstrap, { workerData });
      workers.push(w);
      w.on('message', (m: WorkerReply) => {
        if (m.type === 'ready') next(w);
        else if (m.type === 'progress') progress(m.rows, m.table);
        else if (m.type === 'done') {
          files.push({ table: m.job.table, part: m.job.part, key: m.job.key, rows: m.rows, bytes: m.bytes });
          next(w);
        } else fail(new SkeinError(m.code, m.message));
      });
      w.on('error', fail);
      w.on('exit', (code) => {
        if (!idle.has(w) && !failed) {
          fail(
            new SkeinError(
              'INTERNAL',
              `generator thread exited (code ${code}) while writing ${current.get(w)?.key}`,
            ),
          );
        }
      });
    }
  });
}
