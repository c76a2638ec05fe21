/**
 * One stage of a running query: decides its task count when it starts, builds each task's
 * TaskSpec, and keeps each task's attempts and its winning commit. The QueryCoordinator owns the
 * event loop and calls in; this class holds the stage's bookkeeping and makes no requests of its
 * own beyond reading split metadata.
 *
 * Stage lifecycle:
 * ```
 *   waiting ──inputs committed──▶ starting ──specs built──▶ running ──every task committed──▶ committed
 *      └───────────────┴──────────────────────┴──query failed or cancelled──▶ cancelled
 *      │                                      running ──a task failed──▶ failed
 *      └──its adaptive join broadcast the build side (the probe side's stage)──▶ skipped
 * ```
 * A probe side's stage of an adaptive join is *held* (not ready) until the join is decided.
 * Attempt lifecycle (an attempt is one invocation of one task):
 * ```
 *   pending ──invoked──▶ launched ──started──▶ running ──commit won──▶ committed
 *                           │                    ├──commit lost (another attempt won)──▶ lost
 *                           └────────────────────┴──failed event / invocation failure──▶ failed
 * ```
 * Attempts are numbered from 0 and their number is in every key and event; retries (a later
 * issue) add attempts to a task, and the commit rule already picks exactly one.
 *
 * **Adaptive fan-out** (`fanout: 'adaptive'`, DESIGN §3.6). A producer stage's tasks carry Sampler
 * bounds and their assigned input in their specs, and their LoadInfo is kept per task
 * ({@link StageCoordinator.recordLoad}). A waiting stage that reads hash exchanges is decided
 * ({@link StageCoordinator.decideEarly}) as soon as each of its hash producers has a quorum —
 * usually before they commit; when LoadInfo is lost it is decided at its start from the commits.
 * By default it *starts* once its producers committed, its TaskSpecs naming the committed spool
 * objects it reads (DESIGN §3.3). With `earlyStart` the QueryCoordinator may start a decided stage
 * before ({@link StageCoordinator.start} with `early`): its tasks' bucket ranges are balanced by the
 * bytes per bucket its producers reported so far (LoadInfo, commits), and their inputs come over
 * input feeds (`input-feed.ts`) from the stage's feed log ({@link StageCoordinator.feedLog}).
 */

import {
  decideAdaptiveTaskCount,
  estimateProducerOutput,
  type ProducerTaskLoad,
  quorumReached,
  withActualBytes,
} from '../distributed/adaptive-fanout.ts';
import type { DistributedOptions } from '../distributed/options.ts';
import type { SourceSplit } from '../distributed/splits.ts';
import { assignSplits, enumerateSplits, type FooterCache, withSplits } from '../distributed/splits.ts';
import type { SpoolManifest } from '../distributed/spool/format.ts';
import { planSpoolRead } from '../distributed/spool/reader.ts';
import { bucketWeights, splitBucketRanges } from '../distributed/spool/split.ts';
import type { Stage } from '../distributed/stage-graph.ts';
import { decideTaskCount, type TaskCountDecision } from '../distributed/task-count.ts';
import type { TaskFault, TaskInput, TaskOutput, TaskSample, TaskSpec } from '../distributed/task-spec.ts';
import { TASK_SPEC_VERSION } from '../distributed/task-spec.ts';
import { SkeinError } from '../errors.ts';
import type { CsvScanNode, ParquetScanNode, PhysicalPlan } from '../physical/plan.ts';
import { planInputs } from '../physical/plan.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { AttemptRef, LoadInfo, OperatorTaskMetrics, TaskMetrics } from './events.ts';
import { type FeedMessage, feedQueueName } from './input-feed.ts';
import { streamingFragment } from './sampler.ts';

export type StageState =
  | 'waiting'
  | 'starting'
  | 'running'
  | 'committed'
  | 'failed'
  | 'cancelled'
  | 'skipped';
export type AttemptState = 'pending' | 'launched' | 'running' | 'committed' | 'lost' | 'failed';

export interface AttemptRecord {
  readonly ref: AttemptRef;
  state: AttemptState;
  readonly spec: TaskSpec;
  invocationId?: string;
  /** ms since the epoch of the last sign of life (launch or event). */
  lastSeen: number;
}

