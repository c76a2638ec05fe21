/**
 * Binds a call (canonical name + compiled argument nodes + result type) to its kernel. Everything
 * type-dependent is decided here, once per operator: the numeric class, DECIMAL rescale factors,
 * scalar-vs-vector loop variants, the date-for-timestamp comparison rewrite.
 */
import { SkeinError } from '../../errors.ts';
import { BOOLEAN, type DataType, FLOAT64, typeToString, VARCHAR } from '../../types/data-type.ts';
import { DATE_PARTS, TRUNC_PARTS } from '../../types/functions.ts';
import { type ArithOp, binaryArithKernel, type NumClass, negate } from '../kernels/arith.ts';
import { isBitSet, selectionMinus } from '../kernels/bitmap.ts';
import { castVector } from '../kernels/cast.ts';
import {
  type CmpClass,
  type CmpOp,
  type CmpOperand,
  compareKernel,
  compareSelect,
  flipOp,
} from '../kernels/compare.ts';
import { compileLike, type LikeMatcher } from '../kernels/like.ts';
import {
  abs,
  mapDouble,
  mapDouble2,
  roundDecimal,
  roundDouble,
  roundInteger,
  sign,
} from '../kernels/math.ts';
import { fromUtf8 } from '../kernels/str-builder.ts';
import * as S from '../kernels/strings.ts';
import { scatter, takeVector } from '../kernels/take.ts';
import * as T from '../kernels/temporal.ts';
import {
  type Batch,
  boolVector,
  type F64Vector,
  type I32Vector,
  type IntervalVector,
  nullVector,
  type StrVector,
  type Vector,
} from '../vector.ts';
import { type FuseDesc, fusedEvaluator } from './fuse.ts';
import { constNode, evalOn, foldIfConstant, type Node, selectRows, unionColumns } from './node.ts';
import { type Scalar, scalarOf } from './scalar.ts';

type Operand = Vector | Scalar;

/** Numeric class of a type for arithmetic. */
export function numClass(t: DataType): NumClass {
  switch (t.kind) {
    case 'int32':
    case 'date':
      return 'i32';
    case 'float64':
      return 'double';
    default:
      return 'exact';
  }
}

function cmpClass(t: DataType): CmpClass {
  switch (t.kind) {
    case 'int32':
    case 'date':
      return 'i32';
    case 'boolean':
      return 'u8';
    case 'float64':
      return 'double';
    case 'int64':
    case 'decimal':
    case 'timestamp':
      return 'f64';
    case 'varchar':
      return 'str';
    case 'interval':
      return 'interval';
    default:
      throw new SkeinError('INTERNAL', `values of type ${typeToString(t)} cannot be compared`);
  }
}

/**
 * A node for a function that is NULL when any argument is. `impl` receives each argument as a
 * vector, or — where `scalarOk(i)` and the argument is constant — as its scalar.
 */
export function strictNode(
  type: DataType,
  args: readonly Node[],
  impl: (ops: Operand[], n: number) => Vector,
  scalarOk: (i: number) => boolean = () => true,
): Node {
  const consts = args.map((a) => (a.constant === undefined ? undefined : scalarOf(a.constant)));
  if (args.some((a, i) => a.constant !== undefined && consts[i] === undefined))
    return constNode(nullVector(type, 1));
  const allConst = args.every((a) => a.constant !== undefined);
  const useScalar = args.map((a, i) => !allConst && a.constant !== undefined && scalarOk(i));
  const node: Node = {
    type,
    columns: unionColumns(args),
    eval(batch) {
      const n = batch.length;
      const ops: Operand[] = new Array(args.length);
      for (let i = 0; i < args.length; i++) {
        if (useScalar[i]) ops[i] = consts[i]!;
        else {
          const v = args[i]!.eval(batch);
          if (v.kind === 'null') return nullVector(type, n);
          ops[i] = v;
        }
      }
      return impl(ops, n);
    },
  };
  return foldIfConstant(node, args);
}

const vec = (o: Operand): Vector => o as Vector;
const num = (o: Operand): Vector | number => (typeof o === 'bigint' ? Number(o) : (o as Vector | number));
const str = (o: Operand): S.StrArg => o as S.StrArg;
/** The constant text of an argument that must be constant (date parts, like patterns). */
function constText(node: Node, what: string): string {
  const s = node.constant === undefined ? undefined : scalarOf(node.constant);
  if (!(s instanceof Uint8Array)) throw new SkeinError('INTERNAL', `${what} must be a constant VARCHAR`);
  return fromUtf8(s);
}

// ---------------------------------------------------------------------------------------------

