/**
 * The catalogue of scalar functions and operators, with SQL's typing rules (DuckDB's, where they
 * are defined): which argument types a call accepts, which implicit casts it needs, and what it
 * returns. The binder calls `resolveFunction` for every call it meets, inserts casts to the
 * `argTypes` it gets back, and types the call with `returnType`; the executor trusts those types.
 *
 * This module is pure typing: it knows nothing of how values are evaluated (that is
 * `src/exec/expr/`), so every layer may import it.
 *
 * @example
 * resolveFunction('*', [decimal(15, 2), decimal(16, 2)]);
 * // → { name: '*', returnType: DECIMAL(18,4), argTypes: [DECIMAL(15,2), DECIMAL(16,2)] }
 * resolveFunction('-', [INT32, decimal(15, 2)]).argTypes; // [DECIMAL(10,0), DECIMAL(15,2)]
 * resolveFunction('extract', [VARCHAR, DATE], ['year', undefined]);
 * // → { name: 'date_part', returnType: BIGINT, argTypes: [VARCHAR, DATE] }
 * resolveFunction('uper', [VARCHAR]); // throws PLAN: unknown function 'uper' (did you mean upper?)
 */
import { SkeinError } from '../errors.ts';
import {
  BOOLEAN,
  DATE,
  type DataType,
  decimal,
  FLOAT64,
  INT32,
  INT64,
  INTERVAL,
  isInteger,
  MAX_DECIMAL_PRECISION,
  NULL_TYPE,
  TIMESTAMP,
  typesEqual,
  typeToString,
  VARCHAR,
} from './data-type.ts';

/**
 * What the binder knows about a literal argument, which some rules depend on:
 * - a `string` is the text of an untyped string literal: it converts to whatever type the call
 *   needs (`date_col < '1998-01-01'` compares dates), and it names the part in
 *   `date_part('year', x)` / `date_trunc('month', x)`;
 * - a `number` is an integer literal's value (`round(x, 2)`'s result scale depends on it);
 * - `null` is the NULL literal.
 * `undefined` (or a shorter array) means "not a literal".
 */
export type ArgLiteral = string | number | null;

export interface ResolvedFunction {
  /** Canonical name: what a PhysicalExpr call carries and what the executor looks up. */
  readonly name: string;
  readonly returnType: DataType;
  /** The types the arguments must be cast to (equal to the given types where no cast is needed). */
  readonly argTypes: readonly DataType[];
}

/**
 * Types a call of `name` (case-insensitive; operators by symbol) with arguments of `argTypes`.
 * Throws SkeinError `PLAN` when no function has that name (naming the nearest ones) and `TYPE`
 * when none of its signatures fits the arguments.
 */