export interface TaskRecord {
  readonly index: number;
  readonly attempts: AttemptRecord[];
  winner?: { attempt: number; manifest: SpoolManifest; metrics: TaskMetrics };
  /** The task's share of the stage's input (split weight, or bytes to read): for extrapolation. */
  readonly weight: number;
  /** The first LoadInfo of any of its attempts that did not fail. */
  load?: LoadInfo;
  /** LoadInfo events received (duplicates by id are dropped before). */
  loads: number;
}

/** What a stage needs to start. */
export interface StageStartContext {
  readonly queryId: string;
  readonly options: DistributedOptions;
  /** The committed manifests of a producer stage, in task order. */
  producerManifests(stage: number): readonly SpoolManifest[];
  /** The coordinator of a producer stage (for its LoadInfo). */
  producer(stage: number): StageCoordinator;
  readonly spool: string;
  readonly events: string;
  readonly batchSize: number;
  readonly memoryLimit: number;
  readonly heartbeatMs: number;
  readonly faults: readonly TaskFault[];
  openStore(location: string): BlobStore;
  readonly footers: FooterCache;
}

/** A stage's figures after it ran (or as far as it got). */
export interface StageStats {
  readonly id: number;
  readonly distribution: Stage['distribution'];
  readonly output: Stage['output']['kind'];
  readonly tasks: number;
  /** Sum of its tasks' durations (the winning attempts'). */
  readonly taskMs: number;
  /** From the stage's start to its last commit. */
  readonly wallMs: number;
  readonly rowsOut: number;
  readonly bytesOut: number;
  readonly spoolBytesWritten: number;
  readonly spoolBytesRead: number;
  readonly decision?: TaskCountDecision;
  /** LoadInfo events received from its tasks (one per attempt when none is lost; duplicates dropped). */
  readonly loadInfos: number;
  /** Started before its producers committed (`earlyStart`): ms from its start to their last commit. */
  readonly earlyMs?: number;
  /** The probe side's stage of an adaptive join that broadcast its build side: it never ran. */
  readonly skipped?: boolean;
  readonly taskStats: readonly TaskStats[];
  /** Per operator of the fragment: counters summed over tasks. */
  readonly operators: readonly OperatorTaskMetrics[];
}

export interface TaskStats {
  readonly task: number;
  readonly attempt: number;
  readonly wallMs: number;
  readonly rowsOut: number;
  readonly bytesOut: number;
  readonly spoolBytesWritten: number;
  readonly spoolBytesRead: number;
  readonly splits: number;
  readonly memoryPeak: number;
}

export class StageCoordinator {
  state: StageState = 'waiting';
  decision: TaskCountDecision | undefined;
  readonly tasks: TaskRecord[] = [];
  private startedAt = 0;
  private committedAt = 0;
  private remaining = 0;
  private decidedAt = 0;
  /** Whether the stage started before its producers committed (`earlyStart`). */
  startedEarly = false;
  /**
   * Started early: its producers' winning commits in the order they were accepted — the input feed
   * every task attempt of the stage gets (replayed whole to a new attempt).
   */
  readonly feedLog: { readonly stage: number; readonly manifest: SpoolManifest }[] = [];
  /** Started early: whether the end of the feed was sent (every producer committed). */
  feedEnded = false;
  private feedEndedAt = 0;

  /**
   * The probe side of an adaptive join: held until the coordinator decided the join (the id of
   * the join's stage); undefined otherwise.
   */
  heldBy: number | undefined;
  /** Whether this stage's adaptive join was decided (it runs as planned or as its alternative). */
  joinDecided = false;

  constructor(public stage: Stage) {}

  get id(): number {
    return this.stage.id;
  }

  /** Whether every input stage has committed (and the stage is not held). */
  ready(committed: (stage: number) => boolean): boolean {
    return (
      this.state === 'waiting' &&
      this.heldBy === undefined &&
      this.stage.inputs.every((i) => committed(i.stage))
    );
  }

