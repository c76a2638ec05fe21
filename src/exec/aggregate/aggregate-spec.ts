/**
 * What a HashAggregate computes, as plain data (the physical plan node carries it), and the types
 * of its results and partial states.
 *
 * Result types (DuckDB's, except where Skein's storage differs):
 * | function | argument | result |
 * |---|---|---|
 * | count(*), count(x) | any | BIGINT |
 * | sum | INTEGER, BIGINT | BIGINT (DuckDB: HUGEINT; Skein errors beyond ±2^63 like Trino) |
 * | sum | DECIMAL(p,s) | DECIMAL(38,s), exact |
 * | sum | DOUBLE | DOUBLE |
 * | avg | INTEGER, BIGINT, DECIMAL, DOUBLE | DOUBLE |
 * | min, max, any_value, first | any | the argument's type |
 * | var_samp, var_pop, stddev_samp, stddev_pop | numeric | DOUBLE |
 * | bool_and, bool_or | BOOLEAN | BOOLEAN |
 */
import { SkeinError } from '../../errors.ts';
import {
  BOOLEAN,
  type DataType,
  decimal,
  type Field,
  FLOAT64,
  INT64,
  MAX_DECIMAL_PRECISION,
  typeToString,
} from '../../types/data-type.ts';

export type AggregateFunction =
  | 'count_star'
  | 'count'
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'var_samp'
  | 'var_pop'
  | 'stddev_samp'
  | 'stddev_pop'
  | 'bool_and'
  | 'bool_or'
  | 'any_value'
  | 'first';

/** SQL spellings that name the same function (the binder may map them with `canonicalAggregate`). */
const ALIASES: Readonly<Record<string, AggregateFunction>> = {
  stddev: 'stddev_samp',
  variance: 'var_samp',
  arbitrary: 'any_value',
  every: 'bool_and',
};

/** The canonical function for a SQL aggregate name, or null when it is not one. */
export function canonicalAggregate(name: string): AggregateFunction | null {
  const n = name.toLowerCase();
  if (n in ALIASES) return ALIASES[n]!;
  return (FUNCTIONS as readonly string[]).includes(n) ? (n as AggregateFunction) : null;
}

const FUNCTIONS: readonly AggregateFunction[] = [
  'count_star',
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'var_samp',
  'var_pop',
  'stddev_samp',
  'stddev_pop',
  'bool_and',
  'bool_or',
  'any_value',
  'first',
];

/** One aggregate of a HashAggregate. */
export interface AggregateSpec {
  readonly func: AggregateFunction;
  /** Input column of the argument; absent for count(*). */
  readonly arg?: number;
  /** `f(DISTINCT x)`: each distinct value counts once per group (single mode only). */
  readonly distinct?: boolean;
  /** Input column of `FILTER (WHERE …)`: a boolean column; rows where it is not true are skipped. */
  readonly filter?: number;
  /** Output column name. */
  readonly name: string;
}

/**
 * A HashAggregate node's configuration.
 *
 * - `single`: input rows → one row per group: the group keys, then each aggregate's result.
 * - `partial`: input rows → one row per group (per task): the keys, then each aggregate's
 *   intermediate state columns (`aggregateStateFields`). Many partial outputs, exchanged by the
 *   hash of the keys, feed…
 * - `final`: its input is partial output; it merges the states of equal keys and emits what
 *   `single` would. Give it the same config as the partial (only `mode` differs): its keys are
 *   the input's first `groupBy.length` columns, and the states follow in order; `arg` and
 *   `filter` are not used.
 *
 * With no `groupBy`, single and final emit exactly one row, even for empty input (SQL's global
 * aggregate); a partial emits one row too, so a final sees every task's (possibly empty) state.
 *
 * @example
 * // SELECT l_returnflag, sum(l_quantity) AS sum_qty, count(*) AS n FROM lineitem GROUP BY 1
 * const config: HashAggregateConfig = {
 *   mode: 'single',
 *   groupBy: [0],
 *   aggregates: [
 *     { func: 'sum', arg: 1, name: 'sum_qty' },
 *     { func: 'count_star', name: 'n' },
 *   ],
 * };
 */