export function resolveFunction(
  name: string,
  argTypes: readonly DataType[],
  literals: readonly (ArgLiteral | undefined)[] = [],
): ResolvedFunction {
  const key = name.toLowerCase();
  const def = FUNCTIONS.get(key);
  if (def === undefined) {
    const near = nearestNames(key);
    throw new SkeinError(
      'PLAN',
      `unknown function '${name}'${near.length ? `; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : ''}`,
    );
  }
  const args: Arg[] = argTypes.map((type, i) => ({ type, literal: literals[i] }));
  const r = def.resolve(args, key);
  if (typeof r === 'string' || r === undefined) {
    const call = `${name}(${argTypes.map(typeToString).join(', ')})`;
    throw new SkeinError(
      'TYPE',
      `no function matches ${call}${r ? `: ${r}` : ''}; ${def.signatures.length > 1 ? 'candidates' : 'expected'}: ${def.signatures.join(', ')}`,
    );
  }
  return Object.freeze({
    name: r.name ?? def.canonical,
    returnType: r.returnType,
    argTypes: Object.freeze(r.argTypes),
  });
}

/** Every function and operator name the catalogue knows (aliases included). */
export function functionNames(): readonly string[] {
  return [...FUNCTIONS.keys()].sort();
}

// ---------------------------------------------------------------------------------------------
// Casts

/** Whether an explicit CAST from `from` to `to` exists (it may still fail on a value). */
export function canCast(from: DataType, to: DataType): boolean {
  if (from.kind === 'null' || from.kind === to.kind) return true;
  if (from.kind === 'varchar' || to.kind === 'varchar') return true;
  const num = (t: DataType) =>
    t.kind === 'int32' || t.kind === 'int64' || t.kind === 'float64' || t.kind === 'decimal';
  if ((num(from) || from.kind === 'boolean') && (num(to) || to.kind === 'boolean')) return true;
  if ((from.kind === 'date' || from.kind === 'timestamp') && (to.kind === 'date' || to.kind === 'timestamp'))
    return true;
  return false;
}

/**
 * Whether a value of `from` converts to `to` without an explicit CAST (widening only): NULL to
 * anything, INTEGER → BIGINT → DECIMAL → DOUBLE, DECIMAL to a DECIMAL with room for it, DATE →
 * TIMESTAMP.
 */
export function canImplicitCast(from: DataType, to: DataType): boolean {
  if (typesEqual(from, to) || from.kind === 'null') return true;
  switch (from.kind) {
    case 'int32':
      return (
        to.kind === 'int64' ||
        to.kind === 'float64' ||
        (to.kind === 'decimal' && to.precision - to.scale >= 10)
      );
    case 'int64':
      return to.kind === 'float64' || (to.kind === 'decimal' && to.precision - to.scale >= 19);
    case 'decimal':
      return (
        to.kind === 'float64' ||
        (to.kind === 'decimal' &&
          to.scale >= from.scale &&
          to.precision - to.scale >= from.precision - from.scale)
      );
    case 'date':
      return to.kind === 'timestamp';
    default:
      return false;
  }
}

/** The DECIMAL an integer type converts to in arithmetic with decimals (DuckDB: INTEGER → (10,0)). */
export function integerAsDecimal(t: DataType): DataType {
  if (t.kind === 'int32') return decimal(10, 0);
  if (t.kind === 'int64') return decimal(19, 0);
  return t;
}

/**
 * The type two values are compared or combined in (comparisons, IN, CASE, COALESCE, set
 * operations), or undefined when there is none. `mode: 'compare'` also lets a VARCHAR meet any type
 * by converting the VARCHAR (DuckDB compares `int_col = varchar_col` as integers).
 */
export function commonType(
  a: DataType,
  b: DataType,
  options: { aLiteral?: ArgLiteral; bLiteral?: ArgLiteral; mode?: 'compare' | 'combine' } = {},
): DataType | undefined {
  if (typesEqual(a, b)) return a;
  if (a.kind === 'null') return b;
  if (b.kind === 'null') return a;
  // An untyped string literal takes the other side's type.
  if (typeof options.aLiteral === 'string' && a.kind === 'varchar') return b;
  if (typeof options.bLiteral === 'string' && b.kind === 'varchar') return a;
  if (options.mode === 'compare') {
    if (a.kind === 'varchar' && b.kind !== 'interval') return b;
    if (b.kind === 'varchar' && a.kind !== 'interval') return a;
  }
  const rank = numericRank(a);
  const rankB = numericRank(b);
  if (rank > 0 && rankB > 0) {
    if (rank === 4 || rankB === 4) return FLOAT64;
    if (a.kind === 'decimal' || b.kind === 'decimal') {
      const da = integerAsDecimal(a);
      const db = integerAsDecimal(b);
      if (da.kind !== 'decimal' || db.kind !== 'decimal') return undefined;
      const scale = Math.max(da.scale, db.scale);
      const whole = Math.max(da.precision - da.scale, db.precision - db.scale);
      return decimal(Math.min(MAX_DECIMAL_PRECISION, whole + scale), scale);
    }
    return rank >= rankB ? a : b;
  }
  if ((a.kind === 'date' || a.kind === 'timestamp') && (b.kind === 'date' || b.kind === 'timestamp'))
    return TIMESTAMP;
  // DuckDB lets a BOOLEAN meet an integer literal (`true = 1`).
  if (a.kind === 'boolean' && isInteger(b) && typeof options.bLiteral === 'number') return BOOLEAN;
  if (b.kind === 'boolean' && isInteger(a) && typeof options.aLiteral === 'number') return BOOLEAN;
  return undefined;
}

function numericRank(t: DataType): number {
  switch (t.kind) {
    case 'int32':
      return 1;
    case 'int64':
      return 2;
    case 'decimal':
      return 3;
    case 'float64':
      return 4;
    default:
      return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// The catalogue

interface Arg {
  readonly type: DataType;
  readonly literal: ArgLiteral | undefined;
}

interface Resolution {
  readonly name?: string;
  readonly returnType: DataType;
  readonly argTypes: DataType[];
}

/** A resolution, or a reason why the arguments do not fit (undefined: no particular reason). */
type Resolver = (args: readonly Arg[], calledAs: string) => Resolution | string | undefined;

interface FunctionDef {
  readonly canonical: string;
  /** Human-readable signatures, for messages. */
  readonly signatures: readonly string[];
  readonly resolve: Resolver;
}

const FUNCTIONS = new Map<string, FunctionDef>();

function define(names: readonly string[], signatures: readonly string[], resolve: Resolver): void {
  const def: FunctionDef = { canonical: names[0]!, signatures, resolve };
  for (const n of names) FUNCTIONS.set(n, def);
}

const isStrLit = (a: Arg): boolean => a.type.kind === 'varchar' && typeof a.literal === 'string';
const isNull = (a: Arg): boolean => a.type.kind === 'null';

/** Checks that each argument converts implicitly to the wanted type; returns the wanted types. */
function fitArgs(args: readonly Arg[], want: readonly DataType[]): DataType[] | undefined {
  if (args.length !== want.length) return undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const w = want[i]!;
    if (canImplicitCast(a.type, w)) continue;
    if (isStrLit(a)) continue; // a string literal converts to anything (checked when folded)
    return undefined;
  }
  return [...want];
}

function arity(args: readonly Arg[], min: number, max = min): string | undefined {
  if (args.length < min || args.length > max) {
    return min === max
      ? `it takes ${min} argument${min === 1 ? '' : 's'}`
      : `it takes ${min} to ${max === Number.POSITIVE_INFINITY ? 'any number of' : max} arguments`;
  }
  return undefined;
}

/** A fixed-signature function: the first overload the arguments fit. */
function fixed(overloads: readonly (readonly [readonly DataType[], DataType])[]): Resolver {
  return (args) => {
    for (const [want, ret] of overloads) {
      const t = fitArgs(args, want);
      if (t) return { returnType: ret, argTypes: t };
    }
    return undefined;
  };
}

function sig(name: string, args: readonly DataType[], ret: DataType): string {
  return `${name}(${args.map(typeToString).join(', ')}) → ${typeToString(ret)}`;
}

function fixedDefine(
  names: readonly string[],
  overloads: readonly (readonly [readonly DataType[], DataType])[],
) {
  define(
    names,
    overloads.map(([a, r]) => sig(names[0]!, a, r)),
    fixed(overloads),
  );
}

// -- numeric helpers --------------------------------------------------------------------------

/** The numeric type of an argument for arithmetic; NULL counts as `fallback`. */
function numericOf(a: Arg, fallback: DataType): DataType | undefined {
  if (a.type.kind === 'null') return fallback;
  return numericRank(a.type) > 0 ? a.type : undefined;
}

/** DuckDB's result type of DECIMAL + or - DECIMAL. */
export function decimalAddType(a: DataType, b: DataType): DataType {
  const da = integerAsDecimal(a) as Extract<DataType, { kind: 'decimal' }>;
  const db = integerAsDecimal(b) as Extract<DataType, { kind: 'decimal' }>;
  const scale = Math.max(da.scale, db.scale);
  const whole = Math.max(da.precision - da.scale, db.precision - db.scale);
  return decimal(Math.min(MAX_DECIMAL_PRECISION, whole + scale + 1), scale);
}

/** DuckDB's result type of DECIMAL * DECIMAL (capped at 18 digits when both fit in 64 bits). */
export function decimalMultiplyType(a: DataType, b: DataType): DataType | string {
  const da = integerAsDecimal(a) as Extract<DataType, { kind: 'decimal' }>;
  const db = integerAsDecimal(b) as Extract<DataType, { kind: 'decimal' }>;
  const scale = da.scale + db.scale;
  let precision = da.precision + db.precision;
  if (scale > MAX_DECIMAL_PRECISION) {
    return `the product's scale ${scale} exceeds the maximum of ${MAX_DECIMAL_PRECISION}`;
  }
  if (precision > 18 && Math.max(da.precision, db.precision) <= 18 && scale < 18) precision = 18;
  return decimal(Math.min(MAX_DECIMAL_PRECISION, precision), scale);
}