  /** Its adaptive join broadcasts the build side: the stage runs in its alternative shape. */
  useAlternative(): void {
    const aj = this.stage.adaptiveJoin;
    if (aj === undefined || this.state !== 'waiting') {
      throw new SkeinError(
        'INTERNAL',
        `internal error (this is a bug in Skein): stage ${this.id} has no alternative shape to take`,
      );
    }
    this.stage = Object.freeze({ ...this.stage, ...aj.alternative });
  }

  /** The probe side's stage of a join that broadcast its build side: it never runs. */
  skip(reason: string): void {
    this.state = 'skipped';
    this.heldBy = undefined;
    this.decision = { tasks: 0, reason: `skipped: ${reason}`, inputBytes: null };
  }

  /**
   * Decides the task count and builds the first attempt of every task; returns them to launch.
   * `early`: the stage is decided (adaptively) and its producers have not all committed — its tasks
   * read input feeds instead of planned reads.
   */
  async start(ctx: StageStartContext, early = false): Promise<AttemptRecord[]> {
    if (early && (this.decision === undefined || this.stage.distribution !== 'hash')) {
      throw new SkeinError(
        'INTERNAL',
        `internal error (this is a bug in Skein): stage ${this.id} cannot start before its producers committed`,
      );
    }
    this.state = 'starting';
    this.startedEarly = early;
    this.startedAt = performance.now();
    const s = this.stage;
    const o = ctx.options;
    let perTaskFragments: PhysicalPlan[] | undefined;
    let ranges: { lo: number; hi: number }[] | undefined;
    // Source stages: each task's split weight and rows (driver progress, extrapolation).
    let taskWeights: number[] | undefined;
    let splitRows: number[] | undefined;
    let estimatedRows: number[] | undefined;
    const hashInputs = s.inputs.filter((i) => i.exchange === 'hash');
    if (s.distribution === 'source') {
      // Replicated scans (small build sides computed in every task) keep all their files.
      const scans = scanNodes(s.fragment).filter((n) => s.scans.includes(n.id));
      const splits = new Map<number, SourceSplit[]>();
      let bytes = 0;
      let count = 0;
      for (const scan of scans) {
        const list = await enumerateSplits(scan, ctx.openStore(scan.store), o.splitSize, ctx.footers);
        splits.set(scan.id, list);
        for (const x of list) bytes += x.weight;
        count = Math.max(count, list.length);
      }
      this.decision = decideTaskCount({
        distribution: 'source',
        inputBytes: bytes,
        splits: count,
        options: o,
      });
      const n = this.decision.tasks;
      const assigned = new Map([...splits].map(([id, list]) => [id, assignSplits(list, n)]));
      taskWeights = Array.from({ length: n }, (_, t) =>
        [...assigned.values()].reduce((w, a) => w + a[t]!.reduce((x, sp) => x + sp.weight, 0), 0),
      );
      splitRows = Array.from({ length: n }, (_, t) =>
        [...assigned.values()].reduce((r, a) => r + a[t]!.reduce((x, sp) => x + splitRowCount(sp), 0), 0),
      );
      perTaskFragments = Array.from({ length: n }, (_, t) =>
        replaceScans(s.fragment, (scan) => {
          const mine = assigned.get(scan.id);
          return mine === undefined ? scan : withSplits(scan, mine[t]!);
        }),
      );
    } else if (s.distribution === 'hash' && early) {
      // Balanced by what the producers wrote to each bucket so far (their LoadInfo and commits).
      const weights = estimatedBucketWeights(
        hashInputs.map((i) => ctx.producer(i.stage)),
        o.buckets,
      );
      if (this.decision!.tasks > o.buckets) this.decision = { ...this.decision!, tasks: o.buckets };
      ranges = splitBucketRanges(weights, this.decision!.tasks);
      const total = weights.reduce((a, b) => a + b, 0);
      // Each task's share of the hash inputs (by bucket weight); the other inputs it reads whole.
      const shares = ranges.map((r) => {
        if (total === 0) return 1 / ranges!.length;
        let w = 0;
        for (let b = r.lo; b < r.hi; b++) w += weights[b]!;
        return w / total;
      });
      const est = (hash: boolean, f: (p: StageCoordinator) => number) =>
        s.inputs.reduce((x, i) => x + ((i.exchange === 'hash') === hash ? f(ctx.producer(i.stage)) : 0), 0);
      const rows = [est(true, (p) => estimatedOutput(p).rows), est(false, (p) => estimatedOutput(p).rows)];
      const bytes = [est(true, (p) => estimatedOutput(p).bytes), est(false, (p) => estimatedOutput(p).bytes)];
      // Driver progress of each task (exact once its feed has ended), and its weight for the
      // extrapolation of its own output.
      estimatedRows = shares.map((f) => rows[0]! * f + rows[1]!);
      taskWeights = shares.map((f) => bytes[0]! * f + bytes[1]!);
    } else if (s.distribution === 'hash') {
      let bytes = 0;
      let buckets: number | undefined;
      let weights: number[] | undefined;
      for (const input of hashInputs) {
        const ms = ctx.producerManifests(input.stage);
        for (const m of ms) bytes += m.bytes;
        const w = bucketWeights(ms);
        if (buckets !== undefined && w.length !== buckets) {
          throw new SkeinError(
            'INTERNAL',
            `internal error (this is a bug in Skein): the hash inputs of stage ${s.id} have ${buckets} and ${w.length} buckets`,
          );
        }
        buckets = w.length;
        weights = weights === undefined ? w : weights.map((x, b) => x + w[b]!);
      }
      if (adaptive(o)) {
        // Decided early from LoadInfo, or now from the commits (LoadInfo lost or late).
        if (this.decision === undefined) this.decideEarly(ctx.producer, o, true);
        this.decision = withActualBytes(
          this.decision!,
          bytes,
          this.decidedAt > 0 ? performance.now() - this.decidedAt : 0,
        );
        if (this.decision.tasks > (buckets ?? o.buckets))
          this.decision = { ...this.decision, tasks: buckets ?? o.buckets };
      } else {
        this.decision = decideTaskCount({
          distribution: 'hash',
          inputBytes: bytes,
          buckets: buckets ?? o.buckets,
          options: o,
        });
      }
      // Every hash input is read by the same bucket ranges, balanced over their summed weights,
      // so equal keys of all of them meet in one task.
      ranges = splitBucketRanges(weights ?? new Array<number>(buckets ?? 1).fill(0), this.decision.tasks);
    } else {
      this.decision = decideTaskCount({ distribution: 'single', inputBytes: null, options: o });
    }
    const n = this.decision!.tasks;
    const output: TaskOutput =
      s.output.kind === 'hash'
        ? { kind: 'hash', keys: s.output.keys, buckets: o.buckets, columns: s.columns }
        : { kind: 'single', columns: s.columns };
    const attempts: AttemptRecord[] = [];
    const sampled = adaptive(o) && s.output.kind !== 'result';
    for (let t = 0; t < n; t++) {
      const inputs: TaskInput[] = s.inputs.map((input) => {
        if (early) {
          const B = ctx.producer(input.stage).stage.output.kind === 'hash' ? o.buckets : 1;
          return {
            stage: input.stage,
            feed: input.exchange === 'hash' && ranges ? ranges[t]! : { lo: 0, hi: B },
          };
        }
        const ms = ctx.producerManifests(input.stage);
        const B = ms[0]?.bucketCount ?? 1;
        const range = input.exchange === 'hash' && ranges ? ranges[t]! : { lo: 0, hi: B };
        return { stage: input.stage, read: planSpoolRead(ms, range) };
      });
      const readRows = inputs.reduce((r, i) => r + ('read' in i ? i.read.rows : 0), 0);
      const readBytes = inputs.reduce((r, i) => r + ('read' in i ? i.read.bytes : 0), 0);
      const sample: TaskSample | undefined = sampled
        ? {
            rows: o.sampleRows,
            bytes: o.sampleBytes,
            ms: o.sampleMs,
            inputRows: Math.round((splitRows?.[t] ?? 0) + readRows + (estimatedRows?.[t] ?? 0)),
            scans: s.scans,
          }
        : undefined;
      const ref: AttemptRef = { queryId: ctx.queryId, stage: s.id, task: t, attempt: 0 };
      const spec: TaskSpec = {
        version: TASK_SPEC_VERSION,
        ...ref,
        fragment: perTaskFragments ? perTaskFragments[t]! : s.fragment,
        inputs,
        output,
        spool: ctx.spool,
        events: ctx.events,
        batchSize: ctx.batchSize,
        memoryLimit: ctx.memoryLimit,
        heartbeatMs: ctx.heartbeatMs,
        ...(ctx.faults.length > 0 ? { faults: ctx.faults } : {}),
        ...(sample ? { sample } : {}),
        ...(early ? { feed: { queue: feedQueueName(ref) } } : {}),
      };
      const attempt: AttemptRecord = { ref, state: 'pending', spec, lastSeen: Date.now() };
      this.tasks.push({ index: t, attempts: [attempt], weight: taskWeights?.[t] ?? readBytes, loads: 0 });
      attempts.push(attempt);
    }
    this.remaining = n;
    this.state = 'running';
    return attempts;
  }

