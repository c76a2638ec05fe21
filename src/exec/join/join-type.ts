/**
 * What the join operators share: join types, output schemas, the condition callback and the
 * assembly of output batches from (left row, right row) index pairs.
 *
 * Output is always the left input's columns, then the right's; semi, anti and null-aware anti
 * joins emit the left columns only, and a mark join the left columns plus a boolean mark.
 */
import { BOOLEAN, type Field, type Schema } from '../../types/data-type.ts';
import { gather } from '../gather.ts';
import { type Batch, nullVector, type Vector } from '../vector.ts';
import { allNullVector, sliceVector } from '../vector-ops.ts';

/**
 * - `inner`, `left`, `right`, `full`: the SQL joins.
 * - `semi`: left rows with at least one match (EXISTS, IN), each once.
 * - `anti`: left rows with no match (NOT EXISTS); rows with NULL keys have no match.
 * - `null_aware_anti`: `NOT IN` — like anti, except that a NULL among the right keys yields no rows
 *   at all, and a left row with a NULL key is dropped unless the right side is empty.
 * - `mark`: every left row plus a boolean column: whether it has a match. With `markNullAware`
 *   it follows `IN`: NULL instead of false when the left key is NULL (and the right side is not
 *   empty) or when the right keys contain a NULL.
 */
export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti' | 'null_aware_anti' | 'mark';

/**
 * A join condition over a combined batch (the left columns then the right columns): true where the
 * pair of rows qualifies. NULL and false both reject. Compiled from a plan expression by the
 * caller, so that the plan itself stays plain data.
 */
export type JoinCondition = (batch: Batch) => Vector;

/** Whether a join type emits only the left columns (and maybe a mark). */
export function leftOnly(t: JoinType): boolean {
  return t === 'semi' || t === 'anti' || t === 'null_aware_anti' || t === 'mark';
}

/** The schema of (left columns, right columns) rows, nullable on the sides an outer join pads. */
export function joinOutputSchema(left: Schema, right: Schema, joinType: JoinType, markName = 'mark'): Schema {
  if (joinType === 'mark') return [...left, { name: markName, type: BOOLEAN, nullable: true }];
  if (leftOnly(joinType)) return left;
  const padLeft = joinType === 'right' || joinType === 'full';
  const padRight = joinType === 'left' || joinType === 'full';
  const nullable = (f: Field): Field => (f.nullable ? f : { ...f, nullable: true });
  return [...(padLeft ? left.map(nullable) : left), ...(padRight ? right.map(nullable) : right)];
}

/** The schema a join condition sees: all left columns, then all right columns. */
export function conditionSchema(left: Schema, right: Schema): Schema {
  return [...left, ...right];
}

/** Rows where a condition's result is true (not false, not NULL), as a 0/1 mask over [0, n). */
export function truthMask(v: Vector, n: number): Uint8Array {
  const mask = new Uint8Array(n);
  if (v.kind !== 'bool') return mask;
  const a = v.values;
  const m = v.validity;
  if (m === null) for (let i = 0; i < n; i++) mask[i] = a[i]! === 0 ? 0 : 1;
  else for (let i = 0; i < n; i++) mask[i] = a[i]! !== 0 && (m[i >> 3]! >> (i & 7)) & 1 ? 1 : 0;
  return mask;
}

/**
 * Builds output batches of `schema` from row pairs of the left and right inputs. With a
 * `projection` (indices into the full output: left columns, then right columns or the mark), only
 * those columns are gathered, in that order — the rest of a joined row is never built.
 */
export class PairAssembler {
  /** Output position → input column (left: 0…leftWidth-1; right or mark: from leftWidth). */
  private readonly picks: readonly number[] | null;

  /** Full-width mode: the columns to gather; the others are placeholders (never read). */
  private readonly needed: ReadonlySet<number> | null;

  constructor(
    private readonly schema: Schema,
    private readonly leftWidth: number,
    projection?: readonly number[],
    needed?: ReadonlySet<number>,
  ) {
    this.picks = projection ?? null;
    this.needed = needed ?? null;
  }

