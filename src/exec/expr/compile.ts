/**
 * Compiles a PhysicalExpr, once per operator, into an evaluator over batches.
 *
 * - Kernels are resolved at compile time from the argument types; evaluation does no per-row
 *   dispatch (one loop per node per batch).
 * - Literal-only subtrees are folded into constants; a node with a constant operand uses the
 *   scalar-operand variant of its kernel (`col <= DATE '1998-09-02'`, `1 - col`).
 * - Filters use the selection form (`compilePredicate`): comparisons, LIKE and IN write passing
 *   row indices directly; AND narrows the selection conjunct by conjunct (later conjuncts only see
 *   the rows that survived, on a gathered sub-batch once few remain); OR unions.
 * - CASE evaluates each branch only for the rows that reach it; COALESCE only for rows still NULL.
 *
 * @example
 * const price = compileExpr(call('*', [column(0, decimal(15, 2)), call('-', [int32Literal(1), column(1, decimal(15, 2))])]), schema);
 * const v = price(batch); // DECIMAL(18,4) vector
 * const keep = compilePredicate(call('<=', [column(2, DATE), dateLiteral('1998-09-02')]), schema);
 * const rows = keep(batch); // Uint32Array of passing row indices
 */
import { SkeinError } from '../../errors.ts';
import type { PhysicalExpr } from '../../physical/expr.ts';
import { BOOLEAN, type DataType, type Schema, typeToString } from '../../types/data-type.ts';
import { isBitSet, selectionMinus, selectionUnion } from '../kernels/bitmap.ts';
import { compareBytes } from '../kernels/compare.ts';
import { strAt } from '../kernels/str-builder.ts';
import { type Batch, boolVector, nullVector, type Vector } from '../vector.ts';
import { bindCall, caseNode, castNode, isLeaf, likeNode, markColumnRef } from './functions.ts';
import { constNode, foldIfConstant, type Node, selectRows, unionColumns } from './node.ts';
import { scalarOf, scalarToVector } from './scalar.ts';

export type ExprEvaluator = (batch: Batch) => Vector;
/** Returns the indices (ascending) of the rows where the predicate is TRUE. */
export type PredicateEvaluator = (batch: Batch) => Uint32Array;

/** Compiles `expr` against input columns of `inputSchema`. */
export function compileExpr(expr: PhysicalExpr, inputSchema: Schema): ExprEvaluator {
  const node = compileNode(expr, inputSchema);
  return (batch) => node.eval(batch);
}

/** Compiles a BOOLEAN expression for filtering: rows where it is TRUE (not FALSE, not NULL). */
export function compilePredicate(expr: PhysicalExpr, inputSchema: Schema): PredicateEvaluator {
  if (expr.type.kind !== 'boolean' && expr.type.kind !== 'null') {
    throw new SkeinError('INTERNAL', `a filter condition must be BOOLEAN, got ${typeToString(expr.type)}`);
  }
  const node = compileNode(expr, inputSchema);
  return (batch) => {
    const n = batch.length;
    const out = new Uint32Array(n);
    const k = selectRows(node, batch, null, n, out);
    return k === n ? out : out.subarray(0, k);
  };
}

