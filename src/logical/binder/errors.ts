import { type ErrorCode, SkeinError, type SqlPosition } from '../../errors.ts';

/**
 * A user error found while binding, at a position in the SQL text:
 * `column 'l_quantty' does not exist at line 2, column 8 (did you mean 'l_quantity'?)`.
 */
export function bindError(
  code: ErrorCode,
  message: string,
  pos: SqlPosition | null | undefined,
  hint = '',
): SkeinError {
  const where = pos ? ` at line ${pos.line}, column ${pos.column}` : '';
  return new SkeinError(
    code,
    `${message}${where}${hint}`,
    pos ? { position: { line: pos.line, column: pos.column } } : {},
  );
}

/** Adds a position to an error thrown without one (e.g. by the function catalogue). */
export function withPosition(err: unknown, pos: SqlPosition | null | undefined): unknown {
  if (!(err instanceof SkeinError) || err.position || !pos) return err;
  return new SkeinError(err.code, `${err.message} (at line ${pos.line}, column ${pos.column})`, {
    position: { line: pos.line, column: pos.column },
    cause: err,
  });
}
