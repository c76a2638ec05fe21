/**
 * Skein's types and values as the Trino client protocol carries them: a column's type name and
 * `typeSignature`, and each value in Trino's JSON encoding. Values are written straight to JSON
 * text (one encoder per column, chosen once per page), so a page never builds per-value objects.
 *
 * | Skein | Trino type | JSON value |
 * |---|---|---|
 * | BOOLEAN | `boolean` | `true` / `false` |
 * | INTEGER | `integer` | number |
 * | BIGINT | `bigint` | number (exact digits, also beyond 2^53) |
 * | DOUBLE | `double` | number; `"NaN"`, `"Infinity"`, `"-Infinity"` as strings |
 * | DECIMAL(p,s) | `decimal(p,s)` | string with exactly s fraction digits (`"12.30"`) |
 * | VARCHAR | `varchar` | string |
 * | DATE | `date` | `"YYYY-MM-DD"` |
 * | TIMESTAMP (µs) | `timestamp(6)` | `"YYYY-MM-DD HH:MM:SS.ffffff"` |
 * | INTERVAL | `interval day to second` | `"D HH:MM:SS.mmm"`, a leading `-` when negative |
 * | NULL | `unknown` | null |
 *
 * Trino's intervals are either year-to-month or day-to-second; Skein's carry months, days and
 * microseconds together, so a month counts as 30 days here (the only lossy mapping).
 *
 * @example
 * const col = trinoColumn('revenue', decimal(15, 2)); // { name, type: 'decimal(15,2)', typeSignature }
 * const enc = valueEncoder(vector);
 * enc(0); // '"1234.50"'
 */
import { formatDate, formatDecimal } from '../exec/kernels/format.ts';
import { strAt } from '../exec/kernels/str-builder.ts';
import type { Vector } from '../exec/vector.ts';
import type { DataType } from '../types/data-type.ts';

/** A type parameter in a `typeSignature` (only numeric ones occur for Skein's types). */
export interface TrinoTypeArgument {
  kind: 'LONG';
  value: number;
}

/** The `typeSignature` of a column, as Trino's clients parse it. */
export interface TrinoTypeSignature {
  rawType: string;
  arguments: TrinoTypeArgument[];
}

/** One entry of a result's `columns`. */
export interface TrinoColumn {
  name: string;
  type: string;
  typeSignature: TrinoTypeSignature;
}

/** Trino's unbounded VARCHAR length (`varchar` without a length). */
const UNBOUNDED_VARCHAR = 2_147_483_647;

/** The Trino signature of a Skein type. */
export function trinoTypeSignature(t: DataType): TrinoTypeSignature {
  const long = (value: number): TrinoTypeArgument => ({ kind: 'LONG', value });
  switch (t.kind) {
    case 'null':
      return { rawType: 'unknown', arguments: [] };
    case 'boolean':
      return { rawType: 'boolean', arguments: [] };
    case 'int32':
      return { rawType: 'integer', arguments: [] };
    case 'int64':
      return { rawType: 'bigint', arguments: [] };
    case 'float64':
      return { rawType: 'double', arguments: [] };
    case 'decimal':
      return { rawType: 'decimal', arguments: [long(t.precision), long(t.scale)] };
    case 'varchar':
      return { rawType: 'varchar', arguments: [long(UNBOUNDED_VARCHAR)] };
    case 'date':
      return { rawType: 'date', arguments: [] };
    case 'timestamp':
      return { rawType: 'timestamp', arguments: [long(6)] };
    case 'interval':
      return { rawType: 'interval day to second', arguments: [] };
  }
}

/** The Trino type name of a Skein type (`decimal(15,2)`, `timestamp(6)`, `varchar`). */
export function trinoTypeName(t: DataType): string {
  const s = trinoTypeSignature(t);
  if (s.rawType === 'varchar' || s.arguments.length === 0) return s.rawType;
  return `${s.rawType}(${s.arguments.map((a) => a.value).join(',')})`;
}