/** DuckDB's result type of DECIMAL % DECIMAL. */
function decimalModType(a: DataType, b: DataType): DataType {
  const da = integerAsDecimal(a) as Extract<DataType, { kind: 'decimal' }>;
  const db = integerAsDecimal(b) as Extract<DataType, { kind: 'decimal' }>;
  const scale = Math.max(da.scale, db.scale);
  const whole = Math.max(da.precision - da.scale, db.precision - db.scale);
  return decimal(Math.min(MAX_DECIMAL_PRECISION, whole + scale), scale);
}

const NUMERIC_SIGS = ['INTEGER', 'BIGINT', 'DECIMAL', 'DOUBLE'];

function arithmetic(op: '+' | '-' | '*' | '/' | '//' | '%'): Resolver {
  return (args) => {
    if (args.length === 1 && (op === '-' || op === '+')) {
      const a = args[0]!;
      if (a.type.kind === 'null') return { returnType: INT32, argTypes: [INT32] };
      if (numericRank(a.type) > 0 || (op === '-' && a.type.kind === 'interval')) {
        return { returnType: a.type, argTypes: [a.type] };
      }
      return undefined;
    }
    if (args.length !== 2) return arity(args, 2);
    const [a, b] = args as [Arg, Arg];
    const temporal = temporalArithmetic(op, a, b);
    if (temporal !== undefined) return temporal;
    if (isNull(a) && isNull(b)) return { returnType: INT64, argTypes: [INT64, INT64] };
    const ta = numericOf(a, b.type);
    const tb = numericOf(b, a.type);
    if (ta === undefined || tb === undefined) return undefined;
    const common = commonType(ta, tb)!;
    switch (op) {
      case '/':
        return { returnType: FLOAT64, argTypes: [FLOAT64, FLOAT64] };
      case '//':
        if (common.kind === 'decimal' || common.kind === 'float64') {
          return { returnType: FLOAT64, argTypes: [FLOAT64, FLOAT64] };
        }
        return { returnType: common, argTypes: [common, common] };
      case '+':
      case '-':
      case '*':
      case '%': {
        if (common.kind !== 'decimal') return { returnType: common, argTypes: [common, common] };
        const da = integerAsDecimal(ta);
        const db = integerAsDecimal(tb);
        const rt =
          op === '*'
            ? decimalMultiplyType(da, db)
            : op === '%'
              ? decimalModType(da, db)
              : decimalAddType(da, db);
        if (typeof rt === 'string') return rt;
        return { returnType: rt, argTypes: [da, db] };
      }
    }
  };
}

