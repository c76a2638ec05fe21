/**
 * Runs bound statements against a session: queries through the planner and the operators, the
 * rest (CREATE / DROP / INSERT / SET / SHOW / DESCRIBE / EXPLAIN) on the session's catalog and
 * settings. Every statement gives a StatementResult; those that only change state give no rows.
 *
 * @example
 * const result = await runStatement(session, bindStatement(parseStatement('SHOW TABLES'), { catalog }));
 * for await (const batch of result.batches) …   // one row per table: name
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { openBlobStore } from '../adapters/open-blob-store.ts';
import { SkeinError } from '../errors.ts';
import type { BatchStream } from '../exec/context.ts';
import { vectorFromScalars } from '../exec/expr/scalar.ts';
import type { Batch } from '../exec/vector.ts';
import type { LogicalPlan } from '../logical/plan.ts';
import { outputColumns } from '../logical/plan.ts';
import type { CreateExternalTablePlan, StatementPlan } from '../logical/statement.ts';
import { printQuery } from '../sql/index.ts';
import { type DataType, type Field, INT64, type Schema, typeToString, VARCHAR } from '../types/data-type.ts';
import { applySetting, showSettings } from './settings.ts';
import type { Skein, StatementResult } from './skein.ts';

/** Runs one bound statement. A query's rows are computed as the result's stream is read. */
export async function runStatement(session: Skein, stmt: StatementPlan): Promise<StatementResult> {
  const catalog = session.catalog;
  switch (stmt.kind) {
    case 'query': {
      const planned = session.planQuery(stmt.plan);
      const { stream, run } = session.runPlan(planned.physical);
      return { kind: stmt.kind, schema: stream.schema, batches: stream, returnsRows: true, query: run };
    }
    case 'explain': {
      const text = await session.explainStatement(stmt.statement, {
        verbose: stmt.verbose,
        analyze: stmt.analyze,
      });
      return rows(
        stmt.kind,
        [{ name: 'plan', type: VARCHAR, nullable: false }],
        text.split('\n').map((l) => [l]),
      );
    }
    case 'create_table': {
      if (!(stmt.ifNotExists && catalog.has(stmt.name))) {
        catalog.createMemoryTable(stmt.name, stmt.schema, {
          replace: stmt.orReplace,
          primaryKey: stmt.primaryKey,
        });
      }
      return nothing(stmt.kind);
    }
    case 'create_table_as': {
      if (stmt.ifNotExists && catalog.has(stmt.name)) return nothing(stmt.kind);
      const schema: Schema = outputColumns(stmt.plan).map((c) => ({
        name: c.name,
        type: c.type,
        nullable: c.nullable,
      }));
      const batches = await collect(session, stmt.plan, schema);
      catalog.createMemoryTable(stmt.name, schema, { replace: stmt.orReplace });
      catalog.appendBatches(stmt.name, batches);
      return count(stmt.kind, batches);
    }
    case 'create_external_table':
      if (!(stmt.ifNotExists && catalog.has(stmt.name))) await createExternal(session, stmt);
      return nothing(stmt.kind);
    case 'create_view':
      if (!(stmt.ifNotExists && catalog.has(stmt.name))) {
        catalog.createView(stmt.name, stmt.query, {
          columns: stmt.columns,
          sql: printQuery(stmt.query),
          replace: stmt.orReplace,
        });
      }
      return nothing(stmt.kind);
    case 'insert': {
      const table = catalog.get(stmt.table);
      if (table.kind !== 'memory') {
        throw new SkeinError('PLAN', `cannot insert into '${stmt.table}': it is not a memory table`);
      }
      const batches = await collect(session, stmt.plan, table.schema);
      catalog.appendBatches(stmt.table, batches);
      return count(stmt.kind, batches);
    }
    case 'drop':
      for (const name of stmt.names) catalog.drop(stmt.objectType, name, stmt.ifExists);
      return nothing(stmt.kind);
    case 'set':
      session.settings = applySetting(session.settings, stmt.name, stmt.value);
      return nothing(stmt.kind);
    case 'show_variable':
      return rows(
        stmt.kind,
        [
          { name: 'name', type: VARCHAR, nullable: false },
          { name: 'value', type: VARCHAR, nullable: false },
          { name: 'description', type: VARCHAR, nullable: false },
        ],
        showSettings(session.settings, stmt.name).map((s) => [s.name, s.value, s.description]),
      );
    case 'show_tables':
      return rows(
        stmt.kind,
        [
          { name: 'name', type: VARCHAR, nullable: false },
          { name: 'kind', type: VARCHAR, nullable: false },
        ],
        catalog.names().map((n) => {
          const e = catalog.find(n)!;
          return [n, e.kind === 'view' ? 'view' : e.kind === 'memory' ? 'table' : `external (${e.format})`];
        }),
      );
    case 'describe':
      return rows(
        stmt.kind,
        [
          { name: 'column_name', type: VARCHAR, nullable: false },
          { name: 'column_type', type: VARCHAR, nullable: false },
          { name: 'null', type: VARCHAR, nullable: false },
        ],
        stmt.columns.map((c) => [c.name, typeToString(c.type), c.nullable ? 'YES' : 'NO']),
      );
  }
}

