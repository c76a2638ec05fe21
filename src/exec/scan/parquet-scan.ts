/**
 * Parquet scan: reads files from a BlobStore through `ParquetReader`, one row group at a time,
 * only the projected columns, skipping row groups whose min/max statistics prove that a pushed
 * filter cannot match. While the consumer works on one row group, the next is already being
 * fetched (one ahead, so memory holds at most two).
 *
 * A split is a file with an optional list of its row groups (DESIGN §3.5: row-group splits). The
 * `filter` is used for pruning only — rows are not filtered here; keep the Filter above the scan.
 * Pruning understands conjuncts `column op literal` (either side; = <> < <= > >=), with widening
 * casts on the column (INTEGER → DECIMAL, DATE → TIMESTAMP, …), IN lists of literals, and
 * IS [NOT] NULL.
 *
 * @example
 * const scan = parquetScan({
 *   store, splits: [{ key: 'lineitem/part-0.parquet' }],
 *   columns: ['l_quantity', 'l_extendedprice', 'l_shipdate'],
 *   filter: call('<=', [column(2, DATE), dateLiteral('1998-09-02')]), // over the scan's columns
 * }, ctx);
 * for await (const batch of scan) …
 */
import { SkeinError } from '../../errors.ts';
import type { ParquetColumnStatistics, ParquetStatValue } from '../../formats/parquet-footer.ts';
import { ParquetReader, type RowGroupSlices } from '../../formats/parquet-reader.ts';
import type { PhysicalExpr, ScalarValue } from '../../physical/expr.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { type DataType, type Schema, typesEqual, typeToString } from '../../types/data-type.ts';
import { batchFromArrow, schemaFromArrow } from '../arrow.ts';
import type { BatchStream, ExecContext, MemoryReservation } from '../context.ts';
import { compileExpr } from '../expr/compile.ts';
import { scalarToVector, vectorValue } from '../expr/scalar.ts';
import { checkCancelled, coalesceSmall } from '../filter.ts';
import type { RuntimeFilterSlot } from '../join/runtime-filter.ts';
import { castVector } from '../kernels/cast.ts';
import { sliceBatch } from '../kernels/take.ts';
import type { Batch, Vector } from '../vector.ts';
import { compileScanFilter } from './scan-filter.ts';

/** A file, or some of its row groups. */
export interface ParquetSplit {
  readonly key: string;
  /** The file's size if known (saves a HEAD request). */
  readonly size?: number;
  /** Row groups to read (all when absent). */
  readonly rowGroups?: readonly number[];
  /**
   * Only rows [start, end) of the split's one row group (`rowGroups` must name exactly one): how a
   * row group larger than the split size is shared by several tasks. Each of them decodes the
   * whole row group and keeps its rows, so this costs decoding work; use it only below row-group
   * granularity.
   */
  readonly rows?: { readonly start: number; readonly end: number };
}

export interface ParquetScanOptions {
  readonly store: BlobStore;
  readonly splits: readonly ParquetSplit[];
  /** Columns to read, in output order (all of the first file's when absent). */
  readonly columns?: readonly string[];
  /**
   * The output schema (the catalog's view of the table, projected). Files whose column types differ
   * are cast to it (`openParquetScan` reads it from the first file).
   */
  readonly schema: Schema;
  /** A predicate over the output columns, used to skip row groups (not to filter rows). */
  readonly filter?: PhysicalExpr;
  /** Read the next row group while the current one is consumed (default true). */
  readonly prefetch?: boolean;
  /**
   * Rows to keep, over the output columns, and which columns to pass on (all when absent): run
   * while row groups are converted (late materialization, see `scan-filter.ts`). The stream's
   * schema is then the kept columns'. Without it the scan passes every row on.
   */
  readonly rows?: { readonly predicate: PhysicalExpr; readonly keep?: readonly number[] };
  /**
   * Told how many rows each batch read had before `rows` filtered it, and the rows of each row
   * group skipped by statistics (a task's driver progress: input consumed).
   */
  readonly onRead?: (rows: number) => void;
  /** Where a hash join above hands down its build keys, to drop rows that cannot match (`runtime-filter.ts`). */
  readonly runtime?: RuntimeFilterSlot;
}

