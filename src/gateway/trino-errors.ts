/**
 * Skein's error codes as Trino's clients expect them on a result page: `errorCode` (Trino's
 * standard numbers), `errorName`, `errorType` (USER_ERROR, INTERNAL_ERROR, INSUFFICIENT_RESOURCES,
 * EXTERNAL) and, for SQL errors, `errorLocation` (1-based line and column).
 *
 * @example
 * trinoError({ code: 'SYNTAX', message: "…", position: { line: 1, column: 8 } });
 * // { message, errorCode: 1, errorName: 'SYNTAX_ERROR', errorType: 'USER_ERROR', errorLocation: {…}, failureInfo: {…} }
 */
import type { ErrorCode, SqlPosition } from '../errors.ts';

export type TrinoErrorType = 'USER_ERROR' | 'INTERNAL_ERROR' | 'INSUFFICIENT_RESOURCES' | 'EXTERNAL';

export interface TrinoErrorLocation {
  lineNumber: number;
  columnNumber: number;
}

/** Trino's `QueryError`. */
export interface TrinoQueryError {
  message: string;
  errorCode: number;
  errorName: string;
  errorType: TrinoErrorType;
  errorLocation?: TrinoErrorLocation;
  failureInfo: {
    type: string;
    message: string;
    suppressed: string[];
    stack: string[];
    errorLocation?: TrinoErrorLocation;
  };
}

/** An error as a query record carries it (`QueryRecord.error`). */
export interface RecordedError {
  code: ErrorCode | 'ABANDONED';
  message: string;
  position?: SqlPosition;
}

interface TrinoCode {
  errorCode: number;
  errorName: string;
  errorType: TrinoErrorType;
}

// Trino's StandardErrorCode numbering: user errors from 0, internal from 0x1_0000, insufficient
// resources from 0x2_0000, external from 0x100_0000.
const GENERIC_USER_ERROR: TrinoCode = {
  errorCode: 0,
  errorName: 'GENERIC_USER_ERROR',
  errorType: 'USER_ERROR',
};
const CODES: Record<RecordedError['code'], TrinoCode> = {
  SYNTAX: { errorCode: 1, errorName: 'SYNTAX_ERROR', errorType: 'USER_ERROR' },
  ABANDONED: { errorCode: 2, errorName: 'ABANDONED_QUERY', errorType: 'USER_ERROR' },
  USER_CANCELED: { errorCode: 3, errorName: 'USER_CANCELED', errorType: 'USER_ERROR' },
  NOT_FOUND: { errorCode: 5, errorName: 'NOT_FOUND', errorType: 'USER_ERROR' },
  NOT_IMPLEMENTED: { errorCode: 13, errorName: 'NOT_SUPPORTED', errorType: 'USER_ERROR' },
  PLAN: GENERIC_USER_ERROR,
  TYPE: { errorCode: 58, errorName: 'TYPE_MISMATCH', errorType: 'USER_ERROR' },
  INVALID_ARGUMENT: GENERIC_USER_ERROR,
  EXECUTION: GENERIC_USER_ERROR,
  INTERNAL: { errorCode: 65_536, errorName: 'GENERIC_INTERNAL_ERROR', errorType: 'INTERNAL_ERROR' },
  RESOURCES_EXHAUSTED: {
    errorCode: 131_072,
    errorName: 'GENERIC_INSUFFICIENT_RESOURCES',
    errorType: 'INSUFFICIENT_RESOURCES',
  },
  EXTERNAL: { errorCode: 16_777_216, errorName: 'GENERIC_EXTERNAL', errorType: 'EXTERNAL' },
};

/** Unknown tables, columns and functions have their own Trino names; Skein's messages say which. */
function refine(code: TrinoCode, e: RecordedError): TrinoCode {
  if (e.code !== 'PLAN' && e.code !== 'NOT_FOUND') return code;
  if (/\b(table|relation)\b/i.test(e.message) && /\b(not found|unknown|does not exist)\b/i.test(e.message))
    return { errorCode: 46, errorName: 'TABLE_NOT_FOUND', errorType: 'USER_ERROR' };
  if (/\bcolumn\b/i.test(e.message) && /\b(not found|unknown|does not exist)\b/i.test(e.message))
    return { errorCode: 47, errorName: 'COLUMN_NOT_FOUND', errorType: 'USER_ERROR' };
  if (/\bfunction\b/i.test(e.message) && /\b(not found|unknown|does not exist)\b/i.test(e.message))
    return { errorCode: 6, errorName: 'FUNCTION_NOT_FOUND', errorType: 'USER_ERROR' };
  return code;
}

/** The Trino `QueryError` of a recorded error. */
export function trinoError(e: RecordedError): TrinoQueryError {
  const code = refine(CODES[e.code] ?? CODES.INTERNAL, e);
  const location = e.position ? { lineNumber: e.position.line, columnNumber: e.position.column } : undefined;
  return {
    message: e.message,
    ...code,
    ...(location ? { errorLocation: location } : {}),
    failureInfo: {
      type: `skein.${e.code}`,
      message: e.message,
      suppressed: [],
      stack: [],
      ...(location ? { errorLocation: location } : {}),
    },
  };
}
