import { readFile, writeFile } from 'node:fs/promises';
import { Skein } from '../engine/skein.ts';
import { sltEngine } from '../engine/slt-engine.ts';
import { SkeinError } from '../errors.ts';
import { runSlt } from '../slt/run.ts';
import { parseFlags } from './args.ts';

export const SLT_USAGE = `usage: skein slt [--update] [--data DIR] FILE…

Runs sqllogictest files, each in a fresh session, and reports every failing record; the last line
is 'N passed, M failed'. Records marked 'skipif skein' are skipped, 'onlyif <other>' too.
  --update   rewrite each file's expected query output with the actual output (review the diff)`;

/** `skein slt`. Exit code 1 when a record failed. */
export async function sltCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    update: { type: 'boolean' },
    data: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${SLT_USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0)
    throw new SkeinError('INVALID_ARGUMENT', `no files given (see 'skein slt --help')`);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of positionals) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new SkeinError(
        'NOT_FOUND',
        `cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      );
    }
    const db = new Skein(values.data === undefined ? {} : { data: String(values.data) });
    const r = await runSlt(sltEngine(db), text, file, { update: values.update === true });
    for (const f of r.failures) {
      process.stdout.write(`${f.file}:${f.line}: ${f.message}\n  ${f.sql.replaceAll('\n', '\n  ')}\n`);
    }
    if (values.update && r.updatedText !== undefined && r.updatedText !== text) {
      await writeFile(file, r.updatedText);
      process.stdout.write(`updated ${file}\n`);
    }
    passed += r.passed;
    failed += r.failed;
    skipped += r.skipped;
  }
  if (skipped > 0) process.stdout.write(`(${skipped} skipped)\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}