function temporalArithmetic(op: string, a: Arg, b: Arg): Resolution | string | undefined {
  const ka = a.type.kind;
  const kb = b.type.kind;
  const lit = (x: Arg, t: DataType): DataType => (isStrLit(x) || isNull(x) ? t : x.type);
  if (op === '+') {
    if (ka === 'date' && kb === 'int32') return { returnType: DATE, argTypes: [DATE, INT32] };
    if (ka === 'int32' && kb === 'date') return { returnType: DATE, argTypes: [INT32, DATE] };
    if ((ka === 'date' || ka === 'timestamp') && (kb === 'interval' || isStrLit(b))) {
      return { returnType: TIMESTAMP, argTypes: [a.type, INTERVAL] };
    }
    if (ka === 'interval' && (kb === 'date' || kb === 'timestamp')) {
      return { returnType: TIMESTAMP, argTypes: [INTERVAL, b.type] };
    }
    if (ka === 'interval' && (kb === 'interval' || isStrLit(b) || isNull(b))) {
      return { returnType: INTERVAL, argTypes: [INTERVAL, INTERVAL] };
    }
    if (kb === 'interval' && (isStrLit(a) || isNull(a)))
      return { returnType: INTERVAL, argTypes: [INTERVAL, INTERVAL] };
  } else if (op === '-') {
    if (ka === 'date' && kb === 'int32') return { returnType: DATE, argTypes: [DATE, INT32] };
    if (ka === 'date' && kb === 'date') return { returnType: INT64, argTypes: [DATE, DATE] };
    if (ka === 'timestamp' && (kb === 'timestamp' || kb === 'date')) {
      return { returnType: INTERVAL, argTypes: [TIMESTAMP, TIMESTAMP] };
    }
    if (ka === 'date' && kb === 'timestamp')
      return { returnType: INTERVAL, argTypes: [TIMESTAMP, TIMESTAMP] };
    if ((ka === 'date' || ka === 'timestamp') && kb === 'interval') {
      return { returnType: TIMESTAMP, argTypes: [a.type, INTERVAL] };
    }
    if (ka === 'interval' && (kb === 'interval' || isStrLit(b) || isNull(b))) {
      return { returnType: INTERVAL, argTypes: [INTERVAL, INTERVAL] };
    }
  } else if (op === '*') {
    if (ka === 'interval' && (isInteger(b.type) || isNull(b)))
      return { returnType: INTERVAL, argTypes: [INTERVAL, INT64] };
    if (kb === 'interval' && (isInteger(a.type) || isNull(a)))
      return { returnType: INTERVAL, argTypes: [INT64, INTERVAL] };
  }
  if (
    ka === 'interval' ||
    kb === 'interval' ||
    ka === 'date' ||
    kb === 'date' ||
    ka === 'timestamp' ||
    kb === 'timestamp'
  ) {
    if (isNull(a) || isNull(b)) {
      // NULL with a temporal value: type the NULL like the other side where that makes a signature.
      const other = isNull(a) ? b : a;
      if (other.type.kind === 'date' && op === '-' && isNull(b))
        return { returnType: INT64, argTypes: [DATE, DATE] };
      if (op === '+' || op === '-') {
        const t = other.type;
        if (t.kind === 'interval') return { returnType: INTERVAL, argTypes: [INTERVAL, INTERVAL] };
        return { returnType: TIMESTAMP, argTypes: isNull(a) ? [INTERVAL, t] : [t, INTERVAL] };
      }
    }
    return `${typeToString(lit(a, a.type))} ${op} ${typeToString(lit(b, b.type))} is not defined`;
  }
  return undefined;
}

for (const op of ['+', '-', '*', '/', '//', '%'] as const) {
  const names = op === '%' ? ['%', 'mod'] : op === '//' ? ['//', 'divide'] : [op];
  const extra =
    op === '+'
      ? ['DATE + INTEGER → DATE', 'DATE|TIMESTAMP + INTERVAL → TIMESTAMP', 'INTERVAL + INTERVAL → INTERVAL']
      : op === '-'
        ? [
            'DATE - DATE → BIGINT',
            'DATE|TIMESTAMP - INTERVAL → TIMESTAMP',
            'TIMESTAMP - TIMESTAMP → INTERVAL',
          ]
        : [];
  define(
    names,
    [
      op === '/'
        ? 'numeric / numeric → DOUBLE'
        : `numeric ${op} numeric → the wider of ${NUMERIC_SIGS.join(' < ')}${op === '//' ? ' (DOUBLE for DECIMAL)' : ''}`,
      ...extra,
    ],
    arithmetic(op),
  );
}

