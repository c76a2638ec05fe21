/**
 * The binder: AST statements → bound statement plans (see `statement.ts`), resolving names
 * against a catalog and typing every expression.
 *
 * @example
 * const catalog = new Catalog();
 * await catalog.registerDataDir('./data/tpch-sf1');
 * const stmt = bindStatement(parseStatement('SELECT count(*) FROM lineitem'), { catalog });
 * // stmt.kind === 'query'; explainPlan(stmt.plan) →
 * //   Aggregate: count_star() AS count_star()
 * //     Scan: lineitem …
 */
import type { Catalog } from '../../catalog/catalog.ts';
import type * as ast from '../../sql/ast.ts';
import type { Field } from '../../types/data-type.ts';
import { typesEqual, typeToString } from '../../types/data-type.ts';
import { canCast } from '../../types/functions.ts';
import { col, type Expr, lit } from '../expr.ts';
import { project } from '../nodes/project.ts';
import { type ValuesNode, values } from '../nodes/values.ts';
import { type LogicalPlan, outputColumns } from '../plan.ts';
import type { StatementPlan } from '../statement.ts';
import { bindExpr, coerce } from './bind-expr.ts';
import { bindQuery } from './bind-query.ts';
import { newBinderState } from './context.ts';
import { bindError } from './errors.ts';
import { Scope } from './scope.ts';
import { resolveTypeName } from './type-names.ts';

export interface BindOptions {
  readonly catalog: Catalog;
}

