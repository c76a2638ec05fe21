/**
 * Rule `reorder-joins`: rebuilds each tree of inner joins greedily by estimated cardinality.
 *
 * A maximal tree of inner joins is flattened into its inputs and the conjuncts of its conditions.
 * Column equalities are grouped into equivalence classes (so `c_nationkey = s_nationkey AND
 * s_nationkey = n_nationkey` can also join customer to nation directly). Then, repeatedly, the
 * pair of inputs whose join has the smallest estimated result — among pairs that share a join
 * predicate — is joined, until one tree is left (GOO: bushy trees are allowed). Inputs with no
 * predicate between them are cross-joined last, smallest first. In every join the input estimated
 * smaller is put on the right: the build side of a hash join.
 *
 * Join output column order may change; every consumer refers to columns by id, and positional
 * consumers (set operations, the query result) always sit above a projection.
 */
import { CardinalityEstimator } from '../logical/cardinality.ts';
import {
  and,
  type ColumnExpr,
  type ColumnId,
  call,
  type Expr,
  exprColumns,
  splitConjunction,
} from '../logical/expr.ts';
import { filter } from '../logical/nodes/filter.ts';
import { join } from '../logical/nodes/join.ts';
import { children, type LogicalPlan, outputColumns, withChildren } from '../logical/plan.ts';
import { BOOLEAN, typesEqual } from '../types/data-type.ts';
import type { OptimizerRule } from './rule.ts';
import { mapSubqueryPlans } from './traverse.ts';

export const reorderJoins: OptimizerRule = {
  name: 'reorder-joins',
  description:
    'orders inner joins greedily by estimated cardinality, smaller input on the build (right) side',
  apply: (plan) => {
    const est = new CardinalityEstimator(plan);
    return rewrite(plan, est);
  },
};

function rewrite(p: LogicalPlan, est: CardinalityEstimator): LogicalPlan {
  const q = mapSubqueryPlans(p, (sub) => rewrite(sub, est));
  if (q.kind === 'join' && q.joinType === 'inner') {
    const leaves: LogicalPlan[] = [];
    const conds: Expr[] = [];
    flatten(q, leaves, conds);
    const rewritten = leaves.map((l) => rewrite(l, est));
    if (rewritten.length < 2) return q;
    const out = greedy(rewritten, conds, est);
    return sameTree(q, out) ? q : out;
  }
  const kids = children(q);
  return withChildren(
    q,
    kids.map((c) => rewrite(c, est)),
  );
}

function flatten(p: LogicalPlan, leaves: LogicalPlan[], conds: Expr[]): void {
  if (p.kind === 'join' && p.joinType === 'inner') {
    flatten(p.left, leaves, conds);
    flatten(p.right, leaves, conds);
    if (p.condition) conds.push(...splitConjunction(p.condition));
  } else leaves.push(p);
}

interface Component {
  readonly plan: LogicalPlan;
  readonly ids: ReadonlySet<ColumnId>;
}

