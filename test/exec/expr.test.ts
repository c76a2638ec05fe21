/**
 * The evaluator over real vectors: NULLs in columns, three-valued logic, selections, laziness of
 * CASE/COALESCE, the exact (BigInt) fallback of fused arithmetic, LIKE's whole-buffer search.
 */
import { describe, expect, it } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import { compileExpr, compileNode, compilePredicate } from '../../src/exec/expr/compile.ts';
import { compilePairPredicate } from '../../src/exec/expr/pairs.ts';
import { jsValue, vectorFromScalars, vectorValue } from '../../src/exec/expr/scalar.ts';
import { castVector } from '../../src/exec/kernels/cast.ts';
import { sliceVector } from '../../src/exec/kernels/take.ts';
import type { Batch, Vector } from '../../src/exec/vector.ts';
import type { ScalarValue } from '../../src/physical/expr.ts';
import {
  and,
  between,
  call,
  caseWhen,
  cast,
  column,
  dateLiteral,
  decimalLiteral,
  inList,
  int32Literal,
  intervalLiteral,
  isNull,
  like,
  not,
  nullLiteral,
  or,
  type PhysicalExpr,
  timestampLiteral,
  tryCast,
  varcharLiteral,
} from '../../src/physical/expr.ts';
import {
  BOOLEAN,
  DATE,
  type DataType,
  decimal,
  type Field,
  INT32,
  INT64,
  INTERVAL,
  TIMESTAMP,
  VARCHAR,
} from '../../src/types/data-type.ts';

/** A batch from columns of ScalarValues. */
function batchOf(cols: Record<string, [DataType, ScalarValue[]]>): Batch {
  const entries = Object.entries(cols);
  const schema: Field[] = entries.map(([name, [type]]) => ({ name, type, nullable: true }));
  const columns = entries.map(([, [type, values]]) => vectorFromScalars(type, values));
  return { schema, columns, length: columns[0]!.length };
}

function values(v: Vector): ScalarValue[] {
  return Array.from({ length: v.length }, (_, i) => vectorValue(v, i));
}

function text(v: Vector): (string | null)[] {
  const t = castVector(v, VARCHAR);
  return Array.from({ length: v.length }, (_, i) => jsValue(t, i) as string | null);
}

function evalOn(b: Batch, e: PhysicalExpr): Vector {
  return compileExpr(e, b.schema)(b);
}

function selected(b: Batch, e: PhysicalExpr): number[] {
  return [...compilePredicate(e, b.schema)(b)];
}

const T = true;
const F = false;
const N = null;

describe('three-valued logic on vectors', () => {
  const b = batchOf({
    x: [BOOLEAN, [T, T, T, F, F, F, N, N, N]],
    y: [BOOLEAN, [T, F, N, T, F, N, T, F, N]],
  });
  const x = column(0, BOOLEAN);
  const y = column(1, BOOLEAN);

  it('AND / OR / NOT as values', () => {
    expect(values(evalOn(b, and(x, y)))).toEqual([T, F, N, F, F, F, N, F, N]);
    expect(values(evalOn(b, or(x, y)))).toEqual([T, T, T, T, F, N, T, N, N]);
    expect(values(evalOn(b, not(x)))).toEqual([F, F, F, T, T, T, N, N, N]);
    expect(values(evalOn(b, isNull(x)))).toEqual([F, F, F, F, F, F, T, T, T]);
  });

  it('AND / OR / NOT as selections: only TRUE rows pass', () => {
    expect(selected(b, and(x, y))).toEqual([0]);
    expect(selected(b, or(x, y))).toEqual([0, 1, 2, 3, 6]);
    expect(selected(b, not(x))).toEqual([3, 4, 5]);
    expect(selected(b, not(and(x, y)))).toEqual([1, 3, 4, 5, 7]);
    expect(selected(b, isNull(y, true))).toEqual([0, 1, 3, 4, 6, 7]);
  });
});