// -- comparisons ------------------------------------------------------------------------------

function comparison(args: readonly Arg[]): Resolution | string | undefined {
  if (args.length !== 2) return arity(args, 2);
  const [a, b] = args as [Arg, Arg];
  if (a.type.kind === 'null' && b.type.kind === 'null')
    return { returnType: BOOLEAN, argTypes: [INT32, INT32] };
  const t = commonType(a.type, b.type, { aLiteral: a.literal, bLiteral: b.literal, mode: 'compare' });
  if (t === undefined) {
    return `${typeToString(a.type)} and ${typeToString(b.type)} cannot be compared without an explicit cast`;
  }
  // Decimals of different scales meet at the larger scale; beyond 18 digits that rescaling can
  // overflow Skein's 64-bit decimals (TPC-H Q11: DECIMAL(38,2) > DECIMAL(38,12)), so such
  // comparisons are made in DOUBLE instead.
  if (
    t.kind === 'decimal' &&
    t.precision > 18 &&
    a.type.kind === 'decimal' &&
    b.type.kind === 'decimal' &&
    a.type.scale !== b.type.scale
  ) {
    return { returnType: BOOLEAN, argTypes: [FLOAT64, FLOAT64] };
  }
  return { returnType: BOOLEAN, argTypes: [t, t] };
}

for (const op of ['=', '<>', '<', '<=', '>', '>=', 'is_distinct_from', 'is_not_distinct_from']) {
  const names = op === '<>' ? ['<>', '!='] : op === '=' ? ['=', '=='] : [op];
  define(names, [`x ${op} y → BOOLEAN, for x and y of comparable types`], comparison);
}

// -- variadic "common type" functions ----------------------------------------------------------

function commonOfAll(args: readonly Arg[], what: string): DataType | string {
  let t: DataType = NULL_TYPE;
  // Whether every non-NULL argument so far was an untyped string literal (they adapt to the rest).
  let onlyStringLiterals = true;
  for (const a of args) {
    const next = commonType(t, a.type, {
      ...(onlyStringLiterals && t.kind === 'varchar' ? { aLiteral: '' } : {}),
      ...(isStrLit(a) ? { bLiteral: a.literal } : {}),
      mode: 'combine',
    });
    if (next === undefined) {
      return `cannot mix values of type ${typeToString(t)} and ${typeToString(a.type)} in ${what}; an explicit cast is required`;
    }
    if (!isNull(a) && !isStrLit(a)) onlyStringLiterals = false;
    t = next;
  }
  return t;
}

/**
 * The common type of several values (CASE branches, IN lists, COALESCE arguments); throws TYPE
 * naming `what` when there is none.
 *
 * @example commonTypeOf([INT32, decimal(2, 1)], [], 'CASE') // DECIMAL(11,1)
 */
export function commonTypeOf(
  types: readonly DataType[],
  literals: readonly (ArgLiteral | undefined)[] = [],
  what = 'an expression',
): DataType {
  const t = commonOfAll(
    types.map((type, i) => ({ type, literal: literals[i] })),
    what,
  );
  if (typeof t === 'string') throw new SkeinError('TYPE', t);
  return t;
}

function variadicCommon(what: string, min: number): Resolver {
  return (args) => {
    const bad = arity(args, min, Number.POSITIVE_INFINITY);
    if (bad) return bad;
    const t = commonOfAll(args, what);
    if (typeof t === 'string') return t;
    return { returnType: t, argTypes: args.map(() => t) };
  };
}

define(['coalesce', 'ifnull'], ['coalesce(T, …) → T'], variadicCommon('COALESCE', 1));
define(['greatest'], ['greatest(T, …) → T'], variadicCommon('GREATEST', 1));
define(['least'], ['least(T, …) → T'], variadicCommon('LEAST', 1));
define(
  ['nullif'],
  ['nullif(T, T) → T'],
  (args) => arity(args, 2) ?? variadicCommon('NULLIF', 2)(args, 'nullif'),
);

// -- strings ----------------------------------------------------------------------------------

/** `||`: anything converts to VARCHAR; NULL in, NULL out. */
define(['||'], ['x || y → VARCHAR (non-VARCHAR arguments are cast)'], (args) => {
  if (args.length !== 2) return arity(args, 2);
  return { returnType: VARCHAR, argTypes: [VARCHAR, VARCHAR] };
});
define(['concat'], ['concat(x, …) → VARCHAR (NULLs are skipped)'], (args) => {
  const bad = arity(args, 1, Number.POSITIVE_INFINITY);
  if (bad) return bad;
  return { returnType: VARCHAR, argTypes: args.map(() => VARCHAR) };
});
define(['concat_ws'], ['concat_ws(separator, x, …) → VARCHAR'], (args) => {
  const bad = arity(args, 2, Number.POSITIVE_INFINITY);
  if (bad) return bad;
  return { returnType: VARCHAR, argTypes: args.map(() => VARCHAR) };
});

