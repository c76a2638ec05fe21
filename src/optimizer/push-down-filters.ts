/**
 * Rule `push-down-filters`: moves each conjunct of a filter as far down as it stays correct —
 * through projections (substituting computed columns), sorts, DISTINCT, group keys of aggregates,
 * partition keys of windows and both sides of UNION ALL; into join conditions and into the join
 * sides the join type allows; and finally into scans, whose readers can skip row groups by it.
 *
 * A comma join with a WHERE equality becomes an inner join with that condition here. For an OR
 * that spans both sides of a join, each side also gets the OR of its own parts of every branch
 * (an implied, weaker filter): TPC-H Q19 filters `part` and `lineitem` by it before joining, Q7
 * filters each `nation` to FRANCE or GERMANY.
 */
import {
  and,
  type ColumnId,
  type Expr,
  exprColumns,
  exprEquals,
  hasSubquery,
  isTrueLiteral,
  isVolatile,
  or,
  splitConjunction,
  splitDisjunction,
  substituteColumns,
} from '../logical/expr.ts';
import { filter } from '../logical/nodes/filter.ts';
import { join } from '../logical/nodes/join.ts';
import { scan } from '../logical/nodes/scan.ts';
import { children, type LogicalPlan, outputColumns, withChildren } from '../logical/plan.ts';
import type { OptimizerRule } from './rule.ts';
import { mapSubqueryPlans } from './traverse.ts';

export const pushDownFilters: OptimizerRule = {
  name: 'push-down-filters',
  description: 'moves filter conjuncts down through projections and joins into scans',
  apply: (plan) => push(plan, []),
};

/** Pushes `preds` (conjuncts over `p`'s output) into `p`, returning an equivalent plan. */
function push(node: LogicalPlan, incoming: readonly Expr[]): LogicalPlan {
  const p = mapSubqueryPlans(node, (sub) => push(sub, []));
  const preds = dedupe(incoming.flatMap(splitConjunction).filter((e) => !isTrueLiteral(e)));
  switch (p.kind) {
    case 'filter': {
      const r = push(p.input, [...splitConjunction(p.predicate), ...preds]);
      // Nothing moved: keep the node itself, so the optimizer sees no change.
      if (
        preds.length === 0 &&
        r.kind === 'filter' &&
        r.input === p.input &&
        exprEquals(r.predicate, p.predicate)
      )
        return p;
      return r;
    }
    case 'scan': {
      const ids = new Set(p.columns.map((c) => c.id));
      const [down, stay] = partition(preds, (e) => movable(e) && refsWithin(e, ids));
      if (down.length === 0) return wrap(p, stay);
      const filters = dedupe([...p.filters, ...down]);
      if (filters.length === p.filters.length) return wrap(p, stay);
      return wrap(scan(p.table, p.alias, p.columns, p.statistics, filters, p.limit), stay);
    }
    case 'project': {
      const defs = new Map<ColumnId, Expr>(p.items.map((i) => [i.id, i.expr]));
      const down: Expr[] = [];
      const stay: Expr[] = [];
      for (const e of preds) {
        const ids = exprColumns(e);
        const ok = movable(e) && [...ids].every((id) => defs.has(id) && movable(defs.get(id)!));
        if (ok) down.push(substituteColumns(e, defs));
        else stay.push(e);
      }
      return wrap(rebuild(p, [push(p.input, down)]), stay);
    }
    case 'join':
      return pushJoin(p, preds);
    case 'aggregate': {
      if (p.groups.length === 0) return wrap(rebuild(p, [push(p.input, [])]), preds);
      const defs = new Map<ColumnId, Expr>(p.groups.map((g) => [g.id, g.expr]));
      const [down, stay] = partition(
        preds,
        (e) => movable(e) && [...exprColumns(e)].every((id) => defs.has(id)),
      );
      return wrap(
        rebuild(p, [
          push(
            p.input,
            down.map((e) => substituteColumns(e, defs)),
          ),
        ]),
        stay,
      );
    }
    case 'sort':
      if (p.limit !== null) return wrap(rebuild(p, [push(p.input, [])]), preds);
      return rebuild(p, [push(p.input, preds)]);
    case 'distinct':
      return rebuild(p, [push(p.input, preds)]);
    case 'window': {
      // Only predicates on columns every call partitions by keep each partition whole.
      let ks: Set<ColumnId> | null = null;
      for (const c of p.calls) {
        const k = new Set<ColumnId>();
        for (const e of c.partitionBy) if (e.kind === 'column') k.add(e.id);
        if (ks === null) ks = k;
        else for (const id of [...ks]) if (!k.has(id)) ks.delete(id);
      }
      const keys: ReadonlySet<ColumnId> = ks ?? new Set<ColumnId>();
      const [down, stay] = partition(preds, (e) => movable(e) && refsWithin(e, keys));
      return wrap(rebuild(p, [push(p.input, down)]), stay);
    }
    case 'set_operation': {
      if (p.op !== 'union')
        return wrap(
          rebuild(
            p,
            children(p).map((c) => push(c, [])),
          ),
          preds,
        );
      const lc = outputColumns(p.left);
      const rc = outputColumns(p.right);
      const toLeft = new Map<ColumnId, Expr>(p.columns.map((c, i) => [c.id, colOf(lc[i]!)]));
      const toRight = new Map<ColumnId, Expr>(p.columns.map((c, i) => [c.id, colOf(rc[i]!)]));
      const [down, stay] = partition(preds, movable);
      return wrap(
        rebuild(p, [
          push(
            p.left,
            down.map((e) => substituteColumns(e, toLeft)),
          ),
          push(
            p.right,
            down.map((e) => substituteColumns(e, toRight)),
          ),
        ]),
        stay,
      );
    }
    case 'limit':
    case 'values':
      return wrap(
        rebuild(
          p,
          children(p).map((c) => push(c, [])),
        ),
        preds,
      );
  }
}

