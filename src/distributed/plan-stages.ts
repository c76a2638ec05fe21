/**
 * The stage planner: cuts a physical plan into stages at exchanges (DESIGN §3.2), bottom-up.
 *
 * Every subtree is planned into an open stage fragment together with how its rows are spread
 * over that stage's tasks (its *distribution*): `source` (by table splits), `hash` (by the hash of
 * known key columns, or of columns no longer visible), or `single` (one task). An operator either
 * runs in its input's stage, because the distribution suits it, or closes that stage with an
 * exchange and starts a new one above it:
 *
 * | operator | runs in place when its input is | otherwise |
 * |---|---|---|
 * | HashAggregate | single, or hashed on a subset of its group keys | **partial** below a hash exchange on the group keys (a gather when there are none), **final** above it; with DISTINCT aggregates the input is exchanged and the aggregate stays whole |
 * | HashJoin | both sides single, or both hashed alike on join keys | **broadcast** of the build side into the probe side's stage, or **partitioned**: both sides hashed on the keys into one stage (only the side not yet aligned is exchanged); chosen by `chooseJoinDistribution` from size estimates and recorded |
 * | NestedLoopJoin | both sides single | broadcast of the right side when the join type allows, else one task |
 * | TopK, Limit | single | a partial TopK / Limit (limit + offset rows) per task, a gather, the final one |
 * | Sort, RowNumber, EnforceSingleRow | single | gather |
 * | Window | single, or hashed on a subset of PARTITION BY | hash exchange on PARTITION BY (gather without one) |
 * | Union | all inputs of one distribution (source or hash) | gather |
 * | Filter, Project, AssertUnique | always | — |
 *
 * The root stage's output goes to the coordinator (`result`). Node ids of the input plan are kept
 * (EXPLAIN ANALYZE maps task metrics back to them); nodes the planner adds get fresh ids.
 *
 * @example
 * const graph = planStages(physical, resolveDistributedOptions());
 * explainStages(graph); // Stage 3 … / Stage 2 … / Stage 1 …
 */
import { SkeinError } from '../errors.ts';
import { hashAggregateSchema } from '../exec/aggregate/hash-aggregate.ts';
import type { JoinType } from '../exec/join/join-type.ts';
import type {
  ExchangeSourceNode,
  HashAggregateNode,
  HashJoinNode,
  NestedLoopJoinNode,
  PhysicalPlan,
} from '../physical/plan.ts';
import { planInputs, visitPhysical } from '../physical/plan.ts';
import type { DataType, Schema } from '../types/data-type.ts';
import { alternativeFragment, filteredAggregate } from './adaptive-join.ts';
import { formatBytes } from './format.ts';
import { chooseJoinDistribution } from './join-distribution.ts';
import type { DistributedOptions } from './options.ts';
import { exchangeRequirements } from './required-columns.ts';
import type {
  AdaptiveJoin,
  ExchangeKind,
  JoinDecision,
  PlanDecision,
  Stage,
  StageDistribution,
  StageGraph,
  StageInput,
  StageOutput,
} from './stage-graph.ts';
import { decideTaskCount } from './task-count.ts';

/** How a part's rows are spread over its stage's tasks. */
type Dist =
  | { readonly kind: 'source' }
  /** keys: rows with equal values in these columns are in one task; null when not visible. */
  | { readonly kind: 'hash'; readonly keys: readonly number[] | null }
  | { readonly kind: 'single' };

/** A subtree planned into an open (not yet closed) stage. */
interface Part {
  readonly node: PhysicalPlan;
  readonly dist: Dist;
  readonly inputs: readonly StageInput[];
}

/**
 * Why a plan cannot run distributed (it must run in this process), or null when it can. Memory
 * tables live in the session's memory, which tasks in other threads or functions cannot reach.
 */
export function undistributableReason(plan: PhysicalPlan): string | null {
  let reason: string | null = null;
  visitPhysical(plan, (p) => {
    if (reason === null && p.kind === 'memory_scan') {
      reason = `it reads the memory table '${p.table}', which lives in this process`;
    }
  });
  return reason;
}

/** Cuts `plan` into stages. Throws NOT_IMPLEMENTED for plans `undistributableReason` names. */
export function planStages(plan: PhysicalPlan, options: DistributedOptions): StageGraph {
  const why = undistributableReason(plan);
  if (why !== null) throw new SkeinError('NOT_IMPLEMENTED', `this query cannot run distributed: ${why}`);
  return new StagePlanner(plan, options).build();
}

interface MutableStage {
  id: number;
  fragment: PhysicalPlan;
  distribution: StageDistribution;
  inputs: readonly StageInput[];
  output: StageOutput;
  consumer: number | null;
  scans: number[];
  replicatedScans: number[];
  estimatedOutputBytes: number | null;
  columns: number[];
  adaptiveJoin?: AdaptiveJoin;
}

