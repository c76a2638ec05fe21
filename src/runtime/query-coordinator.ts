/**
 * Runs one query's stage graph on functions (DESIGN §1): starts each stage when its inputs have
 * committed, invokes its tasks within the query's concurrency budget (backing off when the invoker
 * throttles), gathers the tasks' events from the query's own queue, applies the commit rule, reads
 * the root stage's output back as the query's rows, and deletes the query's spool, specs, queue and
 * state when it ends — however it ends.
 *
 * Query lifecycle:
 * ```
 *   created ──rows() read──▶ running ──root stage committed──▶ reading ──rows read──▶ succeeded
 *                              │                                  │
 *                              ├──a task failed / lost──▶ failing ─┴──(drained)──▶ failed
 *                              └──cancel()─────────────▶ failing ──(drained)──▶ cancelled
 * ```
 * (`failing`: tasks are told to stop, through a cancel key they check with each heartbeat, and
 * the coordinator waits a short while for running attempts to report, so their output can be
 * deleted.) Whatever the end, cleanup follows.
 *
 * **Why one event queue per query.** Each query creates `skein-{queryId}` and deletes it at the
 * end. Its coordinator then receives only its own events (SQS cannot filter on receive, so a
 * shared queue would need a dispatcher that re-routes other queries' messages, with their
 * visibility timeouts and redeliveries interleaved); late events of a finished query go nowhere
 * instead of confusing the next; and a slow query cannot hold up another's events. The cost is a
 * CreateQueue and a DeleteQueue per query (milliseconds, against queries of seconds), and SQS's
 * advice to allow a moment after creating a queue; a shared queue with a dispatcher is the
 * alternative when queries become very short or numerous.
 *
 * **Starting consumers early** (`earlyStart`, with adaptive fan-out). A stage that reads hash
 * exchanges normally starts once all its producers committed. With `earlyStart` it starts as soon
 * as (1) it is decided (its producers reached their LoadInfo quorum), and (2) every task of every
 * stage it reads is *running* — its `started` event came, or it committed — not merely launched.
 * Its tasks then get the producers' commits over input feeds (`input-feed.ts`) and wait for them.
 * Why this cannot deadlock under a concurrency cap (ours, `maxConcurrency`, or the invoker's: an
 * accepted Lambda `Event` invoke may still wait in Lambda's own queue, which is why "launched" is
 * not enough): a waiting consumer waits only for tasks that already hold a function slot and need
 * no other to finish, so they end and free it, whatever the consumers hold; a stage whose
 * producers are still pending is not started early, so consumers never take slots that producers
 * not yet started need. (Launches stay first come, first served, so pending producers of other
 * stages also launch before the consumers that came after them.) Task retries, when they come,
 * must keep this: a retried producer attempt must not queue behind waiting consumers.
 *
 * **Adaptive joins** (a stage with `adaptiveJoin`, `src/distributed/adaptive-join.ts`). The probe
 * side's stage is held until the build side's stage reaches its LoadInfo quorum (or ends); then
 * the join is decided: broadcast — the join's stage takes its alternative shape (the probe side's
 * splits joined with the build side read whole) and the probe side's stage is skipped — or
 * partitioned, and the probe side's stage is released. Holding cannot deadlock: the build side's
 * stage never depends on the probe side's (they are disjoint subtrees).
 *
 * @example
 * const q = new QueryCoordinator(planStages(physical, options), services, { options, batchSize, memoryLimit });
 * for await (const batch of q.rows()) …
 * q.stats(); // { wallMs, stages: [...], spoolBytesWritten, requests, … }
 */
