/**
 * The Skein engine as a library: a session with its own in-memory catalog and settings that runs
 * SQL text — queries, DDL, DML, SET/SHOW, DESCRIBE, EXPLAIN — in this process (`single` mode).
 *
 * A query goes parse → bind → optimize → physical plan → operators; its rows stream out as they
 * are computed. Text with several statements runs them in order.
 *
 * @example
 * import { Skein } from 'skein';
 * const db = new Skein({ data: './data/tpch-sf1' });     // every folder of Parquet/CSV files is a table
 * const table = await db.sql('SELECT count(*) AS n FROM lineitem'); // an apache-arrow Table
 * table.get(0)?.n;                                        // 6001215n
 * for await (const batch of db.stream('SELECT * FROM orders')) console.log(batch.numRows);
 * console.log(await db.explain('SELECT … FROM lineitem WHERE l_shipdate < DATE \'1995-01-01\''));
 */
import { type RecordBatch, Table } from 'apache-arrow';
import { Catalog } from '../catalog/catalog.ts';
import { undistributableReason } from '../distributed/plan-stages.ts';
import { SkeinError } from '../errors.ts';
import { batchToArrow, schemaToArrow } from '../exec/arrow.ts';
import type { BatchStream, ExecContext } from '../exec/context.ts';
import { MemoryPool } from '../exec/context.ts';
import { type ExecEnv, executePlan, PlanMetrics } from '../exec/execute.ts';
import { bindStatement } from '../logical/binder/binder.ts';
import { explainPlan } from '../logical/explain.ts';
import type { LogicalPlan } from '../logical/plan.ts';
import type { StatementPlan } from '../logical/statement.ts';
import { formatTrace, optimize } from '../optimizer/optimizer.ts';
import { explainPhysical } from '../physical/explain.ts';
import type { PhysicalPlan } from '../physical/plan.ts';
import { planPhysical, shareCommonSubplans } from '../physical/planner.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { QueryCoordinator } from '../runtime/query-coordinator.ts';
import { parseStatements } from '../sql/index.ts';
import type { Schema } from '../types/data-type.ts';
import { type EmbeddedOptions, EmbeddedRuntime } from './embedded.ts';
import { makeSettings, type Settings, type SettingsInput } from './settings.ts';
import { runStatement } from './statements.ts';

export interface SkeinOptions {
  /**
   * A folder whose subfolders (or files) of Parquet / CSV files become tables, named after them:
   * `<data>/lineitem/part-0.parquet` → table `lineitem`.
   */
  readonly data?: string;
  /** Settings to start from (see `settings.ts`); `SET` changes them per session. */
  readonly settings?: SettingsInput;
  /**
   * `single` (the default here): queries run in this process. `embedded`: as stages of tasks on
   * worker threads, exchanging data through a spool folder (`engine/embedded.ts`); call `close()`
   * when done. Queries over memory tables always run in this process.
   */
  readonly mode?: 'single' | 'embedded';
  /** Embedded mode's knobs (tasks, split size, concurrency, …). */
  readonly embedded?: EmbeddedOptions;
  /** A catalog to use (and change) instead of a fresh one: a server's sessions share one. */
  readonly catalog?: Catalog;
}

/** One statement's result: its rows as a stream (read it before running the next statement). */
export interface StatementResult {
  /** What kind of statement it was (`query`, `create_table`, `insert`, `explain`, …). */
  readonly kind: StatementPlan['kind'];
  readonly schema: Schema;
  readonly batches: BatchStream;
  /** False for statements that only change state (CREATE, DROP, SET): nothing to show. */
  readonly returnsRows: boolean;
  /** For queries: the physical plan, its per-operator counters and its memory pool. */
  readonly query?: QueryRun;
}

/** A running (or finished) query's plan, counters and memory. */
export interface QueryRun {
  readonly plan: PhysicalPlan;
  readonly metrics: PlanMetrics;
  readonly memory: MemoryPool;
  /** Embedded mode: the query's coordinator (its `stats()` once the rows are read). */
  readonly distributed?: QueryCoordinator;
}

export interface ExplainOptions {
  /** The logical plans before and after optimization, the rules that fired, and column types. */
  readonly verbose?: boolean;
  /** Run the query and show each operator's rows and time. */
  readonly analyze?: boolean;
}

