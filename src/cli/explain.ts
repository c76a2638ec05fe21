import { Skein } from '../engine/skein.ts';
import { parseFlags } from './args.ts';
import { DISTRIBUTED_FLAGS, DISTRIBUTED_USAGE, runModeFromFlags } from './distributed-flags.ts';
import { sqlInput } from './sql-input.ts';

export const EXPLAIN_USAGE = `usage: skein explain [--verbose] [--analyze] [--data DIR] [--mode embedded|single]
                     [--tasks N] [--split-size BYTES] [--max-concurrency N] [--fanout adaptive|static]
                     (SQL | -f FILE)

Prints the plan of a query: in embedded mode its stages (task counts, exchanges, join decisions)
and each stage's operators; in single mode the physical plan. One operator per line with its
estimated rows.
  --verbose  also the logical plan, the optimizer rules that changed it, and column types
  --analyze  run the query and show each operator's rows and time (embedded: also per stage and
             task: rows, bytes, time, spool bytes)
${DISTRIBUTED_USAGE}`;

/** `skein explain`. */
export async function explainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    data: { type: 'string' },
    verbose: { type: 'boolean' },
    analyze: { type: 'boolean' },
    ...DISTRIBUTED_FLAGS,
    file: { type: 'string', short: 'f' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${EXPLAIN_USAGE}\n`);
    return 0;
  }
  const run = runModeFromFlags(values);
  const sql = await sqlInput(positionals, values.file as string | undefined, 'explain');
  const db = new Skein({
    ...(values.data === undefined ? {} : { data: String(values.data) }),
    mode: run.mode,
    embedded: run.embedded,
  });
  try {
    const text = await db.explain(sql, {
      verbose: values.verbose === true,
      analyze: values.analyze === true,
    });
    process.stdout.write(`${text}\n`);
  } finally {
    await db.close();
  }
  return 0;
}