import { randomBytes } from 'node:crypto';
import { estimateProducerOutput, quorumReached } from '../distributed/adaptive-fanout.ts';
import { chooseRuntimeJoin } from '../distributed/adaptive-join.ts';
import type { DistributedOptions } from '../distributed/options.ts';
import type { FooterCache } from '../distributed/splits.ts';
import { deleteAttemptSpool, deleteSpoolObjects } from '../distributed/spool/cleanup.ts';
import type { SpoolManifest } from '../distributed/spool/format.ts';
import { planSpoolRead } from '../distributed/spool/reader.ts';
import type { PlanDecision, StageGraph } from '../distributed/stage-graph.ts';
import { type TaskFault, type TaskPayload, taskPayload } from '../distributed/task-spec.ts';
import { asSkeinError, SkeinError } from '../errors.ts';
import type { BatchStream } from '../exec/context.ts';
import type { Batch } from '../exec/vector.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { InvocationFailure, Invoker } from '../ports/invoker.ts';
import { InvokeThrottledError } from '../ports/invoker.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { StateStore } from '../ports/state-store.ts';
import { CommitLedger } from './commit-ledger.ts';
import { addCounts, countingBlobStore, countingQueue, type IoCounts, newRequestCounts } from './counting.ts';
import { decodeEvent, eventBodyKey, type RequestCounts, type TaskEvent } from './events.ts';
import { exchangeStream } from './exchange-reader.ts';
import { encodeFeedMessage, feedQueueName } from './input-feed.ts';
import { streamingFragment } from './sampler.ts';
import {
  type AttemptRecord,
  StageCoordinator,
  type StageStartContext,
  type StageStats,
} from './stage-coordinator.ts';
import { cancelKey } from './task-runner.ts';

export type QueryState = 'created' | 'running' | 'reading' | 'failing' | 'succeeded' | 'failed' | 'cancelled';

/** The ports a coordinator uses. */
export interface CoordinatorServices {
  readonly invoker: Invoker;
  readonly queue: MessageQueue;
  readonly state: StateStore;
  /** The spool's blob store, and its location as tasks open it. */
  readonly spool: BlobStore;
  readonly spoolLocation: string;
  /** Table stores, for split metadata. */
  openStore(location: string): BlobStore;
  readonly footers: FooterCache;
  /** The function that runs tasks. */
  readonly functionName: string;
}

export interface QueryRunOptions {
  readonly options: DistributedOptions;
  readonly batchSize: number;
  /** Bytes each task's operators may hold. */
  readonly memoryLimit: number;
  readonly queryId?: string;
  /** Default 2 s. */
  readonly heartbeatMs?: number;
  /** A running attempt without any event for this long is lost, and fails the query. Default 120 s. */
  readonly taskTimeoutMs?: number;
  /** How long a failing query waits for running attempts to report. Default 5 s. */
  readonly drainMs?: number;
  readonly faults?: readonly TaskFault[];
  /** Called once the query has ended and been cleaned up. */
  readonly onEnd?: () => void;
  /**
   * Keep the root stage's committed output instead of reading it back: {@link QueryCoordinator.runRetained}
   * returns its manifests, and cleanup deletes everything else. Whoever holds the manifests deletes
   * their objects later (`releaseQuery` in engine/query-service.ts; the bucket's lifecycle rule otherwise).
   */
  readonly retainResult?: boolean;
}

/** What a query did: the `--stats-json` document (see the CLI's help for the schema). */
export interface QueryStats {
  readonly queryId: string;
  readonly state: QueryState;
  readonly wallMs: number;
  readonly stages: readonly StageStats[];
  readonly spoolBytesWritten: number;
  readonly spoolBytesRead: number;
  readonly requests: RequestCounts & { readonly invoke: number; readonly throttled: number };
  readonly duplicateEvents: number;
  /** Commits that did not count: of another attempt than the task's winner, or of unknown attempts. */
  readonly ignoredCommits: number;
  readonly decisions: readonly PlanDecision[];
}

const INITIAL_BACKOFF_MS = 2;
const MAX_BACKOFF_MS = 250;

export class QueryCoordinator {
  readonly queryId: string;
  private state: QueryState = 'created';
  private readonly stages = new Map<number, StageCoordinator>();
  private readonly ledger: CommitLedger;
  private readonly events: string;
  private readonly spool: BlobStore;
  private readonly queue: MessageQueue;
  private readonly counts: IoCounts = newRequestCounts();
  private readonly taskCounts: RequestCounts = newRequestCounts();
  private invokes = 0;
  private throttled = 0;
  private duplicates = 0;
  private ignoredCommits = 0;
  private readonly pending: AttemptRecord[] = [];
  private readonly payloads = new Map<AttemptRecord, TaskPayload>();
  private readonly invocations = new Map<string, AttemptRecord>();
  private inFlight = 0;
  private backoffMs = INITIAL_BACKOFF_MS;
  private backoffUntil = 0;
  private failure: SkeinError | undefined;
  private readonly storedKeys: string[] = [];
  /** Input feed queues of early started attempts (deleted at the end). */
  private readonly feedQueues: string[] = [];
  private readonly deletedStages = new Set<number>();
  /** The plan's decisions; adaptive joins' are replaced by what was decided at run time. */
  private readonly decisions: PlanDecision[];
  private t0 = 0;
  private wallMs = 0;
  private queueCreated = false;
  private readonly heartbeatMs: number;
  private readonly taskTimeoutMs: number;
  private readonly drainMs: number;

