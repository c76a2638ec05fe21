/**
 * The TPC-H generator's API: which rows a table has at a scale factor, how dbgen cuts them into
 * parts, and the rows of any range as columnar batches, byte for byte what dbgen writes.
 *
 * Tables are generated in "units", dbgen's rows: for lineitem a unit is an order (with its 1–7
 * lines), for partsupp a part (with its 4 suppliers), otherwise one row. Any unit range can be
 * generated on its own; the batches of consecutive ranges concatenate to those of the whole table.
 */
import { SkeinError } from '../errors.ts';
import { getDist } from './dists.ts';
import { type TpchScale, tpchScale } from './scale.ts';
import type { TpchBatch, TpchTableName } from './schema.ts';
import { CustomerGenerator } from './tables/customer.ts';
import { NationGenerator } from './tables/nation.ts';
import { LineitemGenerator, OrdersGenerator } from './tables/orders.ts';
import { PartGenerator, PartSuppGenerator } from './tables/part.ts';
import { RegionGenerator } from './tables/region.ts';
import { SupplierGenerator } from './tables/supplier.ts';
import { getTextPool, TEXT_POOL_SIZE } from './text-pool.ts';

export { buildSharedTextPool, buildTextPool, getTextPool, setTextPool, TEXT_POOL_SIZE } from './text-pool.ts';

/**
 * The number of units `table` has at scale factor `sf`.
 *
 * @example
 * unitCount('lineitem', 1); // 1500000 (orders)
 * unitCount('customer', 0.01); // 1500
 */
export function unitCount(table: TpchTableName, sf: number): number {
  const scale = tpchScale(sf);
  switch (table) {
    case 'part':
    case 'partsupp':
      return scale.parts;
    case 'supplier':
      return scale.suppliers;
    case 'customer':
      return scale.customers;
    case 'orders':
    case 'lineitem':
      return scale.orders;
    case 'nation':
      return getDist('nations').values.length;
    case 'region':
      return getDist('regions').values.length;
    default:
      throw new SkeinError('INVALID_ARGUMENT', `unknown TPC-H table '${String(table)}'`);
  }
}

/** What a unit is, where it is not a row: [singular, plural]. */
const UNIT_NAMES: Partial<Record<TpchTableName, readonly [string, string]>> = {
  lineitem: ['order', 'orders'],
  partsupp: ['part', 'parts'],
};

/**
 * The units of part `part` (0-based) when `table` is cut into `parts` parts the way dbgen's
 * `-C parts -S part+1` does: every part gets ⌊units / parts⌋ and the last one also the remainder.
 *
 * @example
 * partRange('orders', 0.01, 3, 4); // { start: 11250, count: 3750 }
 */
export function partRange(
  table: TpchTableName,
  sf: number,
  part: number,
  parts: number,
): { start: number; count: number } {
  const total = unitCount(table, sf);
  if (!Number.isInteger(parts) || parts < 1) {
    throw new SkeinError('INVALID_ARGUMENT', `the number of parts must be a whole number ≥ 1, got ${parts}`);
  }
  if (parts > total) {
    const [one, many] = UNIT_NAMES[table] ?? ['row', 'rows'];
    const count = `${total} ${total === 1 ? one : many}`;
    const what = table in UNIT_NAMES ? `${count} (${table} is cut by ${many})` : count;
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `cannot cut ${table} into ${parts} parts: it has only ${what} at SF ${sf}`,
    );
  }
  if (!Number.isInteger(part) || part < 0 || part >= parts) {
    throw new SkeinError('INVALID_ARGUMENT', `part must be a whole number in [0, ${parts - 1}], got ${part}`);
  }
  const each = Math.floor(total / parts);
  return { start: part * each, count: part === parts - 1 ? total - part * each : each };
}

export interface GenerateOptions {
  /** Rows per batch (approximate for lineitem, whose orders have 1–7 lines). Default 8192. */
  batchRows?: number;
  /** The text pool to slice comments from; defaults to this thread's (`getTextPool`). */
  textPool?: Uint8Array;
}

const DEFAULT_BATCH_ROWS = 8192;

/** Rows per unit on average: sizes batches of lineitem (4 lines per order) and partsupp (4). */
const ROWS_PER_UNIT: Partial<Record<TpchTableName, number>> = { lineitem: 4, partsupp: 4 };

/**
 * Generates units [start, start + count) of `table` at scale factor `sf` as columnar batches in
 * the column order of `TPCH_SCHEMAS[table]`.
 *
 * @example
 * const { start, count } = partRange('lineitem', 1, 2, 8);
 * for (const batch of generateBatches('lineitem', 1, start, count)) sink(encodeTblBatch(batch));
 */
export function generateBatches(
  table: TpchTableName,
  sf: number,
  start: number,
  count: number,
  options: GenerateOptions = {},
): Generator<TpchBatch> {
  // Validated here rather than in the generator body so bad arguments throw at the call.
  const total = unitCount(table, sf);
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(count) ||
    start < 0 ||
    count < 0 ||
    start + count > total
  ) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `units [${start}, ${start} + ${count}) are outside ${table}'s ${total} units at SF ${sf}`,
    );
  }
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  if (!Number.isInteger(batchRows) || batchRows < 1) {
    throw new SkeinError('INVALID_ARGUMENT', `batchRows must be a whole number ≥ 1, got ${batchRows}`);
  }
  const unitsPerBatch = Math.max(1, Math.ceil(batchRows / (ROWS_PER_UNIT[table] ?? 1)));
  if (options.textPool !== undefined && options.textPool.length !== TEXT_POOL_SIZE) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `textPool must be the ${TEXT_POOL_SIZE}-byte TPC-H text pool, got ${options.textPool.length} bytes`,
    );
  }
  const pool = count === 0 ? new Uint8Array(0) : (options.textPool ?? getTextPool());
  return batches(makeGenerator(table, tpchScale(sf), pool, start), count, unitsPerBatch);
}

function* batches(
  make: (units: number) => TpchBatch,
  count: number,
  unitsPerBatch: number,
): Generator<TpchBatch> {
  for (let done = 0; done < count; ) {
    const units = Math.min(unitsPerBatch, count - done);
    yield make(units);
    done += units;
  }
}

function makeGenerator(
  table: TpchTableName,
  scale: TpchScale,
  pool: Uint8Array,
  start: number,
): (units: number) => TpchBatch {
  switch (table) {
    case 'part': {
      const g = new PartGenerator(pool, start);
      return (n) => g.batch(n);
    }
    case 'partsupp': {
      const g = new PartSuppGenerator(pool, scale, start);
      return (n) => g.batch(n);
    }
    case 'supplier': {
      const g = new SupplierGenerator(pool, start);
      return (n) => g.batch(n);
    }
    case 'customer': {
      const g = new CustomerGenerator(pool, start);
      return (n) => g.batch(n);
    }
    case 'orders': {
      const g = new OrdersGenerator(pool, scale, start);
      return (n) => g.batch(n);
    }
    case 'lineitem': {
      const g = new LineitemGenerator(pool, scale, start);
      return (n) => g.batch(n);
    }
    case 'nation': {
      const g = new NationGenerator(pool, start);
      return (n) => g.batch(n);
    }
    case 'region': {
      const g = new RegionGenerator(pool, start);
      return (n) => g.batch(n);
    }
  }
}
