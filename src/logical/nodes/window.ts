import type { DataType } from '../../types/data-type.ts';
import type { ColumnId, Expr } from '../expr.ts';
import type { LogicalPlan } from '../plan.ts';
import type { SortKey } from './sort.ts';

export type FrameBound =
  | { readonly kind: 'unbounded_preceding' }
  | { readonly kind: 'preceding'; readonly offset: Expr }
  | { readonly kind: 'current_row' }
  | { readonly kind: 'following'; readonly offset: Expr }
  | { readonly kind: 'unbounded_following' };

export interface WindowFrame {
  readonly units: 'rows' | 'range' | 'groups';
  readonly start: FrameBound;
  readonly end: FrameBound;
}

/** One window function call: `fn(args) OVER (PARTITION BY … ORDER BY … frame)`. */
export interface WindowCall {
  readonly id: ColumnId;
  readonly name: string;
  readonly fn: string;
  readonly args: readonly Expr[];
  readonly distinct: boolean;
  readonly filter: Expr | null;
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly SortKey[];
  /** null: the SQL default (RANGE UNBOUNDED PRECEDING .. CURRENT ROW with ORDER BY, the whole partition without). */
  readonly frame: WindowFrame | null;
  readonly type: DataType;
}

/** Computes window functions over its input. Output = input's columns, then one per call. */
export interface WindowNode {
  readonly kind: 'window';
  readonly input: LogicalPlan;
  readonly calls: readonly WindowCall[];
}

export function window(input: LogicalPlan, calls: readonly WindowCall[]): WindowNode {
  return Object.freeze({
    kind: 'window',
    input,
    calls: Object.freeze(
      calls.map((c) =>
        Object.freeze({
          ...c,
          args: Object.freeze([...c.args]),
          partitionBy: Object.freeze([...c.partitionBy]),
          orderBy: Object.freeze([...c.orderBy]),
        }),
      ),
    ),
  });
}