  constructor(
    readonly graph: StageGraph,
    private readonly services: CoordinatorServices,
    private readonly run: QueryRunOptions,
  ) {
    this.queryId = run.queryId ?? newQueryId();
    this.events = `skein-${this.queryId}`;
    this.ledger = new CommitLedger(services.state, this.queryId);
    this.spool = countingBlobStore(services.spool, this.counts);
    this.queue = countingQueue(services.queue, this.counts);
    for (const s of graph.stages) this.stages.set(s.id, new StageCoordinator(s));
    this.decisions = [...graph.decisions];
    // The probe side of an adaptive join waits until the join is decided.
    for (const s of graph.stages) {
      if (s.adaptiveJoin !== undefined) this.stages.get(s.adaptiveJoin.probe)!.heldBy = s.id;
    }
    this.heartbeatMs = run.heartbeatMs ?? 2000;
    this.taskTimeoutMs = run.taskTimeoutMs ?? 120_000;
    this.drainMs = run.drainMs ?? 5000;
  }

  get lifecycle(): QueryState {
    return this.state;
  }

  /** The query's rows. Reading them runs the query; stopping early ends it and cleans up. */
  rows(): BatchStream {
    const root = this.graph.stages.find((s) => s.id === this.graph.root)!;
    const schema = root.fragment.schema;
    return {
      schema,
      [Symbol.asyncIterator]: () => this.execute(schema)[Symbol.asyncIterator](),
    };
  }

  /** Stops the query (its tasks stop at their next heartbeat); reading its rows then fails. */
  cancel(): void {
    this.fail(new SkeinError('USER_CANCELED', 'the query was cancelled'));
  }

  /** For the invoker's failure reports (a task that crashed, timed out or ran out of memory). */
  onInvocationFailure(f: InvocationFailure): void {
    const a = this.invocations.get(f.invocationId);
    if (a === undefined || a.state === 'committed' || a.state === 'failed' || a.state === 'lost') return;
    a.state = 'failed';
    this.inFlight--;
    const { stage, task, attempt } = a.ref;
    this.fail(
      new SkeinError(
        f.kind === 'out-of-memory' ? 'RESOURCES_EXHAUSTED' : 'EXTERNAL',
        `task ${stage}.${task} (attempt ${attempt}) failed: ${f.kind}: ${f.errorMessage}`,
      ),
    );
  }

  /** How far the query got: stages and tasks committed, of those known so far. */
  progress(): { stages: number; stagesDone: number; tasks: number; tasksDone: number } {
    let tasks = 0;
    let tasksDone = 0;
    let stagesDone = 0;
    for (const sc of this.stages.values()) {
      tasks += sc.tasks.length;
      tasksDone += sc.tasks.filter((t) => t.winner !== undefined).length;
      if (sc.state === 'committed' || sc.state === 'skipped') stagesDone++;
    }
    return { stages: this.stages.size, stagesDone, tasks, tasksDone };
  }

  /** Whether this coordinator launched the invocation (for routing failure reports). */
  owns(invocationId: string): boolean {
    return this.invocations.has(invocationId);
  }