fixedDefine(['upper', 'ucase'], [[[VARCHAR], VARCHAR]]);
fixedDefine(['lower', 'lcase'], [[[VARCHAR], VARCHAR]]);
fixedDefine(['length', 'char_length', 'character_length', 'len'], [[[VARCHAR], INT64]]);
fixedDefine(['strlen', 'octet_length'], [[[VARCHAR], INT64]]);
fixedDefine(['reverse'], [[[VARCHAR], VARCHAR]]);
fixedDefine(
  ['trim', 'btrim'],
  [
    [[VARCHAR], VARCHAR],
    [[VARCHAR, VARCHAR], VARCHAR],
  ],
);
fixedDefine(
  ['ltrim'],
  [
    [[VARCHAR], VARCHAR],
    [[VARCHAR, VARCHAR], VARCHAR],
  ],
);
fixedDefine(
  ['rtrim'],
  [
    [[VARCHAR], VARCHAR],
    [[VARCHAR, VARCHAR], VARCHAR],
  ],
);
fixedDefine(
  ['substring', 'substr'],
  [
    [[VARCHAR, INT64], VARCHAR],
    [[VARCHAR, INT64, INT64], VARCHAR],
  ],
);
fixedDefine(['left'], [[[VARCHAR, INT64], VARCHAR]]);
fixedDefine(['right'], [[[VARCHAR, INT64], VARCHAR]]);
fixedDefine(['strpos', 'position', 'instr'], [[[VARCHAR, VARCHAR], INT64]]);
fixedDefine(['replace'], [[[VARCHAR, VARCHAR, VARCHAR], VARCHAR]]);
fixedDefine(['starts_with', 'prefix'], [[[VARCHAR, VARCHAR], BOOLEAN]]);
fixedDefine(['ends_with', 'suffix'], [[[VARCHAR, VARCHAR], BOOLEAN]]);
fixedDefine(['contains'], [[[VARCHAR, VARCHAR], BOOLEAN]]);
fixedDefine(['lpad'], [[[VARCHAR, INT32, VARCHAR], VARCHAR]]);
fixedDefine(['rpad'], [[[VARCHAR, INT32, VARCHAR], VARCHAR]]);
fixedDefine(['repeat'], [[[VARCHAR, INT64], VARCHAR]]);
fixedDefine(['split_part'], [[[VARCHAR, VARCHAR, INT64], VARCHAR]]);
fixedDefine(['ascii'], [[[VARCHAR], INT32]]);
fixedDefine(['chr'], [[[INT32], VARCHAR]]);
// LIKE as a function (the binder may also build a LikeExpr directly, which supports ESCAPE).
fixedDefine(['like', '~~'], [[[VARCHAR, VARCHAR], BOOLEAN]]);
fixedDefine(['not_like', '!~~'], [[[VARCHAR, VARCHAR], BOOLEAN]]);
fixedDefine(['ilike', '~~*'], [[[VARCHAR, VARCHAR], BOOLEAN]]);
fixedDefine(['not_ilike', '!~~*'], [[[VARCHAR, VARCHAR], BOOLEAN]]);

// -- math -------------------------------------------------------------------------------------

function sameNumeric(args: readonly Arg[]): Resolution | string | undefined {
  if (args.length !== 1) return arity(args, 1);
  const t = args[0]!.type.kind === 'null' ? INT32 : args[0]!.type;
  if (numericRank(t) === 0) return undefined;
  return { returnType: t, argTypes: [t] };
}

define(['abs'], ['abs(numeric) → the same type'], sameNumeric);
define(['sign'], ['sign(numeric) → INTEGER'], (args) => {
  const r = sameNumeric(args);
  if (typeof r !== 'object') return r;
  return { returnType: INT32, argTypes: r.argTypes };
});

/** floor, ceil, trunc: DECIMAL(p,s) → DECIMAL(p,0); DOUBLE → DOUBLE; integers → DOUBLE (DuckDB). */
function roundingToWhole(args: readonly Arg[]): Resolution | string | undefined {
  if (args.length !== 1) return arity(args, 1);
  const t = args[0]!.type;
  if (t.kind === 'decimal') return { returnType: decimal(t.precision, 0), argTypes: [t] };
  if (t.kind === 'float64' || isInteger(t) || t.kind === 'null')
    return { returnType: FLOAT64, argTypes: [FLOAT64] };
  return undefined;
}
define(['floor'], ['floor(DECIMAL(p,s)) → DECIMAL(p,0)', 'floor(DOUBLE) → DOUBLE'], roundingToWhole);
define(['ceil', 'ceiling'], ['ceil(DECIMAL(p,s)) → DECIMAL(p,0)', 'ceil(DOUBLE) → DOUBLE'], roundingToWhole);
define(['trunc'], ['trunc(DECIMAL(p,s)) → DECIMAL(p,0)', 'trunc(DOUBLE) → DOUBLE'], roundingToWhole);

