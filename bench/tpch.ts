/**
 * `npm run bench -- tpch [--sf 1] [--runs 3] [--queries 1,3,18] [--dir DIR]`: the 22 TPC-H queries
 * with Skein in this process (`--mode single`) and with DuckDB at one thread, on the same Parquet
 * files (generated once into ./.bench-data/sf<sf>, outside ./data so the demo's catalog never sees it), warm: one unmeasured run each, then the median of
 * `--runs` runs. Prints per-query times, Skein ÷ DuckDB, their geometric mean, and Skein's memory
 * per query: its memory pool's peak (what operators reserved) and the growth of the process's RSS
 * over the query (sampled every 5 ms).
 *
 * Both sides fetch the whole result into their own representation (Skein: batches; DuckDB:
 * materialized chunks), so neither pays a conversion to JS values.
 *
 * `npm run bench` raises glibc's mmap threshold (`MALLOC_MMAP_THRESHOLD_`, for the whole process,
 * DuckDB included): Skein allocates its column buffers at a high rate, and fresh mmap'd pages fault
 * expensively on these VMs; reusing heap memory measured ~15 % less CPU over the 22 queries.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { Skein } from '../src/engine/skein.ts';
import { generateTpch } from '../src/tpch/generate.ts';
import { TPCH_TABLES } from '../src/tpch/schema.ts';
import { machineLine, table } from './machine.ts';

interface Measure {
  ms: number;
  rows: number;
  poolPeak: number;
  rssDelta: number;
}

export async function tpchBench(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      sf: { type: 'string', default: '1' },
      runs: { type: 'string', default: '3' },
      queries: { type: 'string' },
      dir: { type: 'string' },
    },
  });
  const sf = Number(values.sf);
  const runs = Math.max(1, Number(values.runs));
  const dir = values.dir ?? join('.bench-data', `sf${sf}`);
  const queries = values.queries
    ? values.queries.split(',').map((q) => Number(q.trim()))
    : Array.from({ length: 22 }, (_, i) => i + 1);
  if (!TPCH_TABLES.every((t) => existsSync(join(dir, t)))) {
    process.stdout.write(`generating TPC-H SF ${sf} into ${dir} …\n`);
    await generateTpch({ sf, out: dir });
  }
  const malloc = process.env.MALLOC_MMAP_THRESHOLD_;
  process.stdout.write(
    `${machineLine()}, load average ${loadavg()[0]!.toFixed(2)}\n` +
      `TPC-H SF ${sf} from ${dir}: Skein (single mode) vs DuckDB (threads=1), warm, median of ${runs}` +
      `${malloc ? `; glibc MALLOC_MMAP_THRESHOLD_=${malloc} for both` : ''}\n\n`,
  );

  const skein = new Skein({ data: dir });
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const duck = await instance.connect();
  for (const t of TPCH_TABLES) {
    await duck.run(
      `CREATE VIEW ${t} AS SELECT * FROM read_parquet('${join(dir, t, '*.parquet').replaceAll("'", "''")}')`,
    );
  }

  const runSkein = async (sql: string): Promise<Measure> => {
    const rss0 = process.memoryUsage.rss();
    let rssMax = rss0;
    const timer = setInterval(() => {
      rssMax = Math.max(rssMax, process.memoryUsage.rss());
    }, 50);
    const t0 = performance.now();
    let rows = 0;
    let poolPeak = 0;
    try {
      for await (const r of skein.execute(sql)) {
        for await (const b of r.batches) rows += b.length;
        if (r.query) poolPeak = Math.max(poolPeak, r.query.memory.peak);
      }
    } finally {
      clearInterval(timer);
    }
    const ms = performance.now() - t0;
    rssMax = Math.max(rssMax, process.memoryUsage.rss());
    return { ms, rows, poolPeak, rssDelta: rssMax - rss0 };
  };
  const runDuck = async (sql: string): Promise<Measure> => {
    const t0 = performance.now();
    const reader = await duck.runAndReadAll(sql);
    const ms = performance.now() - t0;
    return { ms, rows: reader.currentRowCount, poolPeak: 0, rssDelta: 0 };
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  const rows: string[][] = [];
  const ratios: number[] = [];
  let totalSkein = 0;
  let totalDuck = 0;
  for (const n of queries) {
    const name = `q${String(n).padStart(2, '0')}`;
    const sql = await readFile(new URL(`../test/data/tpch/queries/${name}.sql`, import.meta.url), 'utf8');
    const s: Measure[] = [];
    const d: Measure[] = [];
    await runSkein(sql);
    await runDuck(sql);
    for (let i = 0; i < runs; i++) {
      s.push(await runSkein(sql));
      d.push(await runDuck(sql));
    }
    const sMs = median(s.map((m) => m.ms));
    const dMs = median(d.map((m) => m.ms));
    const ratio = sMs / dMs;
    ratios.push(ratio);
    totalSkein += sMs;
    totalDuck += dMs;
    const pool = Math.max(...s.map((m) => m.poolPeak));
    const rss = Math.max(...s.map((m) => m.rssDelta));
    const check = s[0]!.rows === d[0]!.rows ? '' : ` (DuckDB: ${d[0]!.rows})`;
    rows.push([
      name,
      sMs.toFixed(0),
      dMs.toFixed(0),
      `${ratio.toFixed(2)}×`,
      `${s[0]!.rows}${check}`,
      (pool / 2 ** 20).toFixed(0),
      (rss / 2 ** 20).toFixed(0),
    ]);
    process.stdout.write(
      `  ${name}: Skein ${sMs.toFixed(0)} ms, DuckDB ${dMs.toFixed(0)} ms (${ratio.toFixed(2)}×)\n`,
    );
  }
  const geomean = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
  rows.push([
    'total',
    totalSkein.toFixed(0),
    totalDuck.toFixed(0),
    `${(totalSkein / totalDuck).toFixed(2)}×`,
    '',
    '',
    '',
  ]);
  process.stdout.write(
    `\n${table(['query', 'Skein ms', 'DuckDB ms', 'Skein ÷ DuckDB', 'rows', 'Skein pool peak MiB', 'Skein RSS Δ MiB'], rows)}\n`,
  );
  process.stdout.write(`\ngeometric mean of Skein ÷ DuckDB: ${geomean.toFixed(2)}×\n`);
  duck.closeSync();
  instance.closeSync();
}
