/**
 * The logical plan: a tree of frozen plain-data nodes (one file per node under `nodes/`), with the
 * helpers every stage needs to walk it — the columns a node outputs, its children, the expressions
 * it holds.
 *
 * A node's output columns are derived, not stored, except where the node defines them (scan,
 * values, project, aggregate, window, set operation, mark join): `outputColumns(node)`.
 *
 * @example
 * const cols = outputColumns(plan); // [{ id: 3, name: 'l_orderkey', type: INT64, nullable: false }, …]
 * const byId = new Map(cols.map((c, i) => [c.id, i])); // how a physical planner binds ids to positions
 */
import { SkeinError } from '../errors.ts';
import { BOOLEAN, type DataType } from '../types/data-type.ts';
import { type ColumnId, type Expr, transformExpr, visitExpr } from './expr.ts';
import { type AggregateCall, type AggregateNode, aggregate } from './nodes/aggregate.ts';
import { type DistinctNode, distinct } from './nodes/distinct.ts';
import { type FilterNode, filter } from './nodes/filter.ts';
import { type JoinNode, join } from './nodes/join.ts';
import { type LimitNode, limit } from './nodes/limit.ts';
import { type NamedExpr, type ProjectNode, project } from './nodes/project.ts';
import type { ScanNode } from './nodes/scan.ts';
import { scan } from './nodes/scan.ts';
import { type SetOperationNode, setOperation } from './nodes/set-operation.ts';
import { type SortKey, type SortNode, sort } from './nodes/sort.ts';
import { type ValuesNode, values } from './nodes/values.ts';
import { type FrameBound, type WindowCall, type WindowNode, window } from './nodes/window.ts';

export type { AggregateCall, AggregateNode } from './nodes/aggregate.ts';
export type { DistinctNode } from './nodes/distinct.ts';
export type { FilterNode } from './nodes/filter.ts';
export type { JoinNode, JoinType } from './nodes/join.ts';
export type { LimitNode } from './nodes/limit.ts';
export type { NamedExpr, ProjectNode } from './nodes/project.ts';
export type { ScanColumn, ScanNode } from './nodes/scan.ts';
export type { SetOperationNode } from './nodes/set-operation.ts';
export type { SortKey, SortNode } from './nodes/sort.ts';
export type { ValuesNode } from './nodes/values.ts';
export type { WindowCall, WindowNode } from './nodes/window.ts';

export type LogicalPlan =
  | ScanNode
  | ValuesNode
  | FilterNode
  | ProjectNode
  | AggregateNode
  | JoinNode
  | SortNode
  | LimitNode
  | SetOperationNode
  | DistinctNode
  | WindowNode;

/** A column a node outputs. */
export interface OutputColumn {
  readonly id: ColumnId;
  readonly name: string;
  readonly type: DataType;
  readonly nullable: boolean;
}

const outputCache = new WeakMap<LogicalPlan, readonly OutputColumn[]>();

/** The columns `plan` outputs, in order. Cached per node (nodes are immutable). */
export function outputColumns(plan: LogicalPlan): readonly OutputColumn[] {
  let out = outputCache.get(plan);
  if (!out) {
    out = Object.freeze(computeOutput(plan));
    outputCache.set(plan, out);
  }
  return out;
}