/** Binds one parsed statement. Throws SkeinError (PLAN, TYPE, NOT_FOUND, NOT_IMPLEMENTED) with positions. */
export function bindStatement(stmt: ast.Statement, options: BindOptions): StatementPlan {
  const { catalog } = options;
  switch (stmt.kind) {
    case 'query':
      return { kind: 'query', plan: bindQueryStatement(stmt, catalog) };
    case 'explain':
      return {
        kind: 'explain',
        statement: bindStatement(stmt.statement, options),
        verbose: stmt.verbose,
        analyze: stmt.analyze,
      };
    case 'create_table': {
      const name = tableName(stmt.name);
      const seen = new Set<string>();
      const schema: Field[] = stmt.columns.map((c) => {
        const n = c.name.value;
        if (seen.has(n.toLowerCase())) throw bindError('PLAN', `column '${n}' is declared twice`, c.pos);
        seen.add(n.toLowerCase());
        return { name: n, type: resolveTypeName(c.type), nullable: !c.notNull };
      });
      for (const k of stmt.primaryKey) {
        if (!seen.has(k.value.toLowerCase()))
          throw bindError('PLAN', `primary key column '${k.value}' is not a column of the table`, k.pos);
      }
      checkCreate(catalog, name, stmt.ifNotExists, stmt.orReplace, stmt.pos);
      return {
        kind: 'create_table',
        name,
        schema,
        primaryKey: stmt.primaryKey.map((k) => k.value),
        ifNotExists: stmt.ifNotExists,
        orReplace: stmt.orReplace,
      };
    }
    case 'create_table_as': {
      const name = tableName(stmt.name);
      checkCreate(catalog, name, stmt.ifNotExists, stmt.orReplace, stmt.pos);
      return {
        kind: 'create_table_as',
        name,
        plan: bindQueryStatement(stmt.query, catalog),
        ifNotExists: stmt.ifNotExists,
        orReplace: stmt.orReplace,
      };
    }
    case 'create_external_table': {
      const name = tableName(stmt.name);
      const format = stmt.format.toLowerCase();
      if (format !== 'parquet' && format !== 'csv') {
        throw bindError(
          'NOT_IMPLEMENTED',
          `external tables STORED AS ${stmt.format} are not supported (use PARQUET or CSV)`,
          stmt.pos,
        );
      }
      checkCreate(catalog, name, stmt.ifNotExists, stmt.orReplace, stmt.pos);
      return {
        kind: 'create_external_table',
        name,
        columns: stmt.columns.map((c) => ({
          name: c.name.value,
          type: resolveTypeName(c.type),
          nullable: !c.notNull,
        })),
        format,
        location: stmt.location,
        partitionedBy: stmt.partitionedBy.map((p) => p.value),
        options: Object.fromEntries(stmt.options.map((o) => [o.key, o.value])),
        ifNotExists: stmt.ifNotExists,
        orReplace: stmt.orReplace,
      };
    }
    case 'create_view': {
      const name = tableName(stmt.name);
      checkCreate(catalog, name, stmt.ifNotExists, stmt.orReplace, stmt.pos);
      const plan = bindQueryStatement(stmt.query, catalog);
      const cols = outputColumns(plan);
      if (stmt.columns.length > cols.length) {
        throw bindError(
          'PLAN',
          `view '${name}' has ${cols.length} columns but ${stmt.columns.length} names were given`,
          stmt.pos,
        );
      }
      return {
        kind: 'create_view',
        name,
        columns: stmt.columns.map((c) => c.value),
        query: stmt.query,
        schema: cols.map((c, i) => ({
          name: stmt.columns[i]?.value ?? c.name,
          type: c.type,
          nullable: c.nullable,
        })),
        orReplace: stmt.orReplace,
        ifNotExists: stmt.ifNotExists,
      };
    }
    case 'insert':
      return bindInsert(stmt, catalog);
    case 'drop':
      return {
        kind: 'drop',
        objectType: stmt.objectType,
        names: stmt.names.map(tableName),
        ifExists: stmt.ifExists,
      };
    case 'set': {
      const state = newBinderState(catalog);
      const e = bindExpr(
        {
          state,
          scope: new Scope([]),
          ctes: null,
          clause: 'SET',
          aggregates: null,
          windows: null,
          namedWindows: new Map(),
        },
        stmt.value,
      );
      const folded = e.kind === 'cast' && e.expr.kind === 'literal' ? coerce(e.expr, e.type) : e;
      if (folded.kind !== 'literal') throw bindError('PLAN', 'SET needs a constant value', stmt.value.pos);
      return { kind: 'set', name: stmt.name.map((n) => n.value).join('.'), value: folded.value };
    }
    case 'show_tables':
      return { kind: 'show_tables' };
    case 'show_variable':
      return { kind: 'show_variable', name: stmt.name ? stmt.name.map((n) => n.value).join('.') : null };
    case 'describe': {
      const entry = catalog.get(
        stmt.table.map((n) => n.value),
        stmt.pos,
      );
      if (entry.kind !== 'view') return { kind: 'describe', table: entry.name, columns: entry.schema };
      const plan = bindQueryStatement(entry.query, catalog);
      return {
        kind: 'describe',
        table: entry.name,
        columns: outputColumns(plan).map((c, i) => ({
          name: entry.columns[i] ?? c.name,
          type: c.type,
          nullable: c.nullable,
        })),
      };
    }
  }
}

/** Binds a query statement to its logical plan. */
export function bindQueryStatement(q: ast.Query, catalog: Catalog): LogicalPlan {
  return bindQuery(newBinderState(catalog), q, null, null);
}

function tableName(name: ast.ObjectName): string {
  const parts = name.map((n) => n.value);
  for (const p of parts.slice(0, -1)) {
    if (!['main', 'public', 'default', 'memory'].includes(p.toLowerCase())) {
      throw bindError(
        'NOT_FOUND',
        `schema '${p}' does not exist (Skein has one schema, 'main')`,
        name[0]!.pos,
      );
    }
  }
  return parts[parts.length - 1]!.toLowerCase();
}

