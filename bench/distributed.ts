/**
 * `npm run bench -- distributed [--sf 1] [--runs 3] [--queries 1,3,18] [--dir DIR] [--tasks N]
 * [--split-size BYTES] [--max-concurrency N]`: the 22 TPC-H queries embedded (the distributed
 * runtime on worker threads, default settings unless given) against `--mode single` (one process),
 * on the same Parquet files (generated once into ./.bench-data/sf<sf>, outside ./data so the demo's catalog never sees it), warm: one unmeasured run of
 * each, then the median of `--runs` runs, alternating the two modes. Prints per query the two
 * times and their ratio, the stages and tasks, the spool bytes written and read, and the requests
 * (invocations, storage GET/PUT/LIST/DELETE, queue sends/receives/acks); then the geometric mean
 * of embedded ÷ single and the machine.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatBytes } from '../src/distributed/format.ts';
import { parseBytes } from '../src/engine/settings.ts';
import { Skein } from '../src/engine/skein.ts';
import type { Batch } from '../src/exec/vector.ts';
import type { QueryStats } from '../src/runtime/query-coordinator.ts';
import { generateTpch } from '../src/tpch/generate.ts';
import { TPCH_TABLES } from '../src/tpch/schema.ts';
import { machineLine, table } from './machine.ts';

export interface Measure {
  ms: number;
  rows: number;
  stats?: QueryStats;
}

/** The TPC-H Parquet files of a scale factor for benchmarks (generated once, outside ./data). */
export async function benchData(sf: number, dir = join('.bench-data', `sf${sf}`)): Promise<string> {
  if (!TPCH_TABLES.every((t) => existsSync(join(dir, t)))) {
    process.stdout.write(`generating TPC-H SF ${sf} into ${dir} …\n`);
    await generateTpch({ sf, out: dir });
  }
  return dir;
}

/** The text of TPC-H query `n` (1–22). */
export function tpchSql(n: number): Promise<string> {
  return readFile(
    new URL(`../test/data/tpch/queries/q${String(n).padStart(2, '0')}.sql`, import.meta.url),
    'utf8',
  );
}

/** Runs SQL to the end: its time, rows and (distributed) statistics; `onBatch` sees every batch. */
export async function runMeasured(db: Skein, sql: string, onBatch?: (b: Batch) => void): Promise<Measure> {
  const t0 = performance.now();
  let rows = 0;
  let stats: QueryStats | undefined;
  for await (const r of db.execute(sql)) {
    for await (const b of r.batches) {
      rows += b.length;
      onBatch?.(b);
    }
    if (r.query?.distributed) stats = r.query.distributed.stats();
  }
  return { ms: performance.now() - t0, rows, ...(stats ? { stats } : {}) };
}

export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function distributedBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      sf: { type: 'string', default: '1' },
      runs: { type: 'string', default: '3' },
      queries: { type: 'string' },
      dir: { type: 'string' },
      tasks: { type: 'string' },
      'split-size': { type: 'string' },
      'max-concurrency': { type: 'string' },
    },
  });
  const sf = Number(values.sf);
  const runs = Math.max(1, Number(values.runs));
  const dir = await benchData(sf, values.dir);
  const queries = values.queries
    ? values.queries.split(',').map((q) => Number(q.trim()))
    : Array.from({ length: 22 }, (_, i) => i + 1);
  const embeddedOptions = {
    ...(values.tasks ? { tasks: Number(values.tasks) } : {}),
    ...(values['split-size'] ? { splitSize: parseBytes(values['split-size'], '--split-size') } : {}),
    ...(values['max-concurrency'] ? { maxConcurrency: Number(values['max-concurrency']) } : {}),
  };
  const embedded = new Skein({ data: dir, mode: 'embedded', embedded: embeddedOptions });
  const single = new Skein({ data: dir, mode: 'single' });
  const o = embedded.embedded().options;
  process.stdout.write(
    `${machineLine()}, load average ${loadavg()[0]!.toFixed(2)}\n` +
      `TPC-H SF ${sf} from ${dir}: embedded (max concurrency ${o.maxConcurrency}, ${
        o.tasks === null ? `${formatBytes(o.bytesPerTask)} per leaf task` : `${o.tasks} tasks per stage`
      }, ${o.buckets} buckets, split size ${formatBytes(o.splitSize)}) vs single, warm, median of ${runs}\n\n`,
  );
  embedded.embedded().warm();

  const run = (db: Skein, sql: string) => runMeasured(db, sql);

  const out: string[][] = [];
  const ratios: number[] = [];
  let totalE = 0;
  let totalS = 0;
  let totalWritten = 0;
  let totalRead = 0;
  for (const n of queries) {
    const name = `q${String(n).padStart(2, '0')}`;
    const sql = await tpchSql(n);
    await run(embedded, sql);
    await run(single, sql);
    const e: Measure[] = [];
    const s: Measure[] = [];
    for (let i = 0; i < runs; i++) {
      e.push(await run(embedded, sql));
      s.push(await run(single, sql));
    }
    const eMs = median(e.map((m) => m.ms));
    const sMs = median(s.map((m) => m.ms));
    const ratio = eMs / sMs;
    ratios.push(ratio);
    totalE += eMs;
    totalS += sMs;
    const st = e[0]!.stats;
    const r = st?.requests;
    totalWritten += st?.spoolBytesWritten ?? 0;
    totalRead += st?.spoolBytesRead ?? 0;
    const check = e[0]!.rows === s[0]!.rows ? '' : ` (single: ${s[0]!.rows})`;
    out.push([
      name,
      eMs.toFixed(0),
      sMs.toFixed(0),
      `${ratio.toFixed(2)}×`,
      `${e[0]!.rows}${check}`,
      String(st?.stages.length ?? ''),
      String(st?.stages.reduce((x, y) => x + y.tasks, 0) ?? ''),
      st ? formatBytes(st.spoolBytesWritten) : '',
      st ? formatBytes(st.spoolBytesRead) : '',
      r ? String(r.invoke) : '',
      r ? `${r.get}/${r.put}/${r.list}/${r.delete}` : '',
      r ? `${r.send}/${r.receive}/${r.ack}` : '',
    ]);
    process.stdout.write(
      `  ${name}: embedded ${eMs.toFixed(0)} ms, single ${sMs.toFixed(0)} ms (${ratio.toFixed(2)}×)\n`,
    );
  }
  const geomean = Math.exp(ratios.reduce((x, y) => x + Math.log(y), 0) / ratios.length);
  out.push([
    'total',
    totalE.toFixed(0),
    totalS.toFixed(0),
    `${(totalE / totalS).toFixed(2)}×`,
    '',
    '',
    '',
    formatBytes(totalWritten),
    formatBytes(totalRead),
    '',
    '',
    '',
  ]);
  process.stdout.write(
    `\n${table(
      [
        'query',
        'embedded ms',
        'single ms',
        'embedded ÷ single',
        'rows',
        'stages',
        'tasks',
        'spool written',
        'spool read',
        'invocations',
        'GET/PUT/LIST/DELETE',
        'send/receive/ack',
      ],
      out,
    )}\n`,
  );
  process.stdout.write(
    `\ngeometric mean of embedded ÷ single: ${geomean.toFixed(2)}×; total ${(totalE / totalS).toFixed(2)}×; ` +
      `load average now ${loadavg()[0]!.toFixed(2)}\n`,
  );
  await embedded.close();
}
