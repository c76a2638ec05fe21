/**
 * Typing of aggregate and window functions (the scalar ones are in `src/types/functions.ts`),
 * following DuckDB's result types where Skein has them: `sum` of integers is BIGINT (DuckDB:
 * HUGEINT), of DECIMAL(p,s) DECIMAL(38,s); `avg` is DOUBLE; `count` BIGINT.
 */
import {
  BOOLEAN,
  type DataType,
  decimal,
  FLOAT64,
  INT64,
  isNumeric,
  MAX_DECIMAL_PRECISION,
  typeToString,
  VARCHAR,
} from '../../types/data-type.ts';

export interface AggregateSignature {
  /** Canonical name. */
  readonly fn: string;
  readonly returnType: DataType;
  /** Types to cast the arguments to. */
  readonly argTypes: readonly DataType[];
}

const ALIASES: Record<string, string> = {
  mean: 'avg',
  stddev: 'stddev_samp',
  variance: 'var_samp',
  arbitrary: 'any_value',
  first: 'any_value',
  listagg: 'string_agg',
  group_concat: 'string_agg',
  every: 'bool_and',
};

const AGGREGATES = new Set([
  'count',
  'count_star',
  'sum',
  'avg',
  'min',
  'max',
  'stddev_samp',
  'stddev_pop',
  'var_samp',
  'var_pop',
  'bool_and',
  'bool_or',
  'string_agg',
  'any_value',
  'approx_count_distinct',
]);

const WINDOW_ONLY = new Set([
  'row_number',
  'rank',
  'dense_rank',
  'percent_rank',
  'cume_dist',
  'ntile',
  'lag',
  'lead',
  'first_value',
  'last_value',
  'nth_value',
]);

export function canonicalAggregateName(name: string): string {
  const n = name.toLowerCase();
  return ALIASES[n] ?? n;
}

export function isAggregateFunction(name: string): boolean {
  return AGGREGATES.has(canonicalAggregateName(name));
}

export function isWindowOnlyFunction(name: string): boolean {
  return WINDOW_ONLY.has(name.toLowerCase());
}

/** Types an aggregate call; a string says why the arguments do not fit. */
export function resolveAggregate(name: string, args: readonly DataType[]): AggregateSignature | string {
  const fn = canonicalAggregateName(name);
  const one = (): DataType | string => (args.length === 1 ? args[0]! : `${fn} takes one argument`);
  switch (fn) {
    case 'count_star':
      return { fn, returnType: INT64, argTypes: [] };
    case 'count':
      if (args.length === 0) return { fn: 'count_star', returnType: INT64, argTypes: [] };
      return args.length === 1 ? { fn, returnType: INT64, argTypes: args } : 'count takes one argument';
    case 'approx_count_distinct':
      return args.length === 1 ? { fn, returnType: INT64, argTypes: args } : `${fn} takes one argument`;
    case 'sum': {
      const t = one();
      if (typeof t === 'string') return t;
      if (t.kind === 'null') return { fn, returnType: decimal(MAX_DECIMAL_PRECISION, 0), argTypes: [INT64] };
      if (t.kind === 'int32' || t.kind === 'int64') return { fn, returnType: INT64, argTypes: [INT64] };
      if (t.kind === 'decimal')
        return { fn, returnType: decimal(MAX_DECIMAL_PRECISION, t.scale), argTypes: [t] };
      if (t.kind === 'float64') return { fn, returnType: FLOAT64, argTypes: [t] };
      if (t.kind === 'interval') return { fn, returnType: t, argTypes: [t] };
      return `sum is not defined for ${typeToString(t)}`;
    }
    case 'avg':
    case 'stddev_samp':
    case 'stddev_pop':
    case 'var_samp':
    case 'var_pop': {
      const t = one();
      if (typeof t === 'string') return t;
      if (t.kind === 'null' || isNumeric(t))
        return { fn, returnType: FLOAT64, argTypes: [t.kind === 'null' ? FLOAT64 : t] };
      return `${fn} is not defined for ${typeToString(t)}`;
    }
    case 'min':
    case 'max':
    case 'any_value': {
      const t = one();
      if (typeof t === 'string') return t;
      return { fn, returnType: t, argTypes: [t] };
    }
    case 'bool_and':
    case 'bool_or': {
      const t = one();
      if (typeof t === 'string') return t;
      if (t.kind === 'boolean' || t.kind === 'null') return { fn, returnType: BOOLEAN, argTypes: [BOOLEAN] };
      return `${fn} takes a BOOLEAN, not ${typeToString(t)}`;
    }
    case 'string_agg':
      if (args.length === 1) return { fn, returnType: VARCHAR, argTypes: [VARCHAR] };
      if (args.length === 2) return { fn, returnType: VARCHAR, argTypes: [VARCHAR, VARCHAR] };
      return 'string_agg takes one or two arguments';
    default:
      return `unknown aggregate function '${name}'`;
  }
}

/** Types a window-only function (ranking, offsets, values). */
export function resolveWindowFunction(name: string, args: readonly DataType[]): AggregateSignature | string {
  const fn = name.toLowerCase();
  switch (fn) {
    case 'row_number':
    case 'rank':
    case 'dense_rank':
      return args.length === 0 ? { fn, returnType: INT64, argTypes: [] } : `${fn} takes no arguments`;
    case 'percent_rank':
    case 'cume_dist':
      return args.length === 0 ? { fn, returnType: FLOAT64, argTypes: [] } : `${fn} takes no arguments`;
    case 'ntile':
      return args.length === 1 ? { fn, returnType: INT64, argTypes: [INT64] } : 'ntile takes one argument';
    case 'lag':
    case 'lead': {
      if (args.length < 1 || args.length > 3) return `${fn} takes one to three arguments`;
      const t = args[0]!;
      return {
        fn,
        returnType: t,
        argTypes: [t, ...(args.length > 1 ? [INT64] : []), ...(args.length > 2 ? [t] : [])],
      };
    }
    case 'first_value':
    case 'last_value':
      return args.length === 1
        ? { fn, returnType: args[0]!, argTypes: [args[0]!] }
        : `${fn} takes one argument`;
    case 'nth_value':
      return args.length === 2
        ? { fn, returnType: args[0]!, argTypes: [args[0]!, INT64] }
        : 'nth_value takes two arguments';
    default:
      return resolveAggregate(name, args);
  }
}

/** Aggregate function names a user may write (for "did you mean" hints). */
export const AGGREGATE_NAMES: readonly string[] = [...AGGREGATES, ...Object.keys(ALIASES)].filter(
  (n) => n !== 'count_star',
);

/** Window-only function names (for "did you mean" hints). */
export const WINDOW_NAMES: readonly string[] = [...WINDOW_ONLY];
