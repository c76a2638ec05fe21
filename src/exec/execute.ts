/**
 * Runs a physical plan: builds the tree of operator streams it describes (describe apart from
 * run — the plan stays plain data) and counts, per node, the rows and batches it emitted and the
 * time spent in it, for EXPLAIN ANALYZE and benchmarks.
 *
 * Time is wall time inside the node's `next()` calls, children included ("inclusive"); a node's
 * own time is its inclusive time minus its children's (`selfTime`).
 *
 * @example
 * const metrics = new PlanMetrics();
 * const stream = executePlan(plan, ctx, { store: openBlobStore, memoryTable: (n) => … }, metrics);
 * for await (const batch of stream) …
 * metrics.get(plan.id); // { rows: 4, batches: 1, timeMs: 812.5, … }
 */
import { SkeinError } from '../errors.ts';
import type { PhysicalExpr } from '../physical/expr.ts';
import type { ExchangeSourceNode, PhysicalPlan } from '../physical/plan.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Schema } from '../types/data-type.ts';
import { hashAggregate } from './aggregate/hash-aggregate.ts';
import { assertUnique } from './assert-unique.ts';
import type { BatchStream, ExecContext } from './context.ts';
import { enforceSingleRow } from './enforce-single-row.ts';
import { compileExpr } from './expr/compile.ts';
import { filterStream } from './filter.ts';
import { batchBytes } from './gather.ts';
import { hashJoin } from './join/hash-join.ts';
import { conditionSchema } from './join/join-type.ts';
import { nestedLoopJoin } from './join/nested-loop-join.ts';
import { keyFilterOf, RuntimeFilterSlot } from './join/runtime-filter.ts';
import { limit } from './limit.ts';
import { projectionSchema, projectStream } from './project.ts';
import { rowNumber } from './row-number.ts';
import { csvScan } from './scan/csv-scan.ts';
import { parquetScan } from './scan/parquet-scan.ts';
import { sort } from './sort/sort.ts';
import { topK } from './sort/top-k.ts';
import { union } from './union.ts';
import { valuesStream } from './values.ts';
import type { Batch, Vector } from './vector.ts';
import { eventLoopTurn, throwIfCanceled, turnDue } from './vector-ops.ts';
import { window } from './window/window.ts';

/** What a running plan needs from its surroundings. */
export interface ExecEnv {
  /** The blob store a scan's `store` names. */
  store(location: string): BlobStore;
  /** The rows of a memory table. */
  memoryTable(name: string): { readonly batches: readonly Batch[] };
  /**
   * The rows an exchange source reads (distributed plans only: a task's runtime reads them from
   * the spool of the producer stage).
   */
  exchange?(node: ExchangeSourceNode): BatchStream;
  /** Told the rows each table scan reads, before its predicate (a task's driver progress). */
  scanned?(node: number, rows: number): void;
}

/** One node's counters. */
export interface OperatorMetrics {
  readonly id: number;
  readonly kind: PhysicalPlan['kind'];
  rows: number;
  batches: number;
  /** Wall time inside the node's stream, children included. */
  timeMs: number;
}

/** The counters of every node of a running plan, by node id. */
export class PlanMetrics {
  private readonly byId = new Map<number, OperatorMetrics>();

  get(id: number): OperatorMetrics | undefined {
    return this.byId.get(id);
  }

  /** @internal */
  register(node: PhysicalPlan): OperatorMetrics {
    const m: OperatorMetrics = { id: node.id, kind: node.kind, rows: 0, batches: 0, timeMs: 0 };
    this.byId.set(node.id, m);
    return m;
  }

  /** A node's time without its children's. */
  selfTime(node: PhysicalPlan, children: readonly PhysicalPlan[]): number {
    const own = this.byId.get(node.id)?.timeMs ?? 0;
    const kids = children.reduce((s, c) => s + (this.byId.get(c.id)?.timeMs ?? 0), 0);
    return Math.max(0, own - kids);
  }
}

