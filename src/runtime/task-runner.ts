/**
 * The worker side of a task attempt (DESIGN §1, "worker task"): what a function invocation does,
 * independent of where it runs (a worker thread here, a Lambda later — only the services differ).
 *
 * 1. Load the TaskSpec (inline in the payload, or from the blob store when large).
 * 2. Report `started`; keep reporting `heartbeat`s, and stop early if the query was cancelled
 *    (a key in the state store the heartbeat checks).
 * 3. Open the inputs: the scans carry the task's splits; each exchange source reads its planned
 *    bucket range of the committed producers' spool objects — or, for a consumer started before
 *    its producers committed, the reads its input feed brings as they commit (`input-feed.ts`;
 *    the attempt first claims its feed, so a second run of the same invocation leaves at once).
 * 4. Run the fragment (`executePlan`), let the {@link Sampler} look at the first batches (one
 *    LoadInfo event per attempt, for adaptive fan-out), partition the rows by key hash into B
 *    buckets (or one), and write them as this attempt's one spool object (`SpoolWriter`).
 * 5. Report `commit` with the manifest and metrics — or, on any error, delete what was written and
 *    report `failed` with the error's code and message. Only when even that report cannot be sent
 *    does the handler fail, so that the invoker reports the failure instead.
 *
 * Nothing the attempt writes is visible to anyone until the coordinator accepts its commit.
 *
 * @example
 * export async function handler(payload) {
 *   await runTask(payload, { queue: workerQueue(), state: workerStateStore(), openStore: openBlobStore });
 * }
 */
import { randomBytes } from 'node:crypto';
import { partitionBatch } from '../distributed/hash-partitioner.ts';
import { rangeBytes } from '../distributed/spool/arrow-batches.ts';
import { SpoolWriter } from '../distributed/spool/writer.ts';
import { spoolSchema, toSpoolBatch } from '../distributed/spool-batch.ts';
import { loadTaskSpec, type TaskFault, type TaskSpec } from '../distributed/task-spec.ts';
import { asSkeinError, SkeinError } from '../errors.ts';
import { type ExecContext, MemoryPool } from '../exec/context.ts';
import { type ExecEnv, executePlan, PlanMetrics } from '../exec/execute.ts';
import { type CsvScanNode, visitPhysical } from '../physical/plan.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { StateStore } from '../ports/state-store.ts';
import { countingBlobStore, countingQueue, newRequestCounts } from './counting.ts';
import { CsvScanProgress } from './csv-progress.ts';
import {
  commitEvent,
  encodeEvent,
  failedEvent,
  heartbeatEvent,
  loadEvent,
  type OperatorTaskMetrics,
  startedEvent,
  type TaskEvent,
  type TaskMetrics,
} from './events.ts';
import { exchangeStream } from './exchange-reader.ts';
import { claimFeed, InputFeedReader } from './input-feed.ts';
import { Sampler } from './sampler.ts';

/** What a task needs from its host. */
export interface TaskServices {
  readonly queue: MessageQueue;
  readonly state: StateStore;
  /** The blob store a location names (tables, the spool). */
  openStore(location: string): BlobStore;
}

/**
 * The state-store key that marks a query as cancelled or ended: tasks stop at their next
 * heartbeat, and a task finding it after writing its output deletes that output instead of
 * committing it. It outlives the query (a tombstone; a TTL expires it where the store has one).
 */
export function cancelKey(queryId: string): string {
  return `q/${queryId}/cancel`;
}