  /** Keeps a task's LoadInfo (the first usable one; later, duplicated or failed ones only count). */
  recordLoad(a: AttemptRecord, load: LoadInfo): void {
    const task = this.tasks[a.ref.task];
    if (task === undefined) return;
    task.loads++;
    if (task.load === undefined && load.failed !== true) task.load = load;
  }

  /** What is known of each task's output so far (for a consumer's adaptive decision). */
  producerLoads(): ProducerTaskLoad[] {
    return this.tasks.map((t): ProducerTaskLoad => {
      if (t.winner !== undefined)
        return { weight: t.weight, state: 'committed', bytes: t.winner.manifest.bytes, progress: 1 };
      const l = t.load;
      if (l === undefined) return { weight: t.weight, state: 'unknown', bytes: 0, progress: 0 };
      if (l.ended) return { weight: t.weight, state: 'ended', bytes: l.bytes, progress: 1 };
      return {
        weight: t.weight,
        state: l.progress > 0 ? 'sampled' : 'unknown',
        bytes: l.bytes,
        progress: l.progress,
      };
    });
  }

  /**
   * Decides a waiting stage that reads hash exchanges, adaptively, once each hash producer has a
   * quorum (or, with `force`, from whatever is known — at its start, when all have committed).
   * True when it decided now.
   */
  decideEarly(producer: (stage: number) => StageCoordinator, o: DistributedOptions, force = false): boolean {
    if (this.decision !== undefined || this.stage.distribution !== 'hash' || !adaptive(o)) return false;
    if (this.state !== 'waiting' && !force) return false;
    const hashInputs = this.stage.inputs.filter((i) => i.exchange === 'hash');
    const loads = hashInputs.map((i) => ({ stage: i.stage, loads: producer(i.stage).producerLoads() }));
    if (!force && !loads.every((l) => quorumReached(l.loads, o.quorum))) return false;
    const sampledAny = loads.some((l) => l.loads.some((x) => x.state === 'sampled' || x.state === 'ended'));
    this.decision = decideAdaptiveTaskCount({
      estimates: loads.map((l) =>
        estimateProducerOutput(l.stage, l.loads, streamingFragment(producer(l.stage).stage.fragment)),
      ),
      basis: sampledAny ? 'loadinfo' : 'manifests',
      buckets: o.buckets,
      options: o,
    });
    this.decidedAt = performance.now();
    return true;
  }

