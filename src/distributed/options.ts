/**
 * The knobs of distributed execution: one typed object with documented defaults
 * ({@link resolveDistributedOptions}). The CLI maps `--tasks`, `--split-size`,
 * `--max-concurrency` and `--fanout` onto it; tests force maximal distribution with `{ tasks: 4, splitSize: 64 KiB }`.
 *
 * | option | default | meaning |
 * |---|---|---|
 * | `tasks` | null | force this many tasks in every stage that is not a gather (null: decide) |
 * | `splitSize` | 128 MiB | a leaf split holds at most this many bytes of (decoded) column data: a Parquet row group, cut into row ranges when larger |
 * | `bytesPerTask` | 64 MiB | leaf stages get ceil(input bytes ÷ this) tasks (bytes of decoded columns); a query whose whole input fits it runs as one task |
 * | `consumerTasks` | `maxConcurrency` | tasks of a stage that reads hash exchanges |
 * | `tinyBytes` | 4 MiB | a stage whose input is estimated below this runs as one task |
 * | `maxConcurrency` | the core count | functions of one query in flight |
 * | `maxTasks` | 256 | tasks per stage at most |
 * | `buckets` | 128 | buckets B of every hash exchange (fixed when the producer stage starts) |
 * | `inlineBytes` | 2 MiB | a broadcast build side reading at most this many file bytes (and no partitioned input) is computed in every probe task instead of in a stage of its own |
 * | `broadcastLimit` | 128 MiB | the broadcast threshold: a join's build side may be broadcast only when estimated at most this big (see `chooseJoinDistribution`) |
 * | `fanout` | `adaptive` | how a stage reading hash exchanges gets its task count: `adaptive` from its producers' sampled LoadInfo (DESIGN §3.6, `adaptive-fanout.ts`), `static` from `consumerTasks` / `tinyBytes` (the tuned baseline); `tasks` overrides both |
 * | `targetBytesPerTask` | 64 MiB | adaptive: a consumer stage gets clamp(ceil(estimated input bytes ÷ this), 1, `maxTasks`) tasks (in-memory Arrow bytes, as manifests count them) |
 * | `quorum` | 0.2 | adaptive: a consumer stage is decided once this fraction of each hash producer's tasks sent LoadInfo (or all of them ended), in (0, 1] |
 * | `earlyStart` | false | adaptive: launch a decided consumer stage before its producers committed, once every producer task is running; its tasks get the committed spool objects over a feed (`runtime/input-feed.ts`). Waiting tasks cost function time — see `bench/adaptive.ts` for what it buys |
 * | `sampleRows` | 131072 | a producer task's Sampler reports after this many output rows… |
 * | `sampleBytes` | 16 MiB | …or this many output bytes… |
 * | `sampleMs` | 1000 | …or once a batch arrives this long after the task started — whichever comes first; at the end of its output at the latest |
 *
 * @example
 * const o = resolveDistributedOptions({ tasks: 4, splitSize: 64 * 1024 });
 */
import { availableParallelism } from 'node:os';
import { SkeinError } from '../errors.ts';

export interface DistributedOptions {
  readonly tasks: number | null;
  readonly splitSize: number;
  readonly bytesPerTask: number;
  readonly consumerTasks: number;
  readonly tinyBytes: number;
  readonly maxConcurrency: number;
  readonly maxTasks: number;
  readonly buckets: number;
  readonly broadcastLimit: number;
  readonly inlineBytes: number;
  readonly fanout: 'adaptive' | 'static';
  readonly targetBytesPerTask: number;
  readonly quorum: number;
  readonly earlyStart: boolean;
  readonly sampleRows: number;
  readonly sampleBytes: number;
  readonly sampleMs: number;
}

export type DistributedOptionsInput = { readonly [K in keyof DistributedOptions]?: DistributedOptions[K] };

const MiB = 1024 * 1024;

export function resolveDistributedOptions(input: DistributedOptionsInput = {}): DistributedOptions {
  const maxConcurrency = whole('maxConcurrency', input.maxConcurrency ?? availableParallelism(), 1);
  const o: DistributedOptions = {
    tasks: input.tasks === undefined || input.tasks === null ? null : whole('tasks', input.tasks, 1),
    splitSize: whole('splitSize', input.splitSize ?? 128 * MiB, 1),
    bytesPerTask: whole('bytesPerTask', input.bytesPerTask ?? 64 * MiB, 1),
    consumerTasks: whole('consumerTasks', input.consumerTasks ?? maxConcurrency, 1),
    tinyBytes: whole('tinyBytes', input.tinyBytes ?? 4 * MiB, 0),
    maxConcurrency,
    maxTasks: whole('maxTasks', input.maxTasks ?? 256, 1),
    buckets: whole('buckets', input.buckets ?? 128, 1),
    broadcastLimit: whole('broadcastLimit', input.broadcastLimit ?? 128 * MiB, 0),
    inlineBytes: whole('inlineBytes', input.inlineBytes ?? 2 * MiB, 0),
    fanout: input.fanout ?? 'adaptive',
    targetBytesPerTask: whole('targetBytesPerTask', input.targetBytesPerTask ?? 64 * MiB, 1),
    quorum: input.quorum ?? 0.2,
    earlyStart: input.earlyStart ?? false,
    sampleRows: whole('sampleRows', input.sampleRows ?? 131_072, 1),
    sampleBytes: whole('sampleBytes', input.sampleBytes ?? 16 * MiB, 1),
    sampleMs: whole('sampleMs', input.sampleMs ?? 1000, 0),
  };
  if (o.fanout !== 'adaptive' && o.fanout !== 'static')
    throw new SkeinError('INVALID_ARGUMENT', `fanout must be adaptive or static, got '${String(o.fanout)}'`);
  if (!(o.quorum > 0 && o.quorum <= 1))
    throw new SkeinError('INVALID_ARGUMENT', `quorum must be a fraction in (0, 1], got ${o.quorum}`);
  if (o.buckets > 1 << 16)
    throw new SkeinError('INVALID_ARGUMENT', `buckets must be at most 65536, got ${o.buckets}`);
  return o;
}

function whole(name: string, v: number, min: number): number {
  if (!Number.isSafeInteger(v) || v < min) {
    throw new SkeinError('INVALID_ARGUMENT', `${name} must be a whole number from ${min} up, got ${v}`);
  }
  return v;
}
