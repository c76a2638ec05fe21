/**
 * EXPLAIN text of a staged plan: the stages from the root down, each with its task count (and
 * why), what it outputs to whom, the join decisions made in it, and its fragment as physical
 * EXPLAIN shows it (exchange sources as leaves). EXPLAIN ANALYZE adds measured lines per stage and
 * task, and operator counters summed over the stage's tasks. Node ids are not shown, so the text
 * is stable for golden tests.
 *
 * @example
 * explainStages(graph, { taskCounts, buckets: 128 });
 * // Stage 3: 1 task (one task (gather)) → result
 * //   Sort: l_returnflag, l_linestatus  [rows≈4]
 * //     ExchangeSource: gather from stage 2  [rows≈4]
 * // Stage 2: 2 tasks (2 consumer tasks for est. 1.2 KiB) → gather to stage 3
 * // …
 */
import type { PlanMetrics } from '../exec/execute.ts';
import { explainPhysical } from '../physical/explain.ts';
import type { PhysicalPlan } from '../physical/plan.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { DistributedOptions } from './options.ts';
import { fragmentNodes } from './plan-stages.ts';
import { enumerateSplits, type FooterCache } from './splits.ts';
import type { JoinDecision, Stage, StageGraph } from './stage-graph.ts';
import { decideTaskCount, type TaskCountDecision } from './task-count.ts';

export interface ExplainStagesOptions {
  /** Each stage's task count decision, when known. */
  readonly taskCounts?: (stage: number) => TaskCountDecision | undefined;
  /** Buckets of hash exchanges. */
  readonly buckets: number;
  /** Show each operator's output columns with their types. */
  readonly verbose?: boolean;
  /** EXPLAIN ANALYZE: a stage's operator counters (summed over its tasks). */
  readonly metrics?: (stage: number) => PlanMetrics | undefined;
  /** EXPLAIN ANALYZE: measured lines to show under a stage's header. */
  readonly notes?: (stage: number) => readonly string[];
}

export function explainStages(graph: StageGraph, options: ExplainStagesOptions): string {
  const lines: string[] = [];
  for (const d of graph.decisions) if (d.kind === 'single_task') lines.push(`One task: ${d.reason}`);
  const stages = [...graph.stages].sort((a, b) => b.id - a.id);
  for (const s of stages) {
    lines.push(stageHeader(s, options));
    for (const note of options.notes?.(s.id) ?? []) lines.push(`  ${note}`);
    const ids = new Set(fragmentNodes(s.fragment).map((n) => n.id));
    for (const d of graph.decisions) {
      if (d.kind === 'join' && ids.has(d.node)) lines.push(`  ${joinDecisionLine(d, s.fragment)}`);
    }
    const metrics = options.metrics?.(s.id);
    const text = explainPhysical(s.fragment, {
      verbose: options.verbose === true,
      ...(metrics ? { metrics } : {}),
    });
    for (const l of text.split('\n')) lines.push(`  ${l}`);
  }
  return lines.join('\n');
}

function stageHeader(s: Stage, o: ExplainStagesOptions): string {
  const d = o.taskCounts?.(s.id);
  const tasks = d
    ? `${d.tasks} task${d.tasks === 1 ? '' : 's'} (${d.reason})`
    : s.distribution === 'single'
      ? '1 task'
      : '? tasks';
  const out = s.output;
  let to: string;
  switch (out.kind) {
    case 'result':
      to = 'result';
      break;
    case 'hash':
      to = `hash(${out.keys.map((k) => s.fragment.schema[k]?.name ?? `#${k}`).join(', ')}) × ${o.buckets} buckets to stage ${s.consumer}`;
      break;
    default:
      to = `${out.kind} to stage ${s.consumer}`;
  }
  const width = s.fragment.schema.length;
  const cols =
    s.columns.length < width
      ? ` [writes ${s.columns.map((c) => s.fragment.schema[c]?.name ?? `#${c}`).join(', ') || 'no columns'}]`
      : '';
  const whole = fragmentNodes(s.fragment).flatMap((n) =>
    (n.kind === 'parquet_scan' || n.kind === 'csv_scan') && s.replicatedScans.includes(n.id) ? [n.table] : [],
  );
  const every = whole.length > 0 ? ` [every task reads all of ${whole.join(', ')}]` : '';
  return `Stage ${s.id}: ${tasks} → ${to}${cols}${every}`;
}

function joinDecisionLine(d: JoinDecision, fragment: PhysicalPlan): string {
  const node = fragmentNodes(fragment).find((n) => n.id === d.node);
  let on = '';
  if (node?.kind === 'hash_join') {
    const c = node.config;
    on = ` on ${c.leftKeys
      .map(
        (l, i) =>
          `${node.left.schema[l]?.name ?? `#${l}`} = ${node.right.schema[c.rightKeys[i]!]?.name ?? `#${c.rightKeys[i]}`}`,
      )
      .join(' AND ')}`;
  }
  return `join ${d.joinType}${on}: ${d.choice} (${d.reason})`;
}

/**
 * Task counts for EXPLAIN without running: source stages from their splits (footers are read),
 * hash stages from the estimated output of their producers.
 */
export async function estimateTaskCounts(
  graph: StageGraph,
  options: DistributedOptions,
  openStore: (location: string) => BlobStore,
  footers: FooterCache,
): Promise<Map<number, TaskCountDecision>> {
  const out = new Map<number, TaskCountDecision>();
  for (const s of graph.stages) {
    if (s.distribution === 'source') {
      let bytes = 0;
      let count = 0;
      for (const n of fragmentNodes(s.fragment)) {
        if ((n.kind !== 'parquet_scan' && n.kind !== 'csv_scan') || !s.scans.includes(n.id)) continue;
        const splits = await enumerateSplits(n, openStore(n.store), options.splitSize, footers);
        for (const x of splits) bytes += x.weight;
        count = Math.max(count, splits.length);
      }
      out.set(s.id, decideTaskCount({ distribution: 'source', inputBytes: bytes, splits: count, options }));
    } else if (s.distribution === 'hash') {
      let bytes: number | null = 0;
      for (const i of s.inputs) {
        if (i.exchange !== 'hash') continue;
        const b = graph.stages.find((x) => x.id === i.stage)?.estimatedOutputBytes ?? null;
        bytes = bytes === null || b === null ? null : bytes + b;
      }
      const d = decideTaskCount({ distribution: 'hash', inputBytes: bytes, estimated: true, options });
      // Adaptive fan-out decides these stages while the query runs, from LoadInfo.
      out.set(
        s.id,
        options.fanout === 'adaptive' && options.tasks === null
          ? { ...d, reason: `${d.reason}; adaptive: decided at runtime from LoadInfo` }
          : d,
      );
    } else {
      out.set(s.id, decideTaskCount({ distribution: 'single', inputBytes: null, options }));
    }
  }
  return out;
}
