import type { BinaryOp, Expr } from './ast.ts';

/**
 * Binding strength of operators, loosest first — PostgreSQL's order:
 * `OR` < `AND` < `NOT` < `IS` < comparisons < `[NOT] BETWEEN|IN|LIKE|ILIKE` < `||` < `+ -` <
 * `* / %` < unary `+ -` < `::`. Binary operators associate to the left. The parser climbs this
 * table; the printer reads it back to put in exactly the parentheses a tree needs.
 */
export const PREC = {
  OR: 1,
  AND: 2,
  NOT: 3,
  IS: 4,
  COMPARE: 5,
  PREDICATE: 6,
  CONCAT: 7,
  ADD: 8,
  MULTIPLY: 9,
  UNARY: 10,
  CAST: 11,
  PRIMARY: 12,
} as const;

export const BINARY_PREC: Readonly<Record<BinaryOp, number>> = {
  or: PREC.OR,
  and: PREC.AND,
  '=': PREC.COMPARE,
  '<>': PREC.COMPARE,
  '<': PREC.COMPARE,
  '<=': PREC.COMPARE,
  '>': PREC.COMPARE,
  '>=': PREC.COMPARE,
  '||': PREC.CONCAT,
  '+': PREC.ADD,
  '-': PREC.ADD,
  '*': PREC.MULTIPLY,
  '/': PREC.MULTIPLY,
  '%': PREC.MULTIPLY,
  '//': PREC.MULTIPLY,
};

/** How tightly an expression's outermost operator binds; literals, names and calls are PRIMARY. */
export function precedenceOf(e: Expr): number {
  switch (e.kind) {
    case 'binary':
      return BINARY_PREC[e.op];
    case 'unary':
      return e.op === 'not' ? PREC.NOT : PREC.UNARY;
    case 'exists':
      return e.negated ? PREC.NOT : PREC.PRIMARY;
    case 'is_null':
    case 'is_truth':
    case 'is_distinct_from':
      return PREC.IS;
    case 'quantified':
      return PREC.COMPARE;
    case 'between':
    case 'in_list':
    case 'in_subquery':
    case 'like':
      return PREC.PREDICATE;
    default:
      return PREC.PRIMARY;
  }
}
