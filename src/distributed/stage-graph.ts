/**
 * A distributed plan: the physical plan cut at exchanges into stages (DESIGN §3.2), as plain JSON.
 *
 * Each stage is a plan fragment whose leaves are table scans or `exchange_source` nodes reading
 * other stages; each of its N tasks runs the fragment on its share of the input and writes the
 * fragment's rows to the spool, laid out for the stage's consumer:
 *
 * ```
 *   stage 3 (1 task)            Sort ─ ExchangeSource gather ← 2          output: result
 *        ▲ gather
 *   stage 2 (N tasks)           HashAggregate final ─ ExchangeSource hash ← 1   output: gather
 *        ▲ hash(keys) × B buckets
 *   stage 1 (M tasks)           HashAggregate partial ─ … ─ ParquetScan    output: hash(keys)
 * ```
 *
 * - **distribution** says how a stage's tasks share its work: `source` (table splits), `hash`
 *   (bucket ranges of its hash inputs — every hash input of a stage is bucketed alike, so equal
 *   keys meet in one task), or `single` (one task).
 * - **output** says how the stage's rows are laid out for its consumer: `hash` (B buckets by the
 *   hash of key columns; the consumer's tasks read contiguous bucket ranges), `broadcast` (every
 *   consumer task reads everything), `gather` (the single consumer task reads everything), or
 *   `result` (the coordinator reads everything: the query's rows).
 * - **decisions** record each choice the planner made and its inputs (broadcast or partitioned
 *   join, by estimated sizes), so EXPLAIN and the statistics can show it and a later, adaptive
 *   policy can replace it.
 *
 * Task counts and bucket counts are not part of the graph: a stage's task count is decided when it
 * starts (`decideTaskCount`), from its splits or its producers' committed output.
 */
import { SkeinError } from '../errors.ts';
import type { JoinType } from '../exec/join/join-type.ts';
import type { PhysicalPlan } from '../physical/plan.ts';

export type ExchangeKind = 'hash' | 'broadcast' | 'gather';

export type StageDistribution = 'source' | 'hash' | 'single';

export type StageOutput =
  | { readonly kind: 'hash'; readonly keys: readonly number[] }
  | { readonly kind: 'broadcast' }
  | { readonly kind: 'gather' }
  | { readonly kind: 'result' };

/** One exchange a stage reads. */
export interface StageInput {
  readonly stage: number;
  readonly exchange: ExchangeKind;
}

export interface Stage {
  /** 1, 2, …: producers have smaller ids than their consumers; the root has the largest. */
  readonly id: number;
  readonly fragment: PhysicalPlan;
  readonly distribution: StageDistribution;
  readonly inputs: readonly StageInput[];
  readonly output: StageOutput;
  /** The stage that reads this one's output; null for the root (the coordinator reads it). */
  readonly consumer: number | null;
  /** Node ids of the fragment's table scans whose splits the tasks share (source stages). */
  readonly scans: readonly number[];
  /**
   * Node ids of scans every task reads whole: small build sides of broadcast joins computed in
   * each task rather than in a stage of their own.
   */
  readonly replicatedScans: readonly number[];
  /** The planner's estimate of the bytes the stage outputs (rows × row width); null when unknown. */
  readonly estimatedOutputBytes: number | null;
  /**
   * The output columns the consumer reads (ascending). The others are written as all-NULL
   * placeholders, so that column positions stay put (see `required-columns.ts`).
   */
  readonly columns: readonly number[];
  /**
   * A partitioned join in this stage whose distribution is decided while the query runs (adaptive
   * fan-out): see {@link AdaptiveJoin}.
   */
  readonly adaptiveJoin?: AdaptiveJoin;
}

/**
 * A join planned partitioned whose build side may turn out small enough to broadcast: the stage
 * graph holds both shapes, and the coordinator picks one from the build side's LoadInfo before
 * the probe side's stage starts (`src/runtime/README.md`, "Adaptive joins").
 *
 * - **partitioned** (as planned): the build side's stage `build` and the probe side's stage
 *   `probe` both write hash buckets on the join keys; this stage reads bucket ranges of both.
 * - **broadcast**: `probe` never runs. This stage becomes `alternative`: the probe side's
 *   fragment joined, in each of its tasks, with the build side's output read whole (all buckets
 *   of the same spool objects — the bucketed spool makes it the consumer's choice), its tasks
 *   sharing the probe side's splits. The probe side is never exchanged.
 *
 * Planned only where the shapes are equivalent: the probe side reads tables (and broadcast
 * exchanges) only, the join type lets the build side go to every task, and nothing else in this
 * stage depends on its rows being hashed (no aggregate, window or join colocated on the keys);
 * and where the probe side's wait for the build side is short or worth it: the build side reads
 * only tables, or is an aggregate filtered on its results (`plan-stages.ts`).
 */
export interface AdaptiveJoin {
  /** The join node's id. */
  readonly node: number;
  readonly build: number;
  readonly probe: number;
  /** The planner's estimates of the probe side (bytes; tasks of its stage), for the choice. */
  readonly probeBytes: number | null;
  readonly probeTasks: number;
  /** The stage as it runs when the build side is broadcast (same id, output and consumer). */
  readonly alternative: Pick<Stage, 'fragment' | 'distribution' | 'inputs' | 'scans' | 'replicatedScans'>;
}

/** How one join was distributed, and why. */
export interface JoinDecision {
  readonly kind: 'join';
  /** The join node's id. */
  readonly node: number;
  readonly joinType: JoinType | 'cross';
  readonly buildSide: 'left' | 'right';
  /** Estimated bytes of the build side and of the probe side; null when unknown. */
  readonly buildBytes: number | null;
  readonly probeBytes: number | null;
  readonly broadcastLimit: number;
  /**
   * - `broadcast`: the build side goes whole to every task of the probe side's stage;
   * - `partitioned`: both sides hashed on the join keys into one stage;
   * - `colocated`: the sides already were partitioned alike (no exchange, or only one side's);
   * - `single`: one task joins everything.
   */
  readonly choice: 'broadcast' | 'partitioned' | 'colocated' | 'single';
  readonly reason: string;
  /**
   * An adaptive join (see {@link AdaptiveJoin}): `planned` until the coordinator decided; then
   * `runtime`, with the build side's bytes it decided from (estimated from LoadInfo, or exact).
   */
  readonly adaptive?: {
    readonly state: 'planned' | 'runtime';
    readonly buildStage: number;
    readonly probeStage: number;
    readonly measuredBuildBytes?: number;
    readonly exact?: boolean;
  };
}

/** The whole query runs as one task (its input is tiny): no exchanges at all. */
export interface SingleTaskDecision {
  readonly kind: 'single_task';
  /** Estimated bytes the query's scans decode. */
  readonly inputBytes: number;
  readonly limit: number;
  readonly reason: string;
}

export type PlanDecision = JoinDecision | SingleTaskDecision;

export interface StageGraph {
  /** Producers first: a stage's inputs precede it. */
  readonly stages: readonly Stage[];
  /** The stage the coordinator reads the query's rows from. */
  readonly root: number;
  readonly decisions: readonly PlanDecision[];
}

/** The stage with this id. */
export function stageById(graph: StageGraph, id: number): Stage {
  const s = graph.stages.find((x) => x.id === id);
  if (s === undefined)
    throw new SkeinError('INTERNAL', `internal error (this is a bug in Skein): no stage ${id}`);
  return s;
}