/** The planning stages of one query, for EXPLAIN. */
export interface PlannedQuery {
  readonly bound: LogicalPlan;
  readonly optimized: LogicalPlan;
  readonly trace: string;
  readonly physical: PhysicalPlan;
}

export class Skein {
  /** The session's tables and views. */
  readonly catalog: Catalog;
  private current: Settings;
  private readonly ready: Promise<void>;
  private readonly stores = new Map<string, BlobStore>();
  /** How queries run (see SkeinOptions.mode). */
  readonly mode: 'single' | 'embedded';
  private readonly embeddedOptions: EmbeddedOptions;
  private runtime: EmbeddedRuntime | undefined;

  constructor(options: SkeinOptions = {}) {
    this.catalog = options.catalog ?? new Catalog();
    this.mode = options.mode ?? 'single';
    this.embeddedOptions = options.embedded ?? {};
    this.current = makeSettings(options.settings);
    this.ready =
      options.data === undefined
        ? Promise.resolve()
        : this.catalog.registerDataDir(options.data).then(() => undefined);
    // Reported by the first statement; not an unhandled rejection meanwhile.
    this.ready.catch(() => undefined);
  }

  /** The session's settings. */
  get settings(): Settings {
    return this.current;
  }

  /** @internal (SET) */
  set settings(s: Settings) {
    this.current = s;
  }

  /**
   * Runs SQL text (one or more statements) and returns the last statement's result as an Arrow
   * table. Statements that return no rows (CREATE, DROP, SET) give an empty table.
   */
  async sql(text: string): Promise<Table> {
    let last: { schema: Schema; batches: RecordBatch[] } | null = null;
    for await (const r of this.execute(text)) {
      const batches: RecordBatch[] = [];
      for await (const b of r.batches) if (b.length > 0) batches.push(batchToArrow(b));
      last = { schema: r.schema, batches };
    }
    if (last === null) return new Table();
    return new Table(schemaToArrow(last.schema), last.batches);
  }

  /**
   * Runs SQL text and streams the last statement's rows as Arrow record batches, as they are
   * computed (earlier statements run to completion first).
   */
  async *stream(text: string): AsyncIterable<RecordBatch> {
    await this.ready;
    const stmts = parseStatements(text);
    for (const [i, ast] of stmts.entries()) {
      const r = await runStatement(this, bindStatement(ast, { catalog: this.catalog }));
      if (i < stmts.length - 1) {
        for await (const _ of r.batches);
        continue;
      }
      for await (const b of r.batches) if (b.length > 0) yield batchToArrow(b);
    }
  }

  /** The plan of a query as text (see ExplainOptions); EXPLAIN in SQL gives the same. */
  async explain(text: string, options: ExplainOptions = {}): Promise<string> {
    await this.ready;
    const stmts = parseStatements(text);
    if (stmts.length !== 1)
      throw new SkeinError('INVALID_ARGUMENT', `explain takes one statement, got ${stmts.length}`);
    const bound = bindStatement(stmts[0]!, { catalog: this.catalog });
    return this.explainStatement(bound.kind === 'explain' ? bound.statement : bound, {
      verbose: options.verbose || (bound.kind === 'explain' && bound.verbose),
      analyze: options.analyze || (bound.kind === 'explain' && bound.analyze),
    });
  }

  /**
   * Runs SQL text statement by statement, yielding each result. Read each result's rows before
   * asking for the next: a statement sees what the ones before it did.
   */
  async *execute(text: string): AsyncIterable<StatementResult> {
    await this.ready;
    for (const ast of parseStatements(text)) {
      const bound = bindStatement(ast, { catalog: this.catalog });
      yield await runStatement(this, bound);
    }
  }

  /** @internal Plans a bound query through all stages. */
  planQuery(plan: LogicalPlan, trace = false): PlannedQuery {
    const optimized = optimize(plan, { trace });
    // In one process a repeated subplan is computed once (the distributed planner makes its own choice).
    const physical = shareCommonSubplans(planPhysical(optimized.plan, { catalog: this.catalog }));
    return { bound: plan, optimized: optimized.plan, trace: formatTrace(optimized.trace), physical };
  }

