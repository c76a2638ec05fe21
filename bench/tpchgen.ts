/**
 * Generator speed: SF n as .tbl with 1 thread and with all cores, then Parquet with all cores,
 * into a temporary folder on local disk. At SF 1 it also checks the .tbl output against the
 * SHA-1 of the official dbgen files.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { TpchFormat } from '../src/tpch/format.ts';
import { generateTpch, type TpchGenerateResult } from '../src/tpch/generate.ts';
import { TPCH_TABLES, type TpchTableName } from '../src/tpch/schema.ts';
import { machineLine, table } from './machine.ts';

/** SHA-1 of the official dbgen .tbl files at SF 1 (from the TPC-H reference notes). */
const SF1_SHA1: Record<TpchTableName, string> = {
  region: 'ac61de9604337e791f1bdbcef8f0cdcc21b01514',
  nation: 'f361dffd3d927f5aa64e71cff91458fb5ea1315f',
  supplier: 'baad047476a2720d99b707b6f7a7c9e50c170d5a',
  customer: 'bee45e9c240e87d63786324696b1babad18a5e0b',
  part: '06615f7433806c06162af49c7bc27166c64a31d6',
  partsupp: 'db0fcb935904765a9085505b5feb5260752f8bf3',
  orders: '00d790a08a116feec992cea14272a4f1e5c55925',
  lineitem: '4802b21c9975d965aa11893214a879df0d8d9e01',
};

export async function tpchgenBench(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { sf: { type: 'string', default: '1' } } });
  const sf = Number(values.sf);
  const cores = availableParallelism();
  const dir = await mkdtemp(join(tmpdir(), 'skein-bench-tpchgen-'));
  process.stdout.write(
    `${machineLine()}, load average ${loadavg()[0]!.toFixed(2)}\nTPC-H generation at SF ${sf} into ${dir}\n\n`,
  );
  const rows: string[][] = [];
  let base = 0;
  const run = async (format: TpchFormat, threads: number): Promise<TpchGenerateResult> => {
    const out = join(dir, `${format}-${threads}`);
    const cpu0 = process.cpuUsage();
    const r = await generateTpch({ sf, out, format, threads, parts: threads === 1 ? 1 : undefined });
    const cpu = process.cpuUsage(cpu0);
    const secs = r.wallMs / 1000;
    if (format === 'tbl' && threads === 1) base = secs;
    rows.push([
      format,
      String(threads),
      String(r.files.length),
      r.rows.toLocaleString('en-US'),
      (r.bytes / 1024 ** 2).toFixed(0),
      secs.toFixed(2),
      ((cpu.user + cpu.system) / 1e6).toFixed(2),
      (r.rows / secs / 1e6).toFixed(2),
      base > 0 ? (base / secs).toFixed(2) : '',
    ]);
    process.stdout.write(`  ${format} × ${threads} thread(s): ${secs.toFixed(2)} s\n`);
    return r;
  };
  try {
    const single = await run('tbl', 1);
    if (sf === 1) process.stdout.write(`  SF 1 sha1 check: ${await checkSha1(join(dir, 'tbl-1'), single)}\n`);
    await rm(join(dir, 'tbl-1'), { recursive: true, force: true });
    if (cores > 1) {
      await run('tbl', cores);
      await rm(join(dir, `tbl-${cores}`), { recursive: true, force: true });
    }
    await run('parquet', cores);
    process.stdout.write(
      `\n${table(['format', 'threads', 'files', 'rows', 'MiB', 'wall s', 'CPU s', 'M rows/s', 'speed-up vs tbl×1'], rows)}\n`,
    );
    process.stdout.write(
      'reference: the official C dbgen takes about 14 s wall for SF 1 .tbl on these machines\n',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function checkSha1(dir: string, r: TpchGenerateResult): Promise<string> {
  const bad: string[] = [];
  for (const t of TPCH_TABLES) {
    const h = createHash('sha1');
    for (const f of r.files.filter((x) => x.table === t).sort((a, b) => a.part - b.part)) {
      for await (const chunk of createReadStream(join(dir, f.key))) h.update(chunk as Buffer);
    }
    if (h.digest('hex') !== SF1_SHA1[t]) bad.push(t);
  }
  return bad.length === 0 ? 'all 8 tables match dbgen' : `MISMATCH in ${bad.join(', ')}`;
}