function pushJoin(p: Extract<LogicalPlan, { kind: 'join' }>, preds: readonly Expr[]): LogicalPlan {
  const lIds = new Set(outputColumns(p.left).map((c) => c.id));
  const rIds = new Set(outputColumns(p.right).map((c) => c.id));
  const conds = p.condition ? splitConjunction(p.condition) : [];
  const toLeft: Expr[] = [];
  const toRight: Expr[] = [];
  const stay: Expr[] = [];
  const keep: Expr[] = [];
  const isLeft = (e: Expr) => movable(e) && refsWithin(e, lIds);
  const isRight = (e: Expr) => movable(e) && refsWithin(e, rIds);
  switch (p.joinType) {
    case 'inner':
      for (const e of [...conds, ...preds]) {
        if (!movable(e)) {
          if (conds.includes(e)) keep.push(e);
          else stay.push(e);
        } else if (isLeft(e)) toLeft.push(e);
        else if (isRight(e)) toRight.push(e);
        else {
          keep.push(e);
          const l = implied(e, lIds);
          if (l) toLeft.push(l);
          const r = implied(e, rIds);
          if (r) toRight.push(r);
        }
      }
      break;
    case 'left':
    case 'single':
    case 'mark':
      for (const e of preds) (isLeft(e) ? toLeft : stay).push(e);
      for (const e of conds) {
        if (isRight(e)) toRight.push(e);
        else {
          keep.push(e);
          const r = movable(e) && !refsWithin(e, lIds) ? implied(e, rIds) : undefined;
          if (r) toRight.push(r);
        }
      }
      break;
    case 'right':
      for (const e of preds) (isRight(e) ? toRight : stay).push(e);
      for (const e of conds) (isLeft(e) ? toLeft : keep).push(e);
      break;
    case 'full':
      stay.push(...preds);
      keep.push(...conds);
      break;
    case 'semi':
    case 'anti':
    case 'anti_null_aware':
      for (const e of preds) (isLeft(e) ? toLeft : stay).push(e);
      conds.forEach((e, i) => {
        const pinned = p.joinType === 'anti_null_aware' && i === 0;
        if (!pinned && isRight(e)) toRight.push(e);
        else if (!pinned && p.joinType === 'semi' && isLeft(e)) toLeft.push(e);
        else keep.push(e);
      });
      break;
  }
  const left = push(p.left, toLeft);
  const right = push(p.right, toRight);
  const condition = keep.length > 0 ? and(...keep) : null;
  const same = left === p.left && right === p.right && sameExprs(conds, keep);
  const j = same ? p : join(p.joinType, left, right, condition, p.mark);
  return wrap(j, stay);
}

/**
 * For a predicate spanning both sides, the weaker predicate on `ids` alone that it implies: the OR,
 * over its branches, of each branch's conjuncts on `ids` — when every branch has some.
 */
function implied(e: Expr, ids: ReadonlySet<ColumnId>): Expr | undefined {
  const branches = splitDisjunction(e);
  if (branches.length < 2) return undefined;
  const parts: Expr[] = [];
  for (const b of branches) {
    const mine = splitConjunction(b).filter((c) => movable(c) && refsWithin(c, ids));
    if (mine.length === 0) return undefined;
    parts.push(and(...mine));
  }
  return or(...parts);
}

function movable(e: Expr): boolean {
  return !hasSubquery(e) && !isVolatile(e);
}

/** Whether every column `e` references is in `ids` (a constant qualifies). */
function refsWithin(e: Expr, ids: ReadonlySet<ColumnId>): boolean {
  for (const id of exprColumns(e)) if (!ids.has(id)) return false;
  return true;
}

function wrap(p: LogicalPlan, preds: readonly Expr[]): LogicalPlan {
  return preds.length > 0 ? filter(p, and(...preds)) : p;
}

function rebuild(p: LogicalPlan, kids: readonly LogicalPlan[]): LogicalPlan {
  return withChildren(p, kids);
}

function partition<T>(xs: readonly T[], pred: (x: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const x of xs) (pred(x) ? yes : no).push(x);
  return [yes, no];
}

function dedupe(xs: readonly Expr[]): Expr[] {
  const out: Expr[] = [];
  for (const x of xs) if (!out.some((y) => exprEquals(x, y))) out.push(x);
  return out;
}

function sameExprs(a: readonly Expr[], b: readonly Expr[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function colOf(c: { id: ColumnId; name: string; type: Expr['type'] }): Expr {
  return { kind: 'column', id: c.id, name: c.name, type: c.type };
}