function computeOutput(plan: LogicalPlan): OutputColumn[] {
  switch (plan.kind) {
    case 'scan':
      return plan.columns.map(({ id, name, type, nullable }) => ({ id, name, type, nullable }));
    case 'values':
      return [...plan.columns];
    case 'filter':
    case 'sort':
    case 'limit':
    case 'distinct':
      return [...outputColumns(plan.input)];
    case 'project': {
      const nullability = nullabilityOf(plan.input);
      return plan.items.map((i) => ({
        id: i.id,
        name: i.name,
        type: i.expr.type,
        nullable: exprNullable(i.expr, nullability),
      }));
    }
    case 'aggregate': {
      const nullability = nullabilityOf(plan.input);
      return [
        ...plan.groups.map((g) => ({
          id: g.id,
          name: g.name,
          type: g.expr.type,
          nullable: exprNullable(g.expr, nullability),
        })),
        ...plan.aggregates.map((a) => ({
          id: a.id,
          name: a.name,
          type: a.type,
          nullable: !(a.fn === 'count' || a.fn === 'count_star'),
        })),
      ];
    }
    case 'window':
      return [
        ...outputColumns(plan.input),
        ...plan.calls.map((c) => ({
          id: c.id,
          name: c.name,
          type: c.type,
          nullable: !NEVER_NULL_WINDOW.has(c.fn),
        })),
      ];
    case 'set_operation':
      return [...plan.columns];
    case 'join': {
      const l = outputColumns(plan.left);
      const r = outputColumns(plan.right);
      switch (plan.joinType) {
        case 'inner':
          return [...l, ...r];
        case 'left':
        case 'single':
          return [...l, ...r.map((c) => ({ ...c, nullable: true }))];
        case 'right':
          return [...l.map((c) => ({ ...c, nullable: true })), ...r];
        case 'full':
          return [...l, ...r].map((c) => ({ ...c, nullable: true }));
        case 'semi':
        case 'anti':
        case 'anti_null_aware':
          return [...l];
        case 'mark':
          return [...l, { id: plan.mark!.id, name: plan.mark!.name, type: BOOLEAN, nullable: true }];
      }
    }
  }
}

const NEVER_NULL_WINDOW = new Set([
  'row_number',
  'rank',
  'dense_rank',
  'percent_rank',
  'cume_dist',
  'ntile',
  'count',
  'count_star',
]);

function nullabilityOf(plan: LogicalPlan): ReadonlyMap<ColumnId, boolean> {
  return new Map(outputColumns(plan).map((c) => [c.id, c.nullable]));
}

/** Functions that return NULL only for NULL arguments (so a call on non-null arguments is non-null). */
const NULL_PROPAGATING = new Set([
  '+',
  '-',
  '*',
  'negate',
  '=',
  '<>',
  '<',
  '<=',
  '>',
  '>=',
  'not',
  'and',
  'or',
  '||',
  'like',
  'ilike',
  'extract',
  'date_part',
  'substring',
  'upper',
  'lower',
  'length',
  'abs',
  'year',
  'month',
  'day',
]);
const NEVER_NULL_CALLS = new Set([
  'is_null',
  'is_not_null',
  'is_distinct_from',
  'is_not_distinct_from',
  'is_true',
  'is_false',
  'is_not_true',
  'is_not_false',
]);

/** Whether `e` may be NULL, given which input columns may be. Conservative: unknown → true. */
export function exprNullable(e: Expr, columns: ReadonlyMap<ColumnId, boolean>): boolean {
  switch (e.kind) {
    case 'column':
      return columns.get(e.id) ?? true;
    case 'literal':
      return e.value === null;
    case 'call':
      if (NEVER_NULL_CALLS.has(e.fn)) return false;
      if (e.fn === 'coalesce') return e.args.every((a) => exprNullable(a, columns));
      if (NULL_PROPAGATING.has(e.fn)) return e.args.some((a) => exprNullable(a, columns));
      return true;
    case 'cast':
      return e.try || exprNullable(e.expr, columns);
    case 'case':
      return (
        e.else === null ||
        e.whens.some((w) => exprNullable(w.result, columns)) ||
        exprNullable(e.else, columns)
      );
    case 'in_list':
      return exprNullable(e.expr, columns) || e.list.some((x) => exprNullable(x, columns));
    case 'exists':
      return false;
    case 'subquery':
    case 'in_subquery':
      return true;
  }
}

/** The inputs of a node, left to right. */
export function children(plan: LogicalPlan): readonly LogicalPlan[] {
  switch (plan.kind) {
    case 'scan':
    case 'values':
      return [];
    case 'join':
    case 'set_operation':
      return [plan.left, plan.right];
    default:
      return [plan.input];
  }
}

