/**
 * Arithmetic on numeric vectors: + - * / // % and negation, for the three ways numbers are
 * computed:
 * - `i32`: INTEGER in Int32Array; results are checked against the 32-bit range (overflow is an
 *   error, as in DuckDB);
 * - `exact`: BIGINT and DECIMAL (scaled integers) in Float64Array. A batch is computed in doubles
 *   and the loop notes whether any result (or rescaled operand) left ±(2^53 − 1); if so — or if an
 *   input already uses BigInt64Array storage — the batch is redone in BigInt, where the 64-bit range
 *   is checked. Doubles are exact below 2^53 (a correctly rounded result of integers below 2^53 is
 *   the true result exactly when it is itself below 2^53), so the fast path is never wrong.
 * - `double`: DOUBLE, IEEE semantics (1/0 = inf, 0/0 = NaN), as DuckDB.
 *
 * Division and modulo by zero give NULL, except DOUBLE `/` and `%` (inf/NaN), as in DuckDB.
 */
import { SkeinError } from '../../errors.ts';
import { type DataType, typeToString } from '../../types/data-type.ts';
import { f64Vector, i32Vector, i64Vector, type Validity, type Vector } from '../vector.ts';
import { andValidity, isBitSet } from './bitmap.ts';
import { generated, operand, safeConst } from './codegen.ts';

export type ArithOp = '+' | '-' | '*' | '/' | '//' | '%';
export type NumClass = 'i32' | 'exact' | 'double';

/** A kernel operand: a vector of the batch's length, or a constant (number; bigint beyond 2^53). */
export type NumOperand = Vector | number | bigint;

export type BinaryNumKernel = (a: NumOperand, b: NumOperand, n: number) => Vector;

const MAX_SAFE = 9007199254740991;
const BAD = 1;
const ZERO = 2;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

type Loop = (n: number, a: unknown, b: unknown, out: Int32Array | Float64Array) => number;

const OP_WORD: Record<ArithOp, string> = {
  '+': 'addition',
  '-': 'subtraction',
  '*': 'multiplication',
  '/': 'division',
  '//': 'division',
  '%': 'modulo',
};

/**
 * A kernel for `a op b`. `aFactor`/`bFactor` rescale DECIMAL operands to the result's scale
 * (10^(s − s_operand), 1 otherwise); `aScalar`/`bScalar` say which operands will be constants.
 */
export function binaryArithKernel(
  op: ArithOp,
  cls: NumClass,
  resultType: DataType,
  options: {
    aFactor?: number;
    bFactor?: number;
    aScalar?: boolean;
    bScalar?: boolean;
    aType?: DataType;
    bType?: DataType;
  } = {},
): BinaryNumKernel {
  const fa = options.aFactor ?? 1;
  const fb = options.bFactor ?? 1;
  const aS = options.aScalar ?? false;
  const bS = options.bScalar ?? false;
  const aType = options.aType ?? resultType;
  const bType = options.bType ?? resultType;
  const loop = makeLoop(op, cls, fa, fb, aS, bS);
  const zeroIsNull = op === '//' || (op === '%' && cls !== 'double');
  const describe = (x: number | bigint, y: number | bigint): string =>
    `${formatNum(x, aType)} ${op} ${formatNum(y, bType)}`;

  const slow = (a: NumOperand, b: NumOperand, n: number, validity: Validity): Vector =>
    bigArith(op, a, b, BigInt(fa), BigInt(fb), n, validity, resultType, describe);

  return (a, b, n) => {
    const av = typeof a === 'object' ? a : null;
    const bv = typeof b === 'object' ? b : null;
    let validity = andValidity(av === null ? null : av.validity, bv === null ? null : bv.validity, n);
    if (
      cls === 'exact' &&
      (typeof a === 'bigint' || typeof b === 'bigint' || av?.kind === 'i64' || bv?.kind === 'i64')
    ) {
      return slow(a, b, n, validity);
    }
    const out = cls === 'i32' ? new Int32Array(n) : new Float64Array(n);
    const flags = loop(
      n,
      av === null ? a : (av as { values: unknown }).values,
      bv === null ? b : (bv as { values: unknown }).values,
      out,
    );
    if (flags & ZERO && zeroIsNull) validity = clearWhereZero(validity, b, n);
    if (flags & BAD) {
      const first = firstBadRow(op, cls, fa, fb, a, b, n, validity);
      if (first >= 0) {
        if (cls === 'exact') return slow(a, b, n, validity);
        const x = elem(a, first);
        const y = elem(b, first);
        throw overflow(op, resultType, describe(x, y));
      }
    }
    return cls === 'i32'
      ? i32Vector(resultType, out as Int32Array, validity)
      : f64Vector(resultType, out as Float64Array, validity);
  };
}

