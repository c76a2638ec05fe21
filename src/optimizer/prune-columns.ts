/**
 * Rule `prune-columns`: every node keeps only the columns something above it uses, down to the
 * scans, whose column lists are what the file readers decode. Projection items, aggregate calls
 * and window calls nobody uses are dropped; group keys always stay (they decide the rows).
 */
import { type ColumnId, col, type Expr, exprColumns } from '../logical/expr.ts';
import { aggregate } from '../logical/nodes/aggregate.ts';
import { filter } from '../logical/nodes/filter.ts';
import { join } from '../logical/nodes/join.ts';
import { project } from '../logical/nodes/project.ts';
import { scan } from '../logical/nodes/scan.ts';
import { setOperation } from '../logical/nodes/set-operation.ts';
import { values } from '../logical/nodes/values.ts';
import { window } from '../logical/nodes/window.ts';
import {
  children,
  type LogicalPlan,
  nodeExprs,
  type OutputColumn,
  outputColumns,
  withChildren,
} from '../logical/plan.ts';
import type { OptimizerRule } from './rule.ts';
import { mapSubqueryPlans } from './traverse.ts';

export const pruneColumns: OptimizerRule = {
  name: 'prune-columns',
  description: 'drops columns nothing uses, down to the scans',
  apply: (plan) => prune(plan, null),
};

/** `required` null: every output column is needed (the root, positional consumers). */
function prune(node: LogicalPlan, required: ReadonlySet<ColumnId> | null): LogicalPlan {
  const p = mapSubqueryPlans(node, (sub) => prune(sub, null));
  const need = (ids: Iterable<ColumnId>, exprs: readonly Expr[]): Set<ColumnId> => {
    const s = new Set<ColumnId>(ids);
    for (const e of exprs) exprColumns(e, s);
    return s;
  };
  const wanted = (id: ColumnId) => required === null || required.has(id);
  switch (p.kind) {
    case 'scan': {
      const used = need([], p.filters);
      const cols = p.columns.filter((c) => wanted(c.id) || used.has(c.id));
      if (cols.length === p.columns.length) return p;
      return scan(p.table, p.alias, cols, p.statistics, p.filters, p.limit);
    }
    case 'values': {
      if (required === null) return p;
      const keep = p.columns.map((c, i) => [c, i] as const).filter(([c]) => required.has(c.id));
      if (keep.length === p.columns.length) return p;
      return values(
        keep.map(([c]) => c),
        p.rows.map((r) => keep.map(([, i]) => r[i]!)),
      );
    }
    case 'filter': {
      const input = prune(p.input, required === null ? null : need(required, [p.predicate]));
      return input === p.input ? p : filter(input, p.predicate);
    }
    case 'project': {
      const items = p.items.filter((i) => wanted(i.id));
      const input = prune(
        p.input,
        need(
          [],
          items.map((i) => i.expr),
        ),
      );
      if (items.length === p.items.length && input === p.input) return p;
      return project(input, items);
    }
    case 'aggregate': {
      const aggs = p.aggregates.filter((a) => wanted(a.id));
      const input = prune(p.input, need([], nodeExprs(aggregate(p.input, p.groups, aggs))));
      if (aggs.length === p.aggregates.length && input === p.input) return p;
      return aggregate(input, p.groups, aggs);
    }
    case 'window': {
      const calls = p.calls.filter((c) => wanted(c.id));
      if (calls.length === 0) return prune(p.input, required);
      const inIds = outputColumns(p.input)
        .map((c) => c.id)
        .filter(wanted);
      const input = prune(p.input, need(inIds, nodeExprs(window(p.input, calls))));
      if (calls.length === p.calls.length && input === p.input) return p;
      return window(input, calls);
    }
    case 'join': {
      const cond = p.condition ? [p.condition] : [];
      const leftIds = outputColumns(p.left).map((c) => c.id);
      const rightIds = outputColumns(p.right).map((c) => c.id);
      const rightOut =
        p.joinType !== 'semi' &&
        p.joinType !== 'anti' &&
        p.joinType !== 'anti_null_aware' &&
        p.joinType !== 'mark';
      const l = need(leftIds.filter(wanted), cond);
      const r = need(rightOut ? rightIds.filter(wanted) : [], cond);
      const left = prune(p.left, l);
      const right = prune(p.right, r);
      if (left === p.left && right === p.right) return p;
      return join(p.joinType, left, right, p.condition, p.mark);
    }
    case 'sort':
    case 'limit': {
      const input = prune(p.input, required === null ? null : need(required, nodeExprs(p)));
      return withChildren(p, [input]);
    }
    case 'distinct':
      return withChildren(p, [prune(p.input, null)]);
    case 'set_operation': {
      if (p.op !== 'union' || required === null)
        return withChildren(
          p,
          children(p).map((c) => prune(c, null)),
        );
      const keep = p.columns.map((c, i) => [c, i] as const).filter(([c]) => required.has(c.id));
      if (keep.length === p.columns.length)
        return withChildren(
          p,
          children(p).map((c) => prune(c, null)),
        );
      const side = (c: LogicalPlan): LogicalPlan => {
        const cols = outputColumns(c);
        const picked = keep.map(([, i]) => cols[i]!);
        return exact(prune(c, new Set(picked.map((x) => x.id))), picked);
      };
      return setOperation(
        p.op,
        side(p.left),
        side(p.right),
        keep.map(([c]) => c),
      );
    }
  }
}

/** `plan` narrowed (by a projection if need be) to exactly `cols`, in order. */
function exact(plan: LogicalPlan, cols: readonly OutputColumn[]): LogicalPlan {
  const out = outputColumns(plan);
  if (out.length === cols.length && out.every((c, i) => c.id === cols[i]!.id)) return plan;
  return project(
    plan,
    cols.map((c) => ({ id: c.id, name: c.name, expr: col(c.id, c.name, c.type) })),
  );
}
