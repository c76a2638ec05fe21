/**
 * Null rejection: whether a predicate can only be TRUE when some of a set of columns are not
 * NULL. A filter that is null-rejecting on the columns an outer join pads with NULLs turns that
 * outer join into an inner one.
 */
import { type ColumnId, type Expr, splitConjunction, splitDisjunction } from '../logical/expr.ts';

/** Functions that return NULL whenever an argument is NULL. */
const STRICT = new Set([
  '+',
  '-',
  '*',
  '/',
  '//',
  '%',
  '||',
  'substring',
  'date_part',
  'upper',
  'lower',
  'length',
  'abs',
  'trim',
  'ltrim',
  'rtrim',
  'year',
  'month',
  'day',
  'round',
  'floor',
  'ceil',
  'left',
  'right',
  'strpos',
  'replace',
]);
const COMPARISONS = new Set(['=', '<>', '<', '<=', '>', '>=', 'like', 'not_like', 'ilike', 'not_ilike']);

/** Whether `pred` is never TRUE when all of `ids` are NULL (for some referenced id of `ids`). */
export function isNullRejecting(pred: Expr, ids: ReadonlySet<ColumnId>): boolean {
  return splitConjunction(pred).some((c) => conjunctRejects(c, ids));
}

function conjunctRejects(c: Expr, ids: ReadonlySet<ColumnId>): boolean {
  if (c.kind === 'call') {
    if (c.fn === 'or') return splitDisjunction(c).every((d) => isNullRejecting(d, ids));
    if (c.fn === 'and') return isNullRejecting(c, ids);
    if (c.fn === 'not') {
      const a = c.args[0]!;
      return a.kind === 'call' && COMPARISONS.has(a.fn) && a.args.some((x) => strictOver(x, ids));
    }
    if (c.fn === 'is_not_null') return strictOver(c.args[0]!, ids);
    if (COMPARISONS.has(c.fn)) return c.args.some((x) => strictOver(x, ids));
    return false;
  }
  if (c.kind === 'in_list') return strictOver(c.expr, ids);
  return false;
}

/** Whether `e` is NULL when the columns of `ids` it references are NULL. */
export function strictOver(e: Expr, ids: ReadonlySet<ColumnId>): boolean {
  switch (e.kind) {
    case 'column':
      return ids.has(e.id);
    case 'cast':
      return !e.try && strictOver(e.expr, ids);
    case 'call':
      return STRICT.has(e.fn) && e.args.some((a) => strictOver(a, ids));
    default:
      return false;
  }
}