/** Runs one task attempt; resolves once its commit or failure is reported. */
export async function runTask(payload: unknown, services: TaskServices): Promise<void> {
  const t0 = performance.now();
  const counts = newRequestCounts();
  const tableCounts = newRequestCounts();
  const spec = await loadTaskSpec(payload, services.openStore);
  const queue = countingQueue(services.queue, counts);
  const spool = countingBlobStore(services.openStore(spec.spool), counts);
  // A second run of a fed attempt (an invocation delivered twice) would share its feed queue: it
  // leaves, and the first run reports for the attempt.
  if (spec.feed !== undefined && !(await claimFeed(services.state, spec, randomBytes(4).toString('hex'))))
    return;
  const send = async (e: TaskEvent) => {
    await queue.send(spec.events, { body: await encodeEvent(e, spool) });
  };
  const abort = new AbortController();
  const feed =
    spec.feed === undefined ? undefined : new InputFeedReader(queue, spec.feed.queue, spool, abort.signal);
  let rowsOut = 0;
  let heartbeat: NodeJS.Timeout | undefined;
  let writer: SpoolWriter | undefined;
  const exchangeCounters = { rows: 0 };
  // Driver progress: rows read by the task's partitioned Parquet scans (before their predicates)
  // and from its exchanges, of the rows it was given; bytes of its partitioned CSV scans' files
  // consumed, of their size (CSV splits have no row counts). The Sampler exists from the start, so
  // that an attempt failing at any point still sends its one LoadInfo (an explicit end).
  const sample = spec.sample;
  const sampledScans = new Set(sample?.scans ?? []);
  const csvScans: CsvScanNode[] = [];
  visitPhysical(spec.fragment, (p) => {
    if (p.kind === 'csv_scan' && sampledScans.has(p.id)) {
      csvScans.push(p);
      sampledScans.delete(p.id);
    }
  });
  const csv = new CsvScanProgress(csvScans.map((n) => ({ location: n.store, files: n.files })));
  let scannedRows = 0;
  const sampler =
    sample === undefined
      ? undefined
      : new Sampler({
          sample,
          fragment: spec.fragment,
          columns: spec.output.columns,
          t0,
          progress: () => {
            // A fed task's input is an estimate until its feed has ended.
            const input =
              feed === undefined
                ? sample.inputRows
                : feed.complete
                  ? feed.rows
                  : Math.max(sample.inputRows, feed.rows);
            const rows = input > 0 ? (scannedRows + exchangeCounters.rows) / input : undefined;
            if (csv.total === 0) return rows ?? 0;
            // (A task reading CSV and rows both — a rare union — gets the mean of the two.)
            return rows === undefined ? csv.fraction() : (rows + csv.fraction()) / 2;
          },
          report: (load) => send(loadEvent(spec, load)),
          ...(spec.output.kind === 'hash' ? { bucketBytes: () => writer?.bucketBytesSoFar() ?? [] } : {}),
        });
  try {
    await send(startedEvent(spec));
    let seq = 0;
    heartbeat = setInterval(() => {
      void (async () => {
        try {
          await send(heartbeatEvent(spec, seq++, rowsOut));
          if ((await services.state.get(cancelKey(spec.queryId))) !== undefined) {
            abort.abort(new SkeinError('USER_CANCELED', 'the query was cancelled'));
          }
        } catch {
          // A missed heartbeat is not a failure; the coordinator's deadline decides.
        }
      })();
    }, spec.heartbeatMs);
    heartbeat.unref?.();
    injectFault(spec, 'start');
    feed?.start();

    const stores = new Map<string, BlobStore>();
    const memory = new MemoryPool(spec.memoryLimit);
    const ctx: ExecContext = { batchSize: spec.batchSize, memory, signal: abort.signal };
    const env: ExecEnv = {
      store: (location) => {
        let s = stores.get(location);
        if (s === undefined) {
          s = csv.observe(location, countingBlobStore(services.openStore(location), tableCounts));
          stores.set(location, s);
        }
        return s;
      },
      memoryTable: (name) => {
        throw new SkeinError(
          'INTERNAL',
          `internal error (this is a bug in Skein): memory table '${name}' in a task`,
        );
      },
      exchange: (node) => {
        const input = spec.inputs.find((i) => i.stage === node.stage);
        if (input === undefined) {
          throw new SkeinError(
            'INTERNAL',
            `internal error (this is a bug in Skein): task ${spec.stage}.${spec.task} has no read plan for stage ${node.stage}`,
          );
        }
        const reads = 'read' in input ? input.read : feed!.reads(node.stage);
        return exchangeStream(spool, node, reads, ctx, exchangeCounters);
      },
      ...(sample === undefined
        ? {}
        : {
            scanned: (node: number, rows: number) => {
              if (sampledScans.has(node)) scannedRows += rows;
            },
          }),
    };
    const metrics = new PlanMetrics();
    const stream = executePlan(spec.fragment, ctx, env, metrics);
    const out = spec.output;
    const schema = spoolSchema(spec.fragment.schema, out.columns);
    writer = new SpoolWriter(spool, {
      attempt: { queryId: spec.queryId, stage: spec.stage, task: spec.task, attempt: spec.attempt },
      bucketCount: out.kind === 'hash' ? out.buckets : 1,
      schema,
      // Two runs of one attempt (an invocation delivered twice) must not share objects.
      nonce: randomBytes(4).toString('hex'),
    });
    for await (const batch of stream) {
      if (batch.length === 0) continue;
      rowsOut += batch.length;
      if (out.kind === 'hash') {
        const { batch: sorted, starts } = partitionBatch(batch, out.keys, out.buckets, out.columns);
        const spoolBatch = toSpoolBatch(sorted, schema);
        if (sampler !== undefined && !sampler.done)
          await sampler.observe(batch, rangeBytes(spoolBatch, 0, spoolBatch.numRows));
        await writer.writeRuns(spoolBatch, starts);
      } else {
        const spoolBatch = toSpoolBatch(batch, schema);
        if (sampler !== undefined && !sampler.done)
          await sampler.observe(batch, rangeBytes(spoolBatch, 0, spoolBatch.numRows));
        await writer.write(0, spoolBatch);
      }
    }
    await sampler?.end();
    injectFault(spec, 'commit');
    const manifest = await writer.finish();
    // The query may have ended (or been cancelled) meanwhile: then this output must not stay.
    if ((await services.state.get(cancelKey(spec.queryId))) !== undefined) {
      throw new SkeinError('USER_CANCELED', 'the query was cancelled or has ended');
    }
    const spoolBytesRead = counts.bytesRead;
    const operators: OperatorTaskMetrics[] = [];
    let splits = 0;
    visitPhysical(spec.fragment, (p) => {
      const m = metrics.get(p.id);
      if (m) operators.push({ id: p.id, rows: m.rows, batches: m.batches, timeMs: m.timeMs });
      if (p.kind === 'parquet_scan') splits += p.splits.length;
      if (p.kind === 'csv_scan') splits += p.files.length;
    });
    const taskMetrics: TaskMetrics = {
      wallMs: performance.now() - t0,
      rowsOut: manifest.rows,
      bytesOut: manifest.bytes,
      spoolBytesWritten: manifest.objects.reduce((s, o) => s + o.size, 0),
      spoolBytesRead,
      exchangeRowsIn: exchangeCounters.rows,
      splits,
      memoryPeak: memory.peak,
      // The commit event's own send is counted too.
      requests: {
        get: counts.get + tableCounts.get,
        put: counts.put,
        list: counts.list + tableCounts.list,
        delete: counts.delete,
        send: counts.send + 1,
        receive: counts.receive,
        ack: counts.ack,
      },
      operators,
    };
    clearInterval(heartbeat);
    await send(commitEvent(spec, manifest, taskMetrics));
  } catch (err) {
    clearInterval(heartbeat);
    const e =
      abort.signal.aborted && abort.signal.reason instanceof SkeinError
        ? abort.signal.reason
        : asSkeinError(err);
    await writer?.abort().catch(() => {});
    await sampler?.fail();
    // If even the failure cannot be reported, fail the invocation: the invoker reports it.
    await send(failedEvent(spec, { code: e.code, message: e.message }));
  } finally {
    // Stops a feed still being received (a fragment that stopped reading early, or failed).
    if (!abort.signal.aborted) abort.abort(new SkeinError('USER_CANCELED', 'the task has ended'));
  }
}

function injectFault(spec: TaskSpec, phase: TaskFault['phase']): void {
  for (const f of spec.faults ?? []) {
    if (
      f.phase === phase &&
      f.stage === spec.stage &&
      f.task === spec.task &&
      (f.attempt === undefined || f.attempt === spec.attempt)
    ) {
      throw new SkeinError(f.code, f.message);
    }
  }
}
