import { readFile } from 'node:fs/promises';
import { SkeinError } from '../errors.ts';

/** The SQL a command runs: the positional text, or the file given with -f (not both). */
export async function sqlInput(
  positionals: readonly string[],
  file: string | undefined,
  command: string,
): Promise<string> {
  if (file !== undefined) {
    if (positionals.length > 0) {
      throw new SkeinError(
        'INVALID_ARGUMENT',
        `give the SQL either as text or with -f FILE, not both (see 'skein ${command} --help')`,
      );
    }
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new SkeinError(
        'NOT_FOUND',
        `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (err as Error).message}`,
      );
    }
  }
  if (positionals.length === 0) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `no SQL given: pass it as an argument or with -f FILE (see 'skein ${command} --help')`,
    );
  }
  if (positionals.length > 1) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `give the SQL as one argument (quote it); got ${positionals.length} arguments`,
    );
  }
  return positionals[0]!;
}
