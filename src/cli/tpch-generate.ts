import { SkeinError } from '../errors.ts';
import type { TpchFormat } from '../tpch/format.ts';
import { generateTpch, type TpchGenerateResult } from '../tpch/generate.ts';
import type { TpchTableName } from '../tpch/schema.ts';
import { countFlag, numberFlag, parseFlags } from './args.ts';
import { formatBytes, formatSeconds } from './format.ts';
import { ProgressBar } from './progress.ts';

export const TPCH_GENERATE_USAGE = `usage: skein tpch generate --sf <n> --out <dir> [--format parquet|csv|tbl]
                           [--tables a,b,...] [--parts N] [--threads N]

Writes <dir>/<table>/part-<i>.<ext>. The .tbl parts, concatenated in order, are byte-identical
to the official TPC-H dbgen output at that scale factor.`;

/** `skein tpch generate …` */
export async function tpchGenerateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    sf: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
    tables: { type: 'string' },
    parts: { type: 'string' },
    threads: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${TPCH_GENERATE_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw usage(`unexpected argument '${positionals[0]}'`);
  const sf = numberFlag('sf', values.sf);
  if (sf === undefined) throw usage('--sf is required');
  if (values.out === undefined || values.out === '') throw usage('--out is required');
  const result = await runTpchGenerate({
    sf,
    out: String(values.out),
    format: values.format as TpchFormat | undefined,
    tables:
      values.tables === undefined
        ? undefined
        : (String(values.tables)
            .split(',')
            .map((t) => t.trim().toLowerCase()) as TpchTableName[]),
    parts: countFlag('parts', values.parts),
    threads: countFlag('threads', values.threads),
  });
  process.stdout.write(`${summarize(result, String(values.out))}\n`);
  return 0;
}

/** Runs the generator with a progress bar on stderr when it is a terminal. */
export async function runTpchGenerate(o: Parameters<typeof generateTpch>[0]): Promise<TpchGenerateResult> {
  const bar = new ProgressBar(process.stderr, 'rows');
  try {
    return await generateTpch({ ...o, onProgress: (p) => bar.update(p.rows, p.totalRows, p.table) });
  } finally {
    bar.finish();
  }
}

export function summarize(r: TpchGenerateResult, out: string): string {
  const tables = new Set(r.files.map((f) => f.table)).size;
  return (
    `generated ${r.rows.toLocaleString('en-US')} rows (${tables} tables, ${r.files.length} files, ` +
    `${formatBytes(r.bytes)}) in ${formatSeconds(r.wallMs)} into ${out}`
  );
}

function usage(msg: string): SkeinError {
  return new SkeinError('INVALID_ARGUMENT', `${msg} (see 'skein tpch generate --help')`);
}