  /**
   * Started early: the feed messages of an attempt for the log entries from `from` on (all of them
   * for a new attempt: a replay), and the end of the feed once it has ended.
   */
  feedMessages(a: AttemptRecord, from: number): FeedMessage[] {
    const out: FeedMessage[] = [];
    for (let seq = from; seq < this.feedLog.length; seq++) {
      const { stage, manifest } = this.feedLog[seq]!;
      const input = a.spec.inputs.find((i) => i.stage === stage);
      if (input === undefined || !('feed' in input)) {
        throw new SkeinError(
          'INTERNAL',
          `internal error (this is a bug in Skein): task ${this.id}.${a.ref.task} has no feed of stage ${stage}`,
        );
      }
      out.push({ kind: 'input', seq, stage, read: planSpoolRead([manifest], input.feed) });
    }
    if (this.feedEnded) out.push({ kind: 'end', total: this.feedLog.length });
    return out;
  }

  /**
   * Started early, and every producer has committed: the feed ends, and the decision learns what
   * really came.
   */
  endFeed(producerManifests: (stage: number) => readonly SpoolManifest[]): void {
    this.feedEnded = true;
    this.feedEndedAt = performance.now();
    let bytes = 0;
    for (const i of this.stage.inputs) {
      if (i.exchange === 'hash') for (const m of producerManifests(i.stage)) bytes += m.bytes;
    }
    if (this.decision !== undefined) {
      this.decision = withActualBytes(
        this.decision,
        bytes,
        this.decidedAt > 0 ? performance.now() - this.decidedAt : 0,
      );
    }
  }

