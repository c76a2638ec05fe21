/**
 * Comparisons, in two forms: a BOOLEAN vector (for projections), and a selection — the rows of an
 * input selection that compare TRUE — which is what filters want (no boolean vector, no second
 * pass; NULL rows simply do not pass).
 *
 * Orders: numbers numerically (DOUBLE's NaN equals itself and sorts above everything, as in
 * DuckDB), strings by their UTF-8 bytes (= code point order, DuckDB's default collation),
 * BOOLEAN false < true, INTERVAL by its total length with a month as 30 days.
 */
import { SkeinError } from '../../errors.ts';
import { BOOLEAN } from '../../types/data-type.ts';
import { boolVector, type StrVector, type Validity, type Vector } from '../vector.ts';
import { andValidity } from './bitmap.ts';
import { generated, operand } from './codegen.ts';

export type CmpOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

/** How values are compared: by number (Int32Array, Uint8Array, Float64Array), DOUBLE with NaN rules, or otherwise. */
export type CmpClass = 'i32' | 'u8' | 'f64' | 'double' | 'str' | 'interval' | 'big';

/** An operand: a vector, or a constant in its storage form (number, bigint, UTF-8 bytes, interval total). */
export type CmpOperand = Vector | number | bigint | Uint8Array;

export type CompareKernel = (a: CmpOperand, b: CmpOperand, n: number) => Vector;
/** Writes the rows of `sel[0..n)` (of all rows 0..n-1 when `sel` is null) that compare TRUE to `out`; returns their count. */
export type CompareSelect = (
  a: CmpOperand,
  b: CmpOperand,
  sel: Uint32Array | null,
  n: number,
  out: Uint32Array,
) => number;

export function flipOp(op: CmpOp): CmpOp {
  switch (op) {
    case '<':
      return '>';
    case '<=':
      return '>=';
    case '>':
      return '<';
    case '>=':
      return '<=';
    default:
      return op;
  }
}

