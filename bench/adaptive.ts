/**
 * `npm run bench -- adaptive [--sf 1] [--runs 3] [--queries 1,3,18] [--dir DIR]
 * [--max-concurrency N] [--threads N] [--target-bytes BYTES] [--quorum F] [--bytes-per-task BYTES] [--split-size BYTES]`
 * (`--threads` caps the worker threads below `--max-concurrency`, the functions a query may have
 * in flight: a fleet larger than the machine, whose extra invocations are throttled and retried,
 * so that task times are not inflated by more threads than cores; the last two scale a small SF
 * down to several tasks per stage, for every policy): the 22 TPC-H queries embedded with
 * adaptive fan-out (LoadInfo-sized consumer stages, the default) against the tuned static policy
 * (`--fanout static`), and adaptive with consumer stages started as soon as they are decided
 * (`earlyStart`, inputs over feeds), on the same Parquet files as `bench -- distributed` (its
 * setup), warm: one unmeasured run of each, then the median of `--runs` runs, alternating them. Per
 * query: wall time, summed task time (function-seconds: what users pay for — an early started
 * consumer pays for its wait), tasks, the q-error of the adaptive estimates (P50, P95 over its
 * decided stages: max(est ÷ actual, actual ÷ est)), and whether all gave the same rows (compared
 * as sorted text). Then totals and the machine.
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
      threads: { type: 'string' },
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
    ...(values.threads ? { threads: Number(values.threads) } : {}),
    ...(values['target-bytes']
      ? { targetBytesPerTask: parseBytes(values['target-bytes'], '--target-bytes') }
      : {}),
    ...(values.quorum ? { quorum: Number(values.quorum) } : {}),
    ...(values['bytes-per-task']
      ? { bytesPerTask: parseBytes(values['bytes-per-task'], '--bytes-per-task') }
      : {}),
    ...(values['split-size'] ? { splitSize: parseBytes(values['split-size'], '--split-size') } : {}),
  };
  const fixed = new Skein({ data: dir, mode: 'embedded', embedded: { ...common, fanout: 'static' } });
  const adaptive = new Skein({
    data: dir,
    mode: 'embedded',
    embedded: { ...common, fanout: 'adaptive', earlyStart: false },
  });
  const early = new Skein({
    data: dir,
    mode: 'embedded',
    embedded: { ...common, fanout: 'adaptive', earlyStart: true },
  });
  const policies = [fixed, adaptive, early] as const;
  const o = adaptive.embedded().options;
  const so = fixed.embedded().options;
  process.stdout.write(
    `${machineLine()}, load average ${loadavg()[0]!.toFixed(2)}\n` +
      `TPC-H SF ${sf} from ${dir}, embedded, max concurrency ${o.maxConcurrency}: static (${so.consumerTasks} consumer tasks, one below ${formatBytes(
        so.tinyBytes,
      )}) vs adaptive (${formatBytes(o.targetBytesPerTask)} per task, quorum ${o.quorum}; consumers started after their producers committed) vs adaptive + early start (consumers started once decided), warm, median of ${runs}\n\n`,
  );
  for (const db of policies) db.embedded().warm();

  const out: string[][] = [];
  const allQ: number[] = [];
  const wall = [0, 0, 0];
  const task = [0, 0, 0];
  let unequal = 0;
  let earlyStages = 0;
  for (const n of queries) {
    const name = `q${String(n).padStart(2, '0')}`;
    const sql = await tpchSql(n);
    // The unmeasured warm-up runs compare the results.
    const digests: string[] = [];
    for (const db of policies) digests.push((await resultDigest(db, sql)).digest);
    const equal = digests.every((d) => d === digests[0]);
    if (!equal) unequal++;
    const m: { ms: number; task: number; stats?: QueryStats }[][] = [[], [], []];
    for (let i = 0; i < runs; i++) {
      for (const [k, db] of policies.entries()) {
        const r = await runMeasured(db, sql);
        m[k]!.push({ ms: r.ms, task: taskMs(r.stats), ...(r.stats ? { stats: r.stats } : {}) });
      }
    }
    const ms = m.map((x) => median(x.map((y) => y.ms)));
    const tk = m.map((x) => median(x.map((y) => y.task)));
    for (let k = 0; k < 3; k++) {
      wall[k]! += ms[k]!;
      task[k]! += tk[k]!;
    }
    const q = m[1]!.flatMap((x) => qErrors(x.stats));
    allQ.push(...q);
    earlyStages += (m[2]![0]!.stats?.stages ?? []).filter((x) => x.earlyMs !== undefined).length;
    const p50 = quantile(q, 0.5);
    const p95 = quantile(q, 0.95);
    out.push([
      name,
      ms[0]!.toFixed(0),
      ms[1]!.toFixed(0),
      ms[2]!.toFixed(0),
      `${(ms[1]! / ms[0]!).toFixed(2)}×`,
      `${(ms[2]! / ms[0]!).toFixed(2)}×`,
      (tk[0]! / 1000).toFixed(2),
      (tk[1]! / 1000).toFixed(2),
      (tk[2]! / 1000).toFixed(2),
      `${(tk[1]! / Math.max(1e-9, tk[0]!)).toFixed(2)}×`,
      `${(tk[2]! / Math.max(1e-9, tk[0]!)).toFixed(2)}×`,
      String(tasks(m[0]![0]!.stats)),
      String(tasks(m[1]![0]!.stats)),
      p50 === undefined ? '–' : p50.toFixed(2),
      p95 === undefined ? '–' : p95.toFixed(2),
      equal ? 'yes' : `NO (${digests.join(' / ')})`,
    ]);
    process.stdout.write(
      `  ${name}: static ${ms[0]!.toFixed(0)} ms / ${(tk[0]! / 1000).toFixed(2)} task-s, adaptive ${ms[1]!.toFixed(0)} ms / ${(
        tk[1]! / 1000
      ).toFixed(
        2,
      )} task-s, early ${ms[2]!.toFixed(0)} ms / ${(tk[2]! / 1000).toFixed(2)} task-s${equal ? '' : ' — RESULTS DIFFER'}\n`,
    );
  }
  const p50 = quantile(allQ, 0.5);
  const p95 = quantile(allQ, 0.95);
  out.push([
    'total',
    wall[0]!.toFixed(0),
    wall[1]!.toFixed(0),
    wall[2]!.toFixed(0),
    `${(wall[1]! / wall[0]!).toFixed(2)}×`,
    `${(wall[2]! / wall[0]!).toFixed(2)}×`,
    (task[0]! / 1000).toFixed(2),
    (task[1]! / 1000).toFixed(2),
    (task[2]! / 1000).toFixed(2),
    `${(task[1]! / Math.max(1e-9, task[0]!)).toFixed(2)}×`,
    `${(task[2]! / Math.max(1e-9, task[0]!)).toFixed(2)}×`,
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
        'early ms',
        'wall a÷s',
        'wall e÷s',
        'static task-s',
        'adaptive task-s',
        'early task-s',
        'task a÷s',
        'task e÷s',
        'static tasks',
        'adaptive tasks',
        'q-err P50',
        'q-err P95',
        'equal',
      ],
      out,
    )}\n`,
  );
  process.stdout.write(
    `\n${allQ.length} adaptive decisions; ${earlyStages} stages started early (one run of each query); load average now ${loadavg()[0]!.toFixed(2)}\n`,
  );
  for (const db of policies) await db.close();
  if (unequal > 0) process.exitCode = 1;
}
