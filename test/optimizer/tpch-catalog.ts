/**
 * A catalog of the eight TPC-H tables with scale-factor-1 statistics (row counts and the min/max
 * a Parquet footer records), without data: enough to bind and optimize TPC-H queries with stable,
 * realistic estimates in golden tests.
 */
import { readFileSync } from 'node:fs';
import { Catalog } from '../../src/catalog/catalog.ts';
import type { ColumnStatistics } from '../../src/catalog/statistics.ts';
import { parseDate } from '../../src/logical/literal.ts';
import { TPCH_SCHEMAS, TPCH_TABLES, type TpchTableName } from '../../src/tpch/schema.ts';
import { DATE, type DataType, decimal, INT32, INT64, VARCHAR } from '../../src/types/data-type.ts';

const TYPES: Record<string, DataType> = {
  int64: INT64,
  int32: INT32,
  decimal: decimal(15, 2),
  date: DATE,
  string: VARCHAR,
};

const ROWS: Record<TpchTableName, number> = {
  lineitem: 6_001_215,
  orders: 1_500_000,
  customer: 150_000,
  part: 200_000,
  partsupp: 800_000,
  supplier: 10_000,
  nation: 25,
  region: 5,
};

const d = (s: string) => parseDate(s)!;

const RANGES: Record<string, [number, number]> = {
  l_orderkey: [1, 6_000_000],
  l_partkey: [1, 200_000],
  l_suppkey: [1, 10_000],
  l_linenumber: [1, 7],
  l_quantity: [1, 50],
  l_extendedprice: [901, 104_949.5],
  l_discount: [0, 0.1],
  l_tax: [0, 0.08],
  l_shipdate: [d('1992-01-02'), d('1998-12-01')],
  l_commitdate: [d('1992-01-31'), d('1998-10-31')],
  l_receiptdate: [d('1992-01-04'), d('1998-12-31')],
  o_orderkey: [1, 6_000_000],
  o_custkey: [1, 149_999],
  o_totalprice: [857.71, 555_285.16],
  o_orderdate: [d('1992-01-01'), d('1998-08-02')],
  o_shippriority: [0, 0],
  c_custkey: [1, 150_000],
  c_nationkey: [0, 24],
  c_acctbal: [-999.99, 9999.99],
  p_partkey: [1, 200_000],
  p_size: [1, 50],
  p_retailprice: [901, 2098.99],
  ps_partkey: [1, 200_000],
  ps_suppkey: [1, 10_000],
  ps_availqty: [1, 9999],
  ps_supplycost: [1, 1000],
  s_suppkey: [1, 10_000],
  s_nationkey: [0, 24],
  s_acctbal: [-999.99, 9999.99],
  n_nationkey: [0, 24],
  n_regionkey: [0, 4],
  r_regionkey: [0, 4],
};

/** A catalog of empty TPC-H tables carrying SF 1 statistics. */
export function tpchCatalog(): Catalog {
  const catalog = new Catalog();
  for (const t of TPCH_TABLES) {
    const schema = TPCH_SCHEMAS[t].map((c) => ({ name: c.name, type: TYPES[c.type]!, nullable: false }));
    const columns: Record<string, ColumnStatistics> = {};
    for (const c of TPCH_SCHEMAS[t]) {
      const r = RANGES[c.name];
      columns[c.name] = r ? { min: r[0], max: r[1], nullCount: 0 } : { nullCount: 0 };
    }
    catalog.put({
      kind: 'memory',
      name: t,
      schema,
      batches: [],
      primaryKey: [],
      statistics: { rowCount: ROWS[t], rowCountExact: true, totalBytes: null, columns },
    });
  }
  return catalog;
}

/** The text of TPC-H query `n` (1–22). */
export function tpchQuery(n: number): string {
  return readFileSync(
    new URL(`../data/tpch/queries/q${String(n).padStart(2, '0')}.sql`, import.meta.url),
    'utf8',
  );
}