  stats(): QueryStats {
    const stages = this.graph.stages.map((s) => this.stages.get(s.id)!.stats());
    const requests = newRequestCounts();
    addCounts(requests, this.counts);
    addCounts(requests, this.taskCounts);
    return {
      queryId: this.queryId,
      state: this.state,
      wallMs: this.wallMs || (this.t0 > 0 ? performance.now() - this.t0 : 0),
      stages,
      spoolBytesWritten: stages.reduce((s, x) => s + x.spoolBytesWritten, 0),
      spoolBytesRead: stages.reduce((s, x) => s + x.spoolBytesRead, 0) + this.resultBytesRead,
      requests: {
        get: requests.get,
        put: requests.put,
        list: requests.list,
        delete: requests.delete,
        send: requests.send,
        receive: requests.receive,
        ack: requests.ack,
        invoke: this.invokes,
        throttled: this.throttled,
      },
      duplicateEvents: this.duplicates,
      ignoredCommits: this.ignoredCommits,
      decisions: [...this.decisions],
    };
  }

  /**
   * The stage graph as it runs: stages whose adaptive join broadcast the build side in their
   * alternative shape, and the decisions made at run time (for EXPLAIN ANALYZE).
   */
  graphAsRun(): StageGraph {
    return {
      stages: this.graph.stages.map((s) => this.stages.get(s.id)!.stage),
      root: this.graph.root,
      decisions: [...this.decisions],
    };
  }

  private resultBytesRead = 0;
  private retained: SpoolManifest[] | undefined;

  /**
   * With `retainResult`: runs the query to its end and returns the root stage's committed
   * manifests, which cleanup leaves in the spool. Throws the query's failure.
   */
  async runRetained(): Promise<SpoolManifest[]> {
    if (!this.run.retainResult)
      throw new SkeinError('INTERNAL', 'runRetained() needs the retainResult option');
    const root = this.graph.stages.find((s) => s.id === this.graph.root)!;
    for await (const _ of this.execute(root.fragment.schema));
    return this.retained!;
  }

  // ------------------------------------------------------------------------------------------

  private async *execute(schema: BatchStream['schema']): AsyncGenerator<Batch> {
    if (this.state !== 'created') throw new SkeinError('INTERNAL', 'a query coordinator runs once');
    this.t0 = performance.now();
    this.state = 'running';
    try {
      await this.drive();
      const root = this.stages.get(this.graph.root)!;
      if (this.run.retainResult) {
        this.retained = root.manifests();
        this.state = 'succeeded';
        return;
      }
      this.state = 'reading';
      const manifests = root.manifests();
      const read = planSpoolRead(manifests, { lo: 0, hi: manifests[0]?.bucketCount ?? 1 });
      const node = {
        kind: 'exchange_source' as const,
        id: -1,
        schema,
        estimatedRows: null,
        stage: root.id,
        exchange: 'gather' as const,
        keys: [],
      };
      const before = this.counts.bytesRead;
      for await (const b of exchangeStream(this.spool, node, read, { batchSize: this.run.batchSize })) {
        yield b;
      }
      this.resultBytesRead = this.counts.bytesRead - before;
      this.state = 'succeeded';
    } catch (err) {
      const e = this.failure ?? asSkeinError(err);
      this.state = e.code === 'USER_CANCELED' ? 'cancelled' : 'failed';
      throw e;
    } finally {
      if (this.state === 'reading') this.state = 'cancelled';
      await this.cleanup();
      this.wallMs = performance.now() - this.t0;
      this.run.onEnd?.();
    }
  }

  /** Runs the stages until the root has committed; throws the query's failure. */
  private async drive(): Promise<void> {
    await this.queue.createQueue(this.events, { visibilityTimeoutMs: 30_000 });
    this.queueCreated = true;
    await this.startReadyStages();
    const root = this.stages.get(this.graph.root)!;
    while (this.failure === undefined && root.state !== 'committed') {
      await this.launchPending();
      // Wait for events; only a throttled launch that may be retried before one arrives shortens it.
      const canLaunch = this.pending.length > 0 && this.inFlight < this.run.options.maxConcurrency;
      await this.receive(canLaunch ? Math.max(1, this.backoffUntil - Date.now()) : 250);
      this.checkDeadlines();
    }
    if (this.failure !== undefined) {
      await this.drain();
      throw this.failure;
    }
  }