describe('NULLs through kernels', () => {
  const b = batchOf({
    a: [INT32, [1, null, 3, 2147483647, null]],
    d: [decimal(15, 2), ['150', '-250', null, '5', '0']],
    s: [VARCHAR, ['abc', null, 'héllo', '', 'x']],
  });
  const a = column(0, INT32);
  const d = column(1, decimal(15, 2));
  const s = column(2, VARCHAR);

  it('propagates NULL in arithmetic and skips NULL rows in overflow checks', () => {
    // Row 3 overflows: an error, even though other rows are NULL.
    expect(() => evalOn(b, call('+', [a, int32Literal(1)]))).toThrow(
      /Overflow in addition of INTEGER \(2147483647 \+ 1\)/,
    );
    const sliced: Batch = { ...b, length: 3, columns: b.columns.map((c) => sliceVector(c, 0, 3)) };
    expect(values(evalOn(sliced, call('+', [a, int32Literal(1)])))).toEqual([2, null, 4]);
    expect(text(evalOn(b, call('*', [d, call('-', [int32Literal(1), d])])))).toEqual([
      '-0.7500',
      '-8.7500',
      null,
      '0.0475',
      '0.0000',
    ]);
  });

  it('division by zero gives NULL for integers, inf for doubles', () => {
    const z = batchOf({ x: [INT32, [7, -7, 0]], y: [INT32, [0, 2, 0]] });
    const x = column(0, INT32);
    const y = column(1, INT32);
    expect(values(evalOn(z, call('//', [x, y])))).toEqual([null, -3, null]);
    expect(values(evalOn(z, call('%', [x, y])))).toEqual([null, -1, null]);
    expect(values(evalOn(z, call('/', [x, y])))).toEqual(['Infinity', -3.5, 'NaN']);
  });

  it('comparisons and LIKE leave NULL rows out of selections', () => {
    expect(selected(b, call('>', [a, int32Literal(1)]))).toEqual([2, 3]);
    expect(selected(b, call('<>', [s, varcharLiteral('x')]))).toEqual([0, 2, 3]);
    expect(selected(b, like(s, varcharLiteral('%l%'), { negated: true }))).toEqual([0, 3, 4]);
    expect(values(evalOn(b, like(s, varcharLiteral('h_llo'))))).toEqual([F, N, T, F, F]);
  });

  it('IN with a NULL in the list is NULL when nothing matches', () => {
    expect(values(evalOn(b, inList(a, [int32Literal(1), nullLiteral(INT32)])))).toEqual([T, N, N, N, N]);
    expect(values(evalOn(b, inList(a, [int32Literal(1), nullLiteral(INT32)], true)))).toEqual([
      F,
      N,
      N,
      N,
      N,
    ]);
    expect(selected(b, inList(a, [int32Literal(3), int32Literal(1)]))).toEqual([0, 2]);
    expect(selected(b, inList(a, [int32Literal(3), nullLiteral(INT32)], true))).toEqual([]);
    expect(selected(b, inList(a, [int32Literal(3)], true))).toEqual([0, 3]);
  });

  it('string functions keep NULLs', () => {
    expect(values(evalOn(b, call('upper', [s])))).toEqual(['ABC', null, 'HÉLLO', '', 'X']);
    expect(values(evalOn(b, call('length', [s])))).toEqual(['3', null, '5', '0', '1']);
    expect(values(evalOn(b, call('substring', [s, int32Literal(2), int32Literal(2)])))).toEqual([
      'bc',
      null,
      'él',
      '',
      '',
    ]);
    expect(values(evalOn(b, call('||', [s, varcharLiteral('!')])))).toEqual([
      'abc!',
      null,
      'héllo!',
      '!',
      'x!',
    ]);
    expect(values(evalOn(b, call('concat', [s, varcharLiteral('!')])))).toEqual([
      'abc!',
      '!',
      'héllo!',
      '!',
      'x!',
    ]);
  });
});

