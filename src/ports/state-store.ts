import { SkeinError } from '../errors.ts';

/** A value that survives JSON as it is. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Small, durable coordinator state with conditional writes: which attempt of a task committed,
 * query and resource-group state. In memory on one machine (`adapters/local/memory-state-store.ts`);
 * DynamoDB (or S3 conditional writes) in the cloud.
 *
 * Every item has a version: 1 when created, +1 on each write. Conditional writes are how
 * concurrent writers agree — "the first commit of a task wins" is a put with `ifNotExists`.
 * A failed condition throws {@link ConditionFailedError}; nothing is written.
 *
 * Limits (DynamoDB's): keys 1–1024 UTF-8 bytes; values ≤ 400 KiB as JSON.
 *
 * @example
 * try {
 *   await state.put(`q/${queryId}/commit/${stage}/${task}`, { attempt }, { ifNotExists: true });
 *   // this attempt won
 * } catch (err) {
 *   if (!(err instanceof ConditionFailedError)) throw err;
 *   // another attempt committed first: discard this one's output
 * }
 */
export interface StateStore {
  get(key: string): Promise<StateItem | undefined>;
  /** Writes `value` under `key` if `condition` holds; returns the item as written. */
  put(key: string, value: JsonValue, condition?: PutCondition): Promise<StateItem>;
  /**
   * Deletes `key` if `condition` holds. Returns whether an item was deleted (no condition and no
   * item: false; with `ifVersion` and no item: ConditionFailedError).
   */
  delete(key: string, condition?: VersionCondition): Promise<boolean>;
  /** Items whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<StateItem[]>;
}

export interface StateItem {
  key: string;
  value: JsonValue;
  /** 1 on creation, +1 on every write. */
  version: number;
}

/** `ifNotExists`: the key must not exist. `ifVersion`: the item must exist with this version. */
export type PutCondition = { ifNotExists: true } | VersionCondition;
export interface VersionCondition {
  ifVersion: number;
}

export const STATE_LIMITS = {
  maxKeyBytes: 1024,
  maxValueBytes: 409_600,
} as const;

/** A conditional write's condition did not hold (DynamoDB's ConditionalCheckFailedException). */
export class ConditionFailedError extends SkeinError {
  readonly key: string;
  /** The item's version when the condition was checked; undefined when it did not exist. */
  readonly actualVersion: number | undefined;

  constructor(key: string, expected: string, actualVersion: number | undefined) {
    super(
      'EXTERNAL',
      `conditional write to state key '${key}' failed: expected ${expected}, found ${
        actualVersion === undefined ? 'no item' : `version ${actualVersion}`
      }`,
    );
    this.name = 'ConditionFailedError';
    this.key = key;
    this.actualVersion = actualVersion;
  }
}

/** Checks a key; throws INVALID_ARGUMENT naming the problem. */
export function checkStateKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new SkeinError('INVALID_ARGUMENT', 'state key must be a non-empty string');
  }
  const n = Buffer.byteLength(key, 'utf8');
  if (n > STATE_LIMITS.maxKeyBytes) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `state key of ${n} bytes is longer than the limit of ${STATE_LIMITS.maxKeyBytes} bytes`,
    );
  }
}

/** Serializes a value as the store keeps it; throws when it is not JSON or is too large. */
export function encodeStateValue(key: string, value: JsonValue): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `value for state key '${key}' is not JSON: ${(err as Error).message}`,
    );
  }
  if (text === undefined) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `value for state key '${key}' is not JSON (got ${typeof value})`,
    );
  }
  const n = Buffer.byteLength(text, 'utf8');
  if (n > STATE_LIMITS.maxValueBytes) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `value for state key '${key}' is ${n} bytes as JSON; the limit is ${STATE_LIMITS.maxValueBytes} bytes (400 KiB): keep large data in the blob store`,
    );
  }
  return text;
}