  /** After a failure: waits (a while) for launched attempts to end, so their output can be deleted. */
  private async drain(): Promise<void> {
    this.state = 'failing';
    this.pending.length = 0;
    await this.services.state
      .put(cancelKey(this.queryId), { reason: this.failure?.message ?? '' })
      .catch(() => {});
    const until = Date.now() + this.drainMs;
    while (this.inFlight > 0 && Date.now() < until) {
      await this.receive(Math.min(250, Math.max(1, until - Date.now()))).catch(() => {});
    }
  }

  private async receive(waitMs: number): Promise<void> {
    const messages = await this.queue.receive(this.events, {
      maxMessages: 10,
      waitTimeMs: Math.min(Math.max(0, Math.round(waitMs)), 1000),
    });
    for (const m of messages) {
      const e = await decodeEvent(m.body, this.spool);
      if (e !== undefined) {
        if (m.body.includes('"bodyKey"')) this.storedKeys.push(eventBodyKey(e));
        await this.handle(e);
      }
    }
    if (messages.length > 0) {
      await this.queue.deleteBatch(
        this.events,
        messages.map((m, i) => ({ id: String(i), receiptHandle: m.receiptHandle })),
      );
    }
  }

  private async handle(e: TaskEvent): Promise<void> {
    if (e.queryId !== this.queryId) return;
    if (!this.ledger.firstDelivery(e.id)) {
      this.duplicates++;
      // A second run of an attempt (an invocation delivered twice) wrote objects of its own.
      if (e.type === 'commit') await this.deleteUnlessWinner(e);
      return;
    }
    const stage = this.stages.get(e.stage);
    const a = stage?.attempt(e.task, e.attempt);
    if (stage === undefined || a === undefined) {
      // An attempt this coordinator does not know: its output cannot count.
      if (e.type === 'commit') {
        this.ignoredCommits++;
        await deleteSpoolObjects(this.spool, [e.manifest]);
      }
      return;
    }
    a.lastSeen = Date.now();
    switch (e.type) {
      case 'started':
        if (a.state === 'launched') a.state = 'running';
        // A stage whose producers are now all running may start early.
        await this.startEarlyStages();
        return;
      case 'heartbeat':
        return;
      case 'load':
        // LoadInfo (DESIGN §3.6): kept per task; a consumer stage may now have its quorum.
        stage.recordLoad(a, e.load);
        this.decideStages();
        if (this.decideJoins()) await this.startReadyStages();
        await this.startEarlyStages();
        return;
      case 'failed': {
        if (a.state === 'committed' || a.state === 'failed' || a.state === 'lost') return;
        a.state = 'failed';
        this.inFlight--;
        this.fail(new SkeinError(e.error.code, e.error.message));
        return;
      }
      case 'commit': {
        const ended = a.state === 'failed' || a.state === 'lost' || a.state === 'committed';
        const verdict = await this.ledger.record(e);
        addCounts(this.taskCounts, e.metrics.requests);
        if (verdict === 'lost') {
          this.ignoredCommits++;
          if (!ended) this.inFlight--;
          a.state = 'lost';
          await deleteSpoolObjects(this.spool, [e.manifest]);
          return;
        }
        if (verdict === 'duplicate') return;
        if (!ended) this.inFlight--;
        if (this.deletedStages.has(stage.id)) {
          this.ignoredCommits++;
          // The stage's output was already cleaned up: nothing may read this one either.
          await deleteSpoolObjects(this.spool, [e.manifest]);
          return;
        }
        const won = stage.tasks[a.ref.task]?.winner === undefined;
        const last = stage.commit(a, e.manifest, e.metrics);
        if (won) await this.feedConsumer(stage, e.manifest);
        if (last) await this.stageCommitted(stage);
        else {
          this.decideStages();
          if (this.decideJoins()) await this.startReadyStages();
          await this.startEarlyStages();
        }
        return;
      }
    }
  }

  /** Decides the waiting consumer stages whose producers reached a quorum (adaptive fan-out). */
  private decideStages(): void {
    if (this.failure !== undefined) return;
    for (const sc of this.stages.values()) {
      if (sc.state === 'waiting') sc.decideEarly((id) => this.stages.get(id)!, this.run.options);
    }
  }

