/**
 * A scan's row filter, run while a decoded row group is converted rather than after: late
 * materialization. The predicate's conjuncts run one after another on a slice of rows; each
 * converts only the columns it reads, and — when it reads only the rows still selected (a
 * comparison over columns and constants) — converts them only at those rows. Columns the
 * predicate does not read are converted at the passing rows only, straight into the output.
 * So a selective filter over lineitem converts a fraction of its other columns, and a
 * non-selective one converts and gathers each column in one pass instead of two.
 *
 * A join above may add runtime filters (its build keys, `runtime-filter.ts`), applied first.
 *
 * The results equal `filterStream` over the fully converted batch: same predicate semantics,
 * same rows, same order (tests compare the two).
 *
 * @example
 * const f = compileScanFilter(predicate, schema, [0, 2]);
 * const out = f.slice(rows, (c) => slices.view!(part, c, lo, hi)); // null when no row passes
 */
import type { Data } from 'apache-arrow';
import type { PhysicalExpr } from '../../physical/expr.ts';
import { BOOLEAN, type Schema, typesEqual } from '../../types/data-type.ts';
import { vectorFromArrowAt, vectorFromArrowOwned } from '../arrow.ts';
import { compileNode, compilePredicate } from '../expr/compile.ts';
import { type Node, selectRows } from '../expr/node.ts';
import { type RuntimeFilterSlot, selectByKeyFilter } from '../join/runtime-filter.ts';
import { takeBatch, takeVector } from '../kernels/take.ts';
import type { Batch, Vector } from '../vector.ts';

export interface ScanFilter {
  /** The output schema: the kept columns. */
  readonly schema: Schema;
  /**
   * String columns the first conjunct does not read (when it reads no strings): by the time they
   * are needed, few rows may be left, so they are best decoded as dictionaries and built for
   * those rows only.
   */
  readonly lateStrings: readonly number[];
  /** Filters a converted batch (over the scan's full schema); null when no row passes. */
  apply(batch: Batch): Batch | null;
  /**
   * Filters `rows` rows of decoded columns, converting as little as it can; `column(c)` gives
   * column c of the slice as Arrow Data over decoder memory. `runtime` (a join's build keys, see
   * `runtime-filter.ts`) drops rows first. Null when no row passes.
   */
  slice(rows: number, column: (c: number) => Data, runtime?: RuntimeFilterSlot): Batch | null;
}

/** Share of a slice's rows below which a conjunct runs on a compacted batch of those rows. */
const COMPACT_BELOW = 0.25;

const ABSENT = 0;
const SPARSE = 1;
const FULL = 2;

/**
 * @param predicate the rows to keep (none: every row, but for runtime filters)
 * @param keep the columns to pass on, in order (all when absent)
 */
export function compileScanFilter(
  predicate: PhysicalExpr | null,
  schema: Schema,
  keep?: readonly number[],
): ScanFilter {
  const kept = keep ?? schema.map((_, i) => i);
  const outSchema = kept.map((i) => schema[i]!);
  const needed = new Set(kept);
  const whole = predicate === null ? null : compilePredicate(predicate, schema);
  // Conjuncts over strings go last (stable otherwise): by then fewer rows are selected, and their
  // strings are converted for those rows only.
  const readsStrings = (n: Node) => [...n.columns].some((c) => schema[c]!.type.kind === 'varchar');
  const conjuncts: Node[] =
    predicate === null
      ? []
      : fuseRanges(predicate.kind === 'and' ? predicate.args : [predicate], schema)
          .map((n, i) => ({ n, i, late: readsStrings(n) ? 1 : 0 }))
          .sort((a, b) => a.late - b.late || a.i - b.i)
          .map((x) => x.n);
  const what = schema.map((f) => `column '${f.name}'`);
  const project = (b: Batch): Batch =>
    keep === undefined ? b : { schema: outSchema, length: b.length, columns: kept.map((i) => b.columns[i]!) };

  const first = conjuncts[0];
  const lateStrings =
    first === undefined || readsStrings(first)
      ? []
      : schema.flatMap((f, i) => (f.type.kind === 'varchar' && !first.columns.has(i) ? [i] : []));
  return {
    schema: outSchema,
    lateStrings,
    apply(batch) {
      if (whole === null) return project(batch);
      const sel = whole(batch);
      if (sel.length === 0) return null;
      return project(sel.length === batch.length ? batch : takeBatch(batch, sel, sel.length, needed));
    },
    slice(rows, column, runtime) {
      const cols: Vector[] = new Array(schema.length);
      const state = new Uint8Array(schema.length);
      const full = (c: number): Vector => {
        if (state[c] !== FULL) {
          cols[c] = vectorFromArrowOwned(column(c), schema[c]!.type, what[c]);
          state[c] = FULL;
        }
        return cols[c]!;
      };
      const batch: Batch = { schema, length: rows, columns: cols };
      let sel: Uint32Array | null = null;
      let k = rows;
      const filters = runtime?.active() ?? [];
      for (const f of filters) {
        const out = new Uint32Array(k);
        const before = k;
        k = selectByKeyFilter(full(f.column), f, sel, k, out);
        runtime!.record(before, k);
        if (k === 0) return null;
        sel = out.subarray(0, k);
      }
      for (const node of conjuncts) {
        if (sel !== null && k <= rows * COMPACT_BELOW && [...node.columns].some((c) => state[c] === ABSENT)) {
          // Few rows left: evaluate on just them, their columns converted (or gathered) densely.
          const compact: Vector[] = new Array(schema.length);
          for (const c of node.columns)
            compact[c] =
              state[c] !== ABSENT
                ? takeVector(cols[c]!, sel, k)
                : (vectorFromArrowAt(column(c), schema[c]!.type, sel, k, true) ??
                  takeVector(full(c), sel, k));
          const hits = new Uint32Array(k);
          const h = selectRows(node, { schema, length: k, columns: compact }, null, k, hits);
          if (h === 0) return null;
          const out = new Uint32Array(h);
          for (let j = 0; j < h; j++) out[j] = sel[hits[j]!]!;
          sel = out;
          k = h;
          continue;
        }
        // A node reading only the selected rows gets its columns converted only there.
        const inPlace = sel !== null && node.selectsInPlace === true && node.select !== undefined;
        for (const c of node.columns) {
          if (state[c] === FULL || (inPlace && state[c] === SPARSE)) continue;
          const v = inPlace ? vectorFromArrowAt(column(c), schema[c]!.type, sel!, k, false) : undefined;
          if (v !== undefined) {
            cols[c] = v;
            state[c] = SPARSE;
          } else full(c);
        }
        const out = new Uint32Array(k);
        k = selectRows(node, batch, sel, k, out);
        if (k === 0) return null;
        sel = out.subarray(0, k);
      }
      if (k === rows) {
        // Every row passed: a sparse column was converted at every row.
        return {
          schema: outSchema,
          length: rows,
          columns: kept.map((c) => (state[c] === ABSENT ? full(c) : cols[c]!)),
        };
      }
      const s = sel!;
      const columns = kept.map((c) => {
        if (state[c] !== ABSENT) return takeVector(cols[c]!, s, k);
        return vectorFromArrowAt(column(c), schema[c]!.type, s, k, true) ?? takeVector(full(c), s, k);
      });
      return { schema: outSchema, length: k, columns };
    },
  };
}