/** A partitioned join that may be broadcast at run time, until the stage holding it closes. */
interface AdaptiveCandidate {
  readonly node: number;
  /** Index of its JoinDecision (its reason and `adaptive` are dropped when the shapes differ). */
  readonly decision: number;
  readonly build: number;
  readonly probe: number;
  /** The join reading the probe side's fragment and the build side's output whole. */
  readonly join: PhysicalPlan;
  readonly probeBytes: number | null;
  readonly probeTasks: number;
}

const BROADCASTABLE_BUILD_RIGHT: ReadonlySet<JoinType> = new Set<JoinType>([
  'inner',
  'left',
  'semi',
  'anti',
  'null_aware_anti',
  'mark',
]);
const BROADCASTABLE_BUILD_LEFT: ReadonlySet<JoinType> = new Set<JoinType>(['inner', 'right']);

class StagePlanner {
  private nextId: number;
  private readonly stages: MutableStage[] = [];
  private readonly decisions: PlanDecision[] = [];
  /** Scans (by node id) that read all their splits in every task of their stage. */
  private readonly replicated = new Set<number>();
  private readonly candidates: AdaptiveCandidate[] = [];

  constructor(
    private readonly root: PhysicalPlan,
    private readonly options: DistributedOptions,
  ) {
    let max = -1;
    visitPhysical(root, (p) => {
      max = Math.max(max, p.id);
    });
    this.nextId = max + 1;
  }

  build(): StageGraph {
    // A query whose whole input fits one task's budget runs as one task: exchanges would cost
    // more than the parallelism they buy.
    if (this.options.tasks === null) {
      const bytes = this.decodedInputBytes(this.root);
      if (bytes <= this.options.bytesPerTask) {
        this.decisions.push({
          kind: 'single_task',
          inputBytes: bytes,
          limit: this.options.bytesPerTask,
          reason: `whole query on one task: est. input ${formatBytes(bytes)} ≤ ${formatBytes(this.options.bytesPerTask)} per task`,
        });
        const root = this.close(
          { node: this.root, dist: { kind: 'single' }, inputs: [] },
          { kind: 'result' },
        );
        return Object.freeze({
          stages: Object.freeze([Object.freeze({ ...this.stages[0]!, scans: [], replicatedScans: [] })]),
          root,
          decisions: Object.freeze([...this.decisions]),
        });
      }
    }
    const part = this.visit(this.root);
    const root = this.close(part, { kind: 'result' });
    this.pruneColumns(root);
    const stages: Stage[] = this.stages.map((s) =>
      Object.freeze({
        ...s,
        scans: Object.freeze([...s.scans]),
        replicatedScans: Object.freeze([...s.replicatedScans]),
        columns: Object.freeze([...s.columns]),
      }),
    );
    return Object.freeze({
      stages: Object.freeze(stages),
      root,
      decisions: Object.freeze([...this.decisions]),
    });
  }