export interface HashAggregateConfig {
  readonly mode: 'single' | 'partial' | 'final';
  /** Input columns of the group keys (output first, in this order). */
  readonly groupBy: readonly number[];
  readonly aggregates: readonly AggregateSpec[];
}

/** The result type of `func` over an argument of `argType` (null for count(*)). */
export function aggregateResultType(func: AggregateFunction, argType: DataType | null): DataType {
  switch (func) {
    case 'count_star':
    case 'count':
      return INT64;
    case 'sum':
      return sumType(requireArg(func, argType));
    case 'avg':
      numericArg(func, requireArg(func, argType));
      return FLOAT64;
    case 'var_samp':
    case 'var_pop':
    case 'stddev_samp':
    case 'stddev_pop':
      numericArg(func, requireArg(func, argType));
      return FLOAT64;
    case 'bool_and':
    case 'bool_or': {
      const t = requireArg(func, argType);
      if (t.kind !== 'boolean' && t.kind !== 'null') throw typeError(func, t);
      return BOOLEAN;
    }
    case 'min':
    case 'max':
    case 'any_value':
    case 'first':
      return requireArg(func, argType);
  }
}

/** sum's result type (also the type of sum and avg partial states). */
export function sumType(t: DataType): DataType {
  switch (t.kind) {
    case 'int32':
    case 'int64':
    case 'null':
    case 'boolean':
      return INT64;
    case 'decimal':
      return decimal(MAX_DECIMAL_PRECISION, t.scale);
    case 'float64':
      return FLOAT64;
    default:
      throw typeError('sum', t);
  }
}

/** The partial state columns of one aggregate, in the order a partial emits them. */
export function aggregateStateFields(spec: AggregateSpec, argType: DataType | null): Field[] {
  const f = (suffix: string, type: DataType, nullable = true): Field => ({
    name: `${spec.name}.${suffix}`,
    type,
    nullable,
  });
  switch (spec.func) {
    case 'count_star':
    case 'count':
      return [f('count', INT64, false)];
    case 'sum':
      return [f('sum', sumType(requireArg(spec.func, argType)))];
    case 'avg':
      numericArg('avg', requireArg(spec.func, argType));
      return [f('sum', sumType(argType!)), f('count', INT64, false)];
    case 'var_samp':
    case 'var_pop':
    case 'stddev_samp':
    case 'stddev_pop':
      numericArg(spec.func, requireArg(spec.func, argType));
      return [f('count', INT64, false), f('mean', FLOAT64, false), f('m2', FLOAT64, false)];
    case 'bool_and':
    case 'bool_or':
      return [f('value', BOOLEAN)];
    case 'min':
    case 'max':
    case 'any_value':
      return [f('value', requireArg(spec.func, argType))];
    case 'first':
      return [f('value', requireArg(spec.func, argType)), f('seen', BOOLEAN, false)];
  }
}

/** How many state columns an aggregate's partial emits. */
export function stateWidth(func: AggregateFunction): number {
  switch (func) {
    case 'avg':
    case 'first':
      return 2;
    case 'var_samp':
    case 'var_pop':
    case 'stddev_samp':
    case 'stddev_pop':
      return 3;
    default:
      return 1;
  }
}

function requireArg(func: AggregateFunction, t: DataType | null): DataType {
  if (t === null) throw new SkeinError('PLAN', `aggregate ${func} needs an argument column`);
  return t;
}

function numericArg(func: string, t: DataType): void {
  if (
    t.kind !== 'int32' &&
    t.kind !== 'int64' &&
    t.kind !== 'decimal' &&
    t.kind !== 'float64' &&
    t.kind !== 'null' &&
    t.kind !== 'boolean'
  )
    throw typeError(func, t);
}

function typeError(func: string, t: DataType): SkeinError {
  return new SkeinError('TYPE', `aggregate ${func} does not accept an argument of type ${typeToString(t)}`);
}
