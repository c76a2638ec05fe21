import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TPCH_TABLES } from '../tpch/schema.ts';
import { parseFlags } from './args.ts';
import { runTpchGenerate, summarize } from './tpch-generate.ts';

const DEMO_SF = 0.1;

/**
 * `skein demo`: makes sure TPC-H SF 0.1 is in ./data (generating it, with progress, when a table is
 * missing). Running the 22 queries comes with the SQL engine.
 */
export async function demoCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { data: { type: 'string' } });
  const dir = String(values.data ?? 'data');
  const missing = TPCH_TABLES.filter((t) => !existsSync(join(dir, t)));
  if (missing.length > 0) {
    process.stderr.write(`generating TPC-H SF ${DEMO_SF} into ${dir} (${missing.join(', ')}) …\n`);
    const r = await runTpchGenerate({ sf: DEMO_SF, out: dir, format: 'parquet', tables: missing });
    process.stdout.write(`${summarize(r, dir)}\n`);
  } else {
    process.stdout.write(`TPC-H SF ${DEMO_SF} is already in ${dir}\n`);
  }
  process.stdout.write(
    'The SQL engine is not there yet: the demo will run the 22 TPC-H queries once it is.\n',
  );
  return 0;
}
