/**
 * The function catalogue's typing rules (`resolveFunction`) and the PhysicalExpr factories:
 * what the binder relies on.
 */
import { describe, expect, it } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import {
  call,
  caseWhen,
  column,
  dateLiteral,
  decimalLiteral,
  float64Literal,
  int32Literal,
  int64Literal,
  intervalLiteral,
  literal,
  type PhysicalExpr,
  timestampLiteral,
  varcharLiteral,
} from '../../src/physical/expr.ts';
import {
  BOOLEAN,
  DATE,
  decimal,
  FLOAT64,
  INT32,
  INT64,
  INTERVAL,
  NULL_TYPE,
  TIMESTAMP,
  typeToString,
  VARCHAR,
} from '../../src/types/data-type.ts';
import {
  canCast,
  canImplicitCast,
  commonType,
  functionNames,
  resolveFunction,
} from '../../src/types/functions.ts';

function typeOf(name: string, ...types: Parameters<typeof resolveFunction>[1]): string {
  return typeToString(resolveFunction(name, types).returnType);
}

function error(f: () => unknown): SkeinError {
  try {
    f();
  } catch (err) {
    if (err instanceof SkeinError) return err;
    throw err;
  }
  throw new Error('expected a SkeinError');
}

describe('resolveFunction', () => {
  it('types arithmetic as DuckDB does', () => {
    expect(typeOf('+', INT32, INT32)).toBe('INTEGER');
    expect(typeOf('+', INT32, INT64)).toBe('BIGINT');
    expect(typeOf('/', INT32, INT32)).toBe('DOUBLE');
    expect(typeOf('//', INT32, INT32)).toBe('INTEGER');
    expect(typeOf('//', decimal(10, 2), decimal(10, 2))).toBe('DOUBLE');
    expect(typeOf('*', decimal(2, 1), decimal(3, 2))).toBe('DECIMAL(5,3)');
    expect(typeOf('*', decimal(15, 2), decimal(15, 2))).toBe('DECIMAL(18,4)');
    expect(typeOf('*', decimal(18, 4), decimal(16, 2))).toBe('DECIMAL(18,6)');
    expect(typeOf('*', decimal(38, 2), decimal(38, 2))).toBe('DECIMAL(38,4)');
    expect(typeOf('-', INT32, decimal(15, 2))).toBe('DECIMAL(16,2)');
    expect(typeOf('-', INT64, decimal(15, 2))).toBe('DECIMAL(22,2)');
    expect(typeOf('%', decimal(18, 2), decimal(5, 1))).toBe('DECIMAL(18,2)');
    expect(typeOf('+', decimal(15, 2), FLOAT64)).toBe('DOUBLE');
    expect(typeOf('+', NULL_TYPE, INT32)).toBe('INTEGER');
    expect(typeOf('mod', INT32, INT32)).toBe('INTEGER');
    expect(resolveFunction('-', [INT32, decimal(15, 2)]).argTypes).toEqual([decimal(10, 0), decimal(15, 2)]);
  });

  it('types date and interval arithmetic', () => {
    expect(typeOf('+', DATE, INTERVAL)).toBe('TIMESTAMP');
    expect(typeOf('-', DATE, INTERVAL)).toBe('TIMESTAMP');
    expect(typeOf('+', INTERVAL, TIMESTAMP)).toBe('TIMESTAMP');
    expect(typeOf('-', DATE, DATE)).toBe('BIGINT');
    expect(typeOf('+', DATE, INT32)).toBe('DATE');
    expect(typeOf('-', TIMESTAMP, TIMESTAMP)).toBe('INTERVAL');
    expect(error(() => resolveFunction('+', [DATE, FLOAT64])).code).toBe('TYPE');
  });

  it('types comparisons through a common type, converting strings where DuckDB does', () => {
    expect(resolveFunction('<', [INT32, decimal(3, 1)]).argTypes).toEqual([decimal(11, 1), decimal(11, 1)]);
    expect(resolveFunction('=', [DATE, TIMESTAMP]).argTypes).toEqual([TIMESTAMP, TIMESTAMP]);
    expect(resolveFunction('<', [DATE, VARCHAR], [undefined, '1998-01-01']).argTypes).toEqual([DATE, DATE]);
    expect(resolveFunction('=', [INT32, VARCHAR]).argTypes).toEqual([INT32, INT32]);
    expect(resolveFunction('<>', [VARCHAR, VARCHAR]).returnType).toEqual(BOOLEAN);
    expect(error(() => resolveFunction('<', [INTERVAL, DATE])).code).toBe('TYPE');
  });

  it('types variadic functions by their common type', () => {
    expect(typeOf('coalesce', NULL_TYPE, INT32, decimal(2, 1))).toBe('DECIMAL(11,1)');
    expect(typeOf('greatest', INT32, decimal(2, 1), INT64)).toBe('DECIMAL(20,1)');
    expect(typeOf('coalesce', DATE, TIMESTAMP)).toBe('TIMESTAMP');
    expect(error(() => resolveFunction('coalesce', [INT32, VARCHAR])).message).toMatch(
      /cannot mix values of type INTEGER and VARCHAR/,
    );
    expect(resolveFunction('coalesce', [INT32, VARCHAR], [undefined, 'a']).returnType).toEqual(INT32);
  });

  it('types string, math and date functions', () => {
    expect(typeOf('length', VARCHAR)).toBe('BIGINT');
    expect(typeOf('substring', VARCHAR, INT32, INT32)).toBe('VARCHAR');
    expect(resolveFunction('substring', [VARCHAR, INT32, INT32]).argTypes).toEqual([VARCHAR, INT64, INT64]);
    expect(typeOf('||', VARCHAR, INT32)).toBe('VARCHAR');
    expect(typeOf('round', FLOAT64, INT32)).toBe('DOUBLE');
    expect(resolveFunction('round', [decimal(5, 4), INT32], [undefined, 2]).returnType).toEqual(
      decimal(5, 2),
    );
    expect(resolveFunction('round', [decimal(10, 1), INT32], [undefined, -1]).returnType).toEqual(
      decimal(10, 0),
    );
    expect(error(() => resolveFunction('round', [decimal(5, 4), INT32])).message).toMatch(/constant integer/);
    expect(typeOf('floor', decimal(15, 2))).toBe('DECIMAL(15,0)');
    expect(typeOf('ceil', INT32)).toBe('DOUBLE');
    expect(typeOf('sign', decimal(3, 1))).toBe('INTEGER');
    expect(typeOf('sqrt', INT32)).toBe('DOUBLE');
    const ex = resolveFunction('extract', [VARCHAR, DATE], ['year']);
    expect(ex).toEqual({ name: 'date_part', returnType: INT64, argTypes: [VARCHAR, DATE] });
    expect(resolveFunction('date_part', [VARCHAR, TIMESTAMP], ['epoch']).returnType).toEqual(FLOAT64);
    expect(resolveFunction('date_trunc', [VARCHAR, DATE], ['month']).returnType).toEqual(TIMESTAMP);
    expect(error(() => resolveFunction('date_part', [VARCHAR, DATE], ['fortnight'])).message).toMatch(
      /unknown date part 'fortnight'/,
    );
    expect(typeOf('year', DATE)).toBe('BIGINT');
  });

  it('names an unknown function with its nearest candidates (PLAN)', () => {
    const e = error(() => resolveFunction('uper', [VARCHAR]));
    expect(e.code).toBe('PLAN');
    expect(e.message).toBe("unknown function 'uper'; did you mean 'upper'?");
    expect(error(() => resolveFunction('substrng', [VARCHAR])).message).toMatch(/did you mean 'substring'/);
    expect(error(() => resolveFunction('zzzzzzzz', [])).message).toBe("unknown function 'zzzzzzzz'");
  });

  it('explains a type mismatch with the signatures (TYPE)', () => {
    const e = error(() => resolveFunction('upper', [INT32]));
    expect(e.code).toBe('TYPE');
    expect(e.message).toBe('no function matches upper(INTEGER); expected: upper(VARCHAR) → VARCHAR');
    expect(error(() => resolveFunction('+', [BOOLEAN, INT32])).code).toBe('TYPE');
  });

  it('knows its names', () => {
    for (const n of ['upper', 'substring', 'date_trunc', 'coalesce', '+', 'like', 'strpos', 'position']) {
      expect(functionNames()).toContain(n);
    }
  });
});

