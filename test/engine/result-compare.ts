/**
 * Compares a Skein result with DuckDB's, exactly: same columns, same row count, equal values —
 * DECIMAL and DATE as exact text, integers as integers, DOUBLE within a relative 1e-9. Rows are
 * compared in order where the query orders them, and as multisets within runs of rows that tie on
 * the ORDER BY keys (and everywhere when there is no ORDER BY).
 */
import type { StatementResult } from '../../src/engine/skein.ts';
import { cellText } from '../../src/engine/values.ts';
import type { DataType } from '../../src/types/data-type.ts';
import type { DuckRow } from '../helpers/duckdb.ts';

/** A value in comparable form: text for exact types, a number for DOUBLE. */
export type Cell = string | number | null;

export interface Rows {
  readonly names: readonly string[];
  readonly rows: readonly Cell[][];
}

/** Reads a Skein result: DOUBLE as numbers, everything else as its exact text. */
export async function skeinRows(r: StatementResult): Promise<Rows> {
  const types: DataType[] = r.schema.map((f) => f.type);
  const rows: Cell[][] = [];
  for await (const b of r.batches) {
    for (let i = 0; i < b.length; i++) {
      rows.push(
        b.columns.map((v, c) => {
          const text = cellText(v, i);
          if (text === null) return null;
          return types[c]!.kind === 'float64' ? Number(v.kind === 'f64' ? v.values[i] : text) : text;
        }),
      );
    }
  }
  return { names: r.schema.map((f) => f.name), rows };
}

/** DuckDB's rows in the same form (its converter gives DECIMAL and DATE as text already). */
export function duckRows(rows: readonly DuckRow[]): Rows {
  const cols = rows[0] ? Object.keys(rows[0]) : [];
  return {
    names: cols,
    rows: rows.map((r) =>
      Object.values(r).map((v): Cell => {
        if (v === null || v === undefined) return null;
        if (typeof v === 'number') return Number.isInteger(v) && !Object.is(v, -0) ? String(v) : v;
        if (typeof v === 'bigint') return v.toString();
        if (typeof v === 'boolean') return v ? 'true' : 'false';
        return String(v);
      }),
    ),
  };
}

function cellEqual(a: Cell, b: Cell): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (typeof a === 'number' || typeof b === 'number') {
    const x = Number(a);
    const y = Number(b);
    if (Number.isNaN(x) && Number.isNaN(y)) return true;
    return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  }
  return false;
}

function rowKey(r: readonly Cell[]): string {
  return JSON.stringify(r.map((v) => (typeof v === 'number' ? Number(v.toPrecision(8)) : v)));
}

function sortRows(rows: readonly Cell[][]): Cell[][] {
  return rows
    .map((r) => ({ r, k: rowKey(r) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((x) => x.r);
}

/**
 * Differences between two results, as messages (empty when equal). `orderKeys` are the output
 * columns the query orders by (empty: no ORDER BY, compare as multisets).
 */
export function diffRows(ours: Rows, theirs: Rows, orderKeys: readonly number[]): string[] {
  const out: string[] = [];
  if (ours.names.length !== theirs.names.length) {
    out.push(`columns: ours (${ours.names.join(', ')}), DuckDB's (${theirs.names.join(', ')})`);
    return out;
  }
  if (ours.rows.length !== theirs.rows.length) {
    out.push(`row count: ours ${ours.rows.length}, DuckDB's ${theirs.rows.length}`);
    return out;
  }
  // Runs of rows with equal ORDER BY keys, in order; each run compared as a multiset.
  const runs = (rows: readonly Cell[][]): Cell[][][] => {
    if (orderKeys.length === 0) return [rows.slice()];
    const result: Cell[][][] = [];
    let prev: string | null = null;
    for (const r of rows) {
      const k = rowKey(orderKeys.map((c) => r[c]!));
      if (k !== prev) result.push([]);
      result[result.length - 1]!.push(r);
      prev = k;
    }
    return result;
  };
  const a = runs(ours.rows);
  const b = runs(theirs.rows);
  if (a.length !== b.length) {
    out.push(`ORDER BY key runs: ours ${a.length}, DuckDB's ${b.length}`);
  }
  let rowNo = 0;
  for (let g = 0; g < Math.min(a.length, b.length) && out.length < 5; g++) {
    const x = sortRows(a[g]!);
    const y = sortRows(b[g]!);
    if (x.length !== y.length) {
      out.push(`rows ${rowNo + 1}…: a run of ${x.length} rows against DuckDB's ${y.length}`);
      break;
    }
    for (let i = 0; i < x.length && out.length < 5; i++) {
      const r = x[i]!;
      const s = y[i]!;
      if (!r.every((v, c) => cellEqual(v, s[c]!))) {
        out.push(`row ${rowNo + i + 1}: ours ${JSON.stringify(r)}, DuckDB's ${JSON.stringify(s)}`);
      }
    }
    rowNo += x.length;
  }
  return out;
}