/** Builds the streams of `plan`; nothing is read until the returned stream is iterated. */
export function executePlan(
  plan: PhysicalPlan,
  ctx: ExecContext,
  env: ExecEnv,
  metrics?: PlanMetrics,
): BatchStream {
  const run = (p: PhysicalPlan): BatchStream => {
    const stream = build(p);
    return metrics ? instrument(stream, metrics.register(p)) : stream;
  };

  /** Runtime filter slots of Parquet scans under the probe side of a hash join (see 'hash_join'). */
  const runtimeSlots = new Map<PhysicalPlan, RuntimeFilterSlot>();
  /** Columns a Project right above a scan keeps, when it only keeps columns (see 'project'). */
  let scanKeep: readonly number[] | undefined;
  const scanTail = (
    s: BatchStream,
    p: { id: number; predicate: PhysicalExpr | null; limit: number | null },
  ): BatchStream => {
    let out = env.scanned ? countedScan(s, p.id, env.scanned) : s;
    if (p.predicate !== null) out = filterStream(out, p.predicate, ctx, scanKeep);
    if (p.limit !== null) out = limit(out, { limit: p.limit }, ctx);
    return out;
  };

  const build = (p: PhysicalPlan): BatchStream => {
    switch (p.kind) {
      case 'parquet_scan': {
        const scanned = env.scanned;
        const runtime = runtimeSlots.get(p);
        runtimeSlots.delete(p);
        const scan = parquetScan(
          {
            store: env.store(p.store),
            splits: p.splits,
            columns: p.columns,
            schema: p.schema,
            // The predicate prunes row groups and filters rows as they are converted.
            ...(p.predicate === null
              ? {}
              : {
                  filter: p.predicate,
                  rows: { predicate: p.predicate, ...(scanKeep ? { keep: scanKeep } : {}) },
                }),
            ...(scanned ? { onRead: (rows: number) => scanned(p.id, rows) } : {}),
            ...(runtime ? { runtime } : {}),
          },
          ctx,
        );
        return p.limit === null ? scan : limit(scan, { limit: p.limit }, ctx);
      }
      case 'csv_scan': {
        const store = env.store(p.store);
        const parts = p.files.map((f) =>
          renamed(
            csvScan(
              {
                store,
                key: f.key,
                schema: p.fileSchema,
                columns: p.columns,
                header: p.header,
                delimiter: p.delimiter,
                quote: p.quote,
              },
              ctx,
            ),
            p.schema,
          ),
        );
        const all =
          parts.length === 0 ? empty(p.schema) : parts.length === 1 ? parts[0]! : union(parts, {}, ctx);
        return scanTail(all, p);
      }
      case 'memory_scan': {
        const table = env.memoryTable(p.table);
        const schema = p.schema;
        const stream: BatchStream = {
          schema,
          async *[Symbol.asyncIterator]() {
            for (const b of table.batches) {
              throwIfCanceled(ctx.signal);
              if (b.length === 0) continue;
              yield { schema, length: b.length, columns: p.columns.map((c) => b.columns[c]!) };
            }
          },
        };
        return scanTail(stream, p);
      }
      case 'values':
        return valuesStream(p.schema, p.rows, ctx);
      case 'filter':
        return filterStream(run(p.input), p.predicate, ctx);
      case 'project': {
        // Over a filtering scan that reads columns only for its predicate: its filter passes on only
        // the kept columns, and never gathers the others.
        const input = p.input;
        const picks = p.items.every((it) => it.expr.kind === 'column')
          ? p.items.map((it) => (it.expr as { index: number }).index)
          : null;
        if (
          picks !== null &&
          (input.kind === 'parquet_scan' || input.kind === 'csv_scan' || input.kind === 'memory_scan') &&
          input.predicate !== null &&
          input.limit === null
        ) {
          scanKeep = picks;
          const scan = run(input);
          scanKeep = undefined;
          return renamed(scan, projectionSchema(input.schema, p.items));
        }
        return projectStream(run(p.input), p.items, ctx);
      }
      case 'hash_aggregate':
        return hashAggregate(run(p.input), p.config, ctx);
      case 'hash_join': {
        // A probe key that is a column of a Parquet scan below gets a runtime filter slot there
        // (taken by that scan as it is built, so a plan node built twice never shares one).
        const probeLeft = p.config.buildSide === 'right';
        const probeKeys = probeLeft ? p.config.leftKeys : p.config.rightKeys;
        const targets = probeKeys.map((k) => {
          const t = scanColumnOf(probeLeft ? p.left : p.right, k);
          if (t === null) return null;
          let slot = runtimeSlots.get(t.scan);
          if (slot === undefined) {
            slot = new RuntimeFilterSlot();
            runtimeSlots.set(t.scan, slot);
          }
          return { slot, scan: t.scan, column: t.column };
        });
        const left = run(p.left);
        const right = run(p.right);
        // (Each scan took its slot as it was built; none may linger for another build of it.)
        for (const t of targets)
          if (t !== null && runtimeSlots.get(t.scan) === t.slot) runtimeSlots.delete(t.scan);
        const residual =
          p.residual === null
            ? undefined
            : compileExpr(p.residual, conditionSchema(left.schema, right.schema));
        const onBuild = targets.some((t) => t !== null)
          ? (keys: readonly Vector[]) => {
              targets.forEach((t, i) => {
                if (t !== null) t.slot.add(keyFilterOf(keys[i]!, t.column));
              });
            }
          : undefined;
        return hashJoin(left, right, p.config, ctx, residual, onBuild);
      }
      case 'nested_loop_join': {
        const left = run(p.left);
        const right = run(p.right);
        const condition =
          p.condition === null
            ? undefined
            : compileExpr(p.condition, conditionSchema(left.schema, right.schema));
        return nestedLoopJoin(left, right, p.config, ctx, condition);
      }
      case 'sort':
        return sort(run(p.input), p.config, ctx);
      case 'top_k':
        return topK(run(p.input), p.config, ctx);
      case 'limit':
        return limit(run(p.input), p.config, ctx);
      case 'union':
        return union(p.inputs.map(run), {}, ctx);
      case 'window':
        return window(run(p.input), p.config, ctx);
      case 'enforce_single_row':
        return enforceSingleRow(run(p.input), ctx);
      case 'row_number':
        return rowNumber(run(p.input), p.schema[p.schema.length - 1]!.name, ctx);
      case 'assert_unique':
        return assertUnique(run(p.input), p.column, p.message, ctx);
      case 'exchange_source':
        if (env.exchange === undefined) {
          throw new SkeinError(
            'INTERNAL',
            `internal error (this is a bug in Skein): an exchange from stage ${p.stage} runs outside a distributed task`,
          );
        }
        return env.exchange(p);
      case 'cache': {
        let shared = caches.get(p.key);
        if (shared === undefined) {
          shared = new SharedResult(run(p.input), p.consumers, ctx);
          caches.set(p.key, shared);
        }
        return shared.reader();
      }
    }
  };
  const caches = new Map<string, SharedResult>();

  const out = run(plan);
  if (out.schema.length !== plan.schema.length) {
    throw new SkeinError(
      'INTERNAL',
      `internal error (this is a bug in Skein): the plan promises ${plan.schema.length} columns, its operators make ${out.schema.length}`,
    );
  }
  return renamed(out, plan.schema);
}

