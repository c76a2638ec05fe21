import { createHash } from 'node:crypto';
import { SkeinError } from '../../errors.ts';

/** One attempt of one task: every spool object belongs to exactly one (DESIGN §3.4). */
export interface TaskAttemptId {
  /** Letters, digits, `-`, `_`, `.` (it becomes part of object keys). */
  queryId: string;
  stage: number;
  task: number;
  attempt: number;
}

/** Every spool object's key starts with this. */
export const SPOOL_ROOT = 'spool';

/** Hex characters of the hash prefix: 256 prefixes spread S3's request load over partitions. */
export const SPOOL_HASH_CHARS = 2;

const QUERY_ID = /^[A-Za-z0-9_.-]{1,128}$/;

export function checkAttemptId(a: TaskAttemptId): void {
  if (
    typeof a?.queryId !== 'string' ||
    !QUERY_ID.test(a.queryId) ||
    a.queryId === '.' ||
    a.queryId === '..'
  ) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `query id '${a?.queryId}' cannot name spool objects: use 1–128 letters, digits, '-', '_' or '.'`,
    );
  }
  for (const k of ['stage', 'task', 'attempt'] as const) {
    if (!Number.isSafeInteger(a[k]) || a[k] < 0) {
      throw new SkeinError('INVALID_ARGUMENT', `spool ${k} must be a whole number from 0 up, got ${a[k]}`);
    }
  }
}

/** The hash prefix of an attempt: the first hex characters of a hash of the rest of its key. */
export function spoolHashPrefix(a: TaskAttemptId): string {
  return createHash('sha256')
    .update(`${a.queryId}/${a.stage}/${a.task}/${a.attempt}`)
    .digest('hex')
    .slice(0, SPOOL_HASH_CHARS);
}

/**
 * The folder of an attempt's spool objects: `spool/{hash}/{queryId}/{stage}/{task}/{attempt}/`.
 * Only that attempt writes under it.
 */
export function spoolAttemptPrefix(a: TaskAttemptId): string {
  checkAttemptId(a);
  return `${SPOOL_ROOT}/${spoolHashPrefix(a)}/${a.queryId}/${a.stage}/${a.task}/${a.attempt}/`;
}

/**
 * The key of an attempt's spool object number `part` (0 unless the writer's memory bound made it
 * roll over to further objects). A `nonce` (hex) tells apart the objects of two runs of one
 * attempt — a function invocation delivered twice — so that neither can delete the other's.
 */
export function spoolObjectKey(a: TaskAttemptId, part: number, nonce?: string): string {
  if (nonce !== undefined && !/^[0-9a-f]{1,32}$/.test(nonce)) {
    throw new SkeinError('INVALID_ARGUMENT', `spool key nonce must be 1–32 hex digits, got '${nonce}'`);
  }
  return `${spoolAttemptPrefix(a)}part-${part}${nonce === undefined ? '' : `-${nonce}`}.arrows`;
}

/** The attempt and part a spool key names, or undefined when it is not a spool key. */
export function parseSpoolKey(key: string): (TaskAttemptId & { part: number }) | undefined {
  const m = /^spool\/([0-9a-f]+)\/([^/]+)\/(\d+)\/(\d+)\/(\d+)\/part-(\d+)(?:-[0-9a-f]+)?\.arrows$/.exec(key);
  if (!m) return undefined;
  const a = { queryId: m[2]!, stage: Number(m[3]), task: Number(m[4]), attempt: Number(m[5]) };
  if (spoolHashPrefix(a) !== m[1]) return undefined;
  return { ...a, part: Number(m[6]) };
}