/** `plan` with new inputs (same arity); `plan` itself when they are the same objects. */
export function withChildren(plan: LogicalPlan, kids: readonly LogicalPlan[]): LogicalPlan {
  const old = children(plan);
  if (old.length !== kids.length) {
    throw new SkeinError(
      'INTERNAL',
      `internal error (this is a bug in Skein): ${plan.kind} takes ${old.length} inputs, got ${kids.length}`,
    );
  }
  if (old.every((c, i) => c === kids[i])) return plan;
  switch (plan.kind) {
    case 'scan':
    case 'values':
      return plan;
    case 'join':
      return join(plan.joinType, kids[0]!, kids[1]!, plan.condition, plan.mark);
    case 'set_operation':
      return setOperation(plan.op, kids[0]!, kids[1]!, plan.columns);
    case 'filter':
      return filter(kids[0]!, plan.predicate);
    case 'project':
      return project(kids[0]!, plan.items);
    case 'aggregate':
      return aggregate(kids[0]!, plan.groups, plan.aggregates);
    case 'sort':
      return sort(kids[0]!, plan.keys, plan.limit);
    case 'limit':
      return limit(kids[0]!, plan.limit, plan.offset);
    case 'distinct':
      return distinct(kids[0]!);
    case 'window':
      return window(kids[0]!, plan.calls);
  }
}

/** Every expression a node holds itself (not its inputs'), in a fixed order. */
export function nodeExprs(plan: LogicalPlan): Expr[] {
  switch (plan.kind) {
    case 'scan':
      return [...plan.filters];
    case 'values':
      return plan.rows.flat();
    case 'filter':
      return [plan.predicate];
    case 'project':
      return plan.items.map((i) => i.expr);
    case 'aggregate':
      return [...plan.groups.map((g) => g.expr), ...plan.aggregates.flatMap(aggCallExprs)];
    case 'join':
      return plan.condition ? [plan.condition] : [];
    case 'sort':
      return plan.keys.map((k) => k.expr);
    case 'window':
      return plan.calls.flatMap(windowCallExprs);
    case 'limit':
    case 'distinct':
    case 'set_operation':
      return [];
  }
}

function aggCallExprs(a: AggregateCall): Expr[] {
  return [...a.args, ...(a.filter ? [a.filter] : []), ...a.orderBy.map((k) => k.expr)];
}

function windowCallExprs(c: WindowCall): Expr[] {
  const out = [...c.args, ...(c.filter ? [c.filter] : []), ...c.partitionBy, ...c.orderBy.map((k) => k.expr)];
  if (c.frame) for (const b of [c.frame.start, c.frame.end]) if ('offset' in b) out.push(b.offset);
  return out;
}