/**
 * A result read by several consumers: the first to pull runs the input to the end and keeps its
 * batches (reserving their memory); each consumer then reads them all; the memory is released when
 * the last one is done.
 */
class SharedResult {
  private batches: Promise<Batch[]> | null = null;
  private left: number;
  private readonly reservation;

  constructor(
    private readonly input: BatchStream,
    consumers: number,
    ctx: ExecContext,
  ) {
    this.left = consumers;
    this.reservation = ctx.memory.reserve('Cache');
  }

  private load(): Promise<Batch[]> {
    this.batches ??= (async () => {
      const out: Batch[] = [];
      let bytes = 0;
      for await (const b of this.input) {
        out.push(b);
        bytes += batchBytes(b);
        this.reservation.resize(bytes);
      }
      return out;
    })();
    return this.batches;
  }

  reader(): BatchStream {
    const self = this;
    return {
      schema: this.input.schema,
      async *[Symbol.asyncIterator]() {
        try {
          for (const b of await self.load()) yield b;
        } finally {
          if (--self.left === 0) {
            self.batches = null;
            self.reservation.release();
          }
        }
      },
    };
  }
}

/** The same stream under another schema (equal types; names as the plan says). */
function renamed(s: BatchStream, schema: Schema): BatchStream {
  if (s.schema === schema) return s;
  return {
    schema,
    async *[Symbol.asyncIterator]() {
      for await (const b of s)
        yield b.schema === schema ? b : { schema, columns: b.columns, length: b.length };
    },
  };
}

function empty(schema: Schema): BatchStream {
  return {
    schema,
    async *[Symbol.asyncIterator]() {},
  };
}

/** Counts rows, batches and time of a stream, forwarding early termination (`return`) to it. */
function instrument(s: BatchStream, m: OperatorMetrics): BatchStream {
  return {
    schema: s.schema,
    [Symbol.asyncIterator](): AsyncIterator<Batch> {
      const it = s[Symbol.asyncIterator]();
      return {
        async next() {
          const t0 = performance.now();
          let r: IteratorResult<Batch>;
          try {
            r = await it.next();
            if (!r.done) {
              m.rows += r.value.length;
              m.batches++;
            }
          } finally {
            m.timeMs += performance.now() - t0;
          }
          // Between batches, a turn of the event loop now and then (heartbeats, cancel checks).
          if (turnDue()) await eventLoopTurn();
          return r;
        },
        async return(value?: unknown) {
          if (it.return) return it.return(value);
          return { done: true, value: undefined };
        },
        async throw(err?: unknown) {
          if (it.throw) return it.throw(err);
          throw err;
        },
      };
    },
  };
}

/** The stream, telling `f` the rows of each batch as it passes. */
function countedScan(s: BatchStream, id: number, f: (node: number, rows: number) => void): BatchStream {
  return {
    schema: s.schema,
    async *[Symbol.asyncIterator]() {
      for await (const b of s) {
        f(id, b.length);
        yield b;
      }
    },
  };
}

/**
 * The Parquet scan and its column that column `col` of `plan`'s output is, through projections of
 * plain columns and filters; null when it is computed or comes from elsewhere.
 */
function scanColumnOf(plan: PhysicalPlan, col: number): { scan: PhysicalPlan; column: number } | null {
  switch (plan.kind) {
    case 'parquet_scan':
      // (Not under a pushed LIMIT: dropping rows before it would change which rows it keeps.)
      return plan.limit === null ? { scan: plan, column: col } : null;
    case 'filter':
      return scanColumnOf(plan.input, col);
    case 'project': {
      const e = plan.items[col]?.expr;
      return e?.kind === 'column' ? scanColumnOf(plan.input, e.index) : null;
    }
    default:
      return null;
  }
}