  private async stageCommitted(stage: StageCoordinator): Promise<void> {
    // Its inputs' only consumer is done with them: their spool can go now.
    for (const input of stage.stage.inputs) await this.deleteStageOutput(input.stage);
    if (this.failure !== undefined) return;
    // A consumer started early learns that its feed has ended once all its producers committed.
    const consumer = stage.stage.consumer === null ? undefined : this.stages.get(stage.stage.consumer);
    if (
      consumer?.startedEarly === true &&
      !consumer.feedEnded &&
      consumer.stage.inputs.every((i) => this.stages.get(i.stage)!.state === 'committed')
    ) {
      consumer.endFeed((id) => this.stages.get(id)!.manifests());
      await this.sendFeed(consumer, consumer.feedLog.length);
    }
    this.decideJoins();
    await this.startReadyStages();
  }

  /**
   * Decides the adaptive joins whose build side reached its LoadInfo quorum (or ended): broadcast
   * — the join's stage takes its alternative shape and the probe side's stage is skipped — or
   * partitioned, as planned — the probe side's stage is released. True when one was decided.
   */
  private decideJoins(): boolean {
    if (this.failure !== undefined) return false;
    const o = this.run.options;
    let decided = false;
    for (const sc of this.stages.values()) {
      const aj = sc.stage.adaptiveJoin;
      if (aj === undefined || sc.joinDecided || sc.state !== 'waiting') continue;
      const build = this.stages.get(aj.build)!;
      const probe = this.stages.get(aj.probe)!;
      const loads = build.producerLoads();
      if (!quorumReached(loads, o.quorum)) continue;
      const est = estimateProducerOutput(build.id, loads, streamingFragment(build.stage.fragment));
      if (est.bytes === null) continue;
      const exact = est.ended === est.tasks;
      const choice = chooseRuntimeJoin({
        buildBytes: est.bytes,
        exact,
        probeBytes: aj.probeBytes,
        probeTasks: aj.probeTasks,
        broadcastLimit: o.broadcastLimit,
        basis: exact
          ? `all ${est.tasks} tasks of stage ${build.id} ended`
          : `LoadInfo of ${est.reported} of ${est.tasks} tasks of stage ${build.id}, ${est.ended} ended`,
      });
      sc.joinDecided = true;
      decided = true;
      // (The probe side is held until now, so it cannot have started; if it had, it stays.)
      const broadcast = choice.choice === 'broadcast' && probe.state === 'waiting';
      if (broadcast) {
        sc.useAlternative();
        probe.skip(`stage ${sc.id} reads stage ${build.id} whole and joins this side's splits itself`);
      } else {
        probe.heldBy = undefined;
      }
      const i = this.decisions.findIndex((d) => d.kind === 'join' && d.node === aj.node);
      const d = this.decisions[i];
      if (d?.kind === 'join') {
        this.decisions[i] = {
          ...d,
          choice: broadcast ? 'broadcast' : 'partitioned',
          reason: choice.reason,
          adaptive: {
            state: 'runtime',
            buildStage: aj.build,
            probeStage: aj.probe,
            measuredBuildBytes: Math.round(est.bytes),
            exact,
          },
        };
      }
    }
    return decided;
  }

  /** Whether every task of a stage is running or committed (it needs no function slot to come). */
  private allRunning(id: number): boolean {
    const p = this.stages.get(id)!;
    if (p.state === 'committed') return true;
    return (
      p.state === 'running' &&
      p.tasks.every(
        (t) =>
          t.winner !== undefined || t.attempts.some((a) => a.state === 'running' || a.state === 'committed'),
      )
    );
  }

  /** Starts decided consumer stages before their producers committed (`earlyStart`; the rule is in the class comment). */
  private async startEarlyStages(): Promise<void> {
    const o = this.run.options;
    if (!o.earlyStart || o.fanout !== 'adaptive' || o.tasks !== null || this.failure !== undefined) return;
    const committed = (id: number) => this.stages.get(id)!.state === 'committed';
    for (const sc of this.stages.values()) {
      if (sc.state !== 'waiting' || sc.decision === undefined || sc.stage.distribution !== 'hash') continue;
      // All producers committed: it starts the usual way, with planned reads.
      if (sc.ready(committed)) continue;
      if (!sc.stage.inputs.every((i) => this.allRunning(i.stage))) continue;
      const attempts = await sc.start(this.startContext(), true);
      const names = attempts.map((a) => feedQueueName(a.ref));
      this.feedQueues.push(...names);
      await Promise.all(names.map((n) => this.queue.createQueue(n, { visibilityTimeoutMs: 30_000 })));
      // What its producers committed so far opens the feed.
      for (const i of sc.stage.inputs) {
        for (const t of this.stages.get(i.stage)!.tasks) {
          if (t.winner !== undefined) sc.feedLog.push({ stage: i.stage, manifest: t.winner.manifest });
        }
      }
      await this.sendFeed(sc, 0);
      this.pending.push(...attempts);
    }
  }