  attempt(task: number, attempt: number): AttemptRecord | undefined {
    return this.tasks[task]?.attempts.find((a) => a.ref.attempt === attempt);
  }

  /** Records a task's winning commit; true when it was the stage's last. */
  commit(a: AttemptRecord, manifest: SpoolManifest, metrics: TaskMetrics): boolean {
    a.state = 'committed';
    const task = this.tasks[a.ref.task]!;
    if (task.winner !== undefined) return false;
    task.winner = { attempt: a.ref.attempt, manifest, metrics };
    this.remaining--;
    if (this.remaining === 0 && this.state === 'running') {
      this.state = 'committed';
      this.committedAt = performance.now();
      return true;
    }
    return false;
  }

  /** The winners' manifests, in task order (all tasks must have committed). */
  manifests(): SpoolManifest[] {
    return this.tasks.map((t) => {
      if (t.winner === undefined) {
        throw new SkeinError(
          'INTERNAL',
          `internal error (this is a bug in Skein): task ${this.id}.${t.index} has not committed`,
        );
      }
      return t.winner.manifest;
    });
  }

  /** Manifests of the tasks that committed so far. */
  committedManifests(): SpoolManifest[] {
    return this.tasks.flatMap((t) => (t.winner ? [t.winner.manifest] : []));
  }

  stats(): StageStats {
    const winners = this.tasks.flatMap((t) => (t.winner ? [{ task: t.index, ...t.winner }] : []));
    const operators = new Map<number, { id: number; rows: number; batches: number; timeMs: number }>();
    for (const w of winners) {
      for (const op of w.metrics.operators) {
        const m = operators.get(op.id) ?? { id: op.id, rows: 0, batches: 0, timeMs: 0 };
        m.rows += op.rows;
        m.batches += op.batches;
        m.timeMs += op.timeMs;
        operators.set(op.id, m);
      }
    }
    const sum = (f: (m: TaskMetrics) => number) => winners.reduce((s, w) => s + f(w.metrics), 0);
    return {
      id: this.id,
      distribution: this.stage.distribution,
      output: this.stage.output.kind,
      tasks: this.tasks.length,
      taskMs: sum((m) => m.wallMs),
      wallMs: this.committedAt > 0 ? this.committedAt - this.startedAt : 0,
      rowsOut: sum((m) => m.rowsOut),
      bytesOut: sum((m) => m.bytesOut),
      spoolBytesWritten: sum((m) => m.spoolBytesWritten),
      spoolBytesRead: sum((m) => m.spoolBytesRead),
      ...(this.decision ? { decision: this.decision } : {}),
      loadInfos: this.tasks.reduce((n, t) => n + t.loads, 0),
      ...(this.startedEarly ? { earlyMs: this.feedEndedAt > 0 ? this.feedEndedAt - this.startedAt : 0 } : {}),
      ...(this.state === 'skipped' ? { skipped: true } : {}),
      taskStats: winners.map((w) => ({
        task: w.task,
        attempt: w.attempt,
        wallMs: w.metrics.wallMs,
        rowsOut: w.metrics.rowsOut,
        bytesOut: w.metrics.bytesOut,
        spoolBytesWritten: w.metrics.spoolBytesWritten,
        spoolBytesRead: w.metrics.spoolBytesRead,
        splits: w.metrics.splits,
        memoryPeak: w.metrics.memoryPeak,
      })),
      operators: [...operators.values()],
    };
  }
}

