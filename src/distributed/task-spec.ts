/**
 * A TaskSpec: everything one task attempt needs, as plain JSON (DESIGN §3.1, §3.8) — its stage's
 * fragment specialized to the task (its own splits in the scans), what to read from each exchange,
 * how to lay out its output, and where to report. It travels in the invocation payload, or, above
 * the payload limit, as a blob whose key the payload carries ({@link taskPayload}).
 *
 * @example
 * const payload = await taskPayload(spec, spoolStore);   // { spec } or { specKey, … }
 * await invoker.invoke('skein-task', payload);
 * // in the task:
 * const spec = await loadTaskSpec(payload, openBlobStore);
 */
import { SkeinError } from '../errors.ts';
import type { PhysicalPlan } from '../physical/plan.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { MAX_INVOKE_PAYLOAD_BYTES } from '../ports/invoker.ts';
import type { BucketRange, SpoolReadPlan } from './spool/reader.ts';

export const TASK_SPEC_VERSION = 2;

/**
 * What a task reads from one exchange: the producer stage's committed spool, planned (`read`) —
 * or, for a consumer launched before its producers committed (`earlyStart`), the bucket range it
 * reads of each producer object that its feed (`spec.feed`) brings as the producers commit.
 */
export type TaskInput =
  | { readonly stage: number; readonly read: SpoolReadPlan }
  | { readonly stage: number; readonly feed: BucketRange };

/**
 * How a task lays out its output: B buckets by key hash, or one bucket; only `columns` are
 * written (the others as all-NULL placeholders).
 */
export type TaskOutput = (
  | { readonly kind: 'hash'; readonly keys: readonly number[]; readonly buckets: number }
  | { readonly kind: 'single' }
) & { readonly columns: readonly number[] };

/** A fault to inject (tests; DESIGN §3.7): fail the matching attempt at a phase. */
export interface TaskFault {
  readonly stage: number;
  readonly task: number;
  /** Any attempt when absent. */
  readonly attempt?: number;
  /** `start`: before reading input; `commit`: after writing the spool, before the commit event. */
  readonly phase: 'start' | 'commit';
  readonly code: SkeinError['code'];
  readonly message: string;
}

export interface TaskSpec {
  readonly version: typeof TASK_SPEC_VERSION;
  readonly queryId: string;
  readonly stage: number;
  readonly task: number;
  readonly attempt: number;
  readonly fragment: PhysicalPlan;
  readonly inputs: readonly TaskInput[];
  readonly output: TaskOutput;
  /** Blob store location (`openBlobStore`) of the spool. */
  readonly spool: string;
  /** Queue the task reports its events to. */
  readonly events: string;
  readonly batchSize: number;
  /** Bytes the task's operators may hold. */
  readonly memoryLimit: number;
  /** How often a running task sends a heartbeat (and checks whether its query was cancelled). */
  readonly heartbeatMs: number;
  readonly faults?: readonly TaskFault[];
  /** The Sampler's bounds and the task's assigned input (`src/runtime/sampler.ts`); no LoadInfo when absent. */
  readonly sample?: TaskSample;
  /**
   * The queue of this attempt's input feed (`src/runtime/input-feed.ts`), when an input is fed
   * rather than planned: one message per committed producer task, then an end-of-feed message.
   */
  readonly feed?: { readonly queue: string };
}

/** What a producer task's Sampler needs: when to report, and how much input the task was given. */
export interface TaskSample {
  readonly rows: number;
  readonly bytes: number;
  readonly ms: number;
  /**
   * Rows of the task's splits (partitioned scans) plus the rows of its exchange reads; for fed
   * inputs an estimate, replaced by the exact count once the feed has ended.
   */
  readonly inputRows: number;
  /** Node ids of the scans whose rows count towards `inputRows`. */
  readonly scans: readonly number[];
}

/** An invocation payload: the spec inline, or where to find it. */
export type TaskPayload =
  | { readonly spec: TaskSpec }
  | {
      readonly specKey: string;
      readonly spool: string;
      readonly queryId: string;
      readonly stage: number;
      readonly task: number;
      readonly attempt: number;
    };

/** Specs larger than this go to the blob store (the payload limit, less room for the envelope). */
export const INLINE_SPEC_BYTES = MAX_INVOKE_PAYLOAD_BYTES - 4096;

/** The key of a spec stored in the spool's blob store. */
export function taskSpecKey(spec: Pick<TaskSpec, 'queryId' | 'stage' | 'task' | 'attempt'>): string {
  return `tasks/${spec.queryId}/${spec.stage}/${spec.task}/${spec.attempt}.json`;
}

/**
 * The payload for a spec: inline when it fits, else the spec is written to `store` (the spool's)
 * and the payload names it. `limit` is for tests.
 */
export async function taskPayload(
  spec: TaskSpec,
  store: BlobStore,
  limit = INLINE_SPEC_BYTES,
): Promise<{ payload: TaskPayload; storedKey?: string }> {
  const text = JSON.stringify({ spec });
  if (Buffer.byteLength(text, 'utf8') <= limit) return { payload: { spec } };
  const key = taskSpecKey(spec);
  await store.put(key, new TextEncoder().encode(JSON.stringify(spec)));
  return {
    payload: {
      specKey: key,
      spool: spec.spool,
      queryId: spec.queryId,
      stage: spec.stage,
      task: spec.task,
      attempt: spec.attempt,
    },
    storedKey: key,
  };
}

/** The spec a payload carries or names. */
export async function loadTaskSpec(
  payload: unknown,
  openStore: (location: string) => BlobStore,
): Promise<TaskSpec> {
  const p = payload as Partial<{ spec: TaskSpec; specKey: string; spool: string }>;
  let spec: TaskSpec | undefined;
  if (p && typeof p === 'object' && p.spec) spec = p.spec;
  else if (p && typeof p.specKey === 'string' && typeof p.spool === 'string') {
    const bytes = await openStore(p.spool).get(p.specKey);
    spec = JSON.parse(new TextDecoder().decode(bytes)) as TaskSpec;
  }
  if (spec === undefined || spec.version !== TASK_SPEC_VERSION) {
    throw new SkeinError(
      'INTERNAL',
      `internal error (this is a bug in Skein): the task payload is not a TaskSpec of version ${TASK_SPEC_VERSION}`,
    );
  }
  return spec;
}

/** The attempt a payload is for (also for failure reports, which carry the payload). */
export function payloadAttempt(
  payload: unknown,
): { queryId: string; stage: number; task: number; attempt: number } | undefined {
  const p = payload as Partial<TaskPayload & { spec: TaskSpec }> | undefined;
  const src = (p && 'spec' in p && p.spec ? p.spec : p) as
    | Partial<{ queryId: string; stage: number; task: number; attempt: number }>
    | undefined;
  if (!src || typeof src.queryId !== 'string' || typeof src.stage !== 'number') return undefined;
  return { queryId: src.queryId, stage: src.stage, task: src.task ?? 0, attempt: src.attempt ?? 0 };
}