  /** A producer task's winning commit goes to the feeds of its consumer, if that started early. */
  private async feedConsumer(producer: StageCoordinator, manifest: SpoolManifest): Promise<void> {
    const id = producer.stage.consumer;
    const sc = id === null ? undefined : this.stages.get(id);
    if (sc === undefined || !sc.startedEarly || sc.feedEnded || this.failure !== undefined) return;
    sc.feedLog.push({ stage: producer.id, manifest });
    await this.sendFeed(sc, sc.feedLog.length - 1);
  }

  /** Sends every attempt of an early started stage its feed from entry `from` on (and the end, once ended). */
  private async sendFeed(sc: StageCoordinator, from: number): Promise<void> {
    await Promise.all(
      sc.tasks.flatMap((t) =>
        t.attempts.map(async (a) => {
          const name = feedQueueName(a.ref);
          for (const m of sc.feedMessages(a, from)) {
            const key = `feeds/${this.queryId}/${a.ref.stage}/${a.ref.task}/${a.ref.attempt}/${m.kind === 'input' ? m.seq : 'end'}.json`;
            const { body, storedKey } = await encodeFeedMessage(m, this.spool, key);
            if (storedKey !== undefined) this.storedKeys.push(storedKey);
            await this.queue.send(name, { body });
          }
        }),
      ),
    );
  }

  private async startReadyStages(): Promise<void> {
    const committed = (id: number) => this.stages.get(id)!.state === 'committed';
    for (const s of this.graph.stages) {
      const sc = this.stages.get(s.id)!;
      if (!sc.ready(committed)) continue;
      const attempts = await sc.start(this.startContext());
      this.pending.push(...attempts);
    }
  }

  private startContext(): StageStartContext {
    return {
      queryId: this.queryId,
      options: this.run.options,
      producerManifests: (id) => this.stages.get(id)!.manifests(),
      producer: (id) => this.stages.get(id)!,
      spool: this.services.spoolLocation,
      events: this.events,
      batchSize: this.run.batchSize,
      memoryLimit: this.run.memoryLimit,
      heartbeatMs: this.heartbeatMs,
      faults: this.run.faults ?? [],
      openStore: (l) => this.services.openStore(l),
      footers: this.services.footers,
    };
  }