function greedy(
  leaves: readonly LogicalPlan[],
  conds: readonly Expr[],
  est: CardinalityEstimator,
): LogicalPlan {
  let comps: Component[] = leaves.map((plan) => ({
    plan,
    ids: new Set(outputColumns(plan).map((c) => c.id)),
  }));
  const leafOf = new Map<ColumnId, number>();
  comps.forEach((c, i) => {
    for (const id of c.ids) leafOf.set(id, i);
  });

  // Equivalence classes of columns equated across inputs; everything else stays a predicate.
  const parent = new Map<ColumnId, ColumnId>();
  const find = (x: ColumnId): ColumnId => {
    let r = x;
    while (parent.get(r) !== undefined && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const colExpr = new Map<ColumnId, ColumnExpr>();
  let pending: Expr[] = [];
  const constant: Expr[] = [];
  for (const c of conds) {
    if (c.kind === 'call' && c.fn === '=' && c.args[0]!.kind === 'column' && c.args[1]!.kind === 'column') {
      const a = c.args[0] as ColumnExpr;
      const b = c.args[1] as ColumnExpr;
      const la = leafOf.get(a.id);
      const lb = leafOf.get(b.id);
      if (la !== undefined && lb !== undefined && la !== lb && typesEqual(a.type, b.type)) {
        colExpr.set(a.id, a);
        colExpr.set(b.id, b);
        if (!parent.has(a.id)) parent.set(a.id, a.id);
        if (!parent.has(b.id)) parent.set(b.id, b.id);
        parent.set(find(a.id), find(b.id));
        continue;
      }
    }
    if (exprColumns(c).size === 0) constant.push(c);
    else pending.push(c);
  }
  const classes = new Map<ColumnId, ColumnId[]>();
  for (const id of parent.keys()) {
    const r = find(id);
    const list = classes.get(r) ?? [];
    list.push(id);
    classes.set(r, list);
  }

  // Predicates within one input filter it first.
  comps = comps.map((c) => {
    const mine = pending.filter((e) => covered(e, c.ids));
    if (mine.length === 0) return c;
    pending = pending.filter((e) => !mine.includes(e));
    return { plan: filter(c.plan, and(...mine)), ids: c.ids };
  });

  /** The join predicates between two components (class equalities and covered predicates). */
  const between = (a: Component, b: Component): { conds: Expr[]; used: Expr[] } => {
    const out: Expr[] = [];
    for (const members of classes.values()) {
      const x = members.find((id) => a.ids.has(id));
      const y = members.find((id) => b.ids.has(id));
      if (x !== undefined && y !== undefined)
        out.push(call('=', [colExpr.get(x)!, colExpr.get(y)!], BOOLEAN));
    }
    const both = new Set([...a.ids, ...b.ids]);
    const used = pending.filter((e) => covered(e, both));
    return { conds: [...out, ...used], used };
  };

  while (comps.length > 1) {
    let best: { i: number; j: number; plan: LogicalPlan; rows: number; build: number; used: Expr[] } | null =
      null;
    for (let i = 0; i < comps.length; i++) {
      for (let j = i + 1; j < comps.length; j++) {
        const { conds: cs, used } = between(comps[i]!, comps[j]!);
        if (cs.length === 0) continue;
        const plan = orient(comps[i]!.plan, comps[j]!.plan, and(...cs), est);
        const rows = est.rows(plan);
        const build = est.rows((plan as { right: LogicalPlan }).right);
        if (!best || rows < best.rows || (rows === best.rows && build < best.build))
          best = { i, j, plan, rows, build, used };
      }
    }
    if (!best) {
      // Nothing connects the rest: cross-join the two smallest.
      const order = comps.map((c, k) => ({ k, rows: est.rows(c.plan) })).sort((x, y) => x.rows - y.rows);
      const i = Math.min(order[0]!.k, order[1]!.k);
      const j = Math.max(order[0]!.k, order[1]!.k);
      best = { i, j, plan: orient(comps[i]!.plan, comps[j]!.plan, null, est), rows: 0, build: 0, used: [] };
    }
    const merged: Component = {
      plan: best.plan,
      ids: new Set([...comps[best.i]!.ids, ...comps[best.j]!.ids]),
    };
    pending = pending.filter((e) => !best!.used.includes(e));
    comps = [...comps.filter((_, k) => k !== best!.i && k !== best!.j), merged];
  }
  let result = comps[0]!.plan;
  const leftover = [...constant, ...pending];
  if (leftover.length > 0) result = filter(result, and(...leftover));
  return result;
}

/** An inner join of `a` and `b` with the input estimated smaller on the right (build) side. */
function orient(
  a: LogicalPlan,
  b: LogicalPlan,
  condition: Expr | null,
  est: CardinalityEstimator,
): LogicalPlan {
  const [l, r] = est.rows(a) >= est.rows(b) ? [a, b] : [b, a];
  return join('inner', l, r, condition);
}

function covered(e: Expr, ids: ReadonlySet<ColumnId>): boolean {
  for (const id of exprColumns(e)) if (!ids.has(id)) return false;
  return true;
}

/** Whether two join trees have the same shape over the same inputs and conditions (so nothing changed). */
function sameTree(a: LogicalPlan, b: LogicalPlan): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
