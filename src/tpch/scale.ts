import { SkeinError } from '../errors.ts';

/**
 * A scale factor as dbgen applies it. For SF ≥ 1 dbgen multiplies each table's base row count by
 * the (integer) SF. For SF < 1 it keeps `scale = 1` and instead shrinks the base counts with integer
 * arithmetic: base = ⌊⌊1000 · SF⌋ · base / 1000⌋, at least 1. Keys drawn at random (o_custkey,
 * l_partkey, l_suppkey, ps_suppkey) range over these scaled counts.
 */
export interface TpchScale {
  /** The scale factor as given. */
  readonly sf: number;
  /** dbgen's integer `scale`: the SF when ≥ 1, else 1. */
  readonly scale: number;
  readonly parts: number;
  readonly suppliers: number;
  readonly customers: number;
  readonly orders: number;
}

/** Base row counts at SF 1 (dbgen's tdefs; orders are ORDERS_PER_CUST per customer). */
const BASE = { parts: 200_000, suppliers: 10_000, customers: 150_000, orders: 1_500_000 } as const;

/**
 * dbgen switches o_custkey and l_partkey to a 64-bit generator from this SF on, mixed with the
 * 32-bit row skipping in a way that cannot be started in the middle of a table.
 */
export const MAX_SUPPORTED_SF = 30_000;

/**
 * Validates a scale factor and returns dbgen's row counts for it.
 *
 * @example
 * tpchScale(0.01).orders; // 15000
 * tpchScale(1.5); // throws INVALID_ARGUMENT: SF ≥ 1 must be a whole number
 */
export function tpchScale(sf: number): TpchScale {
  if (typeof sf !== 'number' || !Number.isFinite(sf) || sf <= 0) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `the TPC-H scale factor must be a number > 0, got ${String(sf)}`,
    );
  }
  if (sf >= 1 && !Number.isInteger(sf)) {
    throw new SkeinError(
      'INVALID_ARGUMENT',
      `a TPC-H scale factor of 1 or more must be a whole number (dbgen would silently use ${Math.trunc(sf)}), got ${sf}`,
    );
  }
  if (sf >= MAX_SUPPORTED_SF) {
    throw new SkeinError(
      'NOT_IMPLEMENTED',
      `TPC-H scale factors of ${MAX_SUPPORTED_SF} and more are not supported (got ${sf}): dbgen draws o_custkey and l_partkey from a 64-bit generator there`,
    );
  }
  if (sf >= 1) {
    return {
      sf,
      scale: sf,
      parts: BASE.parts * sf,
      suppliers: BASE.suppliers * sf,
      customers: BASE.customers * sf,
      orders: BASE.orders * sf,
    };
  }
  // Same double arithmetic as dbgen's `(int)(1000 * flt_scale)`.
  const perMille = Math.trunc(1000 * sf);
  const shrink = (base: number): number => Math.max(1, Math.floor((perMille * base) / 1000));
  return {
    sf,
    scale: 1,
    parts: shrink(BASE.parts),
    suppliers: shrink(BASE.suppliers),
    customers: shrink(BASE.customers),
    orders: shrink(BASE.orders),
  };
}