  /**
   * From the root down: which output columns each stage's consumer reads (the root's: all; a
   * hash output's keys are read by its partitioner).
   */
  private pruneColumns(root: number): void {
    const need = new Map<number, Set<number>>();
    const rootStage = this.stages[root - 1]!;
    need.set(root, new Set(rootStage.fragment.schema.map((_, i) => i)));
    for (let id = root; id >= 1; id--) {
      const s = this.stages[id - 1]!;
      const required = need.get(id) ?? new Set<number>();
      if (s.output.kind === 'hash') for (const k of s.output.keys) required.add(k);
      s.columns = [...required].sort((a, b) => a - b);
      for (const [node, cols] of exchangeRequirements(s.fragment, required)) {
        const source = fragmentNodes(s.fragment).find((n) => n.id === node);
        if (source?.kind === 'exchange_source') need.set(source.stage, cols);
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Stages and exchanges

  /** Closes the part's stage with `output`; returns its id. */
  private close(part: Part, output: StageOutput): number {
    const id = this.stages.length + 1;
    for (const input of part.inputs) this.stages[input.stage - 1]!.consumer = id;
    const scans: number[] = [];
    visitPhysical(part.node, (p) => {
      if (p.kind === 'parquet_scan' || p.kind === 'csv_scan') scans.push(p.id);
    });
    this.stages.push({
      id,
      fragment: part.node,
      distribution: part.dist.kind,
      inputs: part.inputs,
      output,
      consumer: null,
      scans: scans.filter((id) => !this.replicated.has(id)),
      replicatedScans: scans.filter((id) => this.replicated.has(id)),
      estimatedOutputBytes: estimatedBytes(part.node),
      columns: part.node.schema.map((_, i) => i),
    });
    this.attachAdaptiveJoin(this.stages[id - 1]!);
    return id;
  }

  /**
   * A closing stage holding an adaptive join candidate gets its broadcast shape — when the two
   * shapes compute the same (see `alternativeFragment`) and the stage reads no other hash input;
   * else the join stays partitioned, decided here.
   */
  private attachAdaptiveJoin(stage: MutableStage): void {
    if (this.candidates.length === 0) return;
    const ids = new Set(fragmentNodes(stage.fragment).map((n) => n.id));
    for (const c of this.candidates) {
      if (!ids.has(c.node)) continue;
      const probe = this.stages[c.probe - 1]!;
      const hashInputs = stage.inputs.filter((i) => i.exchange === 'hash').map((i) => i.stage);
      const byId = (a: number, b: number) => a - b;
      const fragment =
        stage.adaptiveJoin === undefined && sameList(hashInputs.sort(byId), [c.build, c.probe].sort(byId))
          ? alternativeFragment(stage.fragment, c.node, c.join)
          : null;
      const d = this.decisions[c.decision] as JoinDecision;
      if (fragment === null) {
        const { adaptive: _, ...planned } = d;
        this.decisions[c.decision] = planned;
        continue;
      }
      stage.adaptiveJoin = Object.freeze({
        node: c.node,
        build: c.build,
        probe: c.probe,
        probeBytes: c.probeBytes,
        probeTasks: c.probeTasks,
        alternative: Object.freeze({
          fragment,
          distribution: 'source' as const,
          inputs: Object.freeze([
            ...stage.inputs.filter((i) => i.stage !== c.build && i.stage !== c.probe),
            ...probe.inputs,
            { stage: c.build, exchange: 'broadcast' as const },
          ]),
          scans: Object.freeze([...stage.scans, ...probe.scans]),
          replicatedScans: Object.freeze([...stage.replicatedScans, ...probe.replicatedScans]),
        }),
      });
      this.decisions[c.decision] = {
        ...d,
        reason: `${d.reason}; adaptive: broadcast instead if stage ${c.build} turns out ≤ ${formatBytes(
          this.options.broadcastLimit,
        )}`,
      };
    }
  }

  /** Closes the part's stage with an exchange; returns the consumer's source node and input. */
  private exchange(
    part: Part,
    kind: ExchangeKind,
    keys: readonly number[] = [],
  ): { node: ExchangeSourceNode; input: StageInput } {
    const stage = this.close(part, kind === 'hash' ? { kind, keys } : { kind });
    const node: ExchangeSourceNode = Object.freeze({
      kind: 'exchange_source',
      id: this.nextId++,
      schema: part.node.schema,
      estimatedRows: part.node.estimatedRows,
      stage,
      exchange: kind,
      keys: kind === 'hash' ? Object.freeze([...keys]) : Object.freeze([]),
    });
    return { node, input: { stage, exchange: kind } };
  }

  /**
   * A build side every task of the probe side's stage gets whole: behind a broadcast exchange, or
   * — when it is small and reads no partitioned input — computed inside each of those tasks
   * (its scans read all their splits there), which saves a stage, a spool round trip and a wait.
   */
  private broadcast(part: Part): { node: PhysicalPlan; inputs: readonly StageInput[]; inlined: boolean } {
    if (this.inlinable(part)) {
      const node = this.replicate(part.node);
      return { node, inputs: part.inputs, inlined: true };
    }
    const { node, input } = this.exchange(part, 'broadcast');
    return { node, inputs: [input], inlined: false };
  }

  private inlinable(part: Part): boolean {
    if (part.dist.kind === 'hash' || part.inputs.some((i) => i.exchange === 'hash')) return false;
    let bytes = 0;
    for (const n of fragmentNodes(part.node)) {
      if (n.kind === 'parquet_scan') for (const f of n.splits) bytes += f.size ?? Number.POSITIVE_INFINITY;
      else if (n.kind === 'csv_scan') for (const f of n.files) bytes += f.size;
    }
    const out = estimatedBytes(part.node);
    return bytes <= this.options.inlineBytes && out !== null && out <= this.options.tinyBytes;
  }

  /** The subtree with its table scans copied under fresh ids, marked to read every split. */
  private replicate(p: PhysicalPlan): PhysicalPlan {
    const walk = (n: PhysicalPlan): PhysicalPlan => {
      if (n.kind === 'parquet_scan' || n.kind === 'csv_scan') {
        const copy = Object.freeze({ ...n, id: this.nextId++ });
        this.replicated.add(copy.id);
        return copy;
      }
      const inputs = planInputs(n);
      if (inputs.length === 0) return n;
      const mapped = inputs.map(walk);
      if (n.kind === 'hash_join' || n.kind === 'nested_loop_join')
        return Object.freeze({ ...n, left: mapped[0]!, right: mapped[1]! });
      if (n.kind === 'union') return Object.freeze({ ...n, inputs: Object.freeze(mapped) });
      return Object.freeze({ ...n, input: mapped[0]! }) as PhysicalPlan;
    };
    return walk(p);
  }

  private lastDecision = -1;

  /** Notes on the last join decision that its build side is computed in every probe task. */
  private inlined(reason: string): void {
    const d = this.decisions[this.lastDecision];
    if (d) this.decisions[this.lastDecision] = { ...d, reason: `${reason}; small: computed in every task` };
  }

  /** The part on one task: as it is when it already is, else behind a gather. */
  private gather(part: Part): Part {
    if (part.dist.kind === 'single') return part;
    const { node, input } = this.exchange(part, 'gather');
    return { node, dist: { kind: 'single' }, inputs: [input] };
  }

  /** The part hashed on `keys`, behind a hash exchange. */
  private hashed(part: Part, keys: readonly number[]): Part {
    const { node, input } = this.exchange(part, 'hash', keys);
    return { node, dist: { kind: 'hash', keys: node.keys }, inputs: [input] };
  }

  /**
   * The bytes a subtree's (non-replicated) scans decode, estimated: rows × row width where the
   * rows read are known (no predicate), else the files' size.
   */
  private decodedInputBytes(node: PhysicalPlan): number {
    let bytes = 0;
    for (const n of fragmentNodes(node)) {
      if ((n.kind !== 'parquet_scan' && n.kind !== 'csv_scan') || this.replicated.has(n.id)) continue;
      const decoded = n.predicate === null ? estimatedBytes(n) : null;
      const files = n.kind === 'parquet_scan' ? n.splits.map((f) => f.size ?? 0) : n.files.map((f) => f.size);
      bytes += decoded ?? files.reduce((x, y) => x + y, 0);
    }
    return bytes;
  }

  /** Roughly how many tasks a part's stage will have (static policy; for cost estimates only). */
  private estimatedTasks(part: Part): number {
    if (part.dist.kind === 'single') return 1;
    if (this.options.tasks !== null) return this.options.tasks;
    if (part.dist.kind === 'hash') return this.options.consumerTasks;
    // A source stage: from the bytes its scans decode (as its split weights measure them later).
    const bytes = this.decodedInputBytes(part.node);
    let files = 0;
    for (const n of fragmentNodes(part.node)) {
      if (n.kind === 'parquet_scan') files += n.splits.length;
      else if (n.kind === 'csv_scan') files += n.files.length;
    }
    return decideTaskCount({
      distribution: 'source',
      inputBytes: bytes,
      splits: Math.max(1, files * 16),
      options: this.options,
    }).tasks;
  }

  private fresh<T extends PhysicalPlan>(body: Omit<T, 'id'>): T {
    return Object.freeze({ ...body, id: this.nextId++ }) as unknown as T;
  }

  // ------------------------------------------------------------------------------------------
  // Operators

  private visit(p: PhysicalPlan): Part {
    switch (p.kind) {
      case 'parquet_scan':
      case 'csv_scan':
        return { node: p, dist: { kind: 'source' }, inputs: [] };
      case 'values':
        return { node: p, dist: { kind: 'single' }, inputs: [] };
      case 'memory_scan':
      case 'exchange_source':
        throw new SkeinError(
          'INTERNAL',
          `internal error (this is a bug in Skein): ${p.kind} reached the stage planner`,
        );
      case 'cache':
        // A subplan shared by several readers is computed once in one process; across stages its
        // readers may be in different tasks, so each computes it (a stage with several
        // consumers would share it: later).
        return this.visit(p.input);
      case 'filter':
      case 'assert_unique': {
        const input = this.visit(p.input);
        return { ...input, node: with1(p, input.node) };
      }
      case 'project': {
        const input = this.visit(p.input);
        const dist = mapKeys(input.dist, (k) => {
          const at = p.items.findIndex((it) => it.expr.kind === 'column' && it.expr.index === k);
          return at < 0 ? undefined : at;
        });
        return { node: with1(p, input.node), dist, inputs: input.inputs };
      }
      case 'sort':
      case 'row_number':
      case 'enforce_single_row': {
        const input = this.gather(this.visit(p.input));
        return { ...input, node: with1(p, input.node) };
      }
      case 'top_k': {
        const input = this.visit(p.input);
        if (input.dist.kind === 'single') return { ...input, node: with1(p, input.node) };
        const c = p.config;
        const partial = this.fresh<Extract<PhysicalPlan, { kind: 'top_k' }>>({
          kind: 'top_k',
          input: input.node,
          schema: p.schema,
          estimatedRows: p.estimatedRows,
          config: { keys: c.keys, limit: c.limit + (c.offset ?? 0) },
        });
        const gathered = this.gather({ ...input, node: partial });
        return { ...gathered, node: with1(p, gathered.node) };
      }
      case 'limit': {
        const input = this.visit(p.input);
        if (input.dist.kind === 'single') return { ...input, node: with1(p, input.node) };
        const c = p.config;
        let below = input;
        if (c.limit !== null) {
          const partial = this.fresh<Extract<PhysicalPlan, { kind: 'limit' }>>({
            kind: 'limit',
            input: input.node,
            schema: p.schema,
            estimatedRows: p.estimatedRows,
            config: { limit: c.limit + (c.offset ?? 0) },
          });
          below = { ...input, node: partial };
        }
        const gathered = this.gather(below);
        return { ...gathered, node: with1(p, gathered.node) };
      }
      case 'hash_aggregate':
        return this.aggregate(p);
      case 'hash_join':
        return this.hashJoin(p);
      case 'nested_loop_join':
        return this.nestedLoopJoin(p);
      case 'window': {
        let input = this.visit(p.input);
        const by = p.config.partitionBy;
        if (by.length === 0) input = this.gather(input);
        else if (input.dist.kind !== 'single' && !hashedWithin(input.dist, by))
          input = this.hashed(input, by);
        return { ...input, node: with1(p, input.node) };
      }
      case 'union': {
        const parts = p.inputs.map((x) => this.visit(x));
        const kinds = new Set(parts.map((x) => x.dist.kind));
        let dist: Dist;
        let inputs = parts;
        if (kinds.size === 1 && kinds.has('source')) dist = { kind: 'source' };
        else if (kinds.size === 1 && kinds.has('hash')) dist = { kind: 'hash', keys: null };
        else {
          inputs = parts.map((x) => this.gather(x));
          dist = { kind: 'single' };
        }
        const node = Object.freeze({ ...p, inputs: Object.freeze(inputs.map((x) => x.node)) });
        return { node, dist, inputs: inputs.flatMap((x) => x.inputs) };
      }
      default:
        return unknownNode(p);
    }
  }

  private aggregate(p: HashAggregateNode): Part {
    const input = this.visit(p.input);
    const c = p.config;
    const groupBy = c.groupBy;
    // Already where it can run whole: one task, or every group inside one task.
    if (input.dist.kind === 'single') return { ...input, node: with1(p, input.node) };
    if (groupBy.length > 0 && hashedWithin(input.dist, groupBy)) {
      const keys = (input.dist as { keys: readonly number[] }).keys.map((k) => groupBy.indexOf(k));
      return { node: with1(p, input.node), dist: { kind: 'hash', keys }, inputs: input.inputs };
    }
    const outKeys = groupBy.map((_, i) => i);
    const splittable = c.mode === 'single' && !c.aggregates.some((a) => a.distinct);
    if (!splittable) {
      const exchanged = groupBy.length === 0 ? this.gather(input) : this.hashed(input, groupBy);
      return {
        node: with1(p, exchanged.node),
        dist: groupBy.length === 0 ? { kind: 'single' } : { kind: 'hash', keys: outKeys },
        inputs: exchanged.inputs,
      };
    }
    const partialConfig = { ...c, mode: 'partial' as const };
    const partial = this.fresh<HashAggregateNode>({
      kind: 'hash_aggregate',
      input: input.node,
      config: partialConfig,
      schema: hashAggregateSchema(input.node.schema, partialConfig),
      estimatedRows: p.estimatedRows,
    });
    const below = { ...input, node: partial };
    const exchanged = groupBy.length === 0 ? this.gather(below) : this.hashed(below, outKeys);
    const final: HashAggregateNode = Object.freeze({
      ...p,
      input: exchanged.node,
      config: { ...c, mode: 'final' as const },
    });
    return { node: final, dist: exchanged.dist, inputs: exchanged.inputs };
  }

  private hashJoin(p: HashJoinNode): Part {
    let c = p.config;
    let left = this.visit(p.left);
    let right = this.visit(p.right);
    const type = c.joinType;
    const nullAware = type === 'null_aware_anti' || (type === 'mark' && c.markNullAware === true);
    const compatible = c.leftKeys.every((l, i) =>
      hashCompatible(p.left.schema[l]!.type, p.right.schema[c.rightKeys[i]!]!.type),
    );
    const partitionAllowed = !nullAware && compatible;
    // The sides the join type lets go whole to every task (built on there): the planner's build
    // side first; the other when the first is too big to broadcast.
    const sides: ('left' | 'right')[] = [];
    if (BROADCASTABLE_BUILD_RIGHT.has(type)) sides.push('right');
    if (BROADCASTABLE_BUILD_LEFT.has(type)) sides.push('left');
    if (sides[0] !== c.buildSide) sides.reverse();
    const record = (choice: JoinDecision['choice'], reason: string, buildSide = c.buildSide) =>
      this.decisions.push({
        kind: 'join',
        node: p.id,
        joinType: type,
        buildSide,
        buildBytes: estimatedBytes(buildSide === 'right' ? p.right : p.left),
        probeBytes: estimatedBytes(buildSide === 'right' ? p.left : p.right),
        broadcastLimit: this.options.broadcastLimit,
        choice,
        reason,
      });
    const leftWidth = p.left.schema.length;

    if (left.dist.kind === 'single' && right.dist.kind === 'single') {
      record('single', 'both sides are on one task');
      return {
        node: with2(p, left.node, right.node),
        dist: { kind: 'single' },
        inputs: [...left.inputs, ...right.inputs],
      };
    }
    const decide = (side: 'left' | 'right') =>
      chooseJoinDistribution({
        buildBytes: estimatedBytes(side === 'right' ? p.right : p.left),
        probeBytes: estimatedBytes(side === 'right' ? p.left : p.right),
        probeTasks: this.estimatedTasks(side === 'right' ? left : right),
        buildTasks: this.estimatedTasks(side === 'right' ? right : left),
        smallBytes: this.options.tinyBytes,
        broadcastAllowed: sides.includes(side),
        partitionAllowed,
        broadcastLimit: this.options.broadcastLimit,
        why: nullAware
          ? 'a null-aware join needs its whole build side in every task'
          : !compatible
            ? 'the key types hash differently'
            : undefined,
      });
    let broadcastSide: 'left' | 'right' = sides[0] ?? c.buildSide;
    let decided = decide(broadcastSide);
    if (decided.choice !== 'broadcast' && sides.length > 1) {
      const other = decide(sides[1]!);
      if (other.choice === 'broadcast') {
        broadcastSide = sides[1]!;
        decided = other;
      }
    }
    const buildRight = broadcastSide === 'right';
    if (decided.choice === 'broadcast') {
      record('broadcast', decided.reason, broadcastSide);
      this.lastDecision = this.decisions.length - 1;
      if (c.buildSide !== broadcastSide) c = { ...c, buildSide: broadcastSide };
      const joined = (l: PhysicalPlan, r: PhysicalPlan): PhysicalPlan =>
        Object.freeze({ ...p, left: l, right: r, config: c });
      const b = this.broadcast(buildRight ? right : left);
      if (b.inlined) this.inlined(decided.reason);
      if (buildRight) {
        return {
          node: joined(left.node, b.node),
          dist: projected(joinDist(left.dist, 'left', type, leftWidth), c.projection),
          inputs: [...left.inputs, ...b.inputs],
        };
      }
      return {
        node: joined(b.node, right.node),
        dist: projected(joinDist(right.dist, 'right', type, leftWidth), c.projection),
        inputs: [...b.inputs, ...right.inputs],
      };
    }

    if (decided.choice === 'single') {
      record('single', decided.reason);
      left = this.gather(left);
      right = this.gather(right);
      return {
        node: with2(p, left.node, right.node),
        dist: { kind: 'single' },
        inputs: [...left.inputs, ...right.inputs],
      };
    }

    // Partitioned: both sides hashed alike on (some of) the keys, exchanging only what is not.
    const [leftIn, rightIn] = [left, right];
    const la = alignment(left.dist, c.leftKeys);
    const ra = alignment(right.dist, c.rightKeys);
    let exchanged = 0;
    let on: number[];
    // Adaptive fan-out, one side already partitioned on the keys and filtered after an aggregate
    // (HAVING: a selectivity the planner can only guess), the other a plain table side: the
    // aligned side gets a stage of its own after all, so that the join can still broadcast it
    // once its size is known (TPC-H Q18: 57 order keys, estimated 2M, against all orders).
    const aligned = la !== null && ra === null ? 'left' : ra !== null && la === null ? 'right' : null;
    const adaptiveOk = this.options.fanout === 'adaptive' && this.options.tasks === null;
    const alignedSide = aligned === 'right' ? right : left;
    const otherSide = aligned === 'right' ? left : right;
    const splitAligned =
      adaptiveOk &&
      aligned !== null &&
      sides.includes(aligned) &&
      otherSide.dist.kind === 'source' &&
      otherSide.inputs.every((i) => i.exchange !== 'hash') &&
      filteredAggregate(alignedSide.node);
    if (splitAligned) {
      on = (aligned === 'right' ? ra : la)!;
      left = this.hashed(
        left,
        on.map((i) => c.leftKeys[i]!),
      );
      right = this.hashed(
        right,
        on.map((i) => c.rightKeys[i]!),
      );
      exchanged = 2;
    } else if (la !== null && ra !== null && sameList(la, ra)) on = la;
    else if (la !== null) {
      on = la;
      right = this.hashed(
        right,
        la.map((i) => c.rightKeys[i]!),
      );
      exchanged++;
    } else if (ra !== null) {
      on = ra;
      left = this.hashed(
        left,
        ra.map((i) => c.leftKeys[i]!),
      );
      exchanged++;
    } else {
      on = c.leftKeys.map((_, i) => i);
      left = this.hashed(left, c.leftKeys);
      right = this.hashed(right, c.rightKeys);
      exchanged = 2;
    }
    record(
      exchanged === 2 ? 'partitioned' : 'colocated',
      exchanged === 2
        ? decided.reason
        : `${decided.reason}; ${exchanged === 0 ? 'both sides are' : 'one side is'} already partitioned on the keys`,
    );
    // Adaptive fan-out: the build side may still be broadcast once its size is measured, when the
    // probe side reads only tables (its stage can become the join's), and the build side too — so
    // that its stage starts at once and the probe side, held until it reports, is not held long
    // (waiting on a build side that waits on other stages idled the probe side's slots: TPC-H Q10
    // took 1.28× the wall time).
    const side = splitAligned ? aligned : sides.includes(c.buildSide) ? c.buildSide : undefined;
    const probeIn = side === 'right' ? leftIn : rightIn;
    const buildIn = side === 'right' ? rightIn : leftIn;
    if (
      exchanged === 2 &&
      side !== undefined &&
      adaptiveOk &&
      probeIn.dist.kind === 'source' &&
      probeIn.inputs.every((i) => i.exchange !== 'hash') &&
      (buildIn.inputs.length === 0 || splitAligned)
    ) {
      const built = side === 'right' ? right : left;
      const hashSource = built.node as ExchangeSourceNode;
      const whole = this.fresh<ExchangeSourceNode>({ ...hashSource, exchange: 'broadcast', keys: [] });
      const join: PhysicalPlan = Object.freeze({
        ...p,
        left: side === 'right' ? probeIn.node : whole,
        right: side === 'right' ? whole : probeIn.node,
        config: c.buildSide === side ? c : { ...c, buildSide: side },
      });
      const probeStage = (side === 'right' ? left : right).inputs[0]!.stage;
      const last = this.decisions.length - 1;
      this.decisions[last] = {
        ...(this.decisions[last] as JoinDecision),
        buildSide: side,
        buildBytes: estimatedBytes(side === 'right' ? p.right : p.left),
        probeBytes: estimatedBytes(side === 'right' ? p.left : p.right),
        adaptive: { state: 'planned', buildStage: hashSource.stage, probeStage },
      };
      this.candidates.push({
        node: p.id,
        decision: last,
        build: hashSource.stage,
        probe: probeStage,
        join,
        probeBytes: estimatedBytes(probeIn.node),
        probeTasks: this.estimatedTasks(probeIn),
      });
    }
    // Rows are partitioned by the left keys (unless padded by an outer join), and by the right.
    const leftKeys = on.map((i) => c.leftKeys[i]!);
    const rightKeys = on.map((i) => c.rightKeys[i]!);
    const dist =
      type === 'right'
        ? joinDist({ kind: 'hash', keys: rightKeys }, 'right', type, leftWidth)
        : joinDist({ kind: 'hash', keys: leftKeys }, 'left', type, leftWidth);
    return {
      node: with2(p, left.node, right.node),
      dist: projected(dist, c.projection),
      inputs: [...left.inputs, ...right.inputs],
    };
  }

  private nestedLoopJoin(p: NestedLoopJoinNode): Part {
    let left = this.visit(p.left);
    let right = this.visit(p.right);
    const type = p.config.joinType;
    const record = (choice: JoinDecision['choice'], reason: string) =>
      this.decisions.push({
        kind: 'join',
        node: p.id,
        joinType: type,
        buildSide: 'right',
        buildBytes: estimatedBytes(p.right),
        probeBytes: estimatedBytes(p.left),
        broadcastLimit: this.options.broadcastLimit,
        choice,
        reason,
      });
    if (left.dist.kind === 'single' && right.dist.kind === 'single') {
      record('single', 'both sides are on one task');
      return {
        node: with2(p, left.node, right.node),
        dist: { kind: 'single' },
        inputs: [...left.inputs, ...right.inputs],
      };
    }
    if (type !== 'right' && type !== 'full') {
      record('broadcast', 'a nested-loop join has no keys to partition on');
      this.lastDecision = this.decisions.length - 1;
      const b = this.broadcast(right);
      if (b.inlined) this.inlined('a nested-loop join has no keys to partition on');
      const leftWidth = p.left.schema.length;
      return {
        node: with2(p, left.node, b.node),
        dist: joinDist(left.dist, 'left', type === 'cross' ? 'inner' : type, leftWidth),
        inputs: [...left.inputs, ...b.inputs],
      };
    }
    record('single', `a nested-loop ${type} join keeps its right side's unmatched rows: one task`);
    left = this.gather(left);
    right = this.gather(right);
    return {
      node: with2(p, left.node, right.node),
      dist: { kind: 'single' },
      inputs: [...left.inputs, ...right.inputs],
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A node kind this planner does not know: a compile-time error, and a clear one at run time. */
function unknownNode(p: never): never {
  throw new SkeinError(
    'INTERNAL',
    `internal error (this is a bug in Skein): the stage planner does not know ${(p as PhysicalPlan).kind} nodes`,
  );
}

/** The node with a new input (same id). */
function with1<T extends PhysicalPlan & { input: PhysicalPlan }>(p: T, input: PhysicalPlan): T {
  if (p.input === input) return p;
  return Object.freeze({ ...p, input }) as unknown as T;
}

/** The join with new inputs (same id). */
function with2<T extends HashJoinNode | NestedLoopJoinNode>(
  p: T,
  left: PhysicalPlan,
  right: PhysicalPlan,
): T {
  if (p.left === left && p.right === right) return p;
  return Object.freeze({ ...p, left, right }) as unknown as T;
}

function mapKeys(d: Dist, f: (k: number) => number | undefined): Dist {
  if (d.kind !== 'hash' || d.keys === null) return d;
  const keys: number[] = [];
  for (const k of d.keys) {
    const m = f(k);
    if (m === undefined) return { kind: 'hash', keys: null };
    keys.push(m);
  }
  return { kind: 'hash', keys };
}

/** Whether rows are hashed on columns that are all among `columns` (so equal `columns` meet). */
function hashedWithin(d: Dist, columns: readonly number[]): boolean {
  return (
    d.kind === 'hash' && d.keys !== null && d.keys.length > 0 && d.keys.every((k) => columns.includes(k))
  );
}

/**
 * Which of a side's join keys its rows are hashed on: indices into `keys`, in hash order; null
 * when the side is not hashed on join keys.
 */
function alignment(d: Dist, keys: readonly number[]): number[] | null {
  if (!hashedWithin(d, keys)) return null;
  return (d as { keys: readonly number[] }).keys.map((k) => keys.indexOf(k));
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The distribution of a join's output, given one side's: that side's keys where they appear in
 * the output unpadded (an outer join fills the other side's columns with NULLs, which would break
 * "equal keys are in one task" for them).
 */
function joinDist(d: Dist, side: 'left' | 'right', type: JoinType, leftWidth: number): Dist {
  if (d.kind !== 'hash' || d.keys === null) return d;
  const padded = side === 'left' ? type === 'right' || type === 'full' : type === 'left' || type === 'full';
  const absent =
    side === 'right' && (type === 'semi' || type === 'anti' || type === 'null_aware_anti' || type === 'mark');
  if (padded || absent) return { kind: 'hash', keys: null };
  return { kind: 'hash', keys: side === 'left' ? d.keys : d.keys.map((k) => k + leftWidth) };
}

/** A join's output distribution after its projection (positions into the full output → emitted). */
function projected(d: Dist, projection: readonly number[] | undefined): Dist {
  if (projection === undefined) return d;
  return mapKeys(d, (k) => {
    const at = projection.indexOf(k);
    return at < 0 ? undefined : at;
  });
}

/** Whether equal values of the two types hash alike (so both sides of a join bucket alike). */
export function hashCompatible(a: DataType, b: DataType): boolean {
  const intLike = (t: DataType) => t.kind === 'int32' || t.kind === 'int64';
  if (intLike(a) && intLike(b)) return true;
  if (a.kind !== b.kind) return false;
  if (a.kind === 'decimal' && b.kind === 'decimal') return a.scale === b.scale;
  return true;
}

/** Bytes per value of a type, roughly, for size estimates. */
function typeWidth(t: DataType): number {
  switch (t.kind) {
    case 'null':
      return 0;
    case 'boolean':
      return 1;
    case 'int32':
    case 'date':
      return 4;
    case 'int64':
    case 'float64':
    case 'timestamp':
      return 8;
    case 'decimal':
      return t.precision > 18 ? 16 : 8;
    case 'interval':
      return 16;
    case 'varchar':
      return 24;
  }
}

export function rowWidth(schema: Schema): number {
  let w = 0;
  for (const f of schema) w += typeWidth(f.type);
  return Math.max(1, w);
}

/** A node's estimated output bytes (rows × row width), or null when its rows are unknown. */
export function estimatedBytes(p: PhysicalPlan): number | null {
  return p.estimatedRows === null ? null : p.estimatedRows * rowWidth(p.schema);
}

/** The nodes of a stage's fragment (not beyond its exchange sources, which are leaves). */
export function fragmentNodes(fragment: PhysicalPlan): PhysicalPlan[] {
  const out: PhysicalPlan[] = [];
  const walk = (p: PhysicalPlan) => {
    out.push(p);
    for (const c of planInputs(p)) walk(c);
  };
  walk(fragment);
  return out;
}