function makeLoop(op: ArithOp, cls: NumClass, fa: number, fb: number, aS: boolean, bS: boolean): Loop {
  const x = operand('a', aS);
  const y = operand('b', bS);
  const lines: string[] = [];
  lines.push(`const x = ${fa === 1 ? x : `${x} * ${safeConst(fa)}`};`);
  lines.push(`const y = ${fb === 1 ? y : `${y} * ${safeConst(fb)}`};`);
  let expr: string;
  switch (op) {
    case '+':
    case '-':
    case '*':
      expr = `x ${op} y`;
      break;
    case '/':
      expr = 'x / y';
      break;
    case '//':
      expr = cls === 'double' ? 'x / y' : '(x - x % y) / y';
      break;
    case '%':
      expr = 'x % y';
      break;
  }
  lines.push(`const r = ${expr};`);
  lines.push('out[i] = r;');
  if (op === '//' || (op === '%' && cls !== 'double')) lines.push('if (y === 0) flags |= 2;');
  if (cls === 'i32') lines.push('if ((r | 0) !== r && y !== 0) flags |= 1;');
  else if (cls === 'exact') {
    const conds = ['r <= 9007199254740991 && r >= -9007199254740991'];
    if (fa !== 1) conds.push('x <= 9007199254740991 && x >= -9007199254740991');
    if (fb !== 1) conds.push('y <= 9007199254740991 && y >= -9007199254740991');
    const skipZero = op === '//' || op === '%' ? ' && y !== 0' : '';
    lines.push(`if (!(${conds.join(' && ')})${skipZero}) flags |= 1;`);
  }
  const body = `let flags = 0;\nfor (let i = 0; i < n; i++) {\n${lines.join('\n')}\n}\nreturn flags;`;
  return generated<Loop>(
    `arith ${cls} ${op} ${aS ? 's' : 'v'}${bS ? 's' : 'v'}`,
    ['n', 'a', 'b', 'out'],
    body,
  );
}

function elem(a: NumOperand, i: number): number | bigint {
  if (typeof a !== 'object') return a;
  if (a.kind === 'i32' || a.kind === 'f64' || a.kind === 'i64') return a.values[i]!;
  throw new SkeinError('INTERNAL', `numeric operand expected, got ${a.kind}`);
}

/** The first valid row whose result leaves the class's range, or -1 (the flag came from a NULL row). */
function firstBadRow(
  op: ArithOp,
  cls: NumClass,
  fa: number,
  fb: number,
  a: NumOperand,
  b: NumOperand,
  n: number,
  validity: Validity,
): number {
  for (let i = 0; i < n; i++) {
    if (validity !== null && !isBitSet(validity, i)) continue;
    const x = Number(elem(a, i)) * fa;
    const y = Number(elem(b, i)) * fb;
    if ((op === '//' || op === '%') && y === 0) continue;
    const r =
      op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '%' ? x % y : (x - (x % y)) / y;
    if (
      cls === 'i32'
        ? (r | 0) !== r
        : !(Math.abs(r) <= MAX_SAFE && Math.abs(x) <= MAX_SAFE && Math.abs(y) <= MAX_SAFE)
    ) {
      return i;
    }
  }
  return -1;
}

function clearWhereZero(validity: Validity, b: NumOperand, n: number): Validity {
  const out = validity === null ? new Uint8Array((n + 7) >> 3).fill(0xff) : validity.slice();
  if (typeof b !== 'object') {
    if (Number(b) === 0) out.fill(0);
    return out;
  }
  for (let i = 0; i < n; i++) if (Number(elem(b, i)) === 0) out[i >> 3]! &= ~(1 << (i & 7));
  return out;
}

function big(a: NumOperand, i: number): bigint {
  if (typeof a === 'bigint') return a;
  if (typeof a === 'number') return BigInt(a);
  if (a.kind === 'i64') return a.values[i]!;
  if (a.kind === 'f64' || a.kind === 'i32') return BigInt(a.values[i]!);
  throw new SkeinError('INTERNAL', `numeric operand expected, got ${a.kind}`);
}