/** What pruning did, for EXPLAIN ANALYZE and tests. */
export interface ParquetScanMetrics {
  rowGroupsRead: number;
  rowGroupsPruned: number;
  rowsRead: number;
}

export type ParquetScanStream = BatchStream & { readonly metrics: ParquetScanMetrics };

/**
 * A scan whose schema is read from the first file's footer when not given (a planner that knows
 * the schema from the catalog should pass it and call `parquetScan`).
 */
export async function openParquetScan(
  options: Omit<ParquetScanOptions, 'schema'> & { readonly schema?: Schema },
  ctx: ExecContext,
  metrics?: ParquetScanMetrics,
): Promise<ParquetScanStream> {
  let schema = options.schema;
  if (schema === undefined) {
    const first = options.splits[0];
    if (first === undefined) throw new SkeinError('INTERNAL', 'a Parquet scan without files needs a schema');
    const file = await ParquetReader.open(
      options.store,
      first.key,
      first.size === undefined ? {} : { size: first.size },
    );
    const fileSchema = schemaFromArrow(file.schema);
    schema = (options.columns ?? fileSchema.map((f) => f.name)).map((c) => {
      const f = fileSchema.find((x) => x.name === c);
      if (f === undefined) throw unknownColumn(c, file.name, fileSchema);
      return f;
    });
  }
  return parquetScan({ ...options, schema }, ctx, metrics);
}

function unknownColumn(c: string, file: string, fileSchema: Schema): SkeinError {
  return new SkeinError(
    'NOT_FOUND',
    `column '${c}' is not in ${file} (its columns: ${fileSchema.map((x) => x.name).join(', ')})`,
  );
}

export function parquetScan(
  options: ParquetScanOptions,
  ctx: ExecContext,
  metrics: ParquetScanMetrics = { rowGroupsRead: 0, rowGroupsPruned: 0, rowsRead: 0 },
): ParquetScanStream {
  const schema = options.schema;
  const rowFilter =
    options.rows === undefined && options.runtime === undefined
      ? undefined
      : compileScanFilter(options.rows?.predicate ?? null, schema, options.rows?.keep);
  async function* batches(): AsyncIterable<Batch> {
    const reservation = ctx.memory.reserve('ParquetScan');
    try {
      for (const split of options.splits) {
        const file = await ParquetReader.open(
          options.store,
          split.key,
          split.size === undefined ? {} : { size: split.size },
        );
        const fileSchema = schemaFromArrow(file.schema);
        const columns = options.columns ?? schema.map((f) => f.name);
        const fileTypes = columns.map((c) => {
          const f = fileSchema.find((x) => x.name === c);
          if (f === undefined) throw unknownColumn(c, file.name, fileSchema);
          return f;
        });
        const out = schema;
        // Late materialization needs the file's types to be the scan's (else: convert, cast, filter).
        const late =
          rowFilter !== undefined && fileTypes.every((f, i) => typesEqual(f.type, out[i]?.type ?? f.type));
        if (out.length !== columns.length) {
          throw new SkeinError(
            'INTERNAL',
            `scan schema has ${out.length} columns for ${columns.length} names`,
          );
        }
        const pruner =
          options.filter === undefined ? undefined : makePruner(options.filter, out, file, columns);
        const groups = split.rowGroups ?? file.rowGroups.map((_, i) => i);
        if (split.rows !== undefined && groups.length !== 1) {
          throw new SkeinError('INTERNAL', `a row range of ${file.name} must name exactly one row group`);
        }
        const wanted = groups.filter((g) => {
          const skip = pruner?.(g) ?? false;
          if (skip) {
            metrics.rowGroupsPruned++;
            // Skipped input is consumed input: driver progress counts it.
            const rows = file.rowGroups[g]!.numRows;
            options.onRead?.(
              split.rows === undefined
                ? rows
                : Math.max(0, Math.min(rows, split.rows.end) - split.rows.start),
            );
          }
          return !skip;
        });
        // Strings a filter reads late (or only outputs): built for the passing rows from dictionaries.
        const lateStrings = new Set(late ? rowFilter!.lateStrings.map((i) => columns[i]!) : []);
        const read = (g: number): Promise<RowGroupSlices<Batch>> => {
          reservation.grow(rowGroupBytes(file, g, columns));
          // Decoded now, converted a batch at a time as the consumer pulls (while in cache).
          const p = file.readRowGroupSlices(g, columns, (rb) => batchFromArrow(rb, fileTypes), sliceBatch, {
            dictionaries: lateStrings,
          });
          // A prefetch the consumer never awaits (it stopped early) must not be an unhandled
          // rejection, and its decoded row group must be freed.
          p.catch(() => undefined);
          return p;
        };
        let next = wanted.length > 0 ? read(wanted[0]!) : undefined;
        let current: RowGroupSlices<Batch> | undefined;
        try {
          for (let k = 0; k < wanted.length; k++) {
            checkCancelled(ctx);
            current = await next!;
            next = k + 1 < wanted.length && options.prefetch !== false ? read(wanted[k + 1]!) : undefined;
            metrics.rowGroupsRead++;
            let at = 0;
            for (let part = 0; part < current.lengths.length; part++) {
              const n = current.lengths[part]!;
              let lo = 0;
              let hi = n;
              if (split.rows !== undefined) {
                // Keep only the split's rows of the row group.
                lo = Math.max(0, split.rows.start - at);
                hi = Math.min(n, split.rows.end - at);
                at += n;
              }
              for (let s = lo; s < hi; s += ctx.batchSize) {
                const e = Math.min(hi, s + ctx.batchSize);
                metrics.rowsRead += e - s;
                options.onRead?.(e - s);
                const slices = current;
                const b =
                  rowFilter === undefined
                    ? conform(slices.take(part, s, e), out, file.name)
                    : late && slices.view !== undefined
                      ? rowFilter.slice(e - s, (c) => slices.view!(part, c, s, e), options.runtime)
                      : rowFilter.apply(conform(slices.take(part, s, e), out, file.name));
                if (b !== null) yield b;
              }
            }
            current.free();
            current = undefined;
            release(reservation, file, wanted[k]!, columns);
            if (next === undefined && k + 1 < wanted.length) next = read(wanted[k + 1]!);
          }
        } finally {
          current?.free();
          next?.then(
            (r) => r.free(),
            () => undefined,
          );
        }
      }
    } finally {
      reservation.release();
    }
  }
  return {
    metrics,
    schema: rowFilter?.schema ?? schema,
    [Symbol.asyncIterator]: () =>
      (rowFilter === undefined ? batches() : coalesceSmall(batches(), ctx))[Symbol.asyncIterator](),
  };
}