/**
 * round(x[, n]) rounds half away from zero. On DECIMAL(p,s) the result is DECIMAL(p, min(s, max(n,
 * 0))), so `n` must be an integer literal; on integers it stays an integer, on DOUBLE a DOUBLE.
 */
define(
  ['round'],
  [
    'round(DECIMAL(p,s)[, INTEGER literal n]) → DECIMAL(p, min(s,n))',
    'round(DOUBLE[, INTEGER]) → DOUBLE',
    'round(INTEGER|BIGINT[, INTEGER])',
  ],
  (args) => {
    const bad = arity(args, 1, 2);
    if (bad) return bad;
    const t = args[0]!.type.kind === 'null' ? FLOAT64 : args[0]!.type;
    if (numericRank(t) === 0) return undefined;
    if (args.length === 2 && !isInteger(args[1]!.type) && !isNull(args[1]!))
      return 'the number of digits must be an integer';
    const rest = args.length === 2 ? [INT32] : [];
    if (t.kind === 'decimal') {
      let n = 0;
      if (args.length === 2) {
        const lit = args[1]!.literal;
        if (typeof lit !== 'number') return 'on a DECIMAL the number of digits must be a constant integer';
        n = lit;
      }
      const scale = Math.min(t.scale, Math.max(n, 0));
      return { returnType: decimal(t.precision, scale), argTypes: [t, ...rest] };
    }
    return { returnType: t, argTypes: [t, ...rest] };
  },
);

for (const name of [
  'sqrt',
  'cbrt',
  'ln',
  'log10',
  'log2',
  'exp',
  'sin',
  'cos',
  'tan',
  'asin',
  'acos',
  'atan',
  'degrees',
  'radians',
]) {
  fixedDefine(name === 'log10' ? ['log10', 'log'] : [name], [[[FLOAT64], FLOAT64]]);
}
fixedDefine(['power', 'pow'], [[[FLOAT64, FLOAT64], FLOAT64]]);
fixedDefine(['atan2'], [[[FLOAT64, FLOAT64], FLOAT64]]);
fixedDefine(['pi'], [[[], FLOAT64]]);

// -- dates and times --------------------------------------------------------------------------

/** Parts `date_part`/`extract` know, with the types they apply to. */
export const DATE_PARTS: ReadonlyMap<string, string> = new Map([
  ['year', 'year'],
  ['years', 'year'],
  ['y', 'year'],
  ['yr', 'year'],
  ['month', 'month'],
  ['months', 'month'],
  ['mon', 'month'],
  ['day', 'day'],
  ['days', 'day'],
  ['d', 'day'],
  ['dayofmonth', 'day'],
  ['quarter', 'quarter'],
  ['quarters', 'quarter'],
  ['dow', 'dow'],
  ['dayofweek', 'dow'],
  ['weekday', 'dow'],
  ['isodow', 'isodow'],
  ['doy', 'doy'],
  ['dayofyear', 'doy'],
  ['week', 'week'],
  ['weeks', 'week'],
  ['weekofyear', 'week'],
  ['hour', 'hour'],
  ['hours', 'hour'],
  ['h', 'hour'],
  ['minute', 'minute'],
  ['minutes', 'minute'],
  ['m', 'minute'],
  ['second', 'second'],
  ['seconds', 'second'],
  ['s', 'second'],
  ['millisecond', 'millisecond'],
  ['milliseconds', 'millisecond'],
  ['ms', 'millisecond'],
  ['microsecond', 'microsecond'],
  ['microseconds', 'microsecond'],
  ['us', 'microsecond'],
  ['epoch', 'epoch'],
  ['decade', 'decade'],
  ['century', 'century'],
  ['millennium', 'millennium'],
  ['yearweek', 'yearweek'],
]);

/** Parts that an INTERVAL has (extract on intervals). */
const INTERVAL_PARTS = new Set([
  'year',
  'month',
  'day',
  'quarter',
  'hour',
  'minute',
  'second',
  'millisecond',
  'microsecond',
  'epoch',
  'decade',
  'century',
  'millennium',
]);

