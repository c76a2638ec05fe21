/**
 * An in-memory catalog of tables and views, by lower-case name.
 *
 * @example
 * const catalog = new Catalog();
 * await catalog.registerDataDir('./data/tpch-sf1'); // lineitem/, orders/, … → tables
 * const t = catalog.getTable('lineitem');          // ExternalTable with schema and statistics
 * catalog.getTable('lineitme');                    // NOT_FOUND: … (did you mean 'lineitem'?)
 */
import { openBlobStore } from '../adapters/open-blob-store.ts';
import { SkeinError, type SqlPosition } from '../errors.ts';
import type { Batch } from '../exec/vector.ts';
import type { BlobInfo, BlobStore } from '../ports/blob-store.ts';
import type { Query } from '../sql/ast.ts';
import type { Schema } from '../types/data-type.ts';
import { type CsvLayout, type CsvOptions, inferCsvSchema } from './csv-schema.ts';
import { didYouMean } from './nearest.ts';
import { readParquetMetadata } from './parquet-metadata.ts';
import { type ColumnStatistics, mergeColumnStatistics, type TableStatistics } from './statistics.ts';
import type { ExternalFile, ExternalTable, MemoryTable, TableEntry, ViewEntry } from './table.ts';

/** Schema names that mean "the catalog itself" in a qualified name (`main.t`, `public.t`). */
const DEFAULT_SCHEMAS = new Set(['main', 'public', 'default', 'memory']);

export interface RegisterOptions {
  /** `'parquet'` or `'csv'`; from the file extensions when absent. */
  readonly format?: string;
  readonly csv?: CsvOptions;
  /** Replace an existing table of that name. */
  readonly replace?: boolean;
  /** A declared schema, checked against (Parquet) or imposed on (CSV) the files. */
  readonly columns?: Schema;
}

const CSV_SAMPLE_BYTES = 256 << 10;

export class Catalog {
  private readonly entries = new Map<string, TableEntry>();

  /** Table and view names, sorted. */
  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** The entry for a (possibly schema-qualified) name, or undefined. */
  find(name: string | readonly string[]): TableEntry | undefined {
    const key = this.key(name);
    return key === undefined ? undefined : this.entries.get(key);
  }

  /** The entry for a name; NOT_FOUND naming it and its nearest candidates otherwise. */
  get(name: string | readonly string[], position?: SqlPosition): TableEntry {
    const e = this.find(name);
    if (e) return e;
    const shown = typeof name === 'string' ? name : name.join('.');
    const last = typeof name === 'string' ? name : (name[name.length - 1] ?? '');
    const where = position ? ` at line ${position.line}, column ${position.column}` : '';
    throw new SkeinError(
      'NOT_FOUND',
      `table '${shown}' does not exist${where}${didYouMean(last, this.entries.keys())}`,
      {
        ...(position ? { position: { line: position.line, column: position.column } } : {}),
      },
    );
  }

  has(name: string | readonly string[]): boolean {
    return this.find(name) !== undefined;
  }

  /** Adds or replaces an entry. Without `replace`, an existing name is a PLAN error. */
  put(entry: TableEntry, replace = false): void {
    const key = entry.name.toLowerCase();
    const old = this.entries.get(key);
    if (old && !replace) {
      throw new SkeinError(
        'PLAN',
        `${old.kind === 'view' ? 'a view' : 'a table'} named '${entry.name}' already exists`,
      );
    }
    this.entries.set(key, entry);
  }

  /** Removes an entry; NOT_FOUND when absent (unless `ifExists`), PLAN when it is of the other kind. */
  drop(
    kind: 'table' | 'view',
    name: string | readonly string[],
    ifExists = false,
    position?: SqlPosition,
  ): boolean {
    const e = this.find(name);
    if (!e) {
      if (ifExists) return false;
      this.get(name, position);
      return false;
    }
    if ((kind === 'view') !== (e.kind === 'view')) {
      throw new SkeinError(
        'PLAN',
        `'${e.name}' is ${e.kind === 'view' ? 'a view' : 'a table'}: use DROP ${e.kind === 'view' ? 'VIEW' : 'TABLE'}`,
        {
          ...(position ? { position } : {}),
        },
      );
    }
    this.entries.delete(e.name.toLowerCase());
    return true;
  }

  /** Creates an empty memory table. */
  createMemoryTable(
    name: string,
    schema: Schema,
    options: { replace?: boolean; primaryKey?: readonly string[] } = {},
  ): MemoryTable {
    const t: MemoryTable = {
      kind: 'memory',
      name: name.toLowerCase(),
      schema,
      batches: [],
      primaryKey: options.primaryKey ?? [],
      statistics: { rowCount: 0, rowCountExact: true, totalBytes: 0, columns: {} },
    };
    this.put(t, options.replace);
    return t;
  }

