/**
 * What a bound statement is: a query plan, or a DDL/DML/utility action with its bound parts.
 * Plain data like the plans (a view keeps its AST, which is plain data too).
 *
 * @example
 * const s = bindStatement(parseStatement('CREATE TABLE t AS SELECT 1 AS x'), { catalog });
 * // s.kind === 'create_table_as'; outputColumns(s.plan) → [{ name: 'x', type: INT32, … }]
 */
import type { Query } from '../sql/ast.ts';
import type { Field, Schema } from '../types/data-type.ts';
import type { LiteralValue } from './expr.ts';
import type { LogicalPlan } from './plan.ts';

export type StatementPlan =
  | QueryStatement
  | CreateTablePlan
  | CreateTableAsPlan
  | CreateExternalTablePlan
  | CreateViewPlan
  | InsertPlan
  | DropPlan
  | SetPlan
  | ShowTablesPlan
  | ShowVariablePlan
  | DescribePlan
  | ExplainPlan;

/** A query; its result columns are `outputColumns(plan)` (names as the user sees them). */
export interface QueryStatement {
  readonly kind: 'query';
  readonly plan: LogicalPlan;
}

export interface CreateTablePlan {
  readonly kind: 'create_table';
  readonly name: string;
  readonly schema: Schema;
  readonly primaryKey: readonly string[];
  readonly ifNotExists: boolean;
  readonly orReplace: boolean;
}

export interface CreateTableAsPlan {
  readonly kind: 'create_table_as';
  readonly name: string;
  readonly plan: LogicalPlan;
  readonly ifNotExists: boolean;
  readonly orReplace: boolean;
}

export interface CreateExternalTablePlan {
  readonly kind: 'create_external_table';
  readonly name: string;
  /** `[]` when the schema is to be read from the files. */
  readonly columns: Schema;
  readonly format: 'parquet' | 'csv';
  readonly location: string;
  readonly partitionedBy: readonly string[];
  readonly options: Readonly<Record<string, string>>;
  readonly ifNotExists: boolean;
  readonly orReplace: boolean;
}

export interface CreateViewPlan {
  readonly kind: 'create_view';
  readonly name: string;
  readonly columns: readonly string[];
  /** The view's query, bound once to check it; stored as AST and bound again where used. */
  readonly query: Query;
  /** The output columns it had when created (what DESCRIBE shows). */
  readonly schema: Schema;
  readonly orReplace: boolean;
  readonly ifNotExists: boolean;
}

/**
 * `INSERT INTO table …`: `plan` yields exactly the table's columns, in the table's order and
 * types (columns the statement did not name are NULL or their DEFAULT).
 */
export interface InsertPlan {
  readonly kind: 'insert';
  readonly table: string;
  readonly plan: LogicalPlan;
}

export interface DropPlan {
  readonly kind: 'drop';
  readonly objectType: 'table' | 'view';
  readonly names: readonly string[];
  readonly ifExists: boolean;
}

/** `SET name = value`: the value is a constant. */
export interface SetPlan {
  readonly kind: 'set';
  readonly name: string;
  readonly value: LiteralValue;
}

export interface ShowTablesPlan {
  readonly kind: 'show_tables';
}

export interface ShowVariablePlan {
  readonly kind: 'show_variable';
  /** null for SHOW ALL. */
  readonly name: string | null;
}

/** `DESCRIBE t`: the table's (or view's) columns, resolved when bound. */
export interface DescribePlan {
  readonly kind: 'describe';
  readonly table: string;
  readonly columns: readonly Field[];
}

export interface ExplainPlan {
  readonly kind: 'explain';
  readonly statement: StatementPlan;
  readonly verbose: boolean;
  readonly analyze: boolean;
}