/** The table scans of a fragment. */
export function scanNodes(fragment: PhysicalPlan): (ParquetScanNode | CsvScanNode)[] {
  const out: (ParquetScanNode | CsvScanNode)[] = [];
  const walk = (p: PhysicalPlan) => {
    if (p.kind === 'parquet_scan' || p.kind === 'csv_scan') out.push(p);
    for (const c of planInputs(p)) walk(c);
  };
  walk(fragment);
  return out;
}

/** The fragment with each table scan replaced by `f(scan)` (the rest shared). */
export function replaceScans(
  fragment: PhysicalPlan,
  f: (scan: ParquetScanNode | CsvScanNode) => PhysicalPlan,
): PhysicalPlan {
  const walk = (p: PhysicalPlan): PhysicalPlan => {
    switch (p.kind) {
      case 'parquet_scan':
      case 'csv_scan':
        return f(p);
      case 'memory_scan':
      case 'values':
      case 'exchange_source':
        return p;
      case 'hash_join':
      case 'nested_loop_join': {
        const left = walk(p.left);
        const right = walk(p.right);
        return left === p.left && right === p.right ? p : Object.freeze({ ...p, left, right });
      }
      case 'union': {
        const inputs = p.inputs.map(walk);
        return inputs.every((x, i) => x === p.inputs[i]) ? p : Object.freeze({ ...p, inputs });
      }
      default: {
        const input = walk(p.input);
        return input === p.input ? p : (Object.freeze({ ...p, input }) as PhysicalPlan);
      }
    }
  };
  return walk(fragment);
}

/**
 * Bytes per bucket the producers' tasks wrote so far — committed manifests, else the LoadInfo's
 * histogram scaled by its driver progress — summed over the producers (all hashed into `buckets`).
 * Zero everywhere when nothing is known (the ranges are then even).
 */
function estimatedBucketWeights(producers: readonly StageCoordinator[], buckets: number): number[] {
  const w = new Array<number>(buckets).fill(0);
  for (const p of producers) {
    for (const t of p.tasks) {
      if (t.winner !== undefined) {
        for (const o of t.winner.manifest.objects) {
          for (let b = 0; b < buckets && b < o.bytes.length; b++) w[b]! += o.bytes[b]!;
        }
        continue;
      }
      const l = t.load;
      if (l?.bucketBytes === undefined || l.bucketBytes.length !== buckets) continue;
      const scale = l.ended ? 1 : l.progress > 0 ? 1 / Math.min(1, l.progress) : 1;
      for (let b = 0; b < buckets; b++) w[b]! += l.bucketBytes[b]! * scale;
    }
  }
  return w;
}

/** A producer stage's output, estimated: bytes as for a decision, rows by the rows per byte seen. */
function estimatedOutput(p: StageCoordinator): { bytes: number; rows: number } {
  const est = estimateProducerOutput(p.id, p.producerLoads(), streamingFragment(p.stage.fragment));
  let rows = 0;
  let bytes = 0;
  for (const t of p.tasks) {
    if (t.winner !== undefined) {
      rows += t.winner.manifest.rows;
      bytes += t.winner.manifest.bytes;
    } else if (t.load !== undefined) {
      rows += t.load.rows;
      bytes += t.load.bytes;
    }
  }
  if (est.bytes === null) return { bytes: 0, rows: 0 };
  return { bytes: est.bytes, rows: bytes === 0 ? 0 : (est.bytes * rows) / bytes };
}

/** Whether stages reading hash exchanges are sized adaptively (not forced, not static). */
function adaptive(o: DistributedOptions): boolean {
  return o.fanout === 'adaptive' && o.tasks === null;
}

/** Rows a split holds (Parquet; 0 when unknown, as for CSV files). */
function splitRowCount(s: SourceSplit): number {
  if (s.rows !== undefined) return s.rows.end - s.rows.start;
  return s.rowGroupRows ?? 0;
}