function checkCreate(
  catalog: Catalog,
  name: string,
  ifNotExists: boolean,
  orReplace: boolean,
  pos: ast.Pos,
): void {
  if (ifNotExists && orReplace)
    throw bindError('PLAN', 'OR REPLACE and IF NOT EXISTS cannot be used together', pos);
  const old = catalog.find(name);
  if (old && !ifNotExists && !orReplace) {
    throw bindError(
      'PLAN',
      `${old.kind === 'view' ? 'a view' : 'a table'} named '${name}' already exists`,
      pos,
    );
  }
}

function bindInsert(stmt: ast.Insert, catalog: Catalog): StatementPlan {
  const entry = catalog.get(
    stmt.table.map((n) => n.value),
    stmt.pos,
  );
  if (entry.kind !== 'memory') {
    throw bindError(
      'PLAN',
      `cannot insert into '${entry.name}': it is ${entry.kind === 'view' ? 'a view' : 'an external table (read-only)'}`,
      stmt.pos,
    );
  }
  const state = newBinderState(catalog);
  let source = bindQuery(state, stmt.source, null, null);
  if (source.kind === 'values') source = retypeNullValues(source, stmt, entry.schema);
  const srcCols = outputColumns(source);
  const targets =
    stmt.columns.length > 0
      ? stmt.columns.map((c) => {
          const i = entry.schema.findIndex((f) => f.name.toLowerCase() === c.value.toLowerCase());
          if (i < 0) throw bindError('PLAN', `table '${entry.name}' has no column '${c.value}'`, c.pos);
          return i;
        })
      : entry.schema.map((_, i) => i);
  if (new Set(targets).size !== targets.length)
    throw bindError('PLAN', 'a column is named twice in the INSERT column list', stmt.pos);
  if (srcCols.length !== targets.length) {
    throw bindError(
      'PLAN',
      `INSERT into '${entry.name}' expects ${targets.length} values per row but the query gives ${srcCols.length}`,
      stmt.source.pos,
    );
  }
  const items = entry.schema.map((f, i) => {
    const k = targets.indexOf(i);
    let e: Expr;
    if (k < 0) {
      if (!f.nullable)
        throw bindError(
          'PLAN',
          `column '${f.name}' of '${entry.name}' is NOT NULL and has no value in the INSERT`,
          stmt.pos,
        );
      e = lit(null, f.type);
    } else {
      const c = srcCols[k]!;
      e = col(c.id, c.name, c.type);
      if (!typesEqual(c.type, f.type)) {
        if (!canCast(c.type, f.type)) {
          throw bindError(
            'TYPE',
            `column '${f.name}' is ${typeToString(f.type)} but the INSERT gives ${typeToString(c.type)}`,
            stmt.source.pos,
          );
        }
        e = coerce(e, f.type, stmt.source.pos);
      }
    }
    return { id: state.ids.fresh(), name: f.name, expr: e };
  });
  return { kind: 'insert', table: entry.name, plan: project(source, items) };
}

/**
 * `INSERT … VALUES (…, NULL, …)`: a VALUES column of nothing but NULLs takes the target column's
 * type (as in DuckDB), rather than the INTEGER a lone NULL gets elsewhere.
 */
function retypeNullValues(source: ValuesNode, stmt: ast.Insert, schema: readonly Field[]): ValuesNode {
  const target = (k: number): Field | undefined => {
    if (stmt.columns.length === 0) return schema[k];
    const name = stmt.columns[k]?.value.toLowerCase();
    return schema.find((f) => f.name.toLowerCase() === name);
  };
  const allNull = source.columns.map(
    (_, k) =>
      target(k) !== undefined &&
      source.rows.every((r) => r[k]!.kind === 'literal' && (r[k] as { value: unknown }).value === null),
  );
  if (!allNull.some(Boolean)) return source;
  return values(
    source.columns.map((c, k) => (allNull[k] ? { ...c, type: target(k)!.type } : c)),
    source.rows.map((r) => r.map((e, k) => (allNull[k] ? lit(null, target(k)!.type) : e))),
  );
}
