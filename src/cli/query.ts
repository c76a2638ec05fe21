import { Skein } from '../engine/skein.ts';
import { SkeinError } from '../errors.ts';
import { parseFlags } from './args.ts';
import {
  countedResult,
  DISTRIBUTED_FLAGS,
  DISTRIBUTED_USAGE,
  queryStatsJson,
  runModeFromFlags,
  writeStatsJson,
} from './distributed-flags.ts';
import { OUTPUT_FORMATS, type OutputFormat, writeResult } from './output.ts';
import { sqlInput } from './sql-input.ts';

export const QUERY_USAGE = `usage: skein query [--data DIR] [--format table|csv|json] [--mode embedded|single]
                   [--tasks N] [--split-size BYTES] [--max-concurrency N] [--fanout adaptive|static]
                   [--stats-json FILE] (SQL | -f FILE)

Runs SQL (one or more statements separated by ';') and prints the rows of each statement that
returns any. --data DIR makes each folder of Parquet/CSV files in DIR a table named after it.

  --format   table (default): aligned, for people; csv: RFC 4180 with a header row, NULL as an
             empty field; json: an array of row objects
${DISTRIBUTED_USAGE}
  --stats-json FILE
             write the (last) query's statistics as JSON: { wallMs, stages: [{ id, tasks, taskMs,
             rowsOut, bytesOut, decision, … }], spoolBytesWritten, spoolBytesRead, requests, … }
             (the schema: src/cli/distributed-flags.ts)`;

/** Validates --mode (embedded or single). */
export function checkMode(mode: string | boolean | undefined): void {
  runModeFromFlags({ mode });
}

/** `skein query`. */
export async function queryCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    data: { type: 'string' },
    format: { type: 'string' },
    ...DISTRIBUTED_FLAGS,
    'stats-json': { type: 'string' },
    file: { type: 'string', short: 'f' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${QUERY_USAGE}\n`);
    return 0;
  }
  const format = String(values.format ?? 'table') as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) {
    throw new SkeinError('INVALID_ARGUMENT', `--format must be table, csv or json, got '${values.format}'`);
  }
  const run = runModeFromFlags(values);
  const sql = await sqlInput(positionals, values.file as string | undefined, 'query');
  const db = new Skein({
    ...(values.data === undefined ? {} : { data: String(values.data) }),
    mode: run.mode,
    embedded: run.embedded,
  });
  if (run.mode === 'embedded') db.embedded().warm();
  let first = true;
  let stats: unknown;
  const write = (s: string) => process.stdout.write(s);
  try {
    for await (const result of db.execute(sql)) {
      if (!result.returnsRows) continue;
      if (!first && format === 'table') write('\n');
      first = false;
      const t0 = performance.now();
      const counted = countedResult(result);
      await writeResult(counted.result, format, write);
      if (result.query) {
        stats = queryStatsJson(result.query, { wallMs: performance.now() - t0, ...counted.counts });
      }
    }
    if (values['stats-json'] !== undefined) {
      if (stats === undefined) throw new SkeinError('INVALID_ARGUMENT', '--stats-json: the SQL ran no query');
      await writeStatsJson(String(values['stats-json']), stats);
    }
  } finally {
    await db.close();
  }
  return 0;
}