/** `date_part('year', x)`, `extract(year from x)` (as `extract('year', x)`), and `year(x)` & co. */
function datePart(args: readonly Arg[], calledAs: string): Resolution | string | undefined {
  let partArg: string | undefined;
  let x: Arg;
  if (calledAs === 'date_part' || calledAs === 'datepart' || calledAs === 'extract') {
    if (args.length !== 2) return arity(args, 2);
    const p = args[0]!;
    if (p.type.kind !== 'varchar' || typeof p.literal !== 'string')
      return 'the part must be a constant string';
    partArg = p.literal;
    x = args[1]!;
  } else {
    if (args.length !== 1) return arity(args, 1);
    partArg = calledAs;
    x = args[0]!;
  }
  const part = DATE_PARTS.get(partArg.toLowerCase());
  if (part === undefined) return `unknown date part '${partArg}'`;
  let t = x.type;
  if (t.kind === 'null' || isStrLit(x)) t = TIMESTAMP;
  if (t.kind !== 'date' && t.kind !== 'timestamp' && t.kind !== 'interval') return undefined;
  if (t.kind === 'interval' && !INTERVAL_PARTS.has(part)) return `an INTERVAL has no '${part}' part`;
  const returnType = part === 'epoch' ? FLOAT64 : INT64;
  return { name: 'date_part', returnType, argTypes: [VARCHAR, t] };
}

define(
  ['date_part', 'datepart', 'extract'],
  ["date_part('part', DATE|TIMESTAMP|INTERVAL) → BIGINT (DOUBLE for 'epoch')"],
  datePart,
);
for (const p of [
  'year',
  'month',
  'day',
  'quarter',
  'dayofweek',
  'dayofyear',
  'hour',
  'minute',
  'second',
  'week',
  'isodow',
]) {
  define([p], [`${p}(DATE|TIMESTAMP) → BIGINT`], (args, calledAs) => {
    const r = datePart(args, calledAs);
    if (typeof r !== 'object') return r;
    // The one-argument form keeps its name (`year(x)`); the executor knows it as date_part.
    return { name: calledAs, returnType: r.returnType, argTypes: [r.argTypes[1]!] };
  });
}

/** Parts date_trunc knows. */
export const TRUNC_PARTS: ReadonlyMap<string, string> = new Map([
  ['millennium', 'millennium'],
  ['century', 'century'],
  ['decade', 'decade'],
  ['year', 'year'],
  ['years', 'year'],
  ['quarter', 'quarter'],
  ['month', 'month'],
  ['months', 'month'],
  ['week', 'week'],
  ['weeks', 'week'],
  ['day', 'day'],
  ['days', 'day'],
  ['hour', 'hour'],
  ['hours', 'hour'],
  ['minute', 'minute'],
  ['minutes', 'minute'],
  ['second', 'second'],
  ['seconds', 'second'],
  ['millisecond', 'millisecond'],
  ['milliseconds', 'millisecond'],
  ['microsecond', 'microsecond'],
  ['microseconds', 'microsecond'],
]);

define(['date_trunc', 'datetrunc'], ["date_trunc('part', DATE|TIMESTAMP) → TIMESTAMP"], (args) => {
  if (args.length !== 2) return arity(args, 2);
  const p = args[0]!;
  if (p.type.kind !== 'varchar' || typeof p.literal !== 'string') return 'the part must be a constant string';
  if (!TRUNC_PARTS.has(p.literal.toLowerCase())) return `unknown date part '${p.literal}'`;
  let t = args[1]!.type;
  if (t.kind === 'null' || isStrLit(args[1]!)) t = TIMESTAMP;
  if (t.kind !== 'date' && t.kind !== 'timestamp') return undefined;
  return { returnType: TIMESTAMP, argTypes: [VARCHAR, t] };
});

define(['date_diff', 'datediff'], ["date_diff('part', DATE|TIMESTAMP, DATE|TIMESTAMP) → BIGINT"], (args) => {
  if (args.length !== 3) return arity(args, 3);
  const p = args[0]!;
  if (p.type.kind !== 'varchar' || typeof p.literal !== 'string') return 'the part must be a constant string';
  if (!TRUNC_PARTS.has(p.literal.toLowerCase())) return `unknown date part '${p.literal}'`;
  const t = commonType(args[1]!.type, args[2]!.type, {
    aLiteral: args[1]!.literal,
    bLiteral: args[2]!.literal,
  });
  if (t === undefined || (t.kind !== 'date' && t.kind !== 'timestamp')) return undefined;
  return { returnType: INT64, argTypes: [VARCHAR, t, t] };
});
fixedDefine(
  ['last_day'],
  [
    [[DATE], DATE],
    [[TIMESTAMP], DATE],
  ],
);
fixedDefine(['make_date'], [[[INT64, INT64, INT64], DATE]]);

// ---------------------------------------------------------------------------------------------
// Nearest names, for "did you mean"

function nearestNames(name: string): string[] {
  let best = Number.POSITIVE_INFINITY;
  const scored: [string, number][] = [];
  for (const candidate of FUNCTIONS.keys()) {
    if (!/^[a-z]/.test(candidate)) continue;
    const d = editDistance(name, candidate);
    scored.push([candidate, d]);
    if (d < best) best = d;
  }
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  if (best > limit) return [];
  return scored
    .filter(([, d]) => d === best)
    .map(([n]) => n)
    .sort()
    .slice(0, 3);
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
