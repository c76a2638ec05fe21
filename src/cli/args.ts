import { parseArgs } from 'node:util';
import { SkeinError } from '../errors.ts';

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/**
 * Parses a command's flags; an unknown or malformed flag is an INVALID_ARGUMENT error that names it.
 */
export function parseFlags<T extends OptionSpec>(
  args: string[],
  options: T,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  // `--sf -1` is a flag with a negative number, not two flags: join such pairs as `--sf=-1`.
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      joined.push(`${a}=${next}`);
      i++;
    } else joined.push(a);
  }
  try {
    const { values, positionals } = parseArgs({
      args: joined,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new SkeinError('INVALID_ARGUMENT', msg);
  }
}

/** A numeric flag: must parse completely as a number. */
export function numberFlag(name: string, text: string | boolean | undefined): number | undefined {
  if (text === undefined) return undefined;
  const s = String(text).trim();
  const n = s === '' ? Number.NaN : Number(s);
  if (!Number.isFinite(n))
    throw new SkeinError('INVALID_ARGUMENT', `--${name} must be a number, got '${text}'`);
  return n;
}

/** A whole-number flag of at least 1. */
export function countFlag(name: string, text: string | boolean | undefined): number | undefined {
  const n = numberFlag(name, text);
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) {
    throw new SkeinError('INVALID_ARGUMENT', `--${name} must be a whole number from 1 up, got '${text}'`);
  }
  return n;
}
