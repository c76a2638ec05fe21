/**
 * One error class for everything Skein reports. The `code` is stable and decides retrying:
 * user errors (`SYNTAX`, `PLAN`, `TYPE`, `INVALID_ARGUMENT`, `NOT_FOUND`, `USER_CANCELED`) are never
 * retried; `EXTERNAL` and `INTERNAL` failures may be, by policy.
 *
 * @example
 * throw new SkeinError('INVALID_ARGUMENT', `--sf must be a positive number, got '${text}'`);
 */
export type ErrorCode =
  | 'SYNTAX'
  | 'PLAN'
  | 'TYPE'
  | 'EXECUTION'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'NOT_IMPLEMENTED'
  | 'RESOURCES_EXHAUSTED'
  | 'USER_CANCELED'
  | 'EXTERNAL'
  | 'INTERNAL';

/** A position in SQL text, 1-based. */
export interface SqlPosition {
  line: number;
  column: number;
}

export class SkeinError extends Error {
  readonly code: ErrorCode;
  readonly position?: SqlPosition;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; position?: SqlPosition } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SkeinError';
    this.code = code;
    if (options.position) this.position = options.position;
  }

  /** Whether the user caused it (never retried) rather than the system. */
  get isUserError(): boolean {
    return USER_CODES.has(this.code);
  }
}

const USER_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'SYNTAX',
  'PLAN',
  'TYPE',
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'USER_CANCELED',
]);

/** Wraps anything thrown into a SkeinError; an unknown error is an internal one, i.e. a bug. */
export function asSkeinError(err: unknown): SkeinError {
  if (err instanceof SkeinError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SkeinError('INTERNAL', `internal error (this is a bug in Skein): ${message}`, { cause: err });
}