  /** Appends batches to a memory table (INSERT); returns the new entry. */
  appendBatches(name: string, batches: readonly Batch[]): MemoryTable {
    const t = this.get(name);
    if (t.kind !== 'memory') {
      throw new SkeinError(
        'PLAN',
        `cannot insert into '${t.name}': it is ${t.kind === 'view' ? 'a view' : 'an external table (read-only)'}`,
      );
    }
    const rows = batches.reduce((s, b) => s + b.length, t.statistics.rowCount ?? 0);
    const next: MemoryTable = {
      ...t,
      batches: [...t.batches, ...batches],
      statistics: { ...t.statistics, rowCount: rows },
    };
    this.entries.set(t.name, next);
    return next;
  }

  createView(
    name: string,
    query: Query,
    options: { columns?: readonly string[]; sql?: string | null; replace?: boolean } = {},
  ): ViewEntry {
    const v: ViewEntry = {
      kind: 'view',
      name: name.toLowerCase(),
      columns: options.columns ?? [],
      query,
      sql: options.sql ?? null,
    };
    this.put(v, options.replace);
    return v;
  }

  /**
   * Registers the Parquet or CSV files at `path` in `store` — one file, or every file of the format
   * under a folder — as an external table, reading schema and statistics from them.
   */
  async registerExternal(
    name: string,
    store: BlobStore,
    path: string,
    options: RegisterOptions = {},
  ): Promise<ExternalTable> {
    const infos = await listFiles(store, path);
    if (infos.length === 0)
      throw new SkeinError('NOT_FOUND', `no files at ${store.describe(path)} for table '${name}'`);
    const format = options.format?.toLowerCase() ?? formatOf(infos, store.describe(path));
    const files = infos.filter(
      (f) => extensionFormat(f.key) === format || (infos.length === 1 && options.format),
    );
    if (files.length === 0)
      throw new SkeinError('NOT_FOUND', `no ${format} files at ${store.describe(path)} for table '${name}'`);
    let table: ExternalTable;
    if (format === 'parquet') table = await parquetTable(name, store, path, files, options);
    else if (format === 'csv') table = await csvTable(name, store, path, files, options);
    else
      throw new SkeinError(
        'NOT_IMPLEMENTED',
        `external tables STORED AS ${format} are not supported (use parquet or csv)`,
      );
    this.put(table, options.replace);
    return table;
  }

  /**
   * Makes a table of each subfolder (or file) of `dir`, named after it, reading every Parquet/CSV
   * file in it: `<dir>/lineitem/part-0.parquet` → table `lineitem`. Returns the table names.
   */
  async registerDataDir(dir: string | BlobStore, options: { replace?: boolean } = {}): Promise<string[]> {
    const store = typeof dir === 'string' ? openBlobStore(dir) : dir;
    const groups = new Map<string, BlobInfo[]>();
    for await (const info of store.list('')) {
      const slash = info.key.indexOf('/');
      const fmt = extensionFormat(info.key);
      if (fmt === null) continue;
      const base = slash < 0 ? stripExtension(info.key) : info.key.slice(0, slash);
      const prefix = slash < 0 ? info.key : `${base}/`;
      const g = groups.get(prefix) ?? [];
      g.push(info);
      groups.set(prefix, g);
    }
    if (groups.size === 0)
      throw new SkeinError('NOT_FOUND', `no Parquet or CSV files in ${store.describe()}`);
    const names: string[] = [];
    await Promise.all(
      [...groups.keys()].map(async (prefix) => {
        const name = prefix.endsWith('/') ? prefix.slice(0, -1) : stripExtension(prefix);
        await this.registerExternal(name.toLowerCase(), store, prefix, { replace: options.replace ?? true });
        names.push(name.toLowerCase());
      }),
    );
    return names.sort();
  }

  private key(name: string | readonly string[]): string | undefined {
    const parts = typeof name === 'string' ? name.split('.') : name;
    if (parts.length === 0) return undefined;
    for (const p of parts.slice(0, -1)) if (!DEFAULT_SCHEMAS.has(p.toLowerCase())) return undefined;
    return parts[parts.length - 1]!.toLowerCase();
  }
}

async function listFiles(store: BlobStore, path: string): Promise<BlobInfo[]> {
  const single = path.endsWith('/') ? undefined : await store.head(path);
  if (single) return [single];
  const prefix = path === '' || path.endsWith('/') ? path : `${path}/`;
  const out: BlobInfo[] = [];
  for await (const info of store.list(prefix)) if (extensionFormat(info.key) !== null) out.push(info);
  return out;
}

function extensionFormat(key: string): 'parquet' | 'csv' | null {
  const k = key.toLowerCase();
  if (k.endsWith('.parquet') || k.endsWith('.pq')) return 'parquet';
  if (k.endsWith('.csv')) return 'csv';
  return null;
}

