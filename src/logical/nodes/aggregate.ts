import type { DataType } from '../../types/data-type.ts';
import type { ColumnId, Expr } from '../expr.ts';
import type { LogicalPlan } from '../plan.ts';
import type { NamedExpr } from './project.ts';
import type { SortKey } from './sort.ts';

/**
 * One aggregate function call: `fn(DISTINCT args ORDER BY … ) FILTER (WHERE filter)`.
 * `count(*)` is `fn: 'count_star'` with no arguments. `type` is the result type from the
 * function catalogue.
 */
export interface AggregateCall {
  readonly id: ColumnId;
  readonly name: string;
  readonly fn: string;
  readonly args: readonly Expr[];
  readonly distinct: boolean;
  readonly filter: Expr | null;
  readonly orderBy: readonly SortKey[];
  readonly type: DataType;
}

/**
 * Groups rows by `groups` and computes `aggregates` per group. Output: the group columns, then one
 * column per aggregate call. With no groups it yields exactly one row, even for empty input.
 * A group whose expression is a plain column keeps that column's id.
 *
 * Every call is one of the splittable kinds (sum, count, min, max, avg, …) or DISTINCT, so the
 * distributed planner can cut it into a partial aggregate, a hash exchange on the group keys, and
 * a final aggregate.
 */
export interface AggregateNode {
  readonly kind: 'aggregate';
  readonly input: LogicalPlan;
  readonly groups: readonly NamedExpr[];
  readonly aggregates: readonly AggregateCall[];
}

export function aggregateCall(c: AggregateCall): AggregateCall {
  return Object.freeze({
    ...c,
    args: Object.freeze([...c.args]),
    orderBy: Object.freeze([...c.orderBy]),
  });
}

export function aggregate(
  input: LogicalPlan,
  groups: readonly NamedExpr[],
  aggregates: readonly AggregateCall[],
): AggregateNode {
  return Object.freeze({
    kind: 'aggregate',
    input,
    groups: Object.freeze(groups.map((g) => Object.freeze({ ...g }))),
    aggregates: Object.freeze(aggregates.map(aggregateCall)),
  });
}
