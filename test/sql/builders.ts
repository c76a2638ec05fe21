/**
 * Compact builders for expected trees in tests, position-free (compare with `withoutPositions`).
 */
import type { Expr, Identifier } from '../../src/sql/ast.ts';

type NoPos<T> = T extends readonly (infer U)[]
  ? readonly NoPos<U>[]
  : T extends object
    ? { [K in keyof T as K extends 'pos' | 'opPos' ? never : K]: NoPos<T[K]> }
    : T;

export type E = NoPos<Expr>;

export const id = (value: string, quoted = false): NoPos<Identifier> => ({ value, quoted });

/** `col('a')`, `col('t', 'a')`. */
export function col(...parts: string[]): E {
  const ids = parts.map((p) => id(p));
  return { kind: 'column', qualifier: ids.slice(0, -1), name: ids[ids.length - 1]! };
}

export function num(text: string): E {
  const form = /e/i.test(text) ? 'exponent' : text.includes('.') ? 'decimal' : 'integer';
  return { kind: 'number', text, form };
}

export const str = (value: string): E => ({ kind: 'string', value });

export const bin = (op: string, left: E, right: E): E => ({ kind: 'binary', op, left, right }) as E;

export const neg = (operand: E): E => ({ kind: 'unary', op: '-', operand });

export const not = (operand: E): E => ({ kind: 'unary', op: 'not', operand });

export function call(name: string, ...args: E[]): E {
  return {
    kind: 'function',
    name: [id(name)],
    args,
    distinct: false,
    star: false,
    orderBy: [],
    filter: null,
    over: null,
  };
}