export function trinoColumn(name: string, type: DataType): TrinoColumn {
  return { name, type: trinoTypeName(type), typeSignature: trinoTypeSignature(type) };
}

/** Writes value i of a vector as JSON text (`null` for NULL). */
export type ValueEncoder = (i: number) => string;

const MICROS_PER_DAY = 86_400_000_000;

/** The JSON encoder of a vector's values, following the table in the module comment. */
export function valueEncoder(v: Vector): ValueEncoder {
  if (v.kind === 'null') return () => 'null';
  const m = v.validity;
  const valid = m === null ? () => true : (i: number) => ((m[i >> 3]! >> (i & 7)) & 1) === 1;
  const t = v.type;
  let enc: ValueEncoder;
  switch (v.kind) {
    case 'bool':
      enc = (i) => (v.values[i] ? 'true' : 'false');
      break;
    case 'i32':
      enc = t.kind === 'date' ? (i) => `"${formatDate(v.values[i]!)}"` : (i) => String(v.values[i]!);
      break;
    case 'f64':
    case 'i64': {
      const values = v.values;
      if (t.kind === 'decimal') enc = (i) => `"${formatDecimal(values[i]!, t.precision, t.scale)}"`;
      else if (t.kind === 'timestamp') enc = (i) => `"${timestampText(Number(values[i]!))}"`;
      else if (t.kind === 'float64') enc = (i) => doubleJson(Number(values[i]!));
      else if (v.kind === 'i64') enc = (i) => v.values[i]!.toString();
      else enc = (i) => integerJson(v.values[i]!);
      break;
    }
    case 'str':
      enc = (i) => JSON.stringify(strAt(v, i));
      break;
    case 'interval':
      enc = (i) => `"${intervalDayToSecond(v.months[i]!, v.days[i]!, v.micros[i]!)}"`;
      break;
  }
  return m === null ? enc : (i) => (valid(i) ? enc(i) : 'null');
}

function doubleJson(x: number): string {
  if (Number.isNaN(x)) return '"NaN"';
  if (x === Number.POSITIVE_INFINITY) return '"Infinity"';
  if (x === Number.NEGATIVE_INFINITY) return '"-Infinity"';
  return String(x);
}

/** An integer held in a double, written with all its digits (never in exponent form). */
function integerJson(x: number): string {
  return Number.isSafeInteger(x) ? String(x) : BigInt(x).toString();
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` of microseconds since the epoch. */
export function timestampText(us: number): string {
  const days = Math.floor(us / MICROS_PER_DAY);
  let rest = Math.round(us - days * MICROS_PER_DAY);
  const h = Math.floor(rest / 3_600_000_000);
  rest -= h * 3_600_000_000;
  const min = Math.floor(rest / 60_000_000);
  rest -= min * 60_000_000;
  const s = Math.floor(rest / 1_000_000);
  const f = rest - s * 1_000_000;
  return `${formatDate(days)} ${pad(h, 2)}:${pad(min, 2)}:${pad(s, 2)}.${pad(f, 6)}`;
}

/** Trino's `interval day to second` text: `D HH:MM:SS.mmm`, a month taken as 30 days. */
export function intervalDayToSecond(months: number, days: number, micros: number): string {
  const totalMs = Math.round(((months * 30 + days) * MICROS_PER_DAY + micros) / 1000);
  const neg = totalMs < 0;
  let ms = Math.abs(totalMs);
  const d = Math.floor(ms / 86_400_000);
  ms -= d * 86_400_000;
  const h = Math.floor(ms / 3_600_000);
  ms -= h * 3_600_000;
  const min = Math.floor(ms / 60_000);
  ms -= min * 60_000;
  const s = Math.floor(ms / 1000);
  ms -= s * 1000;
  return `${neg ? '-' : ''}${d} ${pad(h, 2)}:${pad(min, 2)}:${pad(s, 2)}.${pad(ms, 3)}`;
}