function stripExtension(key: string): string {
  const base = key.slice(key.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return dot < 0 ? base : base.slice(0, dot);
}

function formatOf(files: readonly BlobInfo[], where: string): string {
  const kinds = new Set(files.map((f) => extensionFormat(f.key)).filter((k) => k !== null));
  if (kinds.size === 1) return [...kinds][0]!;
  if (kinds.size === 0)
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `cannot tell the format of the files at ${where}: say STORED AS parquet or csv`,
    );
  throw new SkeinError(
    'INVALID_ARGUMENT',
    `${where} holds both Parquet and CSV files: put each table's files in a folder of their own`,
  );
}

async function parquetTable(
  name: string,
  store: BlobStore,
  path: string,
  files: readonly BlobInfo[],
  options: RegisterOptions,
): Promise<ExternalTable> {
  const metas = await Promise.all(files.map((f) => readParquetMetadata(store, f.key, f.size)));
  const schema = metas[0]!.schema;
  metas.forEach((m, i) => {
    const same =
      m.schema.length === schema.length &&
      m.schema.every((f, j) => f.name === schema[j]!.name && f.type.kind === schema[j]!.type.kind);
    if (!same) {
      throw new SkeinError(
        'INVALID_ARGUMENT',
        `${store.describe(files[i]!.key)} has columns (${m.schema.map((f) => f.name).join(', ')}) unlike ${store.describe(files[0]!.key)} (${schema.map((f) => f.name).join(', ')})`,
      );
    }
  });
  const declared = options.columns;
  if (declared && declared.length > 0) {
    for (const d of declared) {
      if (!schema.some((f) => f.name.toLowerCase() === d.name.toLowerCase())) {
        throw new SkeinError(
          'INVALID_ARGUMENT',
          `column '${d.name}' is declared for table '${name}' but not in its Parquet files (${schema.map((f) => f.name).join(', ')})`,
        );
      }
    }
  }
  const merged = schema.map((f, i) => {
    const nullable = metas.some((m) => m.schema[i]!.nullable);
    return { ...f, nullable };
  });
  const columns: Record<string, ColumnStatistics> = {};
  for (const f of schema) {
    let s: ColumnStatistics | undefined;
    let seen = false;
    for (const m of metas) {
      if (m.rowCount === 0) continue;
      const c = m.statistics.columns[f.name];
      s = seen ? mergeColumnStatistics(s, c) : c;
      seen = true;
    }
    if (s && Object.keys(s).length > 0) columns[f.name] = s;
  }
  const statistics: TableStatistics = {
    rowCount: metas.reduce((s, m) => s + m.rowCount, 0),
    rowCountExact: true,
    totalBytes: files.reduce((s, f) => s + f.size, 0),
    columns,
  };
  const ext: ExternalFile[] = files.map((f, i) => ({
    key: f.key,
    size: f.size,
    rowCount: metas[i]!.rowCount,
    rowGroups: metas[i]!.rowGroups,
  }));
  return {
    kind: 'external',
    name: name.toLowerCase(),
    schema: merged,
    format: 'parquet',
    store,
    location: store.describe(path),
    files: ext,
    csv: null,
    statistics,
  };
}

async function csvTable(
  name: string,
  store: BlobStore,
  path: string,
  files: readonly BlobInfo[],
  options: RegisterOptions,
): Promise<ExternalTable> {
  const first = files[0]!;
  const length = Math.min(first.size, CSV_SAMPLE_BYTES);
  const bytes = await store.get(first.key, { offset: 0, length });
  const sample = new TextDecoder().decode(bytes);
  let layout: CsvLayout = inferCsvSchema(
    sample,
    options.csv,
    store.describe(first.key),
    length === first.size,
  );
  const declared = options.columns;
  if (declared && declared.length > 0) {
    if (declared.length !== layout.schema.length) {
      throw new SkeinError(
        'INVALID_ARGUMENT',
        `table '${name}' declares ${declared.length} columns but ${store.describe(first.key)} has ${layout.schema.length}`,
      );
    }
    layout = { ...layout, schema: declared };
  }
  const totalBytes = files.reduce((s, f) => s + f.size, 0);
  const statistics: TableStatistics = {
    rowCount: Math.max(0, Math.round(totalBytes / layout.bytesPerRow)),
    rowCountExact: false,
    totalBytes,
    columns: {},
  };
  const ext: ExternalFile[] = files.map((f) => ({
    key: f.key,
    size: f.size,
    rowCount: null,
    rowGroups: null,
  }));
  return {
    kind: 'external',
    name: name.toLowerCase(),
    schema: layout.schema,
    format: 'csv',
    store,
    location: store.describe(path),
    files: ext,
    csv: layout,
    statistics,
  };
}