describe('casts and common types', () => {
  it('says which casts exist and which are implicit', () => {
    expect(canCast(VARCHAR, DATE)).toBe(true);
    expect(canCast(DATE, INT32)).toBe(false);
    expect(canCast(BOOLEAN, decimal(3, 0))).toBe(true);
    expect(canImplicitCast(INT32, decimal(10, 0))).toBe(true);
    expect(canImplicitCast(INT32, decimal(9, 0))).toBe(false);
    expect(canImplicitCast(decimal(15, 2), decimal(16, 2))).toBe(true);
    expect(canImplicitCast(decimal(15, 2), decimal(15, 3))).toBe(false);
    expect(canImplicitCast(DATE, TIMESTAMP)).toBe(true);
    expect(commonType(decimal(15, 2), decimal(3, 2))).toEqual(decimal(15, 2));
    expect(commonType(decimal(38, 0), decimal(38, 10))).toEqual(decimal(38, 10));
  });
});

describe('PhysicalExpr factories', () => {
  it('insert implicit casts and stay plain JSON', () => {
    const e = call('<', [column(0, INT32, 'x'), decimalLiteral('1.5')]);
    const json = JSON.parse(JSON.stringify(e)) as PhysicalExpr;
    expect(json).toEqual(e);
    expect(e).toMatchObject({
      kind: 'call',
      name: '<',
      args: [
        { kind: 'cast', type: decimal(11, 1) },
        { kind: 'cast', type: decimal(11, 1) },
      ],
    });
    expect(Object.isFrozen(e)).toBe(true);
  });

  it('encode literals JSON-safely', () => {
    expect(decimalLiteral('12.50')).toEqual({ kind: 'literal', type: decimal(4, 2), value: '1250' });
    expect(decimalLiteral('0.05')).toEqual({ kind: 'literal', type: decimal(3, 2), value: '5' });
    expect(decimalLiteral('-1.255', 10, 2).value).toBe('-126');
    expect(dateLiteral('1998-12-01').value).toBe(10561);
    expect(timestampLiteral('1970-01-02 00:00:01.5').value).toBe('86401500000');
    expect(int64Literal(2n ** 60n).value).toBe('1152921504606846976');
    expect(float64Literal(Number.NaN).value).toBe('NaN');
    expect(intervalLiteral({ days: 90 }).value).toEqual({ months: 0, days: 90, micros: 0 });
    expect(() => literal(1.5, INT32)).toThrow(/not a valid INTEGER value encoding/);
    expect(() => dateLiteral('2021-02-29')).toThrow(/out of range/);
  });

  it('types CASE by its branches', () => {
    const e = caseWhen(
      [{ condition: call('>', [column(0, INT32), int32Literal(0)]), result: int32Literal(1) }],
      decimalLiteral('2.5'),
    );
    expect(e.type).toEqual(decimal(11, 1));
    expect(call('||', [varcharLiteral('a'), int32Literal(1)]).args[1]).toMatchObject({
      kind: 'cast',
      type: VARCHAR,
    });
  });
});
