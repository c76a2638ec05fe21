/**
 * A generator thread: receives part jobs one at a time, writes each part through the blob store,
 * and reports progress and completion to the thread that started it (see generate.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openBlobStore } from '../adapters/open-blob-store.ts';
import { asSkeinError, type ErrorCode } from '../errors.ts';
import type { TpchFormat } from './format.ts';
import { loadFormatWriter, type TpchPartJob, writeTpchPart } from './part.ts';
import type { TpchTableName } from './schema.ts';

export interface WorkerSetup {
  entry: string;
  location: string;
  format: TpchFormat;
  sf: number;
  /** The text pool, built once by the starting thread (backed by a SharedArrayBuffer). */
  textPool: Uint8Array;
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'progress'; table: TpchTableName; rows: number }
  | { type: 'done'; job: TpchPartJob; rows: number; bytes: number }
  | { type: 'error'; code: ErrorCode; message: string };

const PROGRESS_EVERY_MS = 200;

if (parentPort) {
  const port = parentPort;
  const setup = workerData as WorkerSetup;
  const store = openBlobStore(setup.location);
  const factory = await loadFormatWriter(setup.format);
  const post = (m: WorkerReply) => port.postMessage(m);
  port.on('message', async (job: TpchPartJob) => {
    let pending = 0;
    let last = performance.now();
    try {
      const r = await writeTpchPart(job, setup.sf, store, factory, setup.textPool, (rows) => {
        pending += rows;
        const now = performance.now();
        if (now - last >= PROGRESS_EVERY_MS) {
          post({ type: 'progress', table: job.table, rows: pending });
          pending = 0;
          last = now;
        }
      });
      if (pending > 0) post({ type: 'progress', table: job.table, rows: pending });
      post({ type: 'done', job, ...r });
    } catch (err) {
      const e = asSkeinError(err);
      post({ type: 'error', code: e.code, message: e.message });
    }
  });
  post({ type: 'ready' });
}
