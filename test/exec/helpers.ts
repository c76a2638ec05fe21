/**
 * Test helpers for the executor's operators: vectors and batches from JS arrays, batches back to
 * JS rows (in the value conventions of `test/helpers/duckdb.ts`, so results compare directly with
 * DuckDB's), loading the same rows into DuckDB, seeded random data, and row-set comparison.
 */
import {
  type DuckDBConnection,
  DuckDBInstance,
  DuckDBTypeId,
  type DuckDBValueConverter,
  type JS,
  JSDuckDBValueConverter,
} from '@duckdb/node-api';
import { expect } from 'vitest';
import { type BatchStream, type ExecContext, MemoryPool } from '../../src/exec/context.ts';
import type { Batch, Vector } from '../../src/exec/vector.ts';
import { type DataType, type Field, type Schema, typeToString } from '../../src/types/data-type.ts';
import type { DuckDb, DuckRow } from '../helpers/duckdb.ts';

export type Value = number | bigint | string | boolean | null;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const TWO_53 = 2 ** 53;

/** A test context: small batches by default, so operators see many of them. */
export function testCtx(options: { batchSize?: number; memoryLimit?: number } = {}): ExecContext {
  return { batchSize: options.batchSize ?? 1024, memory: new MemoryPool(options.memoryLimit ?? 2 ** 40) };
}

/** Days since 1970-01-01 of a 'YYYY-MM-DD' date. */
export function dateToDays(s: string): number {
  return Math.round(Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10)) / 86_400_000);
}

export function daysToDate(d: number): string {
  return new Date(d * 86_400_000).toISOString().slice(0, 10);
}

/** A decimal's text ('-12.30') as its scaled integer. */
export function decimalToScaled(text: string, scale: number): bigint {
  const neg = text.startsWith('-');
  const t = neg ? text.slice(1) : text;
  const [int = '0', frac = ''] = t.split('.');
  const digits = BigInt(int + frac.padEnd(scale, '0').slice(0, scale));
  return neg ? -digits : digits;
}

