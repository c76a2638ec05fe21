/**
 * Value → text, as DuckDB writes values when casting to VARCHAR (and so as results print):
 * DOUBLE in the shortest round-trip form with Python-like notation (`1.0`, `1e+16`, `1e-05`),
 * DECIMAL with its scale's digits, DATE `YYYY-MM-DD` (years before 1 as `… (BC)`), TIMESTAMP
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` (trailing zeros dropped), INTERVAL `1 year 2 months 3 days 04:05:06`.
 */
import { civilFromDays, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE } from './temporal.ts';

/** A DOUBLE as DuckDB prints it. */
export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const e = x.toExponential(); // shortest round-trip digits, e.g. "1.2345e+20"
  const at = e.indexOf('e');
  const mant = e.slice(0, at);
  const exp = Number(e.slice(at + 1));
  if (exp >= -4 && exp < 16) {
    const neg = mant.startsWith('-');
    const digits = mant.replace('-', '').replace('.', '');
    let s: string;
    if (exp >= digits.length - 1) s = `${digits}${'0'.repeat(exp - digits.length + 1)}.0`;
    else if (exp >= 0) s = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
    else s = `0.${'0'.repeat(-exp - 1)}${digits}`;
    return neg ? `-${s}` : s;
  }
  const absExp = Math.abs(exp);
  return `${mant}e${exp < 0 ? '-' : '+'}${absExp < 10 ? `0${absExp}` : absExp}`;
}

/** A DECIMAL(precision, scale) from its scaled integer. */
export function formatDecimal(v: number | bigint, precision: number, scale: number): string {
  if (scale === 0) return typeof v === 'number' ? String(v) : v.toString();
  const neg = v < 0;
  let digits = (typeof v === 'number' ? Math.abs(v) : neg ? -v : v).toString();
  if (digits.length <= scale) digits = digits.padStart(scale + 1, '0');
  let whole = digits.slice(0, digits.length - scale);
  // DuckDB prints DECIMAL(p,p) without the leading zero (".5").
  if (precision === scale && whole === '0') whole = '';
  return `${neg ? '-' : ''}${whole}.${digits.slice(digits.length - scale)}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function yearText(y: number): [string, boolean] {
  if (y > 0) return [y < 1000 ? String(y).padStart(4, '0') : String(y), false];
  return [String(1 - y).padStart(4, '0'), true];
}

/** A DATE from days since the epoch. */
export function formatDate(days: number): string {
  const c = civilFromDays(days);
  const [y, bc] = yearText(c[0]!);
  return `${y}-${pad2(c[1]!)}-${pad2(c[2]!)}${bc ? ' (BC)' : ''}`;
}

/** HH:MM:SS[.ffffff] of µs within a day (0 ≤ us). */
function timeText(us: number): string {
  const h = Math.floor(us / MICROS_PER_HOUR);
  const m = Math.floor((us % MICROS_PER_HOUR) / MICROS_PER_MINUTE);
  const s = Math.floor((us % MICROS_PER_MINUTE) / 1_000_000);
  const f = Math.round(us % 1_000_000);
  const frac = f === 0 ? '' : `.${String(f).padStart(6, '0').replace(/0+$/, '')}`;
  return `${pad2(h)}:${pad2(m)}:${pad2(s)}${frac}`;
}

/** A TIMESTAMP from µs since the epoch. */
export function formatTimestamp(us: number): string {
  const days = Math.floor(us / MICROS_PER_DAY);
  const c = civilFromDays(days);
  const [y, bc] = yearText(c[0]!);
  return `${y}-${pad2(c[1]!)}-${pad2(c[2]!)} ${timeText(us - days * MICROS_PER_DAY)}${bc ? ' (BC)' : ''}`;
}

/** An INTERVAL as DuckDB prints it. */
export function formatInterval(months: number, days: number, micros: number): string {
  const parts: string[] = [];
  const years = Math.trunc(months / 12);
  const mons = months % 12;
  if (years !== 0) parts.push(`${years} year${Math.abs(years) === 1 ? '' : 's'}`);
  if (mons !== 0) parts.push(`${mons} month${Math.abs(mons) === 1 ? '' : 's'}`);
  if (days !== 0) parts.push(`${days} day${Math.abs(days) === 1 ? '' : 's'}`);
  if (micros !== 0 || parts.length === 0) {
    const neg = micros < 0;
    const u = Math.abs(micros);
    const h = Math.floor(u / MICROS_PER_HOUR);
    const rest = u - h * MICROS_PER_HOUR;
    const t = timeText(rest);
    parts.push(`${neg ? '-' : ''}${pad2(h)}${t.slice(2)}`);
  }
  return parts.join(' ');
}