/** Binds call `name(args)` of result type `type`. */
export function bindCall(name: string, args: readonly Node[], type: DataType): Node {
  switch (name) {
    case '+':
    case '-':
    case '*':
    case '/':
    case '//':
    case '%':
    case 'mod':
    case 'divide':
      return bindArith(name === 'mod' ? '%' : name === 'divide' ? '//' : name, args, type);
    case '=':
    case '<>':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return bindCompare(name, args[0]!, args[1]!);
    case '!=':
      return bindCompare('<>', args[0]!, args[1]!);
    case 'is_distinct_from':
    case 'is_not_distinct_from':
      return bindDistinct(name === 'is_distinct_from', args[0]!, args[1]!);
    case '||':
      return strictNode(VARCHAR, args, (ops, n) => S.concat(ops.map(str), n, false));
    case 'concat':
      return concatNode(args, null);
    case 'concat_ws':
      return concatNode(args.slice(1), args[0]!);
    case 'coalesce':
    case 'ifnull':
      return coalesceNode(args, type);
    case 'nullif':
      return nullifNode(args[0]!, args[1]!, type);
    case 'greatest':
    case 'least':
      return extremeNode(args, type, name === 'greatest');
    case 'like':
    case 'not_like':
    case 'ilike':
    case 'not_ilike':
      return likeNode(args[0]!, args[1]!, null, name.includes('ilike'), name.startsWith('not_'));
    default:
      return bindScalarFunction(name, args, type);
  }
}

