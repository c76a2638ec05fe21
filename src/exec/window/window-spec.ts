/**
 * What a Window node computes, as plain data: the functions over one window (partitioning,
 * ordering), each with its frame. Functions over different windows are separate Window nodes,
 * stacked by the planner.
 */
import { SkeinError } from '../../errors.ts';
import { type DataType, type Field, FLOAT64, INT64, type Schema } from '../../types/data-type.ts';
import { sumType } from '../aggregate/aggregate-spec.ts';
import type { SortKey } from '../sort/sort-keys.ts';

export type WindowFunction =
  | 'row_number'
  | 'rank'
  | 'dense_rank'
  | 'percent_rank'
  | 'cume_dist'
  | 'ntile'
  | 'lag'
  | 'lead'
  | 'first_value'
  | 'last_value'
  | 'count_star'
  | 'count'
  | 'sum'
  | 'avg'
  | 'min'
  | 'max';

/**
 * One end of a frame. `offset` (for `preceding` / `following`) counts rows in ROWS mode; in RANGE
 * mode it is a distance in the single ORDER BY key's storage units: days for DATE, the scaled
 * integer for DECIMAL (1.5 in DECIMAL(10,2) is 150), microseconds for TIMESTAMP.
 */
export type FrameBound =
  | { readonly kind: 'unbounded_preceding' }
  | { readonly kind: 'preceding'; readonly offset: number }
  | { readonly kind: 'current_row' }
  | { readonly kind: 'following'; readonly offset: number }
  | { readonly kind: 'unbounded_following' };

export interface WindowFrame {
  readonly mode: 'rows' | 'range';
  readonly start: FrameBound;
  readonly end: FrameBound;
}

/** SQL's default frame: with ORDER BY, RANGE UNBOUNDED PRECEDING to CURRENT ROW (peers included). */
export const DEFAULT_FRAME: WindowFrame = {
  mode: 'range',
  start: { kind: 'unbounded_preceding' },
  end: { kind: 'current_row' },
};

export interface WindowFunctionSpec {
  readonly func: WindowFunction;
  /** Input column of the argument (aggregates except count_star, lag, lead, first/last_value). */
  readonly arg?: number;
  /** lag/lead: rows back/ahead (default 1); ntile: the number of buckets. */
  readonly offset?: number;
  /** lag/lead: input column giving the value when there is no such row (default NULL). */
  readonly defaultArg?: number;
  /** Frame of aggregates and first/last_value; default `DEFAULT_FRAME` (the whole partition without ORDER BY). */
  readonly frame?: WindowFrame;
  readonly name: string;
}

/**
 * A Window node's configuration. Output: the input columns, then one column per function; rows
 * come out ordered by (partition keys, order keys).
 *
 * @example
 * // SELECT *, rank() OVER (PARTITION BY dept ORDER BY salary DESC),
 * //        sum(salary) OVER (PARTITION BY dept ORDER BY salary DESC ROWS 2 PRECEDING) FROM emp
 * const config: WindowConfig = {
 *   partitionBy: [1],
 *   orderBy: [{ column: 2, descending: true }],
 *   functions: [
 *     { func: 'rank', name: 'r' },
 *     { func: 'sum', arg: 2, name: 's', frame: { mode: 'rows', start: { kind: 'preceding', offset: 2 }, end: { kind: 'current_row' } } },
 *   ],
 * };
 */
export interface WindowConfig {
  readonly partitionBy: readonly number[];
  readonly orderBy: readonly SortKey[];
  readonly functions: readonly WindowFunctionSpec[];
}

/** The result type of a window function over an argument of `argType`. */
export function windowResultType(spec: WindowFunctionSpec, argType: DataType | null): DataType {
  switch (spec.func) {
    case 'row_number':
    case 'rank':
    case 'dense_rank':
    case 'ntile':
    case 'count_star':
    case 'count':
      return INT64;
    case 'percent_rank':
    case 'cume_dist':
    case 'avg':
      return FLOAT64;
    case 'sum':
      return sumType(needArg(spec, argType));
    case 'lag':
    case 'lead':
    case 'first_value':
    case 'last_value':
    case 'min':
    case 'max':
      return needArg(spec, argType);
  }
}

function needArg(spec: WindowFunctionSpec, t: DataType | null): DataType {
  if (t === null)
    throw new SkeinError('PLAN', `Window: ${spec.func} (${spec.name}) needs an argument column`);
  return t;
}

/** The schema a Window node emits. */
export function windowSchema(input: Schema, config: WindowConfig): Schema {
  const out: Field[] = [...input];
  for (const f of config.functions) {
    const arg = f.arg === undefined ? null : input[f.arg];
    if (f.arg !== undefined && arg === undefined)
      throw new SkeinError('PLAN', `Window: argument column ${f.arg} of ${f.name} does not exist`);
    const type = windowResultType(f, arg?.type ?? null);
    const notNull =
      f.func === 'row_number' ||
      f.func === 'rank' ||
      f.func === 'dense_rank' ||
      f.func === 'count' ||
      f.func === 'count_star';
    out.push({ name: f.name, type, nullable: !notNull });
  }
  return out;
}