function rowGroupBytes(file: ParquetReader, g: number, columns: readonly string[]): number {
  const rg = file.rowGroups[g]!;
  const names = new Set(columns);
  let bytes = 0;
  file.footer.columns.forEach((c, i) => {
    if (names.has(c.path[0]!)) bytes += rg.columns[i]?.uncompressedBytes ?? 0;
  });
  return bytes;
}

function release(r: MemoryReservation, file: ParquetReader, g: number, columns: readonly string[]): void {
  r.resize(Math.max(0, r.size - rowGroupBytes(file, g, columns)));
}

/** Casts a file's columns to the scan's schema where their types differ (e.g. DECIMAL widths). */
function conform(b: Batch, schema: Schema, file: string): Batch {
  let same = true;
  for (let i = 0; i < schema.length; i++) if (!typesEqual(b.columns[i]!.type, schema[i]!.type)) same = false;
  if (same) return { ...b, schema };
  return {
    schema,
    length: b.length,
    columns: b.columns.map((v, i) => {
      const want = schema[i]!.type;
      if (typesEqual(v.type, want)) return v;
      try {
        return castVector(v, want);
      } catch (err) {
        throw new SkeinError(
          'INVALID_ARGUMENT',
          `column '${schema[i]!.name}' of ${file} is ${typeToString(v.type)} and does not convert to ${typeToString(want)}`,
          { cause: err },
        );
      }
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Row-group pruning

type Pruner = (rowGroup: number) => boolean;
type CmpOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

/** One conjunct that statistics can refute. */
interface Bound {
  readonly column: number;
  /** The column's value → the compared value (widening casts), or identity. */
  readonly convert: ((v: Vector) => Vector) | undefined;
  readonly test:
    | { kind: 'cmp'; op: CmpOp; value: Vector }
    | { kind: 'in'; values: Vector[] }
    | { kind: 'null'; negated: boolean };
}

const FLIP: Record<string, CmpOp> = {
  '=': '=',
  '<>': '<>',
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
};

function conjuncts(e: PhysicalExpr): PhysicalExpr[] {
  return e.kind === 'and' ? e.args.flatMap(conjuncts) : [e];
}

/** `column` or a widening cast chain over one, as (index, converter). */
function columnRef(
  e: PhysicalExpr,
  schema: Schema,
): { column: number; convert: Bound['convert'] } | undefined {
  if (e.kind === 'column') return { column: e.index, convert: undefined };
  if (e.kind === 'cast' && !e.try) {
    const inner = columnRef(e.input, schema);
    if (inner === undefined || !monotone(e.input.type, e.type)) return undefined;
    const to = e.type;
    const prev = inner.convert;
    return { column: inner.column, convert: (v) => castVector(prev ? prev(v) : v, to) };
  }
  return undefined;
}

/** Casts that keep order (so min/max map to min/max). */
function monotone(from: DataType, to: DataType): boolean {
  const num = (t: DataType) =>
    t.kind === 'int32' || t.kind === 'int64' || t.kind === 'decimal' || t.kind === 'float64';
  if (num(from) && num(to)) return true;
  return from.kind === 'date' && to.kind === 'timestamp';
}

function literalVector(e: PhysicalExpr): Vector | undefined {
  if (e.kind !== 'literal') {
    // Constant subtrees (DATE '…' - INTERVAL …) fold to literals when compiled.
    if (e.kind === 'column' || hasColumn(e)) return undefined;
    try {
      return compileExpr(e, [])({ schema: [], columns: [], length: 1 });
    } catch {
      return undefined;
    }
  }
  return scalarToVector(e.value, e.type);
}

function hasColumn(e: PhysicalExpr): boolean {
  switch (e.kind) {
    case 'column':
      return true;
    case 'literal':
      return false;
    case 'call':
    case 'and':
    case 'or':
      return e.args.some(hasColumn);
    case 'cast':
    case 'is_null':
    case 'not':
      return hasColumn(e.input);
    case 'case':
      return (
        e.whens.some((w) => hasColumn(w.condition) || hasColumn(w.result)) ||
        (e.else ? hasColumn(e.else) : false)
      );
    case 'in':
      return hasColumn(e.input) || e.list.some(hasColumn);
    case 'like':
      return hasColumn(e.input) || hasColumn(e.pattern);
  }
}

function boundsOf(filter: PhysicalExpr, schema: Schema): Bound[] {
  const out: Bound[] = [];
  for (const c of conjuncts(filter)) {
    if (c.kind === 'call' && c.name in FLIP && c.args.length === 2) {
      let [l, r] = c.args as [PhysicalExpr, PhysicalExpr];
      let op = c.name as CmpOp;
      if (columnRef(l, schema) === undefined) {
        [l, r] = [r, l];
        op = FLIP[op]!;
      }
      const ref = columnRef(l, schema);
      const value = literalVector(r);
      if (ref !== undefined && value !== undefined && value.kind !== 'null')
        out.push({ ...ref, test: { kind: 'cmp', op, value } });
    } else if (c.kind === 'in' && !c.negated) {
      const ref = columnRef(c.input, schema);
      const values = c.list.map(literalVector);
      if (ref !== undefined && values.every((v) => v !== undefined)) {
        out.push({ ...ref, test: { kind: 'in', values: values as Vector[] } });
      }
    } else if (c.kind === 'is_null' && c.input.kind === 'column') {
      out.push({ column: c.input.index, convert: undefined, test: { kind: 'null', negated: c.negated } });
    }
  }
  return out;
}

/** A statistics value as a one-row vector of the column's type, or undefined when unusable. */
function statVector(
  v: ParquetStatValue | undefined,
  type: DataType,
  timestampFactor: number,
): Vector | undefined {
  if (v === undefined) return undefined;
  let s: ScalarValue;
  switch (type.kind) {
    case 'boolean':
      if (typeof v !== 'boolean') return undefined;
      s = v;
      break;
    case 'int32':
    case 'date':
      if (typeof v !== 'number') return undefined;
      s = v;
      break;
    case 'int64':
    case 'decimal':
      if (typeof v !== 'number' && typeof v !== 'bigint') return undefined;
      s = BigInt(v).toString();
      break;
    case 'timestamp':
      if (typeof v !== 'bigint' && typeof v !== 'number') return undefined;
      s = (BigInt(v) * BigInt(timestampFactor)).toString();
      break;
    case 'float64':
      if (typeof v !== 'number' || Number.isNaN(v)) return undefined;
      s = v;
      break;
    case 'varchar':
      if (typeof v !== 'string') return undefined;
      s = v;
      break;
    default:
      return undefined;
  }
  return scalarToVector(s, type);
}

/**
 * -1, 0, 1 comparing two one-row vectors of one type (through the comparison kernels); undefined
 * when their types differ in a way that matters (the binder normally makes them equal).
 */
function compare(a: Vector, b: Vector): number | undefined {
  const sameScale = a.type.kind === 'decimal' && b.type.kind === 'decimal' && a.type.scale === b.type.scale;
  if (!sameScale && !typesEqual(a.type, b.type)) return undefined;
  const schema = [
    { name: 'a', type: a.type, nullable: true },
    { name: 'b', type: b.type, nullable: true },
  ];
  const batch = { schema, columns: [a, b], length: 1 };
  const lt = vectorValue(
    compileExpr(
      { kind: 'call', name: '<', args: [col(0, a.type), col(1, b.type)], type: { kind: 'boolean' } },
      schema,
    )(batch),
    0,
  );
  if (lt === true) return -1;
  const gt = vectorValue(
    compileExpr(
      { kind: 'call', name: '>', args: [col(0, a.type), col(1, b.type)], type: { kind: 'boolean' } },
      schema,
    )(batch),
    0,
  );
  return gt === true ? 1 : 0;
}

function col(index: number, type: DataType): PhysicalExpr {
  return { kind: 'column', index, type };
}

function makePruner(
  filter: PhysicalExpr,
  schema: Schema,
  file: ParquetReader,
  columns: readonly string[],
): Pruner {
  const bounds = boundsOf(filter, schema);
  if (bounds.length === 0) return () => false;
  const arrowFields = file.schema.fields;
  return (g) => {
    const numRows = file.rowGroups[g]!.numRows;
    for (const b of bounds) {
      const name = columns[b.column]!;
      const type = schema[b.column]!.type;
      let stats: ParquetColumnStatistics | undefined;
      try {
        stats = file.statistics(g, name);
      } catch {
        continue; // nested or renamed column: no pruning
      }
      if (stats === undefined) continue;
      if (b.test.kind === 'null') {
        if (stats.nullCount === undefined) continue;
        if (!b.test.negated && stats.nullCount === 0) return true;
        if (b.test.negated && stats.nullCount === numRows) return true;
        continue;
      }
      if (stats.nullCount === numRows) return true; // all NULL: no comparison is TRUE
      const unit = (arrowFields.find((f) => f.name === name)?.type as { unit?: number } | undefined)?.unit;
      const factor = type.kind === 'timestamp' ? [1_000_000, 1000, 1, 0.001][unit ?? 2]! : 1;
      if (factor < 1) continue; // nanoseconds: skip rather than round
      let min = statVector(stats.min, type, factor);
      let max = stats.maxExact === false ? undefined : statVector(stats.max, type, factor);
      try {
        if (b.convert !== undefined) {
          min = min && b.convert(min);
          max = max && b.convert(max);
        }
        if (refuted(b.test, min, max)) return true;
      } catch {
        // A bound that does not convert proves nothing.
      }
    }
    return false;
  };
}

function refuted(test: Bound['test'], min: Vector | undefined, max: Vector | undefined): boolean {
  const cmp = (x: Vector | undefined, v: Vector): number | undefined =>
    x === undefined ? undefined : compare(x, v);
  switch (test.kind) {
    case 'cmp': {
      const v = test.value;
      const lo = cmp(min, v);
      const hi = cmp(max, v);
      switch (test.op) {
        case '=':
          return lo === 1 || hi === -1;
        case '<':
          return lo !== undefined && lo >= 0;
        case '<=':
          return lo === 1;
        case '>':
          return hi !== undefined && hi <= 0;
        case '>=':
          return hi === -1;
        case '<>':
          return lo === 0 && hi === 0;
      }
      return false;
    }
    case 'in':
      return test.values.every((v) => v.kind === 'null' || cmp(min, v) === 1 || cmp(max, v) === -1);
    default:
      return false;
  }
}