const JS_OP: Record<CmpOp, string> = { '=': '===', '<>': '!==', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** The JS condition for `x op y`; for DOUBLE, with NaN = NaN and NaN > everything. */
function condition(op: CmpOp, cls: CmpClass): string {
  if (cls !== 'double') return `x ${JS_OP[op]} y`;
  switch (op) {
    case '=':
      return '(x === y || (x !== x && y !== y))';
    case '<>':
      return '!(x === y || (x !== x && y !== y))';
    case '<':
      return '(x < y || (y !== y && x === x))';
    case '<=':
      return '(x <= y || y !== y)';
    case '>':
      return '(x > y || (x !== x && y === y))';
    case '>=':
      return '(x >= y || x !== x)';
  }
}

type ValueLoop = (n: number, a: unknown, b: unknown, out: Uint8Array) => void;
type SelectLoop = (
  n: number,
  a: unknown,
  b: unknown,
  sel: Uint32Array | null,
  valid: Uint8Array | null,
  out: Uint32Array,
) => number;

function valueLoop(op: CmpOp, cls: CmpClass, aS: boolean, bS: boolean): ValueLoop {
  const body = `for (let i = 0; i < n; i++) { const x = ${operand('a', aS)}; const y = ${operand('b', bS)}; out[i] = ${condition(op, cls)} ? 1 : 0; }`;
  return generated<ValueLoop>(`cmp ${cls} ${aS ? 's' : 'v'}${bS ? 's' : 'v'}`, ['n', 'a', 'b', 'out'], body);
}

function selectLoop(
  op: CmpOp,
  cls: CmpClass,
  aS: boolean,
  bS: boolean,
  withSel: boolean,
  withValid: boolean,
): SelectLoop {
  const idx = withSel ? 'const i = sel[j];' : 'const i = j;';
  const valid = withValid ? ' & (valid[i >> 3] >> (i & 7))' : '';
  const body = `let k = 0;
for (let j = 0; j < n; j++) {
  ${idx}
  const x = ${operand('a', aS)}; const y = ${operand('b', bS)};
  out[k] = i;
  k += (${condition(op, cls)} ? 1 : 0)${valid};
}
return k;`;
  return generated<SelectLoop>(
    `cmpsel ${cls} ${aS ? 's' : 'v'}${bS ? 's' : 'v'}${withSel ? ' sel' : ''}${withValid ? ' valid' : ''}`,
    ['n', 'a', 'b', 'sel', 'valid', 'out'],
    body,
  );
}

function validityOfOperand(x: CmpOperand): Validity {
  return typeof x === 'object' && !(x instanceof Uint8Array) ? x.validity : null;
}

function numericValues(x: CmpOperand): unknown {
  if (typeof x !== 'object' || x instanceof Uint8Array) return x;
  switch (x.kind) {
    case 'i32':
    case 'f64':
    case 'bool':
    case 'i64':
      return x.values;
    default:
      throw new SkeinError('INTERNAL', `numeric vector expected in a comparison, got ${x.kind}`);
  }
}

/** A comparison producing a BOOLEAN vector. `aScalar`/`bScalar` say which operands will be constants. */
export function compareKernel(op: CmpOp, cls: CmpClass, aScalar: boolean, bScalar: boolean): CompareKernel {
  if (cls === 'str') return strCompareKernel(op, aScalar, bScalar);
  if (cls === 'interval' || cls === 'big') return slowCompareKernel(op, cls);
  const loop = valueLoop(op, cls, aScalar, bScalar);
  return (a, b, n) => {
    const out = new Uint8Array(n);
    loop(n, numericValues(a), numericValues(b), out);
    return boolVector(BOOLEAN, out, andValidity(validityOfOperand(a), validityOfOperand(b), n));
  };
}

/** A comparison producing a selection. */
export function compareSelect(op: CmpOp, cls: CmpClass, aScalar: boolean, bScalar: boolean): CompareSelect {
  if (cls === 'str') return strCompareSelect(op, aScalar, bScalar);
  if (cls === 'interval' || cls === 'big') {
    const k = slowCompareKernel(op, cls);
    return (a, b, sel, n, out) => selectBool(k(a, b, operandLength(a, b) || n), sel, n, out);
  }
  const loops = [false, true].map((s) =>
    [false, true].map((v) => selectLoop(op, cls, aScalar, bScalar, s, v)),
  );
  return (a, b, sel, n, out) => {
    const valid = andValidity(validityOfOperand(a), validityOfOperand(b), operandLength(a, b));
    return loops[sel === null ? 0 : 1]![valid === null ? 0 : 1]!(
      n,
      numericValues(a),
      numericValues(b),
      sel,
      valid,
      out,
    );
  };
}

function selectBool(v: Vector, sel: Uint32Array | null, n: number, out: Uint32Array): number {
  if (v.kind !== 'bool') throw new SkeinError('INTERNAL', 'boolean vector expected');
  const vals = v.values;
  const m = v.validity;
  let k = 0;
  for (let j = 0; j < n; j++) {
    const i = sel === null ? j : sel[j]!;
    out[k] = i;
    k += vals[i]! & (m === null ? 1 : (m[i >> 3]! >> (i & 7)) & 1);
  }
  return k;
}

// -- strings ----------------------------------------------------------------------------------

/** Sign of the byte-wise comparison of a[as..ae) and b[bs..be). */
export function compareBytes(
  a: Uint8Array,
  as: number,
  ae: number,
  b: Uint8Array,
  bs: number,
  be: number,
): number {
  const la = ae - as;
  const lb = be - bs;
  const l = Math.min(la, lb);
  for (let k = 0; k < l; k++) {
    const x = a[as + k]!;
    const y = b[bs + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return la === lb ? 0 : la < lb ? -1 : 1;
}

/** For each op, whether it holds given the sign (index sign + 1). */
const SIGN_TABLE: Record<CmpOp, Uint8Array> = {
  '=': Uint8Array.of(0, 1, 0),
  '<>': Uint8Array.of(1, 0, 1),
  '<': Uint8Array.of(1, 0, 0),
  '<=': Uint8Array.of(1, 1, 0),
  '>': Uint8Array.of(0, 0, 1),
  '>=': Uint8Array.of(0, 1, 1),
};

function bytesEqualAt(a: Uint8Array, as: number, b: Uint8Array, bs: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (a[as + k] !== b[bs + k]) return false;
  return true;
}

/**
 * String comparison of rows `sel[0..n)` (all rows when null): writes 0/1 per row into `values`
 * (value form) or appends passing rows to `out` (selection form, checking `valid`). Returns the count.
 */
function strRows(
  op: CmpOp,
  a: CmpOperand,
  b: CmpOperand,
  sel: Uint32Array | null,
  n: number,
  values: Uint8Array | null,
  valid: Validity,
  out: Uint32Array | null,
): number {
  if (a instanceof Uint8Array && !(b instanceof Uint8Array))
    return strRows(flipOp(op), b, a, sel, n, values, valid, out);
  const table = SIGN_TABLE[op];
  const va = a as StrVector;
  const ao = va.offsets;
  const ab = va.bytes;
  let k = 0;
  if (b instanceof Uint8Array) {
    const bl = b.length;
    if (op === '=' || op === '<>') {
      const neg = op === '<>' ? 1 : 0;
      const b0 = bl > 0 ? b[0]! : 0;
      for (let j = 0; j < n; j++) {
        const i = sel === null ? j : sel[j]!;
        const s = ao[i]!;
        const r =
          (ao[i + 1]! - s === bl && (bl === 0 || (ab[s] === b0 && bytesEqualAt(ab, s, b, 0, bl))) ? 1 : 0) ^
          neg;
        if (values !== null) values[i] = r;
        else {
          out![k] = i;
          k += r & (valid === null ? 1 : (valid[i >> 3]! >> (i & 7)) & 1);
        }
      }
      return k;
    }
    for (let j = 0; j < n; j++) {
      const i = sel === null ? j : sel[j]!;
      const r = table[compareBytes(ab, ao[i]!, ao[i + 1]!, b, 0, bl) + 1]!;
      if (values !== null) values[i] = r;
      else {
        out![k] = i;
        k += r & (valid === null ? 1 : (valid[i >> 3]! >> (i & 7)) & 1);
      }
    }
    return k;
  }
  const vb = b as StrVector;
  const bo = vb.offsets;
  const bb = vb.bytes;
  for (let j = 0; j < n; j++) {
    const i = sel === null ? j : sel[j]!;
    const r = table[compareBytes(ab, ao[i]!, ao[i + 1]!, bb, bo[i]!, bo[i + 1]!) + 1]!;
    if (values !== null) values[i] = r;
    else {
      out![k] = i;
      k += r & (valid === null ? 1 : (valid[i >> 3]! >> (i & 7)) & 1);
    }
  }
  return k;
}

function strCompareKernel(op: CmpOp, _aS: boolean, _bS: boolean): CompareKernel {
  return (a, b, n) => {
    if (a instanceof Uint8Array && b instanceof Uint8Array) {
      const r = SIGN_TABLE[op][compareBytes(a, 0, a.length, b, 0, b.length) + 1]!;
      return boolVector(BOOLEAN, new Uint8Array(n).fill(r));
    }
    const out = new Uint8Array(n);
    strRows(op, a, b, null, n, out, null, null);
    return boolVector(BOOLEAN, out, andValidity(validityOfOperand(a), validityOfOperand(b), n));
  };
}

function strCompareSelect(op: CmpOp, _aS: boolean, _bS: boolean): CompareSelect {
  return (a, b, sel, n, out) => {
    const valid = andValidity(validityOfOperand(a), validityOfOperand(b), operandLength(a, b));
    return strRows(op, a, b, sel, n, null, valid, out);
  };
}

function operandLength(a: CmpOperand, b: CmpOperand): number {
  if (typeof a === 'object' && !(a instanceof Uint8Array)) return a.length;
  if (typeof b === 'object' && !(b instanceof Uint8Array)) return b.length;
  return 0;
}

// -- intervals and BigInt ---------------------------------------------------------------------

const DAY_US = 86_400_000_000;

/** An interval's total length in µs with a month as 30 days: the order DuckDB compares intervals by. */
export function intervalTotal(months: number, days: number, micros: number): number {
  return (months * 30 + days) * DAY_US + micros;
}

function slowCompareKernel(op: CmpOp, cls: 'interval' | 'big'): CompareKernel {
  const table = SIGN_TABLE[op];
  return (a, b, n) => {
    const out = new Uint8Array(n);
    const get = (x: CmpOperand, i: number): number | bigint => {
      if (typeof x === 'number' || typeof x === 'bigint') return x;
      if (x instanceof Uint8Array) throw new SkeinError('INTERNAL', 'bytes in a numeric comparison');
      if (!('kind' in x)) {
        const iv = x as unknown as { months: number; days: number; micros: number };
        return intervalTotal(iv.months, iv.days, iv.micros);
      }
      if (x.kind === 'interval') return intervalTotal(x.months[i]!, x.days[i]!, x.micros[i]!);
      if (x.kind === 'f64' || x.kind === 'i32') return cls === 'big' ? BigInt(x.values[i]!) : x.values[i]!;
      if (x.kind === 'i64') return x.values[i]!;
      throw new SkeinError('INTERNAL', `cannot compare a ${x.kind} vector`);
    };
    const aB = typeof a === 'number' && cls === 'big' ? BigInt(a) : a;
    const bB = typeof b === 'number' && cls === 'big' ? BigInt(b) : b;
    for (let i = 0; i < n; i++) {
      const x = get(aB, i);
      const y = get(bB, i);
      out[i] = table[x < y ? 0 : x > y ? 2 : 1]!;
    }
    return boolVector(BOOLEAN, out, andValidity(validityOfOperand(a), validityOfOperand(b), n));
  };
}
