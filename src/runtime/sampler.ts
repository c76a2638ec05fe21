/**
 * The Sampler (DESIGN §3.6): sits in every producer task between its operator pipeline and its
 * partitioner, looks at the first output batches as they stream past (it holds none of them), and
 * sends one **LoadInfo** per attempt: rows and bytes seen, bytes, NULL fraction and distinct
 * values (a {@link DistinctSketch}) per column, the task's driver progress, and whether its output
 * already ended.
 *
 * When it reports:
 * ```
 *   sampling ──rows ≥ R, bytes ≥ S or a batch ≥ T ms after the start (streaming fragments)──▶ sent
 *      ├──output ended (also with no rows at all)──▶ sent (ended: exact figures)
 *      └──the attempt failed──▶ sent (failed: an explicit end, figures count for nothing)
 * ```
 * A fragment whose output only starts once its input is consumed (an aggregate, a sort, …) is
 * reported at its end only: its first batches say nothing about the rest. Memory is bounded by
 * one sketch (2 KiB) and a few counters per column, whatever the rows.
 *
 * @example
 * const sampler = new Sampler({ spec, progress: () => consumed / assigned, report: (l) => send(loadEvent(spec, l)) });
 * for await (const batch of stream) { await sampler.observe(batch, bytesOf(batch)); … }
 * await sampler.end();
 */
import type { TaskSample } from '../distributed/task-spec.ts';
import { vectorBytes } from '../exec/gather.ts';
import { hashVector } from '../exec/hash/hash.ts';
import { type Batch, nullCount } from '../exec/vector.ts';
import type { PhysicalPlan } from '../physical/plan.ts';
import type { LoadInfo } from './events.ts';
import { DistinctSketch, SKETCH_SEED } from './sampler-sketch.ts';

export interface SamplerOptions {
  readonly sample: TaskSample;
  /** The fragment the task runs (whether its output streams while its input is read). */
  readonly fragment: PhysicalPlan;
  /** The output columns written (the others are placeholders, not sampled). */
  readonly columns: readonly number[];
  /** Driver progress now, in [0, 1]. */
  progress(): number;
  /** Sends the LoadInfo (once). */
  report(load: LoadInfo): Promise<void>;
  /** Hash outputs: bytes per bucket written so far (sent with the LoadInfo). */
  bucketBytes?(): readonly number[];
  /** performance.now() at the task's start. */
  readonly t0: number;
}

export class Sampler {
  private sent = false;
  private rows = 0;
  private bytes = 0;
  private readonly columnBytes: Float64Array;
  private readonly nulls: Float64Array;
  private readonly sketches: (DistinctSketch | undefined)[];
  private hashes = new Uint32Array(0);
  private readonly streaming: boolean;

  constructor(private readonly o: SamplerOptions) {
    const width = o.fragment.schema.length;
    this.columnBytes = new Float64Array(width);
    this.nulls = new Float64Array(width);
    this.sketches = new Array(width).fill(undefined);
    for (const c of o.columns) this.sketches[c] = new DistinctSketch();
    this.streaming = streamingFragment(o.fragment);
  }

  /** Whether the LoadInfo went out. */
  get done(): boolean {
    return this.sent;
  }

  /** Looks at one output batch (`bytes`: as it is written); reports when a bound is reached. */
  async observe(batch: Batch, bytes: number): Promise<void> {
    if (this.sent) return;
    const n = batch.length;
    this.rows += n;
    this.bytes += bytes;
    if (this.hashes.length < n) this.hashes = new Uint32Array(n);
    for (const c of this.o.columns) {
      const v = batch.columns[c]!;
      this.columnBytes[c]! += vectorBytes(v);
      this.nulls[c]! += nullCount(v);
      if (v.kind === 'null') continue;
      hashVector(v, n, this.hashes, true, SKETCH_SEED);
      this.sketches[c]!.addHashes(this.hashes, n, v.validity);
    }
    const s = this.o.sample;
    if (
      this.streaming &&
      (this.rows >= s.rows || this.bytes >= s.bytes || performance.now() - this.o.t0 >= s.ms)
    ) {
      await this.send(false, false);
    }
  }

  /** The output ended: reports exact figures unless already reported. */
  async end(): Promise<void> {
    if (!this.sent) await this.send(true, false);
  }

  /** The attempt failed: an explicit end unless already reported. Never throws. */
  async fail(): Promise<void> {
    if (!this.sent) await this.send(true, true).catch(() => {});
  }

  private async send(ended: boolean, failed: boolean): Promise<void> {
    this.sent = true;
    const cols = this.sketches.length;
    const load: LoadInfo = {
      rows: this.rows,
      bytes: this.bytes,
      columnBytes: Array.from(this.columnBytes),
      nullFraction: Array.from(this.nulls, (x) => (this.rows === 0 ? 0 : x / this.rows)),
      distinct: Array.from({ length: cols }, (_, c) => Math.round(this.sketches[c]?.estimate() ?? 0)),
      progress: ended && !failed ? 1 : Math.max(0, Math.min(1, this.o.progress())),
      ended,
      ...(failed ? { failed: true } : {}),
      afterMs: Math.round(performance.now() - this.o.t0),
      ...(this.o.bucketBytes && !failed ? { bucketBytes: this.o.bucketBytes() } : {}),
    };
    await this.o.report(load);
  }
}

/**
 * Whether a fragment's output streams while its driving input is read (so its first batches
 * extrapolate by progress): down through row-wise operators and the probe side of joins to a scan
 * or exchange, meeting no operator that emits only after consuming its input.
 */
export function streamingFragment(p: PhysicalPlan): boolean {
  switch (p.kind) {
    case 'parquet_scan':
    case 'csv_scan':
    case 'exchange_source':
    case 'memory_scan':
    case 'values':
      return true;
    case 'filter':
    case 'project':
    case 'assert_unique':
    case 'limit':
      return streamingFragment(p.input);
    case 'hash_join':
      return streamingFragment(p.config.buildSide === 'right' ? p.left : p.right);
    case 'nested_loop_join':
      return streamingFragment(p.left);
    default:
      return false;
  }
}
