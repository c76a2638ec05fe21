/**
 * `npm run bench -- adaptive [--sf 1] [--runs 3] [--queries 1,3,18] [--dir DIR]
 * [--max-concurrency N] [--target-bytes BYTES] [--quorum F] [--bytes-per-task BYTES] [--split-size BYTES]`
 * (the last two scale a small SF down to several tasks per stage, for both policies): the 22 TPC-H queries embedded with
 * adaptive fan-out (LoadInfo-sized consumer stages, the default) against the tuned static policy
 * (`--fanout static`), on the same Parquet files as `bench -- distributed` (its setup), warm: one
 * unmeasured run of each, then the median of `--runs` runs, alternating the two. Per query: wall
 * time, summed task time (function-seconds: what users pay for), tasks, the q-error of the
 * adaptive estimates (P50, P95 over its decided stages: max(est ÷ actual, actual ÷ est)), and
 * whether both gave the same rows (compared as sorted text). Then totals and the machine.
 *
 * The goal: identical results, adaptive ≤ 0.7× the task time of static at ≤ 1.0× its wall.
 */
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { formatBytes } from '../src/distributed/format.ts';
import { parseBytes } from '../src/engine/settings.ts';
import { Skein } from '../src/engine/skein.ts';
import { cellText } from '../src/engine/values.ts';
import type { Batch } from '../src/exec/vector.ts';
import type { QueryStats } from '../src/runtime/query-coordinator.ts';
import { benchData, median, runMeasured, tpchSql } from './distributed.ts';
import { machineLine, table } from './machine.ts';

/** Σ task time of a run, in ms. */
function taskMs(s: QueryStats | undefined): number {
  return s ? s.stages.reduce((x, y) => x + y.taskMs, 0) : 0;
}

function tasks(s: QueryStats | undefined): number {
  return s ? s.stages.reduce((x, y) => x + y.tasks, 0) : 1;
}

/** q-errors of a run's adaptive decisions. */
function qErrors(s: QueryStats | undefined): number[] {
  return (s?.stages ?? []).flatMap((x) =>
    x.decision?.adaptive?.qError === undefined ? [] : [x.decision.adaptive.qError],
  );
}

function quantile(xs: readonly number[], q: number): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

/** A digest of a result's rows, order-insensitive. */
async function resultDigest(db: Skein, sql: string): Promise<{ digest: string; stats?: QueryStats }> {
  const lines: string[] = [];
  const m = await runMeasured(db, sql, (b: Batch) => {
    for (let i = 0; i < b.length; i++) lines.push(JSON.stringify(b.columns.map((v) => cellText(v, i))));
  });
  const h = createHash('sha256');
  for (const l of lines.sort()) h.update(`${l}\n`);
  return { digest: h.digest('hex').slice(0, 12), ...(m.stats ? { stats: m.stats } : {}) };
}

