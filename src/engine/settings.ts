/**
 * Session settings: one typed object with documented defaults, changed per session with
 * `SET name = value` and shown with `SHOW name` / `SHOW ALL`.
 *
 * | name | default | meaning |
 * |---|---|---|
 * | `memory_limit` | 80 % of the machine's memory | bytes a query's operators may hold (hash tables, sorts, buffered row groups); beyond it the query fails with RESOURCES_EXHAUSTED. Takes `'4GB'`, `'512MiB'`, `'100000000'` |
 * | `batch_size` | 65536 | rows per batch that operators aim for |
 *
 * @example
 * const s = defaultSettings();
 * const t = applySetting(s, 'memory_limit', '2GB'); // { ...s, memoryLimit: 2147483648 }
 */
import { totalmem } from 'node:os';
import { nearestNames } from '../catalog/nearest.ts';
import { SkeinError } from '../errors.ts';
import { DEFAULT_BATCH_SIZE } from '../exec/context.ts';

export interface Settings {
  /** Bytes a query's operators may hold. */
  readonly memoryLimit: number;
  /** Rows per batch operators aim for. */
  readonly batchSize: number;
}

/** Settings as a user passes them to `new Skein({ settings })`: numbers or SQL-style text. */
export type SettingsInput = {
  readonly [K in keyof Settings]?: Settings[K] | string;
};

interface SettingDef {
  readonly key: keyof Settings;
  readonly description: string;
  parse(value: unknown): number;
  format(value: number): string;
}

const DEFS: Readonly<Record<string, SettingDef>> = {
  memory_limit: {
    key: 'memoryLimit',
    description: "bytes a query's operators may hold (hash tables, sorts, buffers)",
    parse: (v) => parseBytes(v, 'memory_limit'),
    format: formatBytes,
  },
  batch_size: {
    key: 'batchSize',
    description: 'rows per batch operators aim for',
    parse: (v) => {
      const n = typeof v === 'number' ? v : Number(String(v).trim());
      if (!Number.isInteger(n) || n < 1 || n > 1 << 24) {
        throw new SkeinError(
          'INVALID_ARGUMENT',
          `batch_size must be a whole number from 1 to 16777216, got '${String(v)}'`,
        );
      }
      return n;
    },
    format: String,
  },
};

/** The defaults: 80 % of the machine's memory, batches of 65,536 rows. */
export function defaultSettings(): Settings {
  return { memoryLimit: Math.floor(totalmem() * 0.8), batchSize: DEFAULT_BATCH_SIZE };
}

/** Settings from defaults and user input (`{ memoryLimit: '4GB' }`). */
export function makeSettings(input: SettingsInput = {}): Settings {
  let s = defaultSettings();
  for (const [name, def] of Object.entries(DEFS)) {
    const v = input[def.key];
    if (v !== undefined) s = applySetting(s, name, v);
  }
  return s;
}

/** `SET name = value`: the settings with one changed. Unknown names fail, naming the nearest ones. */
export function applySetting(s: Settings, name: string, value: unknown): Settings {
  const def = DEFS[name.toLowerCase()];
  if (def === undefined) throw unknownSetting(name);
  if (value === null) throw new SkeinError('INVALID_ARGUMENT', `${name.toLowerCase()} cannot be NULL`);
  return { ...s, [def.key]: def.parse(value) };
}

/** `SHOW name` / `SHOW ALL`: (name, value, description) rows. */
export function showSettings(
  s: Settings,
  name: string | null,
): { name: string; value: string; description: string }[] {
  const names = name === null ? Object.keys(DEFS) : [name.toLowerCase()];
  return names.map((n) => {
    const def = DEFS[n];
    if (def === undefined) throw unknownSetting(n);
    return { name: n, value: def.format(s[def.key]), description: def.description };
  });
}

function unknownSetting(name: string): SkeinError {
  const near = nearestNames(name, Object.keys(DEFS));
  return new SkeinError(
    'INVALID_ARGUMENT',
    `unknown setting '${name}'${near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(' or ')}?)` : ''}; settings: ${Object.keys(DEFS).join(', ')}`,
  );
}

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** `'4GB'`, `'512 MiB'`, `1e9` → bytes. Like DuckDB, `GB` means 1000³ and `GiB` 1024³. */
export function parseBytes(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return Math.floor(v);
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(v));
  const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `${what} must be a size like '4GB' or '512MiB', got '${String(v)}'`,
    );
  }
  return Math.floor(Number(m[1]) * unit);
}

function formatBytes(n: number): string {
  for (const [unit, size] of [
    ['TiB', 1024 ** 4],
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const) {
    if (n >= size) return `${Number((n / size).toFixed(1))} ${unit}`;
  }
  return `${n} bytes`;
}
