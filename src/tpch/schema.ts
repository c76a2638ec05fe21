/**
 * The eight TPC-H tables as the generator produces them: column names and types in the
 * specification's order (the order of dbgen's `.tbl` fields).
 *
 * Column types:
 * - `int64`: identifiers (keys grow past 2^31 at large scale factors)
 * - `int32`: small integers (sizes, quantities of stock, line numbers)
 * - `decimal`: DECIMAL(15,2) money and quantities, held as the integer number of hundredths
 * - `date`: days since 1970-01-01
 * - `string`: UTF-8 text (TPC-H text is ASCII)
 */
export type TpchColumnType = 'int32' | 'int64' | 'decimal' | 'date' | 'string';

export interface TpchColumnDef {
  readonly name: string;
  readonly type: TpchColumnType;
}

export const TPCH_TABLES = [
  'part',
  'supplier',
  'partsupp',
  'customer',
  'orders',
  'lineitem',
  'nation',
  'region',
] as const;

export type TpchTableName = (typeof TPCH_TABLES)[number];

const c = (name: string, type: TpchColumnType): TpchColumnDef => ({ name, type });

export const TPCH_SCHEMAS: Readonly<Record<TpchTableName, readonly TpchColumnDef[]>> = {
  part: [
    c('p_partkey', 'int64'),
    c('p_name', 'string'),
    c('p_mfgr', 'string'),
    c('p_brand', 'string'),
    c('p_type', 'string'),
    c('p_size', 'int32'),
    c('p_container', 'string'),
    c('p_retailprice', 'decimal'),
    c('p_comment', 'string'),
  ],
  supplier: [
    c('s_suppkey', 'int64'),
    c('s_name', 'string'),
    c('s_address', 'string'),
    c('s_nationkey', 'int64'),
    c('s_phone', 'string'),
    c('s_acctbal', 'decimal'),
    c('s_comment', 'string'),
  ],
  partsupp: [
    c('ps_partkey', 'int64'),
    c('ps_suppkey', 'int64'),
    c('ps_availqty', 'int32'),
    c('ps_supplycost', 'decimal'),
    c('ps_comment', 'string'),
  ],
  customer: [
    c('c_custkey', 'int64'),
    c('c_name', 'string'),
    c('c_address', 'string'),
    c('c_nationkey', 'int64'),
    c('c_phone', 'string'),
    c('c_acctbal', 'decimal'),
    c('c_mktsegment', 'string'),
    c('c_comment', 'string'),
  ],
  orders: [
    c('o_orderkey', 'int64'),
    c('o_custkey', 'int64'),
    c('o_orderstatus', 'string'),
    c('o_totalprice', 'decimal'),
    c('o_orderdate', 'date'),
    c('o_orderpriority', 'string'),
    c('o_clerk', 'string'),
    c('o_shippriority', 'int32'),
    c('o_comment', 'string'),
  ],
  lineitem: [
    c('l_orderkey', 'int64'),
    c('l_partkey', 'int64'),
    c('l_suppkey', 'int64'),
    c('l_linenumber', 'int32'),
    c('l_quantity', 'decimal'),
    c('l_extendedprice', 'decimal'),
    c('l_discount', 'decimal'),
    c('l_tax', 'decimal'),
    c('l_returnflag', 'string'),
    c('l_linestatus', 'string'),
    c('l_shipdate', 'date'),
    c('l_commitdate', 'date'),
    c('l_receiptdate', 'date'),
    c('l_shipinstruct', 'string'),
    c('l_shipmode', 'string'),
    c('l_comment', 'string'),
  ],
  nation: [
    c('n_nationkey', 'int64'),
    c('n_name', 'string'),
    c('n_regionkey', 'int64'),
    c('n_comment', 'string'),
  ],
  region: [c('r_regionkey', 'int64'), c('r_name', 'string'), c('r_comment', 'string')],
};

/**
 * A batch of generated rows, column by column, in the order of `TPCH_SCHEMAS[table]`.
 * Numbers are held in Float64Array even for int64 and decimal: every TPC-H value is an integer
 * well below 2^53 (the largest, an order key at SF 100 000, is about 6·10^11), and doubles keep the
 * generator free of BigInt arithmetic.
 */
export interface TpchBatch {
  readonly table: TpchTableName;
  readonly rows: number;
  readonly columns: readonly TpchColumnData[];
}

export type TpchColumnData =
  | { readonly type: 'int32'; readonly values: Int32Array }
  | { readonly type: 'int64' | 'decimal'; readonly values: Float64Array }
  | { readonly type: 'date'; readonly values: Int32Array }
  /** Row i is bytes[offsets[i], offsets[i + 1]). */
  | { readonly type: 'string'; readonly offsets: Int32Array; readonly bytes: Uint8Array };
