/**
 * Result values out of vectors, exactly: as text the way DuckDB prints them (DECIMAL with its
 * scale, DATE `YYYY-MM-DD`, DOUBLE in its shortest round-trip form), or as plain JS values for
 * the sqllogictest runner. The CLI formats (`table`, `csv`, `json`) are built on these.
 *
 * @example
 * cellText(batch.columns[0]!, 3); // '1234.56' for a DECIMAL(15,2), null for NULL
 */
import {
  formatDate,
  formatDecimal,
  formatDouble,
  formatInterval,
  formatTimestamp,
} from '../exec/kernels/format.ts';
import { strAt } from '../exec/kernels/str-builder.ts';
import type { Vector } from '../exec/vector.ts';

function isNull(v: Vector, i: number): boolean {
  if (v.kind === 'null') return true;
  const m = v.validity;
  return m !== null && ((m[i >> 3]! >> (i & 7)) & 1) === 0;
}

/** Value i as text, or null for NULL. */
export function cellText(v: Vector, i: number): string | null {
  if (isNull(v, i)) return null;
  const t = v.type;
  switch (v.kind) {
    case 'null':
      return null;
    case 'bool':
      return v.values[i] ? 'true' : 'false';
    case 'i32':
      return t.kind === 'date' ? formatDate(v.values[i]!) : String(v.values[i]!);
    case 'f64': {
      const x = v.values[i]!;
      switch (t.kind) {
        case 'decimal':
          return formatDecimal(x, t.precision, t.scale);
        case 'timestamp':
          return formatTimestamp(x);
        case 'float64':
          return formatDouble(x);
        default:
          return Number.isInteger(x) ? BigInt(x).toString() : String(x);
      }
    }
    case 'i64': {
      const x = v.values[i]!;
      if (t.kind === 'decimal') return formatDecimal(x, t.precision, t.scale);
      if (t.kind === 'timestamp') return formatTimestamp(Number(x));
      if (t.kind === 'float64') return formatDouble(Number(x));
      return x.toString();
    }
    case 'str':
      return strAt(v, i);
    case 'interval':
      return formatInterval(v.months[i]!, v.days[i]!, v.micros[i]!);
  }
}

/** Whether a type's values are numbers (right-aligned in tables, unquoted in JSON). */
export function isNumberType(kind: string): boolean {
  return kind === 'int32' || kind === 'int64' || kind === 'float64' || kind === 'decimal';
}

/**
 * Value i as the sqllogictest runner takes it: integers as numbers (bigint beyond 2^53), DOUBLE as
 * a number, DECIMAL as its exact text, booleans as booleans, everything else as text.
 */
export function cellValue(v: Vector, i: number): string | number | bigint | boolean | null {
  if (isNull(v, i)) return null;
  const t = v.type;
  switch (v.kind) {
    case 'bool':
      return v.values[i] !== 0;
    case 'i32':
      return t.kind === 'date' ? formatDate(v.values[i]!) : v.values[i]!;
    case 'f64':
      if (t.kind === 'int64' || t.kind === 'float64') return v.values[i]!;
      return cellText(v, i);
    case 'i64':
      if (t.kind === 'int64') return v.values[i]!;
      return cellText(v, i);
    default:
      return cellText(v, i);
  }
}