describe('selections', () => {
  const n = 1000;
  const b = batchOf({
    k: [INT32, Array.from({ length: n }, (_, i) => i)],
    s: [VARCHAR, Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 'PROMO x' : `item ${i}`))],
  });
  const k = column(0, INT32);
  const s = column(1, VARCHAR);

  it('AND narrows conjunct by conjunct (later ones see few rows) with the same result', () => {
    const e = and(
      call('<', [k, int32Literal(100)]),
      like(s, varcharLiteral('PROMO%')),
      call('>', [k, int32Literal(10)]),
    );
    const expected = Array.from({ length: n }, (_, i) => i).filter((i) => i < 100 && i % 7 === 0 && i > 10);
    expect(selected(b, e)).toEqual(expected);
    // The value form agrees.
    const v = evalOn(b, e);
    expect(values(v).flatMap((x, i) => (x === true ? [i] : []))).toEqual(expected);
  });

  it('evaluates a computed comparison only on the few rows left (gathered sub-batch)', () => {
    const prefix = call('substring', [s, int32Literal(1), int32Literal(5)]);
    const e = and(call('<', [k, int32Literal(100)]), call('=', [prefix, varcharLiteral('PROMO')]));
    const expected = Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 7 === 0);
    expect(selected(b, e)).toEqual(expected);
    const e2 = and(
      call('<', [k, int32Literal(100)]),
      call('=', [call('%', [k, int32Literal(7)]), int32Literal(0)]),
    );
    expect(selected(b, e2)).toEqual(expected);
  });

  it('OR unions disjuncts, each seeing only rows not yet accepted', () => {
    const e = or(
      call('<', [k, int32Literal(3)]),
      call('>', [k, int32Literal(997)]),
      like(s, varcharLiteral('%x')),
    );
    const expected = Array.from({ length: n }, (_, i) => i).filter((i) => i < 3 || i > 997 || i % 7 === 0);
    expect(selected(b, e)).toEqual(expected);
  });

  it('BETWEEN and a general boolean expression in a filter', () => {
    expect(selected(b, between(k, int32Literal(5), int32Literal(8)))).toEqual([5, 6, 7, 8]);
    const e = call('=', [call('%', [k, int32Literal(250)]), int32Literal(0)]);
    expect(selected(b, e)).toEqual([0, 250, 500, 750]);
  });
});

describe('laziness', () => {
  const b = batchOf({ s: [VARCHAR, ['1', 'x', '3', null]], t: [VARCHAR, ['a', 'b', 'c', 'd']] });
  const s = column(0, VARCHAR);

  it('CASE evaluates a branch only for the rows that reach it', () => {
    const e = caseWhen(
      [{ condition: call('=', [s, varcharLiteral('x')]), result: int32Literal(-1) }],
      cast(s, INT32),
    );
    expect(values(evalOn(b, e))).toEqual([1, -1, 3, null]);
    // Without the guard the cast fails, naming the value.
    expect(() => evalOn(b, cast(s, INT32))).toThrow("cannot cast 'x' to INTEGER");
    expect(values(evalOn(b, tryCast(s, INT32)))).toEqual([1, null, 3, null]);
  });

  it('CASE branches and ELSE, with NULL conditions falling through', () => {
    const k = batchOf({ k: [INT32, [1, 2, 3, null, 5]] });
    const x = column(0, INT32);
    const e = caseWhen(
      [
        { condition: call('<', [x, int32Literal(2)]), result: varcharLiteral('small') },
        { condition: call('<', [x, int32Literal(4)]), result: varcharLiteral('mid') },
      ],
      varcharLiteral('big'),
    );
    expect(values(evalOn(k, e))).toEqual(['small', 'mid', 'mid', 'big', 'big']);
    const noElse = caseWhen([{ condition: call('>', [x, int32Literal(2)]), result: x }]);
    expect(values(evalOn(k, noElse))).toEqual([null, null, 3, null, 5]);
  });

  it('COALESCE evaluates later arguments only for rows still NULL', () => {
    const c = batchOf({ a: [INT32, [1, null, 3]], s: [VARCHAR, ['bad', '7', 'bad']] });
    const e = call('coalesce', [column(0, INT32), cast(column(1, VARCHAR), INT32)]);
    expect(values(evalOn(c, e))).toEqual([1, 7, 3]);
  });
});

