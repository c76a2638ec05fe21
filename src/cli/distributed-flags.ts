/**
 * The flags `skein query` and `skein explain` share for choosing how a query runs — `--mode`,
 * `--tasks`, `--split-size`, `--max-concurrency`, `--fanout` — and `--stats-json`, which writes a query's
 * statistics as JSON.
 *
 * The statistics document (`--stats-json FILE`):
 * ```
 * {
 *   "mode": "embedded" | "single",
 *   "queryId": string, "state": "succeeded" | "failed" | …,
 *   "wallMs": number,                       // the query's run, start to last row read
 *   "stages": [{
 *     "id": number, "tasks": number,
 *     "taskMs": number,                     // sum of its tasks' durations
 *     "wallMs": number,                     // its start to its last commit
 *     "rowsOut": number, "bytesOut": number, // rows and (Arrow, in memory) bytes it output
 *     "spoolBytesWritten": number, "spoolBytesRead": number,
 *     "distribution": "source" | "hash" | "single", "output": "hash" | "broadcast" | "gather" | "result",
 *     "decision": { "tasks": number, "reason": string, "inputBytes": number | null,
 *                   "policy": "static" | "adaptive",            // absent: static
 *                   "adaptive": {                               // adaptive decisions only
 *                     "basis": "loadinfo" | "manifests",        // LoadInfo quorum, or (LoadInfo lost/late) the commits
 *                     "estimatedBytes": number, "actualBytes": number, "qError": number,
 *                     "targetBytesPerTask": number, "quorum": number,
 *                     "leadMs": number,                         // decision → producers' last commit
 *                     "estimates": [{ "stage", "bytes", "tasks", "reported", "ended" }] } },
 *     "loadInfos": number,                  // LoadInfo events its tasks sent (adaptive: one per attempt)
 *     "skipped": true,                      // the probe side of an adaptive join that broadcast (never ran)
 *     "taskStats": [{ "task", "attempt", "wallMs", "rowsOut", "bytesOut", "spoolBytesWritten",
 *                     "spoolBytesRead", "splits", "memoryPeak" }]
 *   }],
 *   "spoolBytesWritten": number, "spoolBytesRead": number,
 *   "requests": { "invoke", "throttled", "get", "put", "list", "delete", "send", "receive", "ack" },
 *   "decisions": [{ "kind": "join", "joinType", "buildSide", "buildBytes", "probeBytes",
 *                   "choice": "broadcast" | "partitioned" | "colocated" | "single", "reason",
 *                   "adaptive": {                               // adaptive joins only
 *                     "state": "planned" | "runtime", "buildStage", "probeStage",
 *                     "measuredBuildBytes", "exact" } }]     // what the run-time choice was made from
 * }
 * ```
 * In single mode the query is one stage of one task (no spool, no requests).
 */
import { writeFile } from 'node:fs/promises';
import type { EmbeddedOptions } from '../engine/embedded.ts';
import { parseBytes } from '../engine/settings.ts';
import type { QueryRun, StatementResult } from '../engine/skein.ts';
import { SkeinError } from '../errors.ts';
import type { BatchStream } from '../exec/context.ts';
import { batchBytes } from '../exec/gather.ts';
import { countFlag } from './args.ts';

export const DISTRIBUTED_FLAGS = {
  mode: { type: 'string' },
  tasks: { type: 'string' },
  'split-size': { type: 'string' },
  'max-concurrency': { type: 'string' },
  fanout: { type: 'string' },
  'early-start': { type: 'boolean' },
} as const;

export const DISTRIBUTED_USAGE = `  --mode     embedded (default): the distributed runtime — stages of tasks on worker threads,
             exchanging data through a spool folder; single: everything in this process
  --tasks N  force N tasks in every stage that is not a gather (default: sized from the data)
  --split-size BYTES
             largest leaf split (a Parquet row group, or a row range of one), e.g. 64KB; default 128MiB
  --max-concurrency N
             tasks (functions) in flight at once; default: the number of cores
  --fanout adaptive|static
             how stages reading hash exchanges get their task count: adaptive (default) from
             their producers' sampled LoadInfo, est. bytes ÷ 64 MiB per task, and a partitioned
             join whose build side turns out small broadcasts it instead; static: a fixed
             consumer count (one task when tiny), joins as planned. --tasks N overrides both
  --early-start
             adaptive: start a decided stage while its producers still run, its inputs fed to
             it as they commit (default off: waiting tasks cost function time)`;