/** A conjunct `column op constant` over an integer-valued column (INTEGER, DATE, BIGINT, DECIMAL). */
interface Bound {
  readonly column: number;
  /** The bound as an inclusive one: `>` c becomes `>=` c + 1, `<` c becomes `<=` c − 1. */
  readonly value: number;
  readonly lower: boolean;
}

const FLIPPED: Readonly<Record<string, string>> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function boundOf(e: PhysicalExpr, schema: Schema): Bound | null {
  if (e.kind !== 'call' || FLIPPED[e.name] === undefined || e.args.length !== 2) return null;
  let [a, b] = e.args as [PhysicalExpr, PhysicalExpr];
  let op = e.name;
  if (a.kind === 'literal' && b.kind === 'column') {
    [a, b] = [b, a];
    op = FLIPPED[op]!;
  }
  if (a.kind !== 'column' || b.kind !== 'literal') return null;
  const t = schema[a.index]?.type;
  if (t === undefined || !typesEqual(t, b.type)) return null;
  if (t.kind !== 'int32' && t.kind !== 'date' && t.kind !== 'int64' && t.kind !== 'decimal') return null;
  // The constant as the column's vectors hold it (days, scaled integers).
  const c = compileNode(b, schema).constant;
  if (c === undefined || (c.kind !== 'i32' && c.kind !== 'f64') || c.validity !== null) return null;
  const v = c.values[0]!;
  if (!Number.isSafeInteger(v)) return null;
  switch (op) {
    case '>':
      return { column: a.index, value: v + 1, lower: true };
    case '>=':
      return { column: a.index, value: v, lower: true };
    case '<':
      return { column: a.index, value: v - 1, lower: false };
    default:
      return { column: a.index, value: v, lower: false };
  }
}

/**
 * Compiles the conjuncts, fusing a lower and an upper bound on the same integer-valued column
 * (`d >= DATE '1994-01-01' AND d < DATE '1995-01-01'`) into one range check: one pass over the
 * rows instead of two. Other conjuncts compile as they are, in order.
 */
function fuseRanges(exprs: readonly PhysicalExpr[], schema: Schema): Node[] {
  const bounds = exprs.map((e) => boundOf(e, schema));
  const used = new Set<number>();
  const out: Node[] = [];
  for (let i = 0; i < exprs.length; i++) {
    if (used.has(i)) continue;
    const bi = bounds[i];
    const j =
      bi === null
        ? -1
        : bounds.findIndex(
            (bj, k) =>
              k > i && !used.has(k) && bj !== null && bj.column === bi.column && bj.lower !== bi.lower,
          );
    if (bi === null || j < 0) {
      out.push(compileNode(exprs[i]!, schema));
      continue;
    }
    used.add(j);
    const bj = bounds[j]!;
    const lo = bi.lower ? bi.value : bj.value;
    const hi = bi.lower ? bj.value : bi.value;
    out.push(
      rangeNode(
        bi.column,
        lo,
        hi,
        compileNode({ kind: 'and', args: [exprs[i]!, exprs[j]!], type: BOOLEAN }, schema),
      ),
    );
  }
  return out;
}

/** `lo <= column <= hi` (NULLs fail); `both` is the two comparisons, for evaluating to a vector. */
function rangeNode(column: number, lo: number, hi: number, both: Node): Node {
  return {
    type: BOOLEAN,
    columns: new Set([column]),
    eval: (batch) => both.eval(batch),
    selectsInPlace: true,
    select(batch, sel, n, out) {
      const v = batch.columns[column]!;
      if (v.kind !== 'i32' && v.kind !== 'f64') return both.select!(batch, sel, n, out);
      const a = v.values;
      const m = v.validity;
      let k = 0;
      for (let j = 0; j < n; j++) {
        const i = sel === null ? j : sel[j]!;
        const x = a[i]!;
        if (x >= lo && x <= hi && (m === null || ((m[i >> 3]! >> (i & 7)) & 1) === 1)) out[k++] = i;
      }
      return k;
    },
  };
}
