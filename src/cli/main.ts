import { readFileSync } from 'node:fs';
import { asSkeinError, SkeinError } from '../errors.ts';
import { demoCommand } from './demo.ts';
import { EXPLAIN_USAGE, explainCommand } from './explain.ts';
import { QUERY_USAGE, queryCommand } from './query.ts';
import { SERVE_USAGE, serveCommand } from './serve.ts';
import { SLT_USAGE, sltCommand } from './slt.ts';
import { TPCH_GENERATE_USAGE, tpchGenerateCommand } from './tpch-generate.ts';

const USAGE = `usage: skein <command> [options]

commands:
  query           run SQL over Parquet/CSV files and print the rows
  explain         print a query's plan
  slt             run sqllogictest files
  serve           serve the Trino client protocol over HTTP (Trino CLI, JDBC, trino-client)
  tpch generate   write TPC-H data (dbgen-identical) as Parquet, CSV or .tbl
  demo            generate TPC-H SF 0.1 into ./data if missing, then run the 22 TPC-H queries

options:
  --debug         show stack traces of errors
  --version       print the version
  -h, --help      this help; 'skein <command> --help' for a command's options

${QUERY_USAGE}

${EXPLAIN_USAGE}

${SLT_USAGE}

${SERVE_USAGE}

${TPCH_GENERATE_USAGE}`;

/**
 * The `skein` command. Returns the exit code: 0 on success, 2 for bad arguments, 1 for any other
 * error. Errors are printed as one line (`skein: error: …`), with the stack only under --debug.
 */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  try {
    const [cmd, sub, ...rest] = args;
    if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '--version' || cmd === 'version') {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
      process.stdout.write(`skein ${pkg.version}\n`);
      return 0;
    }
    if (cmd === 'tpch') {
      if (sub === 'generate') return await tpchGenerateCommand(rest);
      throw new SkeinError(
        'INVALID_ARGUMENT',
        `unknown tpch command '${sub ?? ''}' (try 'skein tpch generate')`,
      );
    }
    if (cmd === 'query') return await queryCommand(args.slice(1));
    if (cmd === 'explain') return await explainCommand(args.slice(1));
    if (cmd === 'slt') return await sltCommand(args.slice(1));
    if (cmd === 'serve') return await serveCommand(args.slice(1));
    if (cmd === 'demo') return await demoCommand(args.slice(1));
    throw new SkeinError('INVALID_ARGUMENT', `unknown command '${cmd}' (see 'skein --help')`);
  } catch (err) {
    const e = asSkeinError(err);
    process.stderr.write(`skein: error: ${e.message}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return e.code === 'INVALID_ARGUMENT' ? 2 : 1;
  }
}