export interface RunMode {
  readonly mode: 'single' | 'embedded';
  readonly embedded: EmbeddedOptions;
}

/** The mode and embedded options the flags ask for. */
export function runModeFromFlags(values: Record<string, string | boolean | undefined>): RunMode {
  const mode = values.mode === undefined ? 'embedded' : String(values.mode);
  if (mode !== 'single' && mode !== 'embedded') {
    throw new SkeinError('INVALID_ARGUMENT', `--mode must be single or embedded, got '${mode}'`);
  }
  const tasks = countFlag('tasks', values.tasks);
  const maxConcurrency = countFlag('max-concurrency', values['max-concurrency']);
  const split = values['split-size'];
  const splitSize = split === undefined ? undefined : parseBytes(String(split), '--split-size');
  const fanout = values.fanout === undefined ? undefined : String(values.fanout);
  if (fanout !== undefined && fanout !== 'adaptive' && fanout !== 'static') {
    throw new SkeinError('INVALID_ARGUMENT', `--fanout must be adaptive or static, got '${fanout}'`);
  }
  const earlyStart = values['early-start'] === true;
  if (
    mode === 'single' &&
    (tasks !== undefined ||
      maxConcurrency !== undefined ||
      splitSize !== undefined ||
      fanout !== undefined ||
      earlyStart)
  ) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      '--tasks, --split-size, --max-concurrency, --fanout and --early-start need --mode embedded',
    );
  }
  if (earlyStart && fanout === 'static') {
    throw new SkeinError('INVALID_ARGUMENT', '--early-start needs --fanout adaptive');
  }
  return {
    mode,
    embedded: {
      ...(tasks === undefined ? {} : { tasks }),
      ...(splitSize === undefined ? {} : { splitSize }),
      ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
      ...(fanout === undefined ? {} : { fanout }),
      ...(earlyStart ? { earlyStart } : {}),
    },
  };
}

/** The statistics document of a query run (see the module comment). */
export function queryStatsJson(
  run: QueryRun,
  single: { wallMs: number; rows: number; bytes: number },
): unknown {
  if (run.distributed) return { mode: 'embedded', ...run.distributed.stats() };
  return {
    mode: 'single',
    state: 'succeeded',
    wallMs: single.wallMs,
    stages: [
      {
        id: 1,
        tasks: 1,
        taskMs: single.wallMs,
        wallMs: single.wallMs,
        rowsOut: single.rows,
        bytesOut: single.bytes,
        spoolBytesWritten: 0,
        spoolBytesRead: 0,
        distribution: 'single',
        output: 'result',
        decision: { tasks: 1, reason: 'single mode: the whole query in this process', inputBytes: null },
      },
    ],
    spoolBytesWritten: 0,
    spoolBytesRead: 0,
    requests: { invoke: 0, throttled: 0, get: 0, put: 0, list: 0, delete: 0, send: 0, receive: 0, ack: 0 },
    decisions: [],
  };
}

/** The result with its rows and bytes counted as they are read. */
export function countedResult(result: StatementResult): {
  result: StatementResult;
  counts: { rows: number; bytes: number };
} {
  const counts = { rows: 0, bytes: 0 };
  const inner = result.batches;
  const batches: BatchStream = {
    schema: inner.schema,
    async *[Symbol.asyncIterator]() {
      for await (const b of inner) {
        counts.rows += b.length;
        counts.bytes += batchBytes(b);
        yield b;
      }
    },
  };
  return { result: { ...result, batches }, counts };
}

export async function writeStatsJson(file: string, stats: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(stats, null, 2)}\n`);
}