/** The exact path: BigInt arithmetic with the 64-bit range checked. */
function bigArith(
  op: ArithOp,
  a: NumOperand,
  b: NumOperand,
  fa: bigint,
  fb: bigint,
  n: number,
  validity: Validity,
  type: DataType,
  describe: (x: bigint, y: bigint) => string,
): Vector {
  const out = new BigInt64Array(n);
  let v = validity;
  let fits = true;
  for (let i = 0; i < n; i++) {
    if (v !== null && !isBitSet(v, i)) continue;
    const x0 = big(a, i);
    const y0 = big(b, i);
    const x = x0 * fa;
    const y = y0 * fb;
    let r: bigint;
    switch (op) {
      case '+':
        r = x + y;
        break;
      case '-':
        r = x - y;
        break;
      case '*':
        r = x * y;
        break;
      case '//':
      case '%':
        if (y === 0n) {
          if (v === null) v = new Uint8Array((n + 7) >> 3).fill(0xff);
          else if (v === validity) v = v.slice();
          v[i >> 3]! &= ~(1 << (i & 7));
          continue;
        }
        r = op === '//' ? x / y : x % y;
        break;
      default:
        throw new SkeinError('INTERNAL', `no exact kernel for '${op}'`);
    }
    if (r < INT64_MIN || r > INT64_MAX || x < INT64_MIN || x > INT64_MAX || y < INT64_MIN || y > INT64_MAX) {
      throw overflow(op, type, describe(x0, y0));
    }
    if (r > 9007199254740991n || r < -9007199254740991n) fits = false;
    out[i] = r;
  }
  if (fits) {
    const f = new Float64Array(n);
    for (let i = 0; i < n; i++) f[i] = Number(out[i]!);
    return f64Vector(type, f, v);
  }
  return i64Vector(type, out, v);
}

function overflow(op: ArithOp, type: DataType, what: string): SkeinError {
  const range = type.kind === 'decimal' ? ' (Skein keeps decimals in 64 bits)' : '';
  return new SkeinError(
    'INVALID_ARGUMENT',
    `Overflow in ${OP_WORD[op]} of ${typeToString(type)} (${what})${range}`,
  );
}

/** A number of a type as SQL shows it (decimals from their scaled integers), for messages. */
export function formatNum(x: number | bigint, type: DataType): string {
  if (type.kind !== 'decimal' || type.scale === 0) return String(x);
  const neg = x < 0;
  let digits = (neg ? -BigInt(x) : BigInt(x)).toString();
  digits = digits.padStart(type.scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -type.scale)}.${digits.slice(-type.scale)}`;
}

/** Unary minus. INTEGER's −2^31 has no negation (an error, as in DuckDB). */
export function negate(v: Vector, cls: NumClass): Vector {
  switch (v.kind) {
    case 'i32': {
      const src = v.values;
      const out = new Int32Array(v.length);
      let bad = -1;
      for (let i = 0; i < src.length; i++) {
        const x = src[i]!;
        if (x === -2147483648 && bad < 0) bad = i;
        out[i] = -x;
      }
      if (bad >= 0 && (v.validity === null || isBitSet(v.validity, bad))) {
        throw new SkeinError(
          'INVALID_ARGUMENT',
          `Overflow in negation of ${typeToString(v.type)} (-(${src[bad]}))`,
        );
      }
      return i32Vector(v.type, out, v.validity);
    }
    case 'f64': {
      const src = v.values;
      const out = new Float64Array(v.length);
      if (cls === 'double') for (let i = 0; i < src.length; i++) out[i] = -src[i]!;
      else for (let i = 0; i < src.length; i++) out[i] = 0 - src[i]!; // no -0 for integers
      return f64Vector(v.type, out, v.validity);
    }
    case 'i64': {
      const out = new BigInt64Array(v.length);
      for (let i = 0; i < v.length; i++) {
        const x = v.values[i]!;
        if (x === INT64_MIN && (v.validity === null || isBitSet(v.validity, i))) {
          throw new SkeinError(
            'INVALID_ARGUMENT',
            `Overflow in negation of ${typeToString(v.type)} (-(${x}))`,
          );
        }
        out[i] = -x;
      }
      return i64Vector(v.type, out, v.validity);
    }
    default:
      throw new SkeinError('INTERNAL', `cannot negate a ${v.kind} vector`);
  }
}