  /** @internal Starts a physical plan. */
  runPlan(plan: PhysicalPlan): { stream: BatchStream; run: QueryRun } {
    if (this.distributes(plan)) {
      const q = this.embedded().query(plan, this.current);
      const memory = new MemoryPool(this.current.memoryLimit);
      return { stream: q.rows(), run: { plan, metrics: new PlanMetrics(), memory, distributed: q } };
    }
    const memory = new MemoryPool(this.current.memoryLimit);
    const ctx: ExecContext = { batchSize: this.current.batchSize, memory };
    const metrics = new PlanMetrics();
    const stream = executePlan(plan, ctx, this.env(), metrics);
    return { stream, run: { plan, metrics, memory } };
  }

  /** @internal EXPLAIN of a bound statement. */
  async explainStatement(stmt: StatementPlan, options: ExplainOptions): Promise<string> {
    if (stmt.kind !== 'query') {
      throw new SkeinError(
        'NOT_IMPLEMENTED',
        `EXPLAIN shows plans of queries, not of ${stmt.kind.replaceAll('_', ' ')} statements`,
      );
    }
    const planned = this.planQuery(stmt.plan, options.verbose === true);
    const sections: string[] = [];
    if (options.verbose) {
      sections.push(`Logical plan:\n${indent(explainPlan(planned.bound))}`);
      if (planned.trace) sections.push(`Optimizer rules:\n${indent(planned.trace)}`);
      sections.push(`Optimized logical plan:\n${indent(explainPlan(planned.optimized))}`);
    }
    if (this.distributes(planned.physical)) {
      const text = options.analyze
        ? await this.embedded().explainAnalyze(planned.physical, this.current, {
            verbose: options.verbose === true,
          })
        : await this.embedded().explain(planned.physical, { verbose: options.verbose === true });
      sections.push(options.verbose ? `Staged plan:\n${indent(text)}` : text);
    } else if (options.analyze) {
      const t0 = performance.now();
      const { stream, run } = this.runPlan(planned.physical);
      let rows = 0;
      for await (const b of stream) rows += b.length;
      const ms = performance.now() - t0;
      const text = explainPhysical(planned.physical, {
        verbose: options.verbose === true,
        metrics: run.metrics,
      });
      sections.push(
        `${options.verbose ? 'Physical plan:\n' : ''}${options.verbose ? indent(text) : text}\n` +
          `${rows} row${rows === 1 ? '' : 's'} in ${ms.toFixed(1)} ms; memory peak ${(run.memory.peak / 2 ** 20).toFixed(1)} MiB`,
      );
    } else {
      const text = explainPhysical(planned.physical, { verbose: options.verbose === true });
      sections.push(options.verbose ? `Physical plan:\n${indent(text)}` : text);
    }
    return sections.join('\n\n');
  }

  /** Stops embedded mode's worker threads and removes its spool folder (a no-op in single mode). */
  async close(): Promise<void> {
    await this.runtime?.close();
    this.runtime = undefined;
  }

  /** Whether a plan runs distributed: in embedded mode, unless it reads memory tables. */
  private distributes(plan: PhysicalPlan): boolean {
    return this.mode === 'embedded' && undistributableReason(plan) === null;
  }

  /** @internal The embedded runtime (started on first use). */
  embedded(): EmbeddedRuntime {
    this.runtime ??= new EmbeddedRuntime(this.embeddedOptions);
    return this.runtime;
  }

  private env(): ExecEnv {
    return {
      store: (location) => this.store(location),
      memoryTable: (name) => {
        const t = this.catalog.get(name);
        if (t.kind !== 'memory')
          throw new SkeinError(
            'INTERNAL',
            `internal error (this is a bug in Skein): '${name}' is not a memory table`,
          );
        return t;
      },
    };
  }

  /** The blob store a plan names: the catalog's own store objects where they match. */
  private store(location: string): BlobStore {
    let s = this.stores.get(location);
    if (s === undefined) {
      for (const name of this.catalog.names()) {
        const e = this.catalog.find(name);
        if (e?.kind === 'external' && e.store.describe() === location) s = e.store;
      }
      if (s === undefined) throw new SkeinError('NOT_FOUND', `no table reads from ${location}`);
      this.stores.set(location, s);
    }
    return s;
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