/** Rewrites every expression a node holds with `fn` (each whole expression, not its parts). */
export function mapNodeExprs(plan: LogicalPlan, fn: (e: Expr) => Expr): LogicalPlan {
  const sortKeys = (keys: readonly SortKey[]): SortKey[] => keys.map((k) => ({ ...k, expr: fn(k.expr) }));
  const named = (items: readonly NamedExpr[]): NamedExpr[] => items.map((i) => ({ ...i, expr: fn(i.expr) }));
  const bound = (b: FrameBound): FrameBound => ('offset' in b ? { ...b, offset: fn(b.offset) } : b);
  let next: LogicalPlan;
  switch (plan.kind) {
    case 'scan':
      next = scan(plan.table, plan.alias, plan.columns, plan.statistics, plan.filters.map(fn), plan.limit);
      break;
    case 'values':
      next = values(
        plan.columns,
        plan.rows.map((r) => r.map(fn)),
      );
      break;
    case 'filter':
      next = filter(plan.input, fn(plan.predicate));
      break;
    case 'project':
      next = project(plan.input, named(plan.items));
      break;
    case 'aggregate':
      next = aggregate(
        plan.input,
        named(plan.groups),
        plan.aggregates.map((a) => ({
          ...a,
          args: a.args.map(fn),
          filter: a.filter ? fn(a.filter) : null,
          orderBy: sortKeys(a.orderBy),
        })),
      );
      break;
    case 'join':
      next = join(
        plan.joinType,
        plan.left,
        plan.right,
        plan.condition ? fn(plan.condition) : null,
        plan.mark,
      );
      break;
    case 'sort':
      next = sort(plan.input, sortKeys(plan.keys), plan.limit);
      break;
    case 'window':
      next = window(
        plan.input,
        plan.calls.map((c) => ({
          ...c,
          args: c.args.map(fn),
          filter: c.filter ? fn(c.filter) : null,
          partitionBy: c.partitionBy.map(fn),
          orderBy: sortKeys(c.orderBy),
          frame: c.frame ? { ...c.frame, start: bound(c.frame.start), end: bound(c.frame.end) } : null,
        })),
      );
      break;
    case 'limit':
    case 'distinct':
    case 'set_operation':
      return plan;
  }
  const a = nodeExprs(plan);
  const b = nodeExprs(next);
  return a.length === b.length && a.every((e, i) => e === b[i]) ? plan : next;
}

/** Calls `fn` on every node, parents first, including plans inside subquery expressions. */
export function visitPlan(plan: LogicalPlan, fn: (p: LogicalPlan) => void): void {
  fn(plan);
  for (const e of nodeExprs(plan)) {
    visitExpr(e, (x) => {
      if (x.kind === 'subquery' || x.kind === 'exists' || x.kind === 'in_subquery') visitPlan(x.plan, fn);
    });
  }
  for (const c of children(plan)) visitPlan(c, fn);
}

/** The largest column id used anywhere in `plan` (−1 for none); new ids start above it. */
export function maxColumnId(plan: LogicalPlan): number {
  let max = -1;
  visitPlan(plan, (p) => {
    for (const c of definedColumns(p)) if (c > max) max = c;
    for (const e of nodeExprs(p))
      visitExpr(e, (x) => {
        if (x.kind === 'column' && x.id > max) max = x.id;
      });
  });
  return max;
}

/** Ids of the columns a node itself defines (not those it passes through from its inputs). */
export function definedColumns(plan: LogicalPlan): ColumnId[] {
  switch (plan.kind) {
    case 'scan':
      return plan.columns.map((c) => c.id);
    case 'values':
    case 'set_operation':
      return plan.columns.map((c) => c.id);
    case 'project':
      return plan.items.map((i) => i.id);
    case 'aggregate':
      return [...plan.groups.map((g) => g.id), ...plan.aggregates.map((a) => a.id)];
    case 'window':
      return plan.calls.map((c) => c.id);
    case 'join':
      return plan.mark ? [plan.mark.id] : [];
    default:
      return [];
  }
}

/** Hands out column ids above every id already used in a plan. */
export class IdAllocator {
  private next: number;
  constructor(start = 0) {
    this.next = start;
  }
  static after(plan: LogicalPlan): IdAllocator {
    return new IdAllocator(maxColumnId(plan) + 1);
  }
  fresh(): ColumnId {
    return this.next++;
  }
}

/** Rewrites the expressions of every node bottom-up with `fn` applied to each expression node. */
export function transformPlanExprs(plan: LogicalPlan, fn: (e: Expr) => Expr): LogicalPlan {
  const kids = children(plan).map((c) => transformPlanExprs(c, fn));
  return mapNodeExprs(withChildren(plan, kids), (e) => transformExpr(e, fn));
}

/** Whether any expression of the node (not its inputs) satisfies `pred`, looking at every sub-expression. */
export function nodeHasExpr(plan: LogicalPlan, pred: (e: Expr) => boolean): boolean {
  return nodeExprs(plan).some((e) => {
    let found = false;
    visitExpr(e, (x) => {
      if (pred(x)) found = true;
    });
    return found;
  });
}