/** The compiled node tree (for operators that want `select` with their own selections). */
export function compileNode(expr: PhysicalExpr, schema: Schema): Node {
  switch (expr.kind) {
    case 'column': {
      const f = schema[expr.index];
      if (f === undefined) {
        throw new SkeinError(
          'INTERNAL',
          `column #${expr.index} is out of range of an input with ${schema.length} columns`,
        );
      }
      if (f.type.kind !== expr.type.kind) {
        throw new SkeinError(
          'INTERNAL',
          `column #${expr.index} ('${f.name}') is ${typeToString(f.type)}, but the plan says ${typeToString(expr.type)}`,
        );
      }
      const index = expr.index;
      return markColumnRef({ type: expr.type, columns: new Set([index]), eval: (b) => b.columns[index]! });
    }
    case 'literal':
      return constNode(scalarToVector(expr.value, expr.type));
    case 'call':
      return bindCall(
        expr.name,
        expr.args.map((a) => compileNode(a, schema)),
        expr.type,
      );
    case 'cast':
      return castNode(compileNode(expr.input, schema), expr.type, expr.try);
    case 'case':
      return caseNode(
        expr.whens.map((w) => ({
          condition: compileNode(w.condition, schema),
          result: compileNode(w.result, schema),
        })),
        expr.else === undefined ? undefined : compileNode(expr.else, schema),
        expr.type,
      );
    case 'in':
      return inNode(
        compileNode(expr.input, schema),
        expr.list.map((e) => compileNode(e, schema)),
        expr.negated,
      );
    case 'is_null':
      return isNullNode(compileNode(expr.input, schema), expr.negated);
    case 'and':
      return andNode(expr.args.map((a) => compileNode(a, schema)));
    case 'or':
      return orNode(expr.args.map((a) => compileNode(a, schema)));
    case 'not':
      return notNode(compileNode(expr.input, schema));
    case 'like':
      return likeNode(
        compileNode(expr.input, schema),
        compileNode(expr.pattern, schema),
        expr.escape,
        expr.caseInsensitive,
        expr.negated,
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Boolean logic (three-valued)

function boolParts(v: Vector): { values: Uint8Array | null; validity: Uint8Array | null } {
  if (v.kind === 'null') return { values: null, validity: null };
  if (v.kind !== 'bool') throw new SkeinError('INTERNAL', `BOOLEAN vector expected, got ${v.kind}`);
  return { values: v.values, validity: v.validity };
}

/** AND/OR over vectors: `dominant` (0 for AND, 1 for OR) wins over NULL. */
function logic(vs: readonly Vector[], n: number, dominant: 0 | 1): Vector {
  const out = new Uint8Array(n).fill(dominant ^ 1);
  let nulls: Uint8Array | null = null;
  for (const v of vs) {
    const { values, validity } = boolParts(v);
    if (values === null) {
      nulls ??= new Uint8Array(n);
      nulls.fill(1);
      continue;
    }
    if (validity === null) {
      if (dominant === 0) for (let i = 0; i < n; i++) out[i]! &= values[i]!;
      else for (let i = 0; i < n; i++) out[i]! |= values[i]!;
    } else {
      nulls ??= new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        if ((validity[i >> 3]! >> (i & 7)) & 1) {
          if (dominant === 0) out[i]! &= values[i]!;
          else out[i]! |= values[i]!;
        } else nulls[i] = 1;
      }
    }
  }
  if (nulls === null) return boolVector(BOOLEAN, out);
  const validity = new Uint8Array((n + 7) >> 3);
  let anyNull = false;
  for (let i = 0; i < n; i++) {
    if (out[i] === dominant || nulls[i] === 0) validity[i >> 3]! |= 1 << (i & 7);
    else anyNull = true;
  }
  return boolVector(BOOLEAN, out, anyNull ? validity : null);
}

function andNode(args: readonly Node[]): Node {
  // A constant FALSE decides; constant TRUEs drop out.
  const live: Node[] = [];
  for (const a of args) {
    if (a.constant !== undefined) {
      const c = scalarOf(a.constant);
      if (c === 0) return constNode(boolVector(BOOLEAN, Uint8Array.of(0)));
      if (c === 1) continue;
    }
    live.push(a);
  }
  if (live.length === 0) return constNode(boolVector(BOOLEAN, Uint8Array.of(1)));
  if (live.length === 1 && live[0]!.type.kind === 'boolean') return live[0]!;
  // Cheaper conjuncts first would need statistics; the plan's order is kept.
  const node: Node = {
    type: BOOLEAN,
    columns: unionColumns(live),
    eval: (batch) =>
      logic(
        live.map((a) => a.eval(batch)),
        batch.length,
        0,
      ),
    select(batch, sel, n, out) {
      let cur = sel;
      let k = n;
      for (const a of live) {
        if (k === 0) return 0;
        k = selectRows(a, batch, cur, k, out);
        cur = out;
      }
      return k;
    },
  };
  return foldIfConstant(node, live);
}

function orNode(args: readonly Node[]): Node {
  const live: Node[] = [];
  for (const a of args) {
    if (a.constant !== undefined) {
      const c = scalarOf(a.constant);
      if (c === 1) return constNode(boolVector(BOOLEAN, Uint8Array.of(1)));
      if (c === 0) continue;
    }
    live.push(a);
  }
  if (live.length === 0) return constNode(boolVector(BOOLEAN, Uint8Array.of(0)));
  if (live.length === 1 && live[0]!.type.kind === 'boolean') return live[0]!;
  const node: Node = {
    type: BOOLEAN,
    columns: unionColumns(live),
    eval: (batch) =>
      logic(
        live.map((a) => a.eval(batch)),
        batch.length,
        1,
      ),
    select(batch, sel, n, out) {
      // Each disjunct sees only the rows no earlier one accepted.
      let remaining: Uint32Array | null = sel;
      let rn = n;
      let acc = new Uint32Array(0);
      let an = 0;
      for (const a of live) {
        if (rn === 0) break;
        const hits = new Uint32Array(rn);
        const k = selectRows(a, batch, remaining, rn, hits);
        if (k === 0) continue;
        const merged = new Uint32Array(an + k);
        an = selectionUnion(acc, an, hits, k, merged);
        acc = merged;
        const rest = new Uint32Array(rn - k);
        rn = selectionMinus(remaining ?? identity(batch.length), rn, hits, k, rest);
        remaining = rest;
      }
      out.set(acc.subarray(0, an));
      return an;
    },
  };
  return foldIfConstant(node, live);
}

function identity(n: number): Uint32Array {
  const s = new Uint32Array(n);
  for (let i = 0; i < n; i++) s[i] = i;
  return s;
}

function notNode(arg: Node): Node {
  const node: Node = {
    type: BOOLEAN,
    columns: arg.columns,
    eval(batch) {
      const v = arg.eval(batch);
      if (v.kind === 'null') return nullVector(BOOLEAN, batch.length);
      const { values, validity } = boolParts(v);
      const out = new Uint8Array(batch.length);
      for (let i = 0; i < out.length; i++) out[i] = values![i]! ^ 1;
      return boolVector(BOOLEAN, out, validity);
    },
    select(batch, sel, n, out) {
      const v = arg.eval(batch);
      if (v.kind === 'null') return 0;
      const { values, validity } = boolParts(v);
      let k = 0;
      for (let j = 0; j < n; j++) {
        const i = sel === null ? j : sel[j]!;
        out[k] = i;
        k += (values![i]! ^ 1) & (validity === null ? 1 : (validity[i >> 3]! >> (i & 7)) & 1);
      }
      return k;
    },
  };
  return foldIfConstant(node, [arg]);
}

function isNullNode(arg: Node, negated: boolean): Node {
  const want = negated ? 1 : 0; // validity bit that passes
  const node: Node = {
    type: BOOLEAN,
    columns: arg.columns,
    eval(batch) {
      const n = batch.length;
      const v = arg.eval(batch);
      const out = new Uint8Array(n);
      if (v.kind === 'null') out.fill(want ^ 1);
      else if (v.validity === null) out.fill(want);
      else for (let i = 0; i < n; i++) out[i] = ((v.validity[i >> 3]! >> (i & 7)) & 1) === want ? 1 : 0;
      return boolVector(BOOLEAN, out);
    },
    select(batch, sel, n, out) {
      const v = arg.eval(batch);
      const m = v.kind === 'null' ? null : v.validity;
      const allNull = v.kind === 'null';
      let k = 0;
      for (let j = 0; j < n; j++) {
        const i = sel === null ? j : sel[j]!;
        const bit = allNull ? 0 : m === null ? 1 : (m[i >> 3]! >> (i & 7)) & 1;
        out[k] = i;
        k += bit === want ? 1 : 0;
      }
      return k;
    },
  };
  // IS NULL of a constant is a constant (even of a NULL one).
  if (arg.constant !== undefined) return foldIfConstant(node, [arg]);
  return node;
}

// ---------------------------------------------------------------------------------------------
// IN

function inNode(input: Node, list: readonly Node[], negated: boolean): Node {
  const allConst = list.every((e) => e.constant !== undefined);
  if (!allConst || input.type.kind === 'interval') {
    // x IN (a, b) ≡ x = a OR x = b, with SQL's NULL rules.
    const eqs = list.map((e) => bindCall('=', [input, e], BOOLEAN));
    const any = orNode(eqs);
    return negated ? notNode(any) : any;
  }
  const consts = list.map((e) => scalarOf(e.constant!));
  const hasNull = consts.some((c) => c === undefined);
  const values = consts.filter((c) => c !== undefined);
  const member = membership(input.type, values);
  // A few string constants: the select loop compares bytes inline (no call per row).
  const strNeedles =
    input.type.kind === 'varchar' && values.length <= 30 ? strNeedlesOf(values as Uint8Array[]) : null;
  // A row passes when the input is not NULL and: found (IN), or not found and no NULL in the list (NOT IN).
  const node: Node = {
    type: BOOLEAN,
    columns: input.columns,
    eval(batch) {
      const n = batch.length;
      const v = input.eval(batch);
      if (v.kind === 'null') return nullVector(BOOLEAN, n);
      const out = new Uint8Array(n);
      const validity =
        v.validity === null ? (hasNull ? new Uint8Array((n + 7) >> 3).fill(0xff) : null) : v.validity.slice();
      for (let i = 0; i < n; i++) {
        const found = member(v, i);
        out[i] = found !== negated ? 1 : 0;
        if (!found && hasNull) validity![i >> 3]! &= ~(1 << (i & 7));
      }
      return boolVector(BOOLEAN, out, validity);
    },
    selectsInPlace: isLeaf(input),
    select(batch, sel, n, out) {
      const v = input.eval(batch);
      if (v.kind === 'null') return 0;
      if (negated && hasNull) return 0;
      if (strNeedles !== null && v.kind === 'str')
        return selectStrIn(v.offsets, v.bytes, v.validity, sel, n, out, strNeedles, negated);
      const m = v.validity;
      let k = 0;
      for (let j = 0; j < n; j++) {
        const i = sel === null ? j : sel[j]!;
        if (m !== null && !isBitSet(m, i)) continue;
        if (member(v, i) !== negated) out[k++] = i;
      }
      return k;
    },
  };
  return foldIfConstant(node, [input]);
}

/**
 * The rows of `sel[0..n)` (or 0..n-1) whose string is (with `negated`: is not) one of `needles`;
 * NULLs never pass. Written to `out`, which may be `sel`; returns their count.
 */
function selectStrIn(
  offsets: Int32Array,
  bytes: Uint8Array,
  validity: Uint8Array | null,
  sel: Uint32Array | null,
  n: number,
  out: Uint32Array,
  needles: StrNeedles,
  negated: boolean,
): number {
  const last = bytes.length - 1;
  if (last < 0) return selectStrInPlain(offsets, bytes, validity, sel, n, out, needles, negated);
  const nb = needles.bytes;
  const no = needles.offsets;
  const nk = needles.keys;
  const m = no.length - 1;
  let k = 0;
  for (let j = 0; j < n; j++) {
    const i = sel === null ? j : sel[j]!;
    const a = offsets[i]!;
    const len = offsets[i + 1]! - a;
    // Length and first 3 bytes as one number (reads clamped to the buffer, masked by length):
    // one compare per needle, no data-dependent branch until a key matches.
    const w =
      (bytes[Math.min(a, last)]! |
        (bytes[Math.min(a + 1, last)]! << 8) |
        (bytes[Math.min(a + 2, last)]! << 16)) &
      (len >= 3 ? 0xffffff : (1 << (8 * len)) - 1);
    const key = len * 16777216 + w;
    let hit = 0;
    for (let q = 0; q < m; q++) hit |= key === nk[q] ? 1 << q : 0;
    let found = false;
    if (hit !== 0) {
      if (len <= 3) found = true;
      else
        for (let q = 0; q < m && !found; q++) {
          if (((hit >> q) & 1) === 0) continue;
          const b = no[q]!;
          let c = 3;
          while (c < len && bytes[a + c] === nb[b + c]) c++;
          found = c === len;
        }
    }
    const valid = validity === null ? 1 : (validity[i >> 3]! >> (i & 7)) & 1;
    out[k] = i;
    k += (found !== negated ? 1 : 0) & valid;
  }
  return k;
}

/** selectStrIn over a vector with no bytes at all (every string empty). */
function selectStrInPlain(
  offsets: Int32Array,
  _bytes: Uint8Array,
  validity: Uint8Array | null,
  sel: Uint32Array | null,
  n: number,
  out: Uint32Array,
  needles: StrNeedles,
  negated: boolean,
): number {
  let hasEmpty = false;
  for (let q = 0; q + 1 < needles.offsets.length; q++)
    if (needles.offsets[q + 1] === needles.offsets[q]) hasEmpty = true;
  let k = 0;
  for (let j = 0; j < n; j++) {
    const i = sel === null ? j : sel[j]!;
    if (validity !== null && ((validity[i >> 3]! >> (i & 7)) & 1) === 0) continue;
    const found = offsets[i + 1] === offsets[i] && hasEmpty;
    if (found !== negated) out[k++] = i;
  }
  return k;
}

/** Constant strings laid out like a string vector: all bytes, and offsets (one more than strings). */
interface StrNeedles {
  readonly bytes: Uint8Array;
  readonly offsets: Int32Array;
  /** Per needle: length · 2^24 + its first 3 bytes (little-endian, zero past its end). */
  readonly keys: Float64Array;
}

function strNeedlesOf(values: readonly Uint8Array[]): StrNeedles {
  const offsets = new Int32Array(values.length + 1);
  values.forEach((v, q) => {
    offsets[q + 1] = offsets[q]! + v.length;
  });
  const bytes = new Uint8Array(offsets[values.length]!);
  values.forEach((v, q) => {
    bytes.set(v, offsets[q]!);
  });
  const keys = new Float64Array(values.length);
  values.forEach((v, q) => {
    keys[q] = v.length * 16777216 + ((v[0] ?? 0) | ((v[1] ?? 0) << 8) | ((v[2] ?? 0) << 16));
  });
  return { bytes, offsets, keys };
}

/** A membership test of row i against constant values, specialised by storage. */
function membership(type: DataType, values: readonly unknown[]): (v: Vector, i: number) => boolean {
  if (type.kind === 'varchar') {
    const needles = values as Uint8Array[];
    if (needles.length > 16) {
      const set = new Set(needles.map((b) => new TextDecoder().decode(b)));
      return (v, i) => set.has(strAt(v as Extract<Vector, { kind: 'str' }>, i));
    }
    return (v, i) => {
      const s = v as Extract<Vector, { kind: 'str' }>;
      const a = s.offsets[i]!;
      const len = s.offsets[i + 1]! - a;
      for (const nd of needles) {
        if (nd.length === len && compareBytes(s.bytes, a, a + len, nd, 0, len) === 0) return true;
      }
      return false;
    };
  }
  const nums = new Set<number>();
  const bigs = new Set<bigint>();
  for (const x of values) {
    if (typeof x === 'bigint') bigs.add(x);
    else if (typeof x === 'number') {
      nums.add(x);
      if (Number.isInteger(x)) bigs.add(BigInt(x));
    }
  }
  const list = [...nums];
  return (v, i) => {
    switch (v.kind) {
      case 'i64':
        return bigs.has(v.values[i]!);
      case 'i32':
      case 'f64':
      case 'bool': {
        const x = v.values[i]!;
        if (list.length <= 4) {
          for (const y of list) if (x === y || (Number.isNaN(x) && Number.isNaN(y))) return true;
          return false;
        }
        return nums.has(x);
      }
      default:
        throw new SkeinError('INTERNAL', `IN over a ${v.kind} vector`);
    }
  };
}
