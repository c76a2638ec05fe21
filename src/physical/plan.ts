/**
 * The physical plan: which operator runs where, as frozen plain data (DESIGN §3.1) — a
 * discriminated union on `kind`, one file per node under `nodes/`. Nodes embed the operators' own
 * configuration objects (`HashJoinConfig`, `HashAggregateConfig`, …) and bind expressions to input
 * columns by index, so a plan (or a fragment of one, once the distributed planner cuts it at
 * exchanges) serializes to JSON as it is and runs anywhere. `executePlan` (`src/exec/execute.ts`)
 * turns a plan into running streams.
 *
 * @example
 * const plan = planQuery(optimized, { catalog });       // src/physical/planner.ts
 * JSON.parse(JSON.stringify(plan));                    // the same plan
 * planInputs(plan).length;                             // its children
 */
import type { AssertUniqueNode } from './nodes/assert-unique.ts';
import type { CacheNode } from './nodes/cache.ts';
import type { CsvScanNode } from './nodes/csv-scan.ts';
import type { EnforceSingleRowNode } from './nodes/enforce-single-row.ts';
import type { ExchangeSourceNode } from './nodes/exchange-source.ts';
import type { FilterNode } from './nodes/filter.ts';
import type { HashAggregateNode } from './nodes/hash-aggregate.ts';
import type { HashJoinNode } from './nodes/hash-join.ts';
import type { LimitNode } from './nodes/limit.ts';
import type { MemoryScanNode } from './nodes/memory-scan.ts';
import type { NestedLoopJoinNode } from './nodes/nested-loop-join.ts';
import type { ParquetScanNode } from './nodes/parquet-scan.ts';
import type { ProjectNode } from './nodes/project.ts';
import type { RowNumberNode } from './nodes/row-number.ts';
import type { SortNode } from './nodes/sort.ts';
import type { TopKNode } from './nodes/top-k.ts';
import type { UnionNode } from './nodes/union.ts';
import type { ValuesNode } from './nodes/values.ts';
import type { WindowNode } from './nodes/window.ts';

export type { AssertUniqueNode } from './nodes/assert-unique.ts';
export type { CacheNode } from './nodes/cache.ts';
export type { NodeBase } from './nodes/common.ts';
export type { CsvScanNode } from './nodes/csv-scan.ts';
export type { EnforceSingleRowNode } from './nodes/enforce-single-row.ts';
export type { ExchangeSourceNode } from './nodes/exchange-source.ts';
export type { FilterNode } from './nodes/filter.ts';
export type { HashAggregateNode } from './nodes/hash-aggregate.ts';
export type { HashJoinNode } from './nodes/hash-join.ts';
export type { LimitNode } from './nodes/limit.ts';
export type { MemoryScanNode } from './nodes/memory-scan.ts';
export type { NestedLoopJoinNode } from './nodes/nested-loop-join.ts';
export type { ParquetScanNode } from './nodes/parquet-scan.ts';
export type { ProjectNode } from './nodes/project.ts';
export type { RowNumberNode } from './nodes/row-number.ts';
export type { SortNode } from './nodes/sort.ts';
export type { TopKNode } from './nodes/top-k.ts';
export type { UnionNode } from './nodes/union.ts';
export type { ValuesNode } from './nodes/values.ts';
export type { WindowNode } from './nodes/window.ts';

export type PhysicalPlan =
  | ParquetScanNode
  | CsvScanNode
  | MemoryScanNode
  | ValuesNode
  | FilterNode
  | ProjectNode
  | HashAggregateNode
  | HashJoinNode
  | NestedLoopJoinNode
  | SortNode
  | TopKNode
  | LimitNode
  | UnionNode
  | WindowNode
  | EnforceSingleRowNode
  | RowNumberNode
  | AssertUniqueNode
  | ExchangeSourceNode
  | CacheNode;

export type PhysicalKind = PhysicalPlan['kind'];

/** The inputs of a node, left to right. */
export function planInputs(plan: PhysicalPlan): readonly PhysicalPlan[] {
  switch (plan.kind) {
    case 'parquet_scan':
    case 'csv_scan':
    case 'memory_scan':
    case 'values':
    case 'exchange_source':
      return [];
    case 'hash_join':
    case 'nested_loop_join':
      return [plan.left, plan.right];
    case 'union':
      return plan.inputs;
    default:
      return [plan.input];
  }
}

/** Calls `fn` on every node, parents first. */
export function visitPhysical(plan: PhysicalPlan, fn: (p: PhysicalPlan) => void): void {
  fn(plan);
  for (const c of planInputs(plan)) visitPhysical(c, fn);
}

/** `plan` with new inputs (same count, same order); `plan` itself when they are the same. */
export function withInputs(plan: PhysicalPlan, inputs: readonly PhysicalPlan[]): PhysicalPlan {
  const old = planInputs(plan);
  if (old.length === inputs.length && old.every((c, i) => c === inputs[i])) return plan;
  switch (plan.kind) {
    case 'parquet_scan':
    case 'csv_scan':
    case 'memory_scan':
    case 'values':
    case 'exchange_source':
      return plan;
    case 'hash_join':
    case 'nested_loop_join':
      return Object.freeze({ ...plan, left: inputs[0]!, right: inputs[1]! });
    case 'union':
      return Object.freeze({ ...plan, inputs: Object.freeze([...inputs]) });
    default:
      return Object.freeze({ ...plan, input: inputs[0]! });
  }
}

/** Freezes a node built by the planner (plans are immutable). */
export function freezeNode<T extends PhysicalPlan>(node: T): T {
  return Object.freeze(node);
}