function bindScalarFunction(name: string, args: readonly Node[], type: DataType): Node {
  const a0 = args[0];
  switch (name) {
    // strings
    case 'upper':
    case 'ucase':
    case 'lower':
    case 'lcase': {
      const up = name === 'upper' || name === 'ucase';
      return strictNode(
        type,
        args,
        (ops) => S.changeCase(ops[0] as StrVector, up),
        () => false,
      );
    }
    case 'length':
    case 'char_length':
    case 'character_length':
    case 'len':
      return strictNode(
        type,
        args,
        (ops) => S.strLength(ops[0] as StrVector, false),
        () => false,
      );
    case 'strlen':
    case 'octet_length':
      return strictNode(
        type,
        args,
        (ops) => S.strLength(ops[0] as StrVector, true),
        () => false,
      );
    case 'reverse':
      return strictNode(
        type,
        args,
        (ops) => S.reverse(ops[0] as StrVector),
        () => false,
      );
    case 'trim':
    case 'btrim':
    case 'ltrim':
    case 'rtrim': {
      const left = name !== 'rtrim';
      const right = name !== 'ltrim';
      return strictNode(
        type,
        args,
        (ops) => S.trim(ops[0] as StrVector, ops.length > 1 ? str(ops[1]!) : null, left, right),
        (i) => i > 0,
      );
    }
    case 'substring':
    case 'substr':
      return strictNode(
        type,
        args,
        (ops) => S.substring(ops[0] as StrVector, num(ops[1]!), ops.length > 2 ? num(ops[2]!) : null),
        (i) => i > 0,
      );
    case 'left':
    case 'right':
      return strictNode(
        type,
        args,
        (ops) => S.leftRight(ops[0] as StrVector, num(ops[1]!), name === 'left'),
        (i) => i > 0,
      );
    case 'strpos':
    case 'position':
    case 'instr':
      return strictNode(type, args, (ops, n) => S.strpos(str(ops[0]!), str(ops[1]!), n));
    case 'replace':
      return strictNode(type, args, (ops, n) => S.replace(str(ops[0]!), str(ops[1]!), str(ops[2]!), n));
    case 'starts_with':
    case 'prefix':
      return strictNode(type, args, (ops, n) => S.stringTest('starts_with', str(ops[0]!), str(ops[1]!), n));
    case 'ends_with':
    case 'suffix':
      return strictNode(type, args, (ops, n) => S.stringTest('ends_with', str(ops[0]!), str(ops[1]!), n));
    case 'contains':
      return strictNode(type, args, (ops, n) => S.stringTest('contains', str(ops[0]!), str(ops[1]!), n));
    case 'lpad':
    case 'rpad':
      return strictNode(
        type,
        args,
        (ops) => S.pad(ops[0] as StrVector, num(ops[1]!), str(ops[2]!), name === 'lpad'),
        (i) => i > 0,
      );
    case 'repeat':
      return strictNode(
        type,
        args,
        (ops) => S.repeat(ops[0] as StrVector, num(ops[1]!)),
        (i) => i > 0,
      );
    case 'split_part':
      return strictNode(type, args, (ops, n) => S.splitPart(str(ops[0]!), str(ops[1]!), num(ops[2]!), n));
    case 'ascii':
      return strictNode(
        type,
        args,
        (ops) => S.ascii(ops[0] as StrVector),
        () => false,
      );
    case 'chr':
      return strictNode(
        type,
        args,
        (ops) => S.chr(vec(ops[0]!)),
        () => false,
      );

    // math
    case 'abs':
      return strictNode(
        type,
        args,
        (ops) => abs(vec(ops[0]!)),
        () => false,
      );
    case 'sign':
      return strictNode(
        type,
        args,
        (ops) => sign(vec(ops[0]!)),
        () => false,
      );
    case 'floor':
    case 'ceil':
    case 'ceiling':
    case 'trunc': {
      const mode = name === 'floor' ? 'floor' : name === 'trunc' ? 'trunc' : 'ceil';
      if (a0!.type.kind === 'decimal') {
        const scale = a0!.type.scale;
        return strictNode(
          type,
          args,
          (ops) => roundDecimal(vec(ops[0]!), scale, 0, 0, mode, type),
          () => false,
        );
      }
      const fn = mode === 'floor' ? Math.floor : mode === 'ceil' ? Math.ceil : Math.trunc;
      return strictNode(
        type,
        args,
        (ops) => mapDouble(vec(ops[0]!), fn),
        () => false,
      );
    }
    case 'round': {
      const t = a0!.type;
      if (t.kind === 'decimal') {
        const digits = args.length > 1 ? constNumber(args[1]!, 'round') : 0;
        const toScale = type.kind === 'decimal' ? type.scale : 0;
        return strictNode(
          type,
          [a0!],
          (ops) => roundDecimal(vec(ops[0]!), t.scale, toScale, digits, 'round', type),
          () => false,
        );
      }
      if (t.kind === 'float64') {
        return strictNode(
          type,
          args,
          (ops) => roundDouble(vec(ops[0]!), ops.length > 1 ? (num(ops[1]!) as Vector | number) : 0),
          (i) => i > 0,
        );
      }
      const digits = args.length > 1 ? constNumber(args[1]!, 'round') : 0;
      return strictNode(
        type,
        [a0!],
        (ops) => roundInteger(vec(ops[0]!), digits),
        () => false,
      );
    }
    case 'sqrt':
      return doubleFn(args, Math.sqrt, (x) =>
        x < 0 ? 'cannot take square root of a negative number' : undefined,
      );
    case 'cbrt':
      return doubleFn(args, Math.cbrt);
    case 'ln':
      return doubleFn(args, Math.log, logCheck);
    case 'log10':
    case 'log':
      return doubleFn(args, Math.log10, logCheck);
    case 'log2':
      return doubleFn(args, Math.log2, logCheck);
    case 'exp':
      return doubleFn(args, Math.exp);
    case 'sin':
      return doubleFn(args, Math.sin);
    case 'cos':
      return doubleFn(args, Math.cos);
    case 'tan':
      return doubleFn(args, Math.tan);
    case 'asin':
      return doubleFn(args, Math.asin);
    case 'acos':
      return doubleFn(args, Math.acos);
    case 'atan':
      return doubleFn(args, Math.atan);
    case 'degrees':
      return doubleFn(args, (x) => (x * 180) / Math.PI);
    case 'radians':
      return doubleFn(args, (x) => (x * Math.PI) / 180);
    case 'power':
    case 'pow':
      return strictNode(FLOAT64, args, (ops, n) => mapDouble2(num(ops[0]!), num(ops[1]!), n, Math.pow));
    case 'atan2':
      return strictNode(FLOAT64, args, (ops, n) => mapDouble2(num(ops[0]!), num(ops[1]!), n, Math.atan2));
    case 'pi':
      return constNode({
        kind: 'f64',
        type: FLOAT64,
        length: 1,
        validity: null,
        values: Float64Array.of(Math.PI),
      });

    // dates
    case 'date_part':
    case 'datepart':
    case 'extract': {
      const part = DATE_PARTS.get(constText(args[0]!, 'the date part').toLowerCase());
      if (part === undefined) throw new SkeinError('INTERNAL', 'unknown date part');
      return strictNode(
        type,
        [args[1]!],
        (ops) => T.datePart(part, vec(ops[0]!)),
        () => false,
      );
    }
    case 'year':
    case 'month':
    case 'day':
    case 'quarter':
    case 'dayofweek':
    case 'dayofyear':
    case 'hour':
    case 'minute':
    case 'second':
    case 'week':
    case 'isodow': {
      const part = DATE_PARTS.get(name)!;
      return strictNode(
        type,
        args,
        (ops) => T.datePart(part, vec(ops[0]!)),
        () => false,
      );
    }
    case 'date_trunc':
    case 'datetrunc': {
      const part = TRUNC_PARTS.get(constText(args[0]!, 'the date part').toLowerCase());
      if (part === undefined) throw new SkeinError('INTERNAL', 'unknown date_trunc part');
      return strictNode(
        type,
        [args[1]!],
        (ops) => T.dateTrunc(part, vec(ops[0]!)),
        () => false,
      );
    }
    case 'date_diff':
    case 'datediff': {
      const part = TRUNC_PARTS.get(constText(args[0]!, 'the date part').toLowerCase());
      if (part === undefined) throw new SkeinError('INTERNAL', 'unknown date_diff part');
      return strictNode(
        type,
        args.slice(1),
        (ops) => T.dateDiff(part, vec(ops[0]!), vec(ops[1]!)),
        () => false,
      );
    }
    case 'last_day':
      return strictNode(
        type,
        args,
        (ops) => T.lastDay(vec(ops[0]!)),
        () => false,
      );
    case 'make_date':
      return strictNode(
        type,
        args,
        (ops) => T.makeDate(ops[0] as F64Vector, ops[1] as F64Vector, ops[2] as F64Vector, type),
        () => false,
      );
    default:
      throw new SkeinError('NOT_IMPLEMENTED', `the function '${name}' has no implementation in the executor`);
  }
}