export async function adaptiveBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      sf: { type: 'string', default: '1' },
      runs: { type: 'string', default: '3' },
      queries: { type: 'string' },
      dir: { type: 'string' },
      'max-concurrency': { type: 'string' },
      'target-bytes': { type: 'string' },
      'bytes-per-task': { type: 'string' },
      'split-size': { type: 'string' },
      quorum: { type: 'string' },
    },
  });
  const sf = Number(values.sf);
  const runs = Math.max(1, Number(values.runs));
  const dir = await benchData(sf, values.dir);
  const queries = values.queries
    ? values.queries.split(',').map((q) => Number(q.trim()))
    : Array.from({ length: 22 }, (_, i) => i + 1);
  const common = {
    ...(values['max-concurrency'] ? { maxConcurrency: Number(values['max-concurrency']) } : {}),
    ...(values['target-bytes']
      ? { targetBytesPerTask: parseBytes(values['target-bytes'], '--target-bytes') }
      : {}),
    ...(values.quorum ? { quorum: Number(values.quorum) } : {}),
    ...(values['bytes-per-task']
      ? { bytesPerTask: parseBytes(values['bytes-per-task'], '--bytes-per-task') }
      : {}),
    ...(values['split-size'] ? { splitSize: parseBytes(values['split-size'], '--split-size') } : {}),
  };
  const adaptive = new Skein({ data: dir, mode: 'embedded', embedded: { ...common, fanout: 'adaptive' } });
  const fixed = new Skein({ data: dir, mode: 'embedded', embedded: { ...common, fanout: 'static' } });
  const o = adaptive.embedded().options;
  const so = fixed.embedded().options;
  process.stdout.write(
    `${machineLine()}, load average ${loadavg()[0]!.toFixed(2)}\n` +
      `TPC-H SF ${sf} from ${dir}, embedded, max concurrency ${o.maxConcurrency}: adaptive (${formatBytes(
        o.targetBytesPerTask,
      )} per task, quorum ${o.quorum}) vs static (${so.consumerTasks} consumer tasks, one below ${formatBytes(
        so.tinyBytes,
      )}), warm, median of ${runs}\n\n`,
  );
  adaptive.embedded().warm();
  fixed.embedded().warm();

  const out: string[][] = [];
  const allQ: number[] = [];
  let wallA = 0;
  let wallS = 0;
  let taskA = 0;
  let taskS = 0;
  let unequal = 0;
  for (const n of queries) {
    const name = `q${String(n).padStart(2, '0')}`;
    const sql = await tpchSql(n);
    // The unmeasured warm-up runs compare the results.
    const a0 = await resultDigest(adaptive, sql);
    const s0 = await resultDigest(fixed, sql);
    const equal = a0.digest === s0.digest;
    if (!equal) unequal++;
    const a: { ms: number; task: number; stats?: QueryStats }[] = [];
    const s: { ms: number; task: number; stats?: QueryStats }[] = [];
    for (let i = 0; i < runs; i++) {
      const ma = await runMeasured(adaptive, sql);
      a.push({ ms: ma.ms, task: taskMs(ma.stats), ...(ma.stats ? { stats: ma.stats } : {}) });
      const ms = await runMeasured(fixed, sql);
      s.push({ ms: ms.ms, task: taskMs(ms.stats), ...(ms.stats ? { stats: ms.stats } : {}) });
    }
    const aMs = median(a.map((x) => x.ms));
    const sMs = median(s.map((x) => x.ms));
    const aTask = median(a.map((x) => x.task));
    const sTask = median(s.map((x) => x.task));
    wallA += aMs;
    wallS += sMs;
    taskA += aTask;
    taskS += sTask;
    const q = a.flatMap((x) => qErrors(x.stats));
    allQ.push(...q);
    const p50 = quantile(q, 0.5);
    const p95 = quantile(q, 0.95);
    out.push([
      name,
      sMs.toFixed(0),
      aMs.toFixed(0),
      `${(aMs / sMs).toFixed(2)}×`,
      (sTask / 1000).toFixed(2),
      (aTask / 1000).toFixed(2),
      `${(aTask / Math.max(1e-9, sTask)).toFixed(2)}×`,
      String(tasks(s[0]!.stats)),
      String(tasks(a[0]!.stats)),
      p50 === undefined ? '–' : p50.toFixed(2),
      p95 === undefined ? '–' : p95.toFixed(2),
      equal ? 'yes' : `NO (${a0.digest} vs ${s0.digest})`,
    ]);
    process.stdout.write(
      `  ${name}: static ${sMs.toFixed(0)} ms / ${(sTask / 1000).toFixed(2)} task-s, adaptive ${aMs.toFixed(0)} ms / ${(
        aTask / 1000
      ).toFixed(2)} task-s${equal ? '' : ' — RESULTS DIFFER'}\n`,
    );
  }
  const p50 = quantile(allQ, 0.5);
  const p95 = quantile(allQ, 0.95);
  out.push([
    'total',
    wallS.toFixed(0),
    wallA.toFixed(0),
    `${(wallA / wallS).toFixed(2)}×`,
    (taskS / 1000).toFixed(2),
    (taskA / 1000).toFixed(2),
    `${(taskA / Math.max(1e-9, taskS)).toFixed(2)}×`,
    '',
    '',
    p50 === undefined ? '–' : p50.toFixed(2),
    p95 === undefined ? '–' : p95.toFixed(2),
    unequal === 0 ? 'all' : `${unequal} differ`,
  ]);
  process.stdout.write(
    `\n${table(
      [
        'query',
        'static ms',
        'adaptive ms',
        'wall a÷s',
        'static task-s',
        'adaptive task-s',
        'task a÷s',
        'static tasks',
        'adaptive tasks',
        'q-err P50',
        'q-err P95',
        'equal',
      ],
      out,
    )}\n`,
  );
  process.stdout.write(`\n${allQ.length} adaptive decisions; load average now ${loadavg()[0]!.toFixed(2)}\n`);
  await adaptive.close();
  await fixed.close();
  if (unequal > 0) process.exitCode = 1;
}