  /** Invokes pending attempts while the budget allows; backs off when the invoker throttles. */
  private async launchPending(): Promise<void> {
    while (
      this.pending.length > 0 &&
      this.failure === undefined &&
      this.inFlight < this.run.options.maxConcurrency &&
      Date.now() >= this.backoffUntil
    ) {
      const a = this.pending[0]!;
      let payload = this.payloads.get(a);
      if (payload === undefined) {
        const p = await taskPayload(a.spec, this.spool);
        if (p.storedKey) this.storedKeys.push(p.storedKey);
        payload = p.payload;
        this.payloads.set(a, payload);
      }
      try {
        const { invocationId } = await this.services.invoker.invoke(this.services.functionName, payload);
        this.invokes++;
        this.pending.shift();
        this.payloads.delete(a);
        a.invocationId = invocationId;
        a.state = 'launched';
        a.lastSeen = Date.now();
        this.invocations.set(invocationId, a);
        this.inFlight++;
        this.backoffMs = INITIAL_BACKOFF_MS;
      } catch (err) {
        if (!(err instanceof InvokeThrottledError)) {
          this.fail(asSkeinError(err));
          return;
        }
        this.throttled++;
        this.backoffUntil = Date.now() + this.backoffMs;
        this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private checkDeadlines(): void {
    const now = Date.now();
    for (const sc of this.stages.values()) {
      for (const t of sc.tasks) {
        for (const a of t.attempts) {
          if ((a.state === 'launched' || a.state === 'running') && now - a.lastSeen > this.taskTimeoutMs) {
            a.state = 'failed';
            this.inFlight--;
            this.fail(
              new SkeinError(
                'EXTERNAL',
                `task ${a.ref.stage}.${a.ref.task} (attempt ${a.ref.attempt}) was lost: no event for ${Math.round(
                  (now - a.lastSeen) / 1000,
                )} s`,
              ),
            );
          }
        }
      }
    }
  }

  private fail(err: SkeinError): void {
    if (this.failure === undefined) this.failure = err;
    for (const sc of this.stages.values()) {
      if (sc.state === 'waiting' || sc.state === 'starting') sc.state = 'cancelled';
      else if (sc.state === 'running') sc.state = err.code === 'USER_CANCELED' ? 'cancelled' : 'failed';
    }
  }

  /** Deletes a commit's objects, except those its task's winning commit names. */
  private async deleteUnlessWinner(e: Extract<TaskEvent, { type: 'commit' }>): Promise<void> {
    const winner = this.stages.get(e.stage)?.tasks[e.task]?.winner;
    const keep = new Set(
      this.deletedStages.has(e.stage) ? [] : (winner?.manifest.objects.map((o) => o.key) ?? []),
    );
    const drop = e.manifest.objects.filter((o) => !keep.has(o.key)).map((o) => o.key);
    if (drop.length > 0) {
      this.ignoredCommits++;
      await this.spool.delete(drop);
    }
  }

  private async deleteStageOutput(stage: number): Promise<void> {
    if (this.deletedStages.has(stage)) return;
    this.deletedStages.add(stage);
    const manifests: SpoolManifest[] = this.stages.get(stage)!.committedManifests();
    await deleteSpoolObjects(this.spool, manifests);
  }

  /** Deletes everything the query left: spool objects, stored specs and events, queue, state. */
  private async cleanup(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (f: () => Promise<unknown>) => {
      try {
        await f();
      } catch (err) {
        errors.push(err);
      }
    };
    // First the tombstone: an attempt still running (or a duplicate invocation starting late)
    // checks it after writing and before committing, and deletes what it wrote.
    await attempt(() =>
      this.services.state.put(cancelKey(this.queryId), { reason: this.failure?.message ?? 'ended' }),
    );
    // A retained result (the root stage's winning attempts) stays; everything else goes.
    const keep = this.retained === undefined ? undefined : this.stages.get(this.graph.root)!;
    for (const id of this.stages.keys()) {
      if (keep?.id !== id) await attempt(() => this.deleteStageOutput(id));
    }
    // Whatever else the attempts it launched wrote — a run that never reported, a second run of an
    // invocation delivered twice — is under their prefixes: one listing each. (A run writing after
    // a listing finds the tombstone when it checks, after writing, and deletes its output itself.)
    const launched = [...this.stages.values()].flatMap((sc) =>
      sc.tasks.flatMap((t) =>
        t.attempts
          .filter((a) => a.state !== 'pending' && !(sc === keep && a.ref.attempt === t.winner?.attempt))
          .map((a) => a.ref),
      ),
    );
    if (launched.length > 0) await attempt(() => deleteAttemptSpool(this.spool, launched));
    if (this.storedKeys.length > 0) await attempt(() => this.spool.delete(this.storedKeys));
    if (this.queueCreated) await attempt(() => this.queue.deleteQueue(this.events));
    for (const name of this.feedQueues) await attempt(() => this.queue.deleteQueue(name));
    await attempt(async () => {
      // All but the tombstone (a TTL expires it where the store has one).
      for (const item of await this.services.state.list(`q/${this.queryId}/`)) {
        if (item.key !== cancelKey(this.queryId)) await this.services.state.delete(item.key);
      }
    });
    if (errors.length > 0 && this.failure === undefined && this.state === 'succeeded') {
      process.emitWarning(`query ${this.queryId}: cleanup failed: ${(errors[0] as Error).message}`);
    }
  }
}

/** A fresh query id: time-ordered, unique, usable in keys and queue names. */
export function newQueryId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