/** A scaled integer as decimal text, the way DuckDB prints it. */
export function scaledToDecimal(v: bigint, scale: number): string {
  const neg = v < 0n;
  const s = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? s : `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
  return neg ? `-${text}` : text;
}

/** A vector of `type` from JS values (see `Value`; dates as text, decimals as text or bigint). */
export function vec(type: DataType, values: readonly Value[]): Vector {
  const n = values.length;
  let validity: Uint8Array | null = null;
  if (values.some((v) => v === null)) {
    validity = new Uint8Array((n + 7) >> 3);
    values.forEach((v, i) => {
      if (v !== null) validity![i >> 3]! |= 1 << (i & 7);
    });
  }
  switch (type.kind) {
    case 'null':
      return { kind: 'null', type, length: n, validity: null };
    case 'boolean':
      return {
        kind: 'bool',
        type,
        length: n,
        validity,
        values: Uint8Array.from(values, (v) => (v === true ? 1 : 0)),
      };
    case 'int32':
      return {
        kind: 'i32',
        type,
        length: n,
        validity,
        values: Int32Array.from(values, (v) => Number(v ?? 0)),
      };
    case 'date':
      return {
        kind: 'i32',
        type,
        length: n,
        validity,
        values: Int32Array.from(values, (v) => (typeof v === 'string' ? dateToDays(v) : Number(v ?? 0))),
      };
    case 'float64':
      return {
        kind: 'f64',
        type,
        length: n,
        validity,
        values: Float64Array.from(values, (v) => Number(v ?? 0)),
      };
    case 'int64':
    case 'timestamp':
    case 'decimal': {
      const scale = type.kind === 'decimal' ? type.scale : 0;
      const big = values.map((v) =>
        v === null ? 0n : typeof v === 'string' ? decimalToScaled(v, scale) : BigInt(v as number | bigint),
      );
      if (big.every((b) => b <= BigInt(TWO_53) && b >= -BigInt(TWO_53)))
        return { kind: 'f64', type, length: n, validity, values: Float64Array.from(big, Number) };
      return { kind: 'i64', type, length: n, validity, values: BigInt64Array.from(big) };
    }
    case 'varchar': {
      const parts = values.map((v) => encoder.encode(v === null ? '' : String(v)));
      const offsets = new Int32Array(n + 1);
      parts.forEach((p, i) => {
        offsets[i + 1] = offsets[i]! + p.length;
      });
      const bytes = new Uint8Array(offsets[n]!);
      parts.forEach((p, i) => {
        bytes.set(p, offsets[i]!);
      });
      return { kind: 'str', type, length: n, validity, offsets, bytes };
    }
    case 'interval':
      throw new Error('interval test vectors are not supported');
  }
}

/** Value i of a vector as a JS value in DuckDB-oracle conventions. */
export function valueAt(v: Vector, i: number): Value {
  if (v.kind === 'null') return null;
  if (v.validity !== null && ((v.validity[i >> 3]! >> (i & 7)) & 1) === 0) return null;
  const t = v.type;
  switch (v.kind) {
    case 'bool':
      return v.values[i] === 1;
    case 'i32':
      return t.kind === 'date' ? daysToDate(v.values[i]!) : v.values[i]!;
    case 'f64':
    case 'i64': {
      if (t.kind === 'float64') return Number(v.values[i]!);
      const b = v.kind === 'i64' ? v.values[i]! : BigInt(v.values[i]!);
      if (t.kind === 'decimal') return scaledToDecimal(b, t.scale);
      return b;
    }
    case 'str':
      return decoder.decode(v.bytes.subarray(v.offsets[i]!, v.offsets[i + 1]!));
    case 'interval':
      return `${v.months[i]}m${v.days[i]}d${v.micros[i]}us`;
  }
}

/** A batch of `schema` from columns of JS values. */
export function batchOf(schema: Schema, columns: readonly (readonly Value[])[]): Batch {
  const length = columns[0]?.length ?? 0;
  return { schema, columns: schema.map((f, c) => vec(f.type, columns[c]!)), length };
}

/** Rows (arrays of values) as batches of `schema`, cut at the given sizes (cycled). */
export function batchesOf(
  schema: Schema,
  rows: readonly (readonly Value[])[],
  sizes: readonly number[] = [1024],
): Batch[] {
  const out: Batch[] = [];
  let pos = 0;
  let k = 0;
  while (pos < rows.length) {
    const size = Math.max(1, sizes[k++ % sizes.length]!);
    const chunk = rows.slice(pos, pos + size);
    pos += size;
    out.push(
      batchOf(
        schema,
        schema.map((_, c) => chunk.map((r) => r[c]!)),
      ),
    );
  }
  return out;
}

/** A BatchStream over prepared batches (a scan stand-in). */
export function streamOf(schema: Schema, batches: readonly Batch[]): BatchStream {
  return {
    schema,
    async *[Symbol.asyncIterator]() {
      for (const b of batches) yield b;
    },
  };
}

/** A stream that counts how many batches were pulled from it (for early-stop tests). */
export function countingStream(schema: Schema, batches: readonly Batch[]): BatchStream & { pulled: number } {
  const s = {
    schema,
    pulled: 0,
    async *[Symbol.asyncIterator]() {
      for (const b of batches) {
        s.pulled++;
        yield b;
      }
    },
  };
  return s;
}

export async function collect(stream: BatchStream): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of stream) out.push(b);
  return out;
}

/** Every row of the batches as arrays of JS values. */
export function rowsOf(batches: readonly Batch[]): Value[][] {
  const rows: Value[][] = [];
  for (const b of batches) {
    for (let i = 0; i < b.length; i++) rows.push(b.columns.map((c) => valueAt(c, i)));
  }
  return rows;
}

export async function runRows(stream: BatchStream): Promise<Value[][]> {
  return rowsOf(await collect(stream));
}

export function field(name: string, type: DataType, nullable = true): Field {
  return { name, type, nullable };
}

// ---------------------------------------------------------------------------------------------
// DuckDB

/*
 * `test/helpers/duckdb.ts` turns NULL DATE and DECIMAL values into the text 'null' (its converter
 * stringifies before checking for NULL). Until that is fixed there, the executor tests open DuckDB
 * through this copy, which keeps NULL as null and otherwise converts the same way.
 */
const exactConverter: DuckDBValueConverter<JS> = (value, type, converter) => {
  if (value === null) return null;
  if (type.typeId === DuckDBTypeId.DECIMAL || type.typeId === DuckDBTypeId.DATE) return String(value);
  return JSDuckDBValueConverter(value, type, converter);
};

/** An in-memory, single-threaded DuckDB for the operator tests (see the note above). */
export async function openOracle(): Promise<DuckDb> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn: DuckDBConnection = await instance.connect();
  const query = async (sql: string): Promise<DuckRow[]> => {
    const reader = await conn.runAndReadAll(sql);
    return reader.convertRowObjects(exactConverter);
  };
  return {
    query,
    async one(sql) {
      const rows = await query(sql);
      if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}: ${sql}`);
      return rows[0]!;
    },
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

