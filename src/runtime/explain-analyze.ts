/**
 * EXPLAIN ANALYZE of a distributed run: the staged plan with what each stage and task measured —
 * rows and bytes out, time (wall, and summed over tasks), spool bytes written and read — and each
 * operator's rows and time summed over the stage's tasks. A stage sized adaptively shows its
 * decision with its inputs in the header ("Stage 3: 4 tasks (est. 310 MiB ÷ 64 MiB per task
 * (LoadInfo of 3 of 12 producer tasks, 1 ended))") and, below, what came and how early it was known.
 *
 * @example
 * explainAnalyzeStages(graph, coordinator.stats(), { buckets: 128 });
 * // Stage 1: 4 tasks (forced: 4 tasks per stage) → hash(l_orderkey) × 128 buckets to stage 3
 * // Stage 3: 2 tasks (est. 2.1 MiB ÷ 1 MiB per task (LoadInfo of 1 of 4 producer tasks, 1 ended)) → …
 * //   decision: adaptive: est. 2.1 MiB, actual 2.3 MiB (q-error 1.10), known 35 ms before the producers committed
 * //   started early: 30 ms before its producers committed, inputs over feeds        (earlyStart only)
 * //   measured: rows=60175 bytes=2.3 MiB wall=212 ms Σtask=701 ms spool written=1.1 MiB read=0 B
 * //   task 0: rows=15044 bytes=590 KiB time=180 ms spool written=290 KiB read=0 B splits=8
 * //   …
 */
import { explainStages } from '../distributed/explain-stages.ts';
import { formatBytes, formatMs } from '../distributed/format.ts';
import { fragmentNodes } from '../distributed/plan-stages.ts';
import type { StageGraph } from '../distributed/stage-graph.ts';
import { PlanMetrics } from '../exec/execute.ts';
import type { QueryStats } from './query-coordinator.ts';

export function explainAnalyzeStages(
  graph: StageGraph,
  stats: QueryStats,
  options: { buckets: number; verbose?: boolean },
): string {
  const byId = new Map(stats.stages.map((s) => [s.id, s]));
  const text = explainStages(graph, {
    buckets: options.buckets,
    ...(options.verbose ? { verbose: true } : {}),
    taskCounts: (id) => byId.get(id)?.decision,
    notes: (id) => {
      const s = byId.get(id);
      if (s === undefined) return [];
      const lines: string[] = [];
      const a = s.decision?.adaptive;
      if (a !== undefined) {
        lines.push(
          `decision: adaptive: est. ${formatBytes(a.estimatedBytes)}, actual ${
            a.actualBytes === undefined ? '?' : formatBytes(a.actualBytes)
          }${a.qError === undefined ? '' : ` (q-error ${a.qError.toFixed(2)})`}${
            a.basis === 'loadinfo' && a.leadMs !== undefined
              ? `, known ${formatMs(a.leadMs)} before the producers committed`
              : ', LoadInfo too late: decided from the commits'
          }`,
        );
      }
      if (s.earlyMs !== undefined) {
        lines.push(`started early: ${formatMs(s.earlyMs)} before its producers committed, inputs over feeds`);
      }
      lines.push(
        `measured: rows=${s.rowsOut} bytes=${formatBytes(s.bytesOut)} wall=${formatMs(s.wallMs)} Σtask=${formatMs(
          s.taskMs,
        )} spool written=${formatBytes(s.spoolBytesWritten)} read=${formatBytes(s.spoolBytesRead)}`,
      );
      for (const t of s.taskStats) {
        lines.push(
          `task ${t.task}${t.attempt > 0 ? ` (attempt ${t.attempt})` : ''}: rows=${t.rowsOut} bytes=${formatBytes(
            t.bytesOut,
          )} time=${formatMs(t.wallMs)} spool written=${formatBytes(t.spoolBytesWritten)} read=${formatBytes(
            t.spoolBytesRead,
          )}${t.splits > 0 ? ` splits=${t.splits}` : ''} memory=${formatBytes(t.memoryPeak)}`,
        );
      }
      return lines;
    },
    metrics: (id) => {
      const s = byId.get(id);
      const stage = graph.stages.find((x) => x.id === id);
      if (s === undefined || stage === undefined) return undefined;
      const m = new PlanMetrics();
      const ops = new Map(s.operators.map((o) => [o.id, o]));
      for (const node of fragmentNodes(stage.fragment)) {
        const o = ops.get(node.id);
        if (o === undefined) continue;
        const r = m.register(node);
        r.rows = o.rows;
        r.batches = o.batches;
        r.timeMs = o.timeMs;
      }
      return m;
    },
  });
  const r = stats.requests;
  return (
    `${text}\n` +
    `query: ${formatMs(stats.wallMs)}, ${stats.stages.length} stages, ${stats.stages.reduce((s, x) => s + x.tasks, 0)} tasks; ` +
    `spool written ${formatBytes(stats.spoolBytesWritten)}, read ${formatBytes(stats.spoolBytesRead)}; ` +
    `requests: ${r.invoke} invocations (${r.throttled} throttled), ${r.get} GET, ${r.put} PUT, ${r.list} LIST, ${r.delete} DELETE, ` +
    `${r.send} sends, ${r.receive} receives, ${r.ack} acks`
  );
}