/** Runs a query plan to the end, returning its batches under `schema` (the target table's). */
async function collect(session: Skein, plan: LogicalPlan, schema: Schema): Promise<Batch[]> {
  const { stream } = session.runPlan(session.planQuery(plan).physical);
  const out: Batch[] = [];
  for await (const b of stream) if (b.length > 0) out.push({ schema, columns: b.columns, length: b.length });
  return out;
}

async function createExternal(session: Skein, stmt: CreateExternalTablePlan): Promise<void> {
  const { store, path } = await openLocation(stmt.location);
  const opt = (...names: string[]): string | undefined => {
    for (const [k, v] of Object.entries(stmt.options)) if (names.includes(k.toLowerCase())) return v;
    return undefined;
  };
  const header = opt('header', 'has_header');
  const delimiter = opt('delimiter', 'delim', 'sep', 'format.delimiter');
  const quote = opt('quote', 'format.quote');
  await session.catalog.registerExternal(stmt.name, store, path, {
    format: stmt.format,
    replace: stmt.orReplace,
    columns: stmt.columns,
    csv: {
      ...(header === undefined ? {} : { header: /^(true|1|yes)$/i.test(header) }),
      ...(delimiter === undefined ? {} : { delimiter }),
      ...(quote === undefined ? {} : { quote }),
    },
  });
}

/** A LOCATION as a store and a path in it: a file, or a folder of files. */
async function openLocation(
  location: string,
): Promise<{ store: ReturnType<typeof openBlobStore>; path: string }> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !location.startsWith('file://')) {
    return { store: openBlobStore(location), path: '' };
  }
  const abs = resolve(location.startsWith('file://') ? new URL(location).pathname : location);
  let isDir: boolean;
  try {
    isDir = (await stat(abs)).isDirectory();
  } catch {
    throw new SkeinError('NOT_FOUND', `no such file or folder: ${abs}`);
  }
  return isDir
    ? { store: openBlobStore(abs), path: '' }
    : { store: openBlobStore(dirname(abs)), path: basename(abs) };
}

function stream(schema: Schema, batches: readonly Batch[]): BatchStream {
  return {
    schema,
    async *[Symbol.asyncIterator]() {
      yield* batches;
    },
  };
}

/** A result of constant rows. */
function rows(
  kind: StatementPlan['kind'],
  schema: Field[],
  values: (string | number | null)[][],
): StatementResult {
  const batch: Batch = {
    schema,
    length: values.length,
    columns: schema.map((f, c) =>
      vectorFromScalars(
        f.type,
        values.map((r) => r[c] ?? null),
      ),
    ),
  };
  return { kind, schema, batches: stream(schema, values.length > 0 ? [batch] : []), returnsRows: true };
}

function nothing(kind: StatementPlan['kind']): StatementResult {
  return { kind, schema: [], batches: stream([], []), returnsRows: false };
}

/** INSERT / CREATE TABLE AS: the number of rows written, as DuckDB reports it. */
function count(kind: StatementPlan['kind'], batches: readonly Batch[]): StatementResult {
  const n = batches.reduce((s, b) => s + b.length, 0);
  const t: DataType = INT64;
  return rows(kind, [{ name: 'count', type: t, nullable: false }], [[String(n)]]);
}