function sqlLiteral(v: Value, type: DataType): string {
  if (v === null) return 'NULL';
  switch (type.kind) {
    case 'varchar':
      // SQL text cannot hold a NUL byte: spell it as chr(0).
      return `(${String(v)
        .split('\u0000')
        .map((part) => `'${part.replaceAll("'", "''")}'`)
        .join(' || chr(0) || ')})`;
    case 'date':
      return `DATE '${v}'`;
    case 'boolean':
      return v ? 'TRUE' : 'FALSE';
    case 'decimal':
      return `'${v}'::${typeToString(type)}`;
    case 'float64': {
      const x = Number(v);
      if (Number.isNaN(x)) return `'nan'::DOUBLE`;
      if (!Number.isFinite(x)) return x > 0 ? `'inf'::DOUBLE` : `'-inf'::DOUBLE`;
      if (Object.is(x, -0)) return `'-0.0'::DOUBLE`;
      return `${x.toExponential()}::DOUBLE`;
    }
    default:
      return String(v);
  }
}

/** Creates table `name` in DuckDB with the schema's columns and inserts the rows. */
export async function loadTable(
  db: DuckDb,
  name: string,
  schema: Schema,
  rows: readonly (readonly Value[])[],
): Promise<void> {
  const cols = schema.map((f) => `"${f.name}" ${typeToString(f.type)}`).join(', ');
  await db.query(`CREATE OR REPLACE TABLE ${name} (${cols})`);
  for (let i = 0; i < rows.length; i += 2000) {
    const chunk = rows.slice(i, i + 2000);
    const values = chunk
      .map((r) => `(${r.map((v, c) => sqlLiteral(v, schema[c]!.type)).join(', ')})`)
      .join(',\n');
    await db.query(`INSERT INTO ${name} VALUES ${values}`);
  }
}

/** DuckDB's result rows as arrays of values in column order. */
export function duckRows(rows: readonly DuckRow[]): Value[][] {
  return rows.map((r) =>
    Object.values(r).map((v) => {
      if (
        v === null ||
        typeof v === 'number' ||
        typeof v === 'bigint' ||
        typeof v === 'string' ||
        typeof v === 'boolean'
      )
        return v;
      return String(v);
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// comparison

function canonical(v: Value): string {
  if (v === null) return '\u0000null';
  if (typeof v === 'number') return Number.isNaN(v) ? 'n:NaN' : `n:${v.toPrecision(10)}`;
  if (typeof v === 'bigint') return `b:${v}`;
  return `${typeof v}:${v}`;
}

function sortRows(rows: readonly Value[][]): Value[][] {
  return rows
    .map((r) => ({ r, k: r.map(canonical).join('\u0001') }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((x) => x.r);
}

function close(a: Value, b: Value, tol: number): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    if (a === b) return true;
    return Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
  }
  if (typeof a === 'bigint' && typeof b === 'number') return Number(a) === b;
  if (typeof a === 'number' && typeof b === 'bigint') return a === Number(b);
  return a === b;
}

/**
 * Expects the same rows (in any order unless `ordered`), numbers within a relative tolerance.
 * Unordered rows are matched after sorting both sides by a canonical text of each row (doubles
 * rounded to 10 significant digits, so tiny float differences do not reorder rows).
 */
export function expectSameRows(
  actual: readonly Value[][],
  expected: readonly Value[][],
  options: { ordered?: boolean; tolerance?: number } = {},
): void {
  const tol = options.tolerance ?? 1e-9;
  const a = options.ordered ? actual : sortRows(actual);
  const e = options.ordered ? expected : sortRows(expected);
  if (a.length !== e.length) expect(a.length, 'row count').toBe(e.length);
  for (let i = 0; i < a.length; i++) {
    const ra = a[i]!;
    const re = e[i]!;
    const same = ra.length === re.length && ra.every((v, c) => close(v, re[c]!, tol));
    if (!same) {
      expect(
        { row: i, actual: ra.map(String) },
        `row ${i} differs (of ${a.length}); context: ${JSON.stringify(e.slice(Math.max(0, i - 2), i + 3).map((r) => r.map(String)))}`,
      ).toEqual({ row: i, actual: re.map(String) });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// random data

/** A seeded PRNG (mulberry32) with the draws the tests need. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** A skewed pick in [0, n): small values far more likely (roughly Zipf-like). */
  skewed(n: number): number {
    return Math.min(n - 1, Math.floor(n * this.next() ** 3));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A random value of `type` from a domain of about `distinct` values. */
export function randomValue(rng: Rng, type: DataType, distinct: number, skew = false): Value {
  const k = skew ? rng.skewed(distinct) : rng.int(0, distinct - 1);
  switch (type.kind) {
    case 'int32':
      return k - Math.floor(distinct / 3);
    case 'int64':
      return BigInt(k) * 1_000_000_007n - 5n;
    case 'decimal': {
      const scaled = BigInt(k * 37 - distinct * 5);
      return scaledToDecimal(scaled, type.scale);
    }
    case 'float64':
      return (k - distinct / 4) / 8;
    case 'varchar':
      return k % 3 === 0 ? `k${k}` : `key-${k}-${'x'.repeat(k % 11)}`;
    case 'date':
      return daysToDate(9000 + k);
    case 'boolean':
      return k % 2 === 0;
    default:
      return null;
  }
}

/** Rows of random values: one generator per column, NULLs at `nullRate`. */
export function randomRows(
  rng: Rng,
  n: number,
  columns: readonly { type: DataType; distinct: number; nullRate?: number; skew?: boolean }[],
): Value[][] {
  const rows: Value[][] = [];
  for (let i = 0; i < n; i++) {
    rows.push(
      columns.map((c) =>
        rng.chance(c.nullRate ?? 0) ? null : randomValue(rng, c.type, c.distinct, c.skew ?? false),
      ),
    );
  }
  return rows;
}