describe('exactness of BIGINT and DECIMAL arithmetic', () => {
  it('falls back to BigInt when a product passes 2^53, and back to doubles when results fit', () => {
    const b = batchOf({
      // Scaled integers: 9999999999.99, 100.00, NULL and 9999.99, 2.00, 1.00.
      p: [decimal(15, 2), ['999999999999', '10000', null]],
      q: [decimal(15, 2), ['999999', '200', '100']],
    });
    const e = call('*', [column(0, decimal(15, 2)), column(1, decimal(15, 2))]);
    expect(e.type).toEqual(decimal(18, 4));
    const v = evalOn(b, e);
    expect(v.kind).toBe('i64');
    expect(text(v)).toEqual(['99999899999900.0001', '200.0000', null]);
    // Fused tree with an inexact intermediate: the whole batch is redone exactly.
    const f = call('+', [
      call('*', [column(0, decimal(15, 2)), column(1, decimal(15, 2))]),
      decimalLiteral('0.0001'),
    ]);
    expect(text(evalOn(b, f))).toEqual(['99999899999900.0002', '200.0001', null]);
    // Beyond 64 bits: an error (DuckDB's DECIMAL(18,4) overflows there too).
    const huge = batchOf({ p: [decimal(15, 2), ['999999999999999']], q: [decimal(15, 2), ['999999']] });
    expect(() => evalOn(huge, e)).toThrow(
      'Overflow in multiplication of DECIMAL(18,4) (9999999999999.99 * 9999.99)',
    );
  });

  it('raises overflow past 64 bits, naming the values', () => {
    const b = batchOf({ x: [INT64, ['9223372036854775807']] });
    expect(() => evalOn(b, call('+', [column(0, INT64), int32Literal(1)]))).toThrow(
      'Overflow in addition of BIGINT (9223372036854775807 + 1)',
    );
    const i = batchOf({ x: [INT32, [100000]] });
    const fused = call('+', [call('*', [column(0, INT32), column(0, INT32)]), int32Literal(1)]);
    expect(() => evalOn(i, fused)).toThrow(SkeinError);
    expect(() => evalOn(i, fused)).toThrow('Overflow in multiplication of INTEGER (100000 * 100000)');
  });

  it('compares BigInt-stored values exactly', () => {
    const b = batchOf({ x: [INT64, ['9007199254740993', '9007199254740992', '-1']] });
    const x = column(0, INT64);
    expect(selected(b, call('>', [x, call('+', [int32Literal(0), column(0, INT64)])]))).toEqual([]);
    expect(selected(b, call('=', [x, { kind: 'literal', type: INT64, value: '9007199254740993' }]))).toEqual([
      0,
    ]);
    expect(values(evalOn(b, call('-', [x, int32Literal(1)])))).toEqual([
      '9007199254740992',
      '9007199254740991',
      '-2',
    ]);
  });
});

describe('intervals and timestamps', () => {
  it('compares an interval column with an interval constant (a month as 30 days)', () => {
    const b = batchOf({
      i: [
        INTERVAL,
        [
          { months: 1, days: 0, micros: 0 },
          { months: 0, days: 29, micros: 0 },
          { months: 0, days: 0, micros: 31 * 86400e6 },
        ],
      ],
    });
    expect(selected(b, call('>=', [column(0, INTERVAL), intervalLiteral({ days: 30 })]))).toEqual([0, 2]);
  });

  it('keeps far-future timestamps in doubles', () => {
    const b = batchOf({ t: [TIMESTAMP, ['253402300799000000']] }); // 9999-12-31 23:59:59
    expect(text(evalOn(b, call('date_part', [varcharLiteral('year'), column(0, TIMESTAMP)])))).toEqual([
      '9999',
    ]);
    expect(text(evalOn(b, timestampLiteral('9999-12-31 23:59:59')))).toEqual(['9999-12-31 23:59:59']);
  });
});

describe('dates compared as timestamps', () => {
  const b = batchOf({ d: [DATE, [10470, 10471, 10472, null]] }); // 1998-09-01 … 03
  const d = column(0, DATE);
  const cutoff = call('-', [dateLiteral('1998-12-01'), intervalLiteral({ days: 90 })]); // TIMESTAMP 1998-09-02

  it('uses day numbers with a rounded bound, exactly as comparing timestamps', () => {
    expect(cutoff.type).toEqual(TIMESTAMP);
    expect(selected(b, call('<=', [d, cutoff]))).toEqual([0, 1]);
    expect(selected(b, call('<', [d, cutoff]))).toEqual([0]);
    expect(selected(b, call('<', [d, timestampLiteral('1998-09-02 00:00:01')]))).toEqual([0, 1]);
    expect(selected(b, call('>=', [d, timestampLiteral('1998-09-02 00:00:01')]))).toEqual([2]);
    expect(selected(b, call('=', [d, timestampLiteral('1998-09-02 12:00:00')]))).toEqual([]);
    expect(selected(b, call('>', [timestampLiteral('1998-09-02 12:00:00'), d]))).toEqual([0, 1]);
    expect(values(evalOn(b, call('=', [d, cutoff])))).toEqual([F, T, F, N]);
  });
});