  /** Rows `li[k]` of `left` beside rows `ri[k]` of `right`; an index of -1 gives NULLs. */
  pairs(
    left: Batch,
    li: Int32Array,
    right: Batch,
    ri: Int32Array,
    n: number,
    leftNulls: boolean,
    rightNulls: boolean,
  ): Batch {
    const columns: Vector[] = [];
    const lw = this.leftWidth;
    if (this.picks === null && this.needed === null) {
      take(columns, left, li, n, leftNulls);
      take(columns, right, ri, n, rightNulls);
    } else if (this.picks === null) {
      const need = this.needed!;
      const l = picker(li, n, leftNulls);
      const r = picker(ri, n, rightNulls);
      left.columns.forEach((c, j) => {
        columns.push(need.has(j) ? l(c) : nullVector(c.type, n));
      });
      right.columns.forEach((c, j) => {
        columns.push(need.has(lw + j) ? r(c) : nullVector(c.type, n));
      });
    } else {
      const l = picker(li, n, leftNulls);
      const r = picker(ri, n, rightNulls);
      for (const j of this.picks) columns.push(j < lw ? l(left.columns[j]!) : r(right.columns[j - lw]!));
    }
    return { schema: this.schema, columns, length: n };
  }

  /** Rows `li[0..n)` of `left` with the right side all NULL. */
  leftPadded(left: Batch, li: Int32Array, n: number): Batch {
    const lw = this.leftWidth;
    const columns: Vector[] =
      this.picks === null
        ? [
            ...left.columns.map((c) => gather(c, li, n)),
            ...this.schema.slice(lw).map((f) => allNullVector(f.type, n)),
          ]
        : this.picks.map((j, k) =>
            j < lw ? gather(left.columns[j]!, li, n) : allNullVector(this.schema[k]!.type, n),
          );
    return { schema: this.schema, columns, length: n };
  }

  /** Rows `ri[0..n)` of `right` with the left side all NULL. */
  rightPadded(right: Batch, ri: Int32Array, n: number): Batch {
    const lw = this.leftWidth;
    const columns: Vector[] =
      this.picks === null
        ? [
            ...this.schema.slice(0, lw).map((f) => allNullVector(f.type, n)),
            ...right.columns.map((c) => gather(c, ri, n)),
          ]
        : this.picks.map((j, k) =>
            j < lw ? allNullVector(this.schema[k]!.type, n) : gather(right.columns[j - lw]!, ri, n),
          );
    return { schema: this.schema, columns, length: n };
  }

  /** Rows `li[0..n)` of `left` only (semi, anti), plus a mark column when given. */
  leftRows(left: Batch, li: Int32Array, n: number, mark?: Vector): Batch {
    const columns: Vector[] = [];
    if (this.picks === null) {
      take(columns, left, li, n, false);
      if (mark !== undefined) columns.push(mark);
    } else {
      const lw = this.leftWidth;
      const l = picker(li, n, false);
      for (const j of this.picks) columns.push(j < lw ? l(left.columns[j]!) : mark!);
    }
    return { schema: this.schema, columns, length: n };
  }

  /** The projected columns of a full-width joined batch (left columns then right columns). */
  select(full: Batch): Batch {
    if (this.picks === null) return { schema: this.schema, columns: full.columns, length: full.length };
    return { schema: this.schema, columns: this.picks.map((j) => full.columns[j]!), length: full.length };
  }
}

function take(out: Vector[], b: Batch, idx: Int32Array, n: number, withNulls: boolean): void {
  const first = n > 0 ? idx[0]! : 0;
  if (n > 0 && first >= 0 && isRun(idx, n)) {
    for (const c of b.columns) out.push(sliceVector(c, first, first + n));
    return;
  }
  for (const c of b.columns) out.push(gather(c, idx, n, withNulls));
}

/** Gathers rows `idx[0..n)` of one column at a time (a zero-copy slice when they are a run). */
function picker(idx: Int32Array, n: number, withNulls: boolean): (c: Vector) => Vector {
  const first = n > 0 ? idx[0]! : 0;
  if (n > 0 && first >= 0 && isRun(idx, n)) return (c) => sliceVector(c, first, first + n);
  return (c) => gather(c, idx, n, withNulls);
}

/** Whether idx[0..n) is first, first + 1, …, first + n − 1. */
function isRun(idx: Int32Array, n: number): boolean {
  const first = idx[0]!;
  if (idx[n - 1] !== first + n - 1) return false;
  for (let k = 1; k < n; k++) if (idx[k] !== first + k) return false;
  return true;
}

/** The indices where `flags[i] === want`, over [0, n). */
export function indicesWhere(flags: Uint8Array, n: number, want: number): Int32Array {
  let count = 0;
  for (let i = 0; i < n; i++) if (flags[i] === want) count++;
  const out = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < n; i++) if (flags[i] === want) out[k++] = i;
  return out;
}