function constNumber(node: Node, fn: string): number {
  const s = node.constant === undefined ? undefined : scalarOf(node.constant);
  if (typeof s !== 'number')
    throw new SkeinError('INTERNAL', `${fn}: the number of digits must be a constant`);
  return s;
}

function logCheck(x: number): string | undefined {
  if (x === 0) return 'cannot take logarithm of zero';
  if (x < 0) return 'cannot take logarithm of a negative number';
  return undefined;
}

function doubleFn(
  args: readonly Node[],
  fn: (x: number) => number,
  check?: (x: number) => string | undefined,
): Node {
  return strictNode(
    FLOAT64,
    args,
    (ops) => mapDouble(vec(ops[0]!), fn, check),
    () => false,
  );
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

function bindArith(op: ArithOp, args: readonly Node[], type: DataType): Node {
  if (args.length === 1) {
    const a = args[0]!;
    if (op === '+') return a;
    if (a.type.kind === 'interval')
      return strictNode(
        type,
        args,
        (ops) => T.negateInterval(ops[0] as IntervalVector),
        () => false,
      );
    return strictNode(
      type,
      args,
      (ops) => negate(vec(ops[0]!), numClass(type)),
      () => false,
    );
  }
  const [a, b] = args as [Node, Node];
  const ka = a.type.kind;
  const kb = b.type.kind;
  // Temporal arithmetic.
  if (ka === 'date' && kb === 'int32') {
    return strictNode(
      type,
      args,
      (ops) => T.addDays(ops[0] as I32Vector, ops[1] as I32Vector | number, op === '-' ? -1 : 1),
      (i) => i === 1,
    );
  }
  if (ka === 'int32' && kb === 'date') {
    return strictNode(
      type,
      [b, a],
      (ops) => T.addDays(ops[0] as I32Vector, ops[1] as I32Vector | number, 1),
      (i) => i === 1,
    );
  }
  if ((ka === 'date' || ka === 'timestamp') && kb === 'interval') {
    const sign = op === '-' ? -1 : 1;
    return strictNode(
      type,
      args,
      (ops) => T.addInterval(vec(ops[0]!), ops[1] as IntervalVector | T.IntervalParts, sign),
      (i) => i === 1,
    );
  }
  if (ka === 'interval' && (kb === 'date' || kb === 'timestamp')) {
    return strictNode(
      type,
      [b, a],
      (ops) => T.addInterval(vec(ops[0]!), ops[1] as IntervalVector | T.IntervalParts, 1),
      (i) => i === 1,
    );
  }
  if (ka === 'date' && kb === 'date') {
    return strictNode(
      type,
      args,
      (ops) => T.subtractDates(ops[0] as I32Vector, ops[1] as I32Vector),
      () => false,
    );
  }
  if (ka === 'timestamp' && kb === 'timestamp') {
    return strictNode(
      type,
      args,
      (ops) => T.subtractTimestamps(ops[0] as F64Vector, ops[1] as F64Vector),
      () => false,
    );
  }
  if (ka === 'interval' && kb === 'interval') {
    return strictNode(
      type,
      args,
      (ops) => T.addIntervals(ops[0] as IntervalVector, ops[1] as IntervalVector, op === '-' ? -1 : 1),
      () => false,
    );
  }
  if (ka === 'interval' || kb === 'interval') {
    const [iv, k] = ka === 'interval' ? [a, b] : [b, a];
    return strictNode(
      type,
      [iv, k],
      (ops) => {
        const f = ops[1]!;
        return typeof f === 'number' || typeof f === 'bigint'
          ? T.multiplyInterval(ops[0] as IntervalVector, Number(f), null)
          : T.multiplyInterval(ops[0] as IntervalVector, (f as F64Vector).values, (f as F64Vector).validity);
      },
      (i) => i === 1,
    );
  }

  // Numbers.
  const cls = numClass(type.kind === 'float64' ? FLOAT64 : a.type);
  let fa = 1;
  let fb = 1;
  if (type.kind === 'decimal' && (op === '+' || op === '-' || op === '%')) {
    const sa = a.type.kind === 'decimal' ? a.type.scale : 0;
    const sb = b.type.kind === 'decimal' ? b.type.scale : 0;
    fa = 10 ** (type.scale - sa);
    fb = 10 ** (type.scale - sb);
  }
  const allConst = a.constant !== undefined && b.constant !== undefined;
  const kernel = binaryArithKernel(op, cls, type, {
    aFactor: fa,
    bFactor: fb,
    aScalar: !allConst && a.constant !== undefined,
    bScalar: !allConst && b.constant !== undefined,
    aType: a.type,
    bType: b.type,
  });
  const node = strictNode(type, args, (ops, n) =>
    kernel(ops[0] as Vector | number | bigint, ops[1] as Vector | number | bigint, n),
  );
  if (node.constant !== undefined) return node;
  const fusible =
    (op === '+' || op === '-' || op === '*' || (op === '/' && cls === 'double')) &&
    [a, b].every((x) => x.constant === undefined || typeof scalarOf(x.constant) === 'number');
  if (!fusible) return node;
  return withFusion({ ...node, fuse: { kind: 'op', op, cls, fa, fb, a, b } }, type);
}

/** A fusible node evaluated through the fused loop of its subtree when it has fusible children. */
function withFusion(node: Node, type: DataType): Node {
  const fused = fusedEvaluator(node, type, node.eval);
  return fused === undefined ? node : { ...node, eval: fused };
}

/** The fusion descriptor of a numeric widening cast (one that cannot fail), if it is one. */
function widening(from: DataType, to: DataType, input: Node): FuseDesc | undefined {
  const cls = numClass(to);
  const scale = (t: DataType) => (t.kind === 'decimal' ? t.scale : 0);
  const whole = (t: DataType) =>
    t.kind === 'decimal' ? t.precision - t.scale : t.kind === 'int32' ? 10 : 19;
  const isInt = from.kind === 'int32' || from.kind === 'int64';
  if (!isInt && from.kind !== 'decimal') return undefined;
  if (to.kind === 'float64') return { kind: 'convert', cls, mul: 1, div: 10 ** scale(from), input };
  if (to.kind === 'int64' && from.kind === 'int32') return { kind: 'convert', cls, mul: 1, div: 1, input };
  if (to.kind === 'decimal' && scale(to) >= scale(from) && whole(to) >= whole(from)) {
    return { kind: 'convert', cls, mul: 10 ** (scale(to) - scale(from)), div: 1, input };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Comparisons

const DAY = T.MICROS_PER_DAY;

function bindCompare(op: CmpOp, a: Node, b: Node): Node {
  // Keep a constant on the right.
  if (a.constant !== undefined && b.constant === undefined) return bindCompare(flipOp(op), b, a);
  // date_col compared as TIMESTAMP with a constant: compare days with a rounded constant instead.
  if (a.dateAsTimestampOf !== undefined && b.constant !== undefined) {
    const t = scalarOf(b.constant);
    if (typeof t === 'number') {
      let k = Math.floor(t / DAY);
      if (k * DAY > t) k--;
      if ((k + 1) * DAY <= t) k++;
      const exact = k * DAY === t;
      let bound: number;
      switch (op) {
        case '<=':
        case '>':
          bound = k;
          break;
        case '<':
        case '>=':
          bound = exact ? k : k + 1;
          break;
        default:
          bound = exact ? k : k + 0.5; // never equal to a day number
      }
      const date = a.dateAsTimestampOf;
      const c: Vector = {
        kind: 'f64',
        type: FLOAT64,
        length: 1,
        validity: null,
        values: Float64Array.of(bound),
      };
      return compareNode(op, date, constNode(c), 'i32');
    }
  }
  return compareNode(op, a, b, cmpClass(a.type));
}

/** A column reference or a constant: reading only some of its rows costs nothing extra. */
export function isLeaf(n: Node): boolean {
  return (
    n.constant !== undefined ||
    (n.columns.size === 1 && n.fuse === undefined && n.select === undefined && isColumnRef(n))
  );
}

const columnRefs = new WeakSet<Node>();
/** Marks a node as a plain column reference (done by the compiler). */
export function markColumnRef(n: Node): Node {
  columnRefs.add(n);
  return n;
}
function isColumnRef(n: Node): boolean {
  return columnRefs.has(n);
}

function isBig(o: Operand): boolean {
  return (
    typeof o === 'bigint' ||
    (typeof o === 'object' && !(o instanceof Uint8Array) && 'kind' in o && o.kind === 'i64')
  );
}

function compareNode(op: CmpOp, a: Node, b: Node, cls: CmpClass): Node {
  const allConst = a.constant !== undefined && b.constant !== undefined;
  const aS = !allConst && a.constant !== undefined;
  const bS = !allConst && b.constant !== undefined;
  const kernel = compareKernel(op, cls, aS, bS);
  const bigKernel = cls === 'f64' ? compareKernel(op, 'big', aS, bS) : kernel;
  const node = strictNode(BOOLEAN, [a, b], (ops, n) => {
    const x = ops[0] as CmpOperand;
    const y = ops[1] as CmpOperand;
    return (isBig(x) || isBig(y) ? bigKernel : kernel)(x, y, n);
  });
  if (node.constant !== undefined) return node;
  // The selection form (for filters): no boolean vector at all.
  const sel = compareSelect(op, cls, aS, bS);
  const bigSel = cls === 'f64' ? compareSelect(op, 'big', aS, bS) : sel;
  const bConst = b.constant === undefined ? undefined : scalarOf(b.constant);
  return {
    ...node,
    selectsInPlace: isLeaf(a) && isLeaf(b),
    select(batch, rows, n, out) {
      const x = a.eval(batch);
      if (x.kind === 'null') return 0;
      let y: CmpOperand;
      if (bS) y = bConst as CmpOperand;
      else {
        const yv = b.eval(batch);
        if (yv.kind === 'null') return 0;
        y = yv;
      }
      return (isBig(x) || isBig(y as Operand) ? bigSel : sel)(x, y, rows, n, out);
    },
  };
}

/** IS [NOT] DISTINCT FROM: like = / <>, but NULLs compare equal to each other and the result is never NULL. */
function bindDistinct(distinct: boolean, a: Node, b: Node): Node {
  const eq = bindCompare('=', a, b);
  const node: Node = {
    type: BOOLEAN,
    columns: unionColumns([a, b]),
    eval(batch) {
      const n = batch.length;
      const x = a.eval(batch);
      const y = b.eval(batch);
      const out = new Uint8Array(n);
      const xv = x.kind === 'null' ? null : x.validity;
      const yv = y.kind === 'null' ? null : y.validity;
      const e = x.kind === 'null' || y.kind === 'null' ? null : eq.eval(batch);
      for (let i = 0; i < n; i++) {
        const xn = x.kind === 'null' || (xv !== null && !isBitSet(xv, i));
        const yn = y.kind === 'null' || (yv !== null && !isBitSet(yv, i));
        let same: boolean;
        if (xn || yn) same = xn && yn;
        else same = (e as { values: Uint8Array }).values[i] === 1;
        out[i] = same !== distinct ? 1 : 0;
      }
      return boolVector(BOOLEAN, out);
    },
  };
  return foldIfConstant(node, [a, b]);
}

// ---------------------------------------------------------------------------------------------
// Non-strict functions

function concatNode(args: readonly Node[], separator: Node | null): Node {
  const all = separator === null ? args : [separator, ...args];
  const node: Node = {
    type: VARCHAR,
    columns: unionColumns(all),
    eval(batch) {
      const n = batch.length;
      const parts: S.StrArg[] = [];
      for (const a of args) {
        const v = a.eval(batch);
        if (v.kind === 'null') continue;
        parts.push(v as StrVector);
      }
      let sep: S.StrArg | null = null;
      if (separator !== null) {
        const s = separator.eval(batch);
        if (s.kind === 'null') return nullVector(VARCHAR, n);
        sep = s as StrVector;
      }
      return S.concat(parts, n, true, sep);
    },
  };
  return foldIfConstant(node, all);
}

/** COALESCE: later arguments are evaluated only for the rows still NULL. */
function coalesceNode(args: readonly Node[], type: DataType): Node {
  const node: Node = {
    type,
    columns: unionColumns(args),
    eval(batch) {
      const n = batch.length;
      let result = args[0]!.eval(batch);
      for (let k = 1; k < args.length; k++) {
        const nulls = nullRows(result, n);
        if (nulls.length === 0) return result;
        const next = evalOn(args[k]!, batch, nulls, nulls.length);
        const validRows = nulls.length === n ? new Uint32Array(0) : complement(nulls, n);
        result = scatter(type, n, [
          { rows: validRows, count: validRows.length, vector: takeRows(result, validRows) },
          { rows: nulls, count: nulls.length, vector: next },
        ]);
      }
      return result;
    },
  };
  return foldIfConstant(node, args);
}

function takeRows(v: Vector, rows: Uint32Array): Vector {
  return rows.length === v.length ? v : takeVector(v, rows, rows.length);
}

function nullRows(v: Vector, n: number): Uint32Array {
  if (v.kind === 'null') {
    const all = new Uint32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  const m = v.validity;
  if (m === null) return new Uint32Array(0);
  const out = new Uint32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    out[k] = i;
    k += ((m[i >> 3]! >> (i & 7)) & 1) ^ 1;
  }
  return out.subarray(0, k);
}

function complement(rows: Uint32Array, n: number): Uint32Array {
  const all = new Uint32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const out = new Uint32Array(n);
  const k = selectionMinus(all, n, rows, rows.length, out);
  return out.subarray(0, k);
}

/** NULLIF(a, b): NULL where a = b, else a. */
function nullifNode(a: Node, b: Node, type: DataType): Node {
  const eq = bindCompare('=', a, b);
  const node: Node = {
    type,
    columns: unionColumns([a, b]),
    eval(batch) {
      const n = batch.length;
      const x = a.eval(batch);
      if (x.kind === 'null') return x;
      const e = eq.eval(batch);
      if (e.kind !== 'bool') return x;
      const m = x.validity === null ? new Uint8Array((n + 7) >> 3).fill(0xff) : x.validity.slice();
      let changed = false;
      for (let i = 0; i < n; i++) {
        if (e.values[i] === 1 && (e.validity === null || isBitSet(e.validity, i))) {
          m[i >> 3]! &= ~(1 << (i & 7));
          changed = true;
        }
      }
      return changed ? ({ ...x, validity: m } as Vector) : x;
    },
  };
  return foldIfConstant(node, [a, b]);
}

/** GREATEST / LEAST, ignoring NULL arguments (NULL only when all are). */
function extremeNode(args: readonly Node[], type: DataType, greatest: boolean): Node {
  const cls = cmpClass(type);
  const better = compareKernel(greatest ? '>' : '<', cls, false, false);
  const bigBetter = cls === 'f64' ? compareKernel(greatest ? '>' : '<', 'big', false, false) : better;
  const node: Node = {
    type,
    columns: unionColumns(args),
    eval(batch) {
      const n = batch.length;
      let best = args[0]!.eval(batch);
      for (let k = 1; k < args.length; k++) {
        const next = args[k]!.eval(batch);
        if (next.kind === 'null') continue;
        if (best.kind === 'null') {
          best = next;
          continue;
        }
        const cmp = (isBig(next) || isBig(best) ? bigBetter : better)(next, best, n);
        const take = new Uint32Array(n);
        const keep = new Uint32Array(n);
        let nt = 0;
        let nk = 0;
        const bv = best.validity;
        const nv = next.validity;
        const cv = (cmp as { values: Uint8Array }).values;
        for (let i = 0; i < n; i++) {
          const nextValid = nv === null || isBitSet(nv, i);
          const bestValid = bv === null || isBitSet(bv, i);
          if (nextValid && (!bestValid || cv[i] === 1)) take[nt++] = i;
          else keep[nk++] = i;
        }
        if (nt === 0) continue;
        if (nk === 0) {
          best = next;
          continue;
        }
        best = scatter(type, n, [
          { rows: keep, count: nk, vector: takeRows(best, keep.subarray(0, nk)) },
          { rows: take, count: nt, vector: takeRows(next, take.subarray(0, nt)) },
        ]);
      }
      return best;
    },
  };
  return foldIfConstant(node, args);
}

// ---------------------------------------------------------------------------------------------
// LIKE

/** `input [NOT] [I]LIKE pattern [ESCAPE e]`. A constant pattern is compiled once. */
export function likeNode(
  input: Node,
  pattern: Node,
  escapeChar: string | null,
  caseInsensitive: boolean,
  negated: boolean,
): Node {
  let matcher: LikeMatcher | undefined;
  if (pattern.constant !== undefined) {
    const p = scalarOf(pattern.constant);
    if (p === undefined) return constNode(nullVector(BOOLEAN, 1));
    matcher = compileLike(fromUtf8(p as Uint8Array), escapeChar, caseInsensitive);
  }
  const cache = new Map<string, LikeMatcher>();
  const matcherFor = (p: string): LikeMatcher => {
    let m = cache.get(p);
    if (m === undefined) {
      if (cache.size > 1000) cache.clear();
      m = compileLike(p, escapeChar, caseInsensitive);
      cache.set(p, m);
    }
    return m;
  };
  const selectImpl = (batch: Batch, sel: Uint32Array | null, n: number, out: Uint32Array): number => {
    const v = input.eval(batch);
    if (v.kind === 'null') return 0;
    const sv = v as StrVector;
    if (matcher !== undefined) return matcher.select(sv, sel, n, out, negated);
    const pv = pattern.eval(batch);
    if (pv.kind === 'null') return 0;
    const ps = pv as StrVector;
    let k = 0;
    for (let j = 0; j < n; j++) {
      const i = sel === null ? j : sel[j]!;
      if (sv.validity !== null && !isBitSet(sv.validity, i)) continue;
      if (ps.validity !== null && !isBitSet(ps.validity, i)) continue;
      const hit = matcherFor(strText(ps, i)).matchRow(sv, i);
      if (hit !== negated) out[k++] = i;
    }
    return k;
  };
  const node: Node = {
    type: BOOLEAN,
    columns: unionColumns([input, pattern]),
    eval(batch) {
      const n = batch.length;
      const v = input.eval(batch);
      if (v.kind === 'null') return nullVector(BOOLEAN, n);
      const pv = matcher === undefined ? pattern.eval(batch) : undefined;
      if (pv !== undefined && pv.kind === 'null') return nullVector(BOOLEAN, n);
      const hits = new Uint32Array(n);
      const k = selectImpl(batch, null, n, hits);
      const values = new Uint8Array(n);
      for (let j = 0; j < k; j++) values[hits[j]!] = 1;
      const validity =
        pv === undefined
          ? v.validity
          : v.validity === null
            ? pv.validity
            : pv.validity === null
              ? v.validity
              : andBits(v.validity, pv.validity);
      return boolVector(BOOLEAN, values, validity);
    },
    select: selectImpl,
    selectsInPlace: isLeaf(input) && isLeaf(pattern),
  };
  return foldIfConstant(node, [input, pattern]);
}

function strText(v: StrVector, i: number): string {
  return fromUtf8(v.bytes.subarray(v.offsets[i]!, v.offsets[i + 1]!));
}

function andBits(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! & b[i]!;
  return out;
}

// ---------------------------------------------------------------------------------------------
// CAST

export function castNode(input: Node, type: DataType, tryCast: boolean): Node {
  const desc = input.constant === undefined ? widening(input.type, type, input) : undefined;
  const node: Node = {
    type,
    columns: input.columns,
    eval(batch) {
      return castVector(input.eval(batch), type, tryCast);
    },
    ...(input.type.kind === 'date' && type.kind === 'timestamp' ? { dateAsTimestampOf: input } : {}),
    ...(desc === undefined ? {} : { fuse: desc }),
  };
  if (desc !== undefined) return withFusion(node, type);
  return foldIfConstant(node, [input]);
}

/** Evaluates a CASE with selections: each branch only on the rows that reach it. */
export function caseNode(
  whens: readonly { condition: Node; result: Node }[],
  otherwise: Node | undefined,
  type: DataType,
): Node {
  const all: Node[] = [...whens.flatMap((w) => [w.condition, w.result]), ...(otherwise ? [otherwise] : [])];
  const node: Node = {
    type,
    columns: unionColumns(all),
    eval(batch) {
      const n = batch.length;
      let remaining: Uint32Array | null = null;
      let rn = n;
      const parts: { rows: Uint32Array; count: number; vector: Vector }[] = [];
      for (const w of whens) {
        if (rn === 0) break;
        const hits = new Uint32Array(rn);
        const k = selectRows(w.condition, batch, remaining, rn, hits);
        if (k === 0) continue;
        if (k === n) return w.result.eval(batch);
        parts.push({ rows: hits, count: k, vector: evalOn(w.result, batch, hits, k) });
        const rest = new Uint32Array(rn - k);
        const all: Uint32Array = remaining ?? identity(n);
        rn = selectionMinus(all, rn, hits, k, rest);
        remaining = rest;
      }
      if (otherwise !== undefined && rn > 0) {
        if (rn === n) return otherwise.eval(batch);
        const rows = remaining ?? identity(n);
        parts.push({ rows, count: rn, vector: evalOn(otherwise, batch, rows, rn) });
      }
      return scatter(type, n, parts);
    },
  };
  return foldIfConstant(node, all);
}

function identity(n: number): Uint32Array {
  const s = new Uint32Array(n);
  for (let i = 0; i < n; i++) s[i] = i;
  return s;
}
