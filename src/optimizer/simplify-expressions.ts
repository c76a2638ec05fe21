/**
 * Rule `simplify-expressions`: constant folding and boolean simplification.
 *
 * - operators and CASTs on constants are evaluated (`CAST('1998-09-02' AS DATE)` → `DATE
 *   '1998-09-02'`, `1 + 10` → `11`), except where evaluation would fail at run time;
 * - `AND`/`OR` drop neutral constants, short-circuit on absorbing ones, and lose duplicates;
 * - `NOT` is pushed into comparisons (`NOT a < b` → `a >= b`) and cancels itself;
 * - conjuncts common to every branch of an `OR` are factored out:
 *   `(a AND b) OR (a AND c)` → `a AND (b OR c)` — which is what turns TPC-H Q19's disjunction
 *   into an equi-join;
 * - CASE branches with constant conditions are resolved; `x IN (v)` becomes `x = v`.
 */
import {
  and,
  call,
  caseExpr,
  type Expr,
  exprEquals,
  FALSE,
  inList,
  isTrueLiteral,
  type LiteralExpr,
  lit,
  or,
  splitConjunction,
  splitDisjunction,
  TRUE,
} from '../logical/expr.ts';
import { BOOLEAN } from '../types/data-type.ts';
import { evaluateCall, evaluateCast } from './constant-eval.ts';
import type { OptimizerRule } from './rule.ts';
import { transformAllExprs } from './traverse.ts';

export const simplifyExpressions: OptimizerRule = {
  name: 'simplify-expressions',
  description: 'folds constants, simplifies boolean logic, factors common conjuncts out of OR',
  apply: (plan) => transformAllExprs(plan, simplifyExpr),
};

const NEGATED: Record<string, string> = {
  '=': '<>',
  '<>': '=',
  '<': '>=',
  '>=': '<',
  '>': '<=',
  '<=': '>',
  is_null: 'is_not_null',
  is_not_null: 'is_null',
  like: 'not_like',
  not_like: 'like',
  ilike: 'not_ilike',
  not_ilike: 'ilike',
  is_distinct_from: 'is_not_distinct_from',
  is_not_distinct_from: 'is_distinct_from',
};

/** One simplification step on a node whose children are already simplified. */
export function simplifyExpr(e: Expr): Expr {
  switch (e.kind) {
    case 'cast': {
      if (e.expr.kind === 'literal') return evaluateCast(e.expr.value, e.expr.type, e.type) ?? e;
      return e;
    }
    case 'case': {
      const whens: { condition: Expr; result: Expr }[] = [];
      for (const w of e.whens) {
        if (w.condition.kind === 'literal') {
          if (w.condition.value === true) {
            if (whens.length === 0) return w.result;
            return caseExpr(whens, w.result, e.type);
          }
          continue; // FALSE or NULL: never taken
        }
        whens.push(w);
      }
      if (whens.length === 0) return e.else ?? lit(null, e.type);
      return whens.length === e.whens.length ? e : caseExpr(whens, e.else, e.type);
    }
    case 'in_list': {
      const list = dedupe(e.list);
      if (e.expr.kind === 'literal' && list.every((x) => x.kind === 'literal')) {
        let sawNull = e.expr.value === null;
        for (const x of list) {
          const r = evaluateCall('=', [e.expr, x as LiteralExpr], BOOLEAN);
          if (r === undefined) return e;
          if (r.value === true) return TRUE;
          if (r.value === null) sawNull = true;
        }
        return sawNull ? lit(null, BOOLEAN) : FALSE;
      }
      if (list.length === 1) return call('=', [e.expr, list[0]!], BOOLEAN);
      return list.length === e.list.length ? e : inList(e.expr, list);
    }
    case 'call':
      return simplifyCall(e);
    default:
      return e;
  }
}

function simplifyCall(e: Extract<Expr, { kind: 'call' }>): Expr {
  switch (e.fn) {
    case 'and': {
      const terms = dedupe(e.args.flatMap(splitConjunction));
      if (terms.some((t) => t.kind === 'literal' && t.value === false)) return FALSE;
      const kept = terms.filter((t) => !isTrueLiteral(t));
      const r = and(...kept);
      return sameShape(e, r) ? e : r;
    }
    case 'or': {
      const terms = dedupe(e.args.flatMap(splitDisjunction));
      if (terms.some(isTrueLiteral)) return TRUE;
      const kept = terms.filter((t) => !(t.kind === 'literal' && t.value === false));
      if (kept.length === 0) return FALSE;
      const factored = factorCommonConjuncts(kept);
      if (factored) return factored;
      const r = or(...kept);
      return sameShape(e, r) ? e : r;
    }
    case 'not': {
      const a = e.args[0]!;
      if (a.kind === 'literal') return a.value === null ? lit(null, BOOLEAN) : lit(!a.value, BOOLEAN);
      if (a.kind === 'call' && a.fn === 'not') return a.args[0]!;
      if (a.kind === 'call' && NEGATED[a.fn] && (a.args.length === 2 || a.fn.startsWith('is_'))) {
        return call(NEGATED[a.fn]!, a.args, BOOLEAN);
      }
      return e;
    }
    default:
      if (e.args.length > 0 && e.args.every((a) => a.kind === 'literal')) {
        return evaluateCall(e.fn, e.args as LiteralExpr[], e.type) ?? e;
      }
      return e;
  }
}

/** `(a AND b) OR (a AND c)` → `a AND (b OR c)`; undefined when no conjunct is common to all branches. */
function factorCommonConjuncts(branches: readonly Expr[]): Expr | undefined {
  if (branches.length < 2) return undefined;
  const split = branches.map(splitConjunction);
  const common = split[0]!.filter((c) => split.every((b) => b.some((x) => sameTerm(x, c))));
  if (common.length === 0) return undefined;
  const rests = split.map((b) => b.filter((x) => !common.some((c) => sameTerm(c, x))));
  if (rests.some((r) => r.length === 0)) return and(...common);
  return and(...common, or(...rests.map((r) => and(...r))));
}

function dedupe(xs: readonly Expr[]): Expr[] {
  const out: Expr[] = [];
  for (const x of xs) if (!out.some((y) => sameTerm(x, y))) out.push(x);
  return out;
}

/** Equal expressions, counting `a = b` and `b = a` (and `<>`) as the same. */
function sameTerm(x: Expr, y: Expr): boolean {
  if (exprEquals(x, y)) return true;
  return (
    x.kind === 'call' &&
    y.kind === 'call' &&
    x.fn === y.fn &&
    (x.fn === '=' || x.fn === '<>') &&
    exprEquals(x.args[0]!, y.args[1]!) &&
    exprEquals(x.args[1]!, y.args[0]!)
  );
}

function sameShape(a: Expr, b: Expr): boolean {
  if (a.kind !== 'call' || b.kind !== 'call' || a.fn !== b.fn || a.args.length !== b.args.length)
    return false;
  return a.args.every((x, i) => x === b.args[i]);
}