describe('LIKE over whole buffers', () => {
  it('finds contains-patterns by searching the byte buffer, never across rows', () => {
    const rows = ['forest green', 'gre', 'en', 'greenish', 'GREEN', '', 'x green', null, 'dark green metal'];
    const b = batchOf({ s: [VARCHAR, rows] });
    const s = column(0, VARCHAR);
    expect(selected(b, like(s, varcharLiteral('%green%')))).toEqual([0, 3, 6, 8]);
    expect(selected(b, like(s, varcharLiteral('%green%'), { caseInsensitive: true }))).toEqual([
      0, 3, 4, 6, 8,
    ]);
    expect(selected(b, like(s, varcharLiteral('%gre%en%')))).toEqual([0, 3, 6, 8]);
    // A slice whose offsets do not start at 0.
    const sliced: Batch = { ...b, length: 4, columns: [sliceVector(b.columns[0]!, 2, 6)] };
    expect(selected(sliced, like(s, varcharLiteral('%green%')))).toEqual([1]);
    expect(values(evalOn(sliced, like(s, varcharLiteral('%en%'))))).toEqual([T, T, F, F]);
  });

  it('matches TPC-H shapes', () => {
    const b = batchOf({
      s: [
        VARCHAR,
        ['PROMO BRUSHED TIN', 'LARGE PLATED BRASS', 'PROMO', 'Customer x Complaints', 'Complaints Customer'],
      ],
    });
    const s = column(0, VARCHAR);
    expect(selected(b, like(s, varcharLiteral('PROMO%')))).toEqual([0, 2]);
    expect(selected(b, like(s, varcharLiteral('%BRASS')))).toEqual([1]);
    expect(selected(b, like(s, varcharLiteral('%Customer%Complaints%')))).toEqual([3]);
    expect(selected(b, like(s, varcharLiteral('%Customer%Complaints%'), { negated: true }))).toEqual([
      0, 1, 2, 4,
    ]);
  });

  it('takes the pattern per row when it is a column', () => {
    const b = batchOf({
      s: [VARCHAR, ['abc', 'abc', 'a_c', null]],
      p: [VARCHAR, ['a%', 'b%', 'a\\_c', 'a']],
    });
    const e = like(column(0, VARCHAR), column(1, VARCHAR), { escape: '\\' });
    expect(values(evalOn(b, e))).toEqual([T, F, T, N]);
  });
});

describe('compilation', () => {
  it('folds literal-only subtrees into constants', () => {
    const e = call('<=', [
      column(0, DATE),
      call('-', [dateLiteral('1998-12-01'), intervalLiteral({ days: 90 })]),
    ]);
    const node = compileNode(e.args[1]!, [{ name: 'd', type: DATE, nullable: true }]);
    expect(node.constant).toBeDefined();
    expect(text(node.constant!)).toEqual(['1998-09-02 00:00:00']);
  });

  it('a constant expression fills the batch', () => {
    const b = batchOf({ x: [INT32, [1, 2, 3]] });
    expect(values(evalOn(b, call('+', [int32Literal(1), int32Literal(2)])))).toEqual([3, 3, 3]);
    expect(values(evalOn(b, nullLiteral(INT32)))).toEqual([null, null, null]);
  });

  it('rejects a plan whose column types disagree with the input', () => {
    expect(() => compileExpr(column(0, VARCHAR), [{ name: 'x', type: INT32, nullable: true }])).toThrow(
      /column #0 \('x'\) is INTEGER, but the plan says VARCHAR/,
    );
  });
});

describe('pair predicates (joins)', () => {
  it('evaluates a condition over (left row, right row) pairs', () => {
    const left = batchOf({ a: [INT32, [1, 5, 10]], la: [VARCHAR, ['x', 'y', 'z']] });
    const right = batchOf({ b: [INT32, [3, 7, null]] });
    const cond = compilePairPredicate(
      call('<', [column(0, INT32), column(2, INT32)]),
      left.schema,
      right.schema,
    );
    // All 9 pairs, left-major.
    const lRows = Uint32Array.of(0, 0, 0, 1, 1, 1, 2, 2, 2);
    const rRows = Uint32Array.of(0, 1, 2, 0, 1, 2, 0, 1, 2);
    expect([...cond(left, lRows, right, rRows, 9)]).toEqual([0, 1, 4]);
  });
});
