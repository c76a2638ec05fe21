import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Skein } from '../engine/skein.ts';
import { type PhysicalPlan, visitPhysical } from '../physical/plan.ts';
import type { QueryCoordinator } from '../runtime/query-coordinator.ts';
import { TPCH_TABLES } from '../tpch/schema.ts';
import { parseFlags } from './args.ts';
import { DISTRIBUTED_FLAGS, runModeFromFlags } from './distributed-flags.ts';
import { formatTable } from './output.ts';
import { formatCount } from './progress.ts';
import { runTpchGenerate, summarize } from './tpch-generate.ts';

const DEMO_SF = 0.1;
const QUERIES = new URL('../../test/data/tpch/queries/', import.meta.url);
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * `skein demo`: makes sure TPC-H SF 0.1 is in ./data (generating it, with progress, when a table is
 * missing), then runs the 22 TPC-H queries on it — embedded by default (`--mode single` for one
 * process), a live line per query while it runs — and ends with a table of each query's time,
 * rows, stages and tasks, and a one-line summary.
 */
export async function demoCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { data: { type: 'string' }, ...DISTRIBUTED_FLAGS });
  const dir = String(values.data ?? 'data');
  const run = runModeFromFlags(values);
  const missing = TPCH_TABLES.filter((t) => !existsSync(join(dir, t)));
  if (missing.length > 0) {
    process.stderr.write(`generating TPC-H SF ${DEMO_SF} into ${dir} (${missing.join(', ')}) …\n`);
    const r = await runTpchGenerate({ sf: DEMO_SF, out: dir, format: 'parquet', tables: missing });
    process.stdout.write(`${summarize(r, dir)}\n`);
  } else {
    process.stdout.write(`TPC-H SF ${DEMO_SF} is already in ${dir}\n`);
  }
  process.stdout.write(
    `running the 22 TPC-H queries on ${dir} ${
      run.mode === 'embedded' ? 'embedded (stages of tasks on worker threads)' : 'in this process'
    }:\n`,
  );
  // At SF 0.1 every query fits one task of the default size (64 MiB): the runtime would run each
  // as a single task. The demo sizes tasks for its data, so that queries spread over stages.
  const embedded = { bytesPerTask: 4 << 20, tinyBytes: 256 << 10, ...run.embedded };
  if (run.mode === 'embedded' && run.embedded.tasks === undefined) {
    process.stdout.write('(tasks sized for the small data: 4 MiB per leaf task, 256 KiB for one task)\n');
  }
  const db = new Skein({ data: dir, mode: run.mode, embedded });
  if (run.mode === 'embedded') db.embedded().warm();
  let allStages = 0;
  let allTasks = 0;
  const tty = process.stdout.isTTY === true;
  const summary: (string | null)[][] = [];
  let total = 0;
  for (let n = 1; n <= 22; n++) {
    const name = `q${String(n).padStart(2, '0')}`;
    const sql = await readFile(new URL(`${name}.sql`, QUERIES), 'utf8');
    const t0 = performance.now();
    let rows = 0;
    let scanned = 0;
    let tick = 0;
    let coordinator: QueryCoordinator | undefined;
    const draw = () => {
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      const p = coordinator?.progress();
      const doing = p
        ? `stage ${p.stagesDone}/${p.stages}  tasks ${p.tasksDone}/${p.tasks}`
        : `${formatCount(scanned)} rows scanned`;
      process.stdout.write(`\r${SPINNER[tick++ % SPINNER.length]} ${name}  ${secs} s  ${doing}   `);
    };
    let stages = 1;
    let tasks = 1;
    let timer: NodeJS.Timeout | undefined;
    if (tty) timer = setInterval(draw, 100);
    try {
      for await (const r of db.execute(sql)) {
        coordinator = r.query?.distributed;
        const scans = r.query ? scanIds(r.query.plan) : [];
        for await (const b of r.batches) {
          rows += b.length;
          if (r.query) scanned = scans.reduce((s, id) => s + (r.query!.metrics.get(id)?.rows ?? 0), 0);
        }
        if (r.query) scanned = scans.reduce((s, id) => s + (r.query!.metrics.get(id)?.rows ?? 0), 0);
        if (coordinator) {
          const st = coordinator.stats();
          stages = st.stages.length;
          tasks = st.stages.reduce((sum, x) => sum + x.tasks, 0);
        }
      }
    } finally {
      if (timer) clearInterval(timer);
    }
    allStages += stages;
    allTasks += tasks;
    const ms = performance.now() - t0;
    total += ms;
    const line = `✓ ${name}  ${(ms / 1000).toFixed(2)} s  ${rows} row${rows === 1 ? '' : 's'}`;
    process.stdout.write(tty ? `\r${line.padEnd(60)}\n` : `${line}\n`);
    summary.push([name, (ms / 1000).toFixed(2), String(rows), String(stages), String(tasks)]);
  }
  await db.close();
  summary.push(['total', (total / 1000).toFixed(2), null, String(allStages), String(allTasks)]);
  process.stdout.write(
    `\n${formatTable(
      [
        { name: 'query', type: { kind: 'varchar' }, nullable: false },
        { name: 'seconds', type: { kind: 'decimal', precision: 10, scale: 2 }, nullable: false },
        { name: 'rows', type: { kind: 'int64' }, nullable: true },
        { name: 'stages', type: { kind: 'int64' }, nullable: true },
        { name: 'tasks', type: { kind: 'int64' }, nullable: true },
      ],
      summary.map((r) => r.map((v) => v ?? '')),
      { rowCount: false, types: false },
    )}`,
  );
  process.stdout.write(
    `\n22 queries in ${(total / 1000).toFixed(2)} s, ${
      run.mode === 'embedded' ? `embedded: ${allStages} stages, ${allTasks} tasks` : 'in one process'
    } (TPC-H SF ${DEMO_SF}, ${dir})\n`,
  );
  return 0;
}

/** Ids of a plan's scan nodes. */
function scanIds(plan: PhysicalPlan): number[] {
  const out: number[] = [];
  visitPhysical(plan, (p) => {
    if (p.kind === 'parquet_scan' || p.kind === 'csv_scan' || p.kind === 'memory_scan') out.push(p.id);
  });
  return out;
}
