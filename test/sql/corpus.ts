import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * SQL statements exercising every construct the parser supports, written for these tests (the
 * TPC-DS- and sqllogictest-like ones imitate the shapes of those suites, not their text). Used by
 * the round-trip test and by the parser comparison in `parser-comparison.ts`.
 */
export interface CorpusEntry {
  readonly group: 'query' | 'ddl' | 'utility';
  readonly sql: string;
}

const query = (sql: string): CorpusEntry => ({ group: 'query', sql });
const ddl = (sql: string): CorpusEntry => ({ group: 'ddl', sql });
const utility = (sql: string): CorpusEntry => ({ group: 'utility', sql });

export const CORPUS: readonly CorpusEntry[] = [
  // ── select lists, literals, names
  query('SELECT 1'),
  query('SELECT DISTINCT a, b FROM t'),
  query('SELECT ALL a FROM t'),
  query('SELECT *, t.*, s.t.* FROM s.t'),
  query('SELECT a AS x, b y, "Mixed Case" AS "Alias", "a""b" FROM "Schema"."Table" AS tt'),
  query("SELECT 'it''s', '', 42, 100.00, .5, 1., 1e10, 2.5E-3, TRUE, FALSE, NULL"),
  query(
    "SELECT DATE '1995-03-15', TIMESTAMP '2024-01-01 12:00:00', TIME '12:30:00', TIMESTAMPTZ '2024-01-01 00:00:00+00'",
  ),
  query(
    "SELECT INTERVAL '90' DAY (3), INTERVAL '3' MONTH, INTERVAL '1' YEAR, INTERVAL '1 year 2 months', " +
      "INTERVAL '1-2' YEAR TO MONTH, INTERVAL '1 02:03:04.5' DAY TO SECOND(3), INTERVAL '1.5' SECOND(2, 3), INTERVAL 7 DAYS",
  ),
  query('SELECT CURRENT_DATE, CURRENT_TIMESTAMP, LOCALTIMESTAMP, current_date() AS d'),
  query('SELECT date, year, value, name, type, position, interval, rows, filter, over FROM t'),
  query('SELECT a FROM t WHERE a = ? AND b = $2 AND c = ?'),
  query('SELECT a -- a line comment\n, /* a block /* nested */ comment */ b FROM t'),
  // ── operators and precedence
  query('SELECT a + b * c - d / e % f, (a + b) * c, -a * -b, - -a, +a, -(a + b), 1 - -1 FROM t'),
  query("SELECT a || b || 'x', (a || b) = c, a || b = c FROM t"),
  query('SELECT * FROM t WHERE a = 1 AND b <> 2 OR NOT c != 3'),
  query('SELECT * FROM t WHERE NOT a = 1 AND (b OR c) AND NOT (d AND e) AND (f OR g) = h'),
  query('SELECT a = b IS NULL, a LIKE b = c, a = b LIKE c, NOT a IS NULL, (NOT a) IS NULL FROM t'),
  query('SELECT a < b, a <= b, a > b, a >= b, a = NOT b, (a = b) = c, a = (b = c) FROM t'),
  query('SELECT a::int, -a::int, (-a)::int, a::decimal(10, 2) * 2, CAST(a + 1 AS bigint) FROM t'),
  query(
    'SELECT CAST(a AS decimal(15,2)), TRY_CAST(b AS varchar(25)), c::double precision, d::char(1), e::bigint, ' +
      'f::timestamp, g::interval, h::boolean, i::date, j::integer, k::double, l::character varying(10), ' +
      'm::timestamp(3) with time zone, n::time without time zone FROM t',
  ),
  // ── predicates
  query('SELECT x FROM t WHERE x IS NULL OR y IS NOT NULL OR z IS TRUE OR w IS NOT FALSE OR v IS UNKNOWN'),
  query('SELECT a IS DISTINCT FROM b, a IS NOT DISTINCT FROM b + 1 FROM t'),
  query('SELECT * FROM t WHERE a BETWEEN 1 AND 10 AND b NOT BETWEEN 2 + 1 AND 3 * 2'),
  query("SELECT * FROM t WHERE a IN (1, 2, 3) AND b NOT IN ('x', 'y') AND (a, b) IN ((1, 'x'), (2, 'y'))"),
  query('SELECT * FROM t WHERE a IN (SELECT b FROM u) AND c NOT IN (SELECT d FROM v WHERE v.e = t.e)'),
  query(
    "SELECT * FROM t WHERE a LIKE 'x%' AND b NOT LIKE '%y' AND c ILIKE 'Z_' AND d NOT ILIKE 'w' AND e LIKE 'a!%' ESCAPE '!'",
  ),
  query('SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.a = t.a) AND NOT EXISTS (SELECT * FROM v)'),
  query(
    'SELECT * FROM t WHERE a > ALL (SELECT b FROM u) AND a = ANY (SELECT c FROM v) AND a <> SOME (SELECT d FROM w)',
  ),
  query('SELECT (SELECT max(b) FROM u) AS m, a FROM t WHERE a > (SELECT avg(a) FROM t) + 1'),
  query('SELECT * FROM t WHERE (a, b) = (1, 2) AND x IN ((SELECT 1) UNION (SELECT 2))'),
  query('SELECT ((a + b)) * c, ((a)) FROM t'),
  // ── CASE, functions, special forms
  query(
    "SELECT CASE WHEN a > 0 THEN 'pos' WHEN a < 0 THEN 'neg' ELSE 'zero' END, CASE b WHEN 1 THEN 'one' END, " +
      'CASE WHEN c THEN CASE d WHEN 1 THEN 2 ELSE 3 END END FROM t',
  ),
  query(
    "SELECT count(*), count(DISTINCT a), sum(a) FILTER (WHERE b > 0), string_agg(a, ',' ORDER BY b DESC), " +
      'coalesce(a, b, 0), nullif(a, 0), left(c, 3), right(c, 2), my_schema.my_fn(a), f() FROM t',
  ),
  query(
    'SELECT EXTRACT(year FROM d), extract(MONTH FROM d), EXTRACT(day FROM d), EXTRACT(hour FROM ts), ' +
      "EXTRACT(epoch FROM ts), EXTRACT(dow FROM d), EXTRACT('quarter' FROM d) FROM t",
  ),
  query(
    'SELECT substring(s FROM 1 FOR 2), SUBSTRING(s FROM 3), substring(s FOR 4), substring(s, 1, 2), substring(s, 5) FROM t',
  ),
  query(
    "SELECT POSITION('a' IN s), position(x || y IN s), TRIM(s), TRIM(BOTH FROM s), TRIM(LEADING 'x' FROM s), " +
      "trim(TRAILING FROM s), TRIM('xy' FROM s), trim(s, 'x') FROM t",
  ),
  // ── windows
  query(
    'SELECT row_number() OVER (PARTITION BY a ORDER BY b), ' +
      'sum(x) OVER (ORDER BY d ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), ' +
      "avg(x) OVER (PARTITION BY a ORDER BY d RANGE BETWEEN INTERVAL '1' DAY PRECEDING AND CURRENT ROW), " +
      'min(x) OVER (ROWS 3 PRECEDING), max(x) OVER (ORDER BY d ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), ' +
      'count(*) OVER (GROUPS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), first_value(x) OVER () FROM t',
  ),
  query(
    'SELECT rank() OVER w, lag(x, 1) OVER (w ORDER BY b DESC NULLS LAST) FROM t ' +
      'WINDOW w AS (PARTITION BY a), w2 AS (w ORDER BY c)',
  ),
  // ── FROM and joins
  query('SELECT * FROM a INNER JOIN b ON a.x = b.x LEFT OUTER JOIN c ON b.y = c.y RIGHT JOIN d ON c.z = d.z'),
  query('SELECT * FROM a FULL OUTER JOIN b ON a.x = b.x FULL JOIN c USING (y, z) CROSS JOIN d'),
  query('SELECT * FROM a NATURAL JOIN b NATURAL LEFT JOIN c, e JOIN f ON e.k = f.k'),
  query('SELECT * FROM (a JOIN b ON a.x = b.x) JOIN c USING (y)'),
  query('SELECT * FROM a JOIN (b JOIN c ON b.y = c.y) ON a.x = b.x'),
  query('SELECT * FROM s.a AS x (p, q), b y, c AS z'),
  query('SELECT t.a FROM (SELECT a, b FROM u) AS t (a, b) JOIN (SELECT 1) v ON TRUE'),
  query('SELECT * FROM ((SELECT 1 AS x) UNION (SELECT 2)) AS u'),
  query('SELECT * FROM t1, LATERAL (SELECT * FROM t2 WHERE t2.a = t1.a) AS s'),
  query("SELECT * FROM read_parquet('data/*.parquet') AS p, generate_series(1, 10) g (n)"),
  query("SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v (id, name)"),
  // ── grouping, ordering, limits
  query('SELECT a, b, sum(c) FROM t GROUP BY 1, 2 HAVING sum(c) > 10 AND count(*) < 5'),
  query('SELECT a, b, c, sum(d), grouping(a, b) FROM t GROUP BY ROLLUP (a, (b, c))'),
  query('SELECT a, b, sum(d) FROM t GROUP BY CUBE (a, b), c'),
  query('SELECT a, b, sum(d) FROM t GROUP BY GROUPING SETS ((a, b), a, (), (b))'),
  query('SELECT a, b FROM t ORDER BY a ASC NULLS FIRST, b DESC NULLS LAST, 2, CASE WHEN a THEN 1 END'),
  query('SELECT a FROM t LIMIT 10 OFFSET 20'),
  query('SELECT a FROM t OFFSET 5 LIMIT ALL'),
  query('SELECT a FROM t ORDER BY a FETCH FIRST 5 ROWS ONLY'),
  query('SELECT a FROM t OFFSET 10 ROWS FETCH NEXT ROW ONLY'),
  // ── set operations, WITH, VALUES
  query('SELECT a FROM t UNION SELECT b FROM u UNION ALL SELECT c FROM v UNION DISTINCT SELECT d FROM w'),
  query('SELECT * FROM a UNION SELECT * FROM b INTERSECT SELECT * FROM c EXCEPT SELECT * FROM d'),
  query('SELECT * FROM a EXCEPT ALL (SELECT * FROM b UNION SELECT * FROM c) INTERSECT ALL SELECT * FROM e'),
  query(
    '(SELECT a FROM t ORDER BY a LIMIT 1) UNION ALL (SELECT b FROM u ORDER BY b DESC LIMIT 1) ORDER BY 1 LIMIT 2',
  ),
  query('SELECT a FROM t UNION SELECT b FROM u ORDER BY 1 DESC LIMIT 3'),
  query('WITH x AS (SELECT 1 AS a), y (b, c) AS (SELECT a, a FROM x) SELECT * FROM x, y'),
  query('WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT sum(n) FROM r'),
  query('VALUES (1, 2), (3, 4)'),
  query('VALUES (1) ORDER BY 1 LIMIT 1'),
  query('((SELECT 1))'),
  // ── suite-shaped queries
  query(
    'WITH ss AS (SELECT i_item_id, sum(ss_ext_sales_price) AS total FROM store_sales, item, date_dim ' +
      "WHERE ss_item_sk = i_item_sk AND ss_sold_date_sk = d_date_sk AND d_date BETWEEN CAST('2000-01-01' AS date) " +
      "AND CAST('2000-01-01' AS date) + INTERVAL '30' DAY GROUP BY i_item_id) " +
      'SELECT i_category, i_class, sum(total) AS s, grouping(i_category) + grouping(i_class) AS lochierarchy, ' +
      'rank() OVER (PARTITION BY grouping(i_category) + grouping(i_class) ORDER BY sum(total) DESC) AS rank_within ' +
      'FROM ss JOIN item USING (i_item_id) GROUP BY ROLLUP (i_category, i_class) ' +
      'ORDER BY lochierarchy DESC, CASE WHEN lochierarchy = 0 THEN i_category END, rank_within LIMIT 100',
  ),
  query(
    'SELECT c_last_name, c_first_name, ca_city, bought_city, ss_ticket_number, amt FROM (SELECT ss_ticket_number, ' +
      'ss_customer_sk, ca_city AS bought_city, sum(ss_coupon_amt) AS amt FROM store_sales, household_demographics, ' +
      'customer_address WHERE (hd_dep_count = 4 OR hd_vehicle_count = 3) AND ss_addr_sk = ca_address_sk ' +
      'GROUP BY ss_ticket_number, ss_customer_sk, ss_addr_sk, ca_city) AS dn, customer, customer_address AS current_addr ' +
      'WHERE ss_customer_sk = c_customer_sk AND customer.c_current_addr_sk = current_addr.ca_address_sk ' +
      'AND current_addr.ca_city <> bought_city ORDER BY c_last_name NULLS FIRST, ss_ticket_number LIMIT 100',
  ),
  query(
    'SELECT a + b * 2 AS col1, abs(b - c) AS col2, CASE WHEN a < b - 3 THEN 111 WHEN a <= b THEN 222 ' +
      'WHEN a < b + 3 THEN 333 ELSE 444 END AS col3 FROM t1 WHERE (e > c OR e < d) AND d > e ' +
      'AND EXISTS (SELECT 1 FROM t1 AS x WHERE x.b < t1.b) ORDER BY 3, 1, 2',
  ),
  query(
    'SELECT DISTINCT -(+ col2) * - 87 AS col0, col1 / NULLIF(col2, 0) FROM tab0 AS cor0 WHERE NOT col1 NOT IN (col2, 10) ' +
      'OR NOT (col0) BETWEEN NULL AND col1 GROUP BY col2, col1, col0 HAVING NOT NULL IS NOT NULL',
  ),
  query(
    "select 'store' channel, 'store' || s_store_id as id, sum(sales) sales from ssr left outer join promotion " +
      "on (cs_promo_sk=p_promo_sk) where d_date between cast ('2000-08-23' as date) and " +
      "(cast('2000-08-23' as date) + interval 14 day) group by rollup(channel, id) order by channel, id",
  ),
  query(
    "select d1.d_date + 5, inv_quantity_on_hand < cs_quantity, coalesce(c_last_name,'') || ', ' || " +
      "coalesce(c_first_name,'') as customername, cast(amc as decimal(15,4))/cast(pmc as decimal(15,4)) am_pm_ratio, " +
      'sum(x)*100/sum(sum(x)) over (partition by i_class) as revenueratio from t group by d1.d_date',
  ),
  // ── DDL
  ddl(
    'CREATE TABLE lineitem (l_orderkey bigint NOT NULL, l_quantity decimal(15,2) NOT NULL, ' +
      'l_returnflag char(1) NOT NULL, l_shipdate date NOT NULL, l_comment varchar(44) NOT NULL)',
  ),
  ddl(
    "CREATE TABLE IF NOT EXISTS s.t (a int PRIMARY KEY, b text DEFAULT 'x' NULL, c double precision DEFAULT -1.5)",
  ),
  ddl(
    'CREATE TABLE t (a integer NOT NULL, b integer, "C" boolean DEFAULT TRUE NOT NULL, PRIMARY KEY (a, b))',
  ),
  ddl('CREATE OR REPLACE TABLE t AS SELECT a, count(*) AS n FROM u GROUP BY a'),
  ddl('CREATE TABLE IF NOT EXISTS t2 AS WITH x AS (SELECT 1 AS a) SELECT * FROM x'),
  ddl("CREATE EXTERNAL TABLE lineitem STORED AS PARQUET LOCATION 's3://bucket/tpch/lineitem/'"),
  ddl(
    "CREATE EXTERNAL TABLE IF NOT EXISTS t (a int NOT NULL, b varchar) STORED AS CSV LOCATION 'data/t.csv' " +
      "OPTIONS ('format.has_header' 'true', delimiter = '|', skip_rows = 1)",
  ),
  ddl(
    "CREATE OR REPLACE EXTERNAL TABLE t STORED AS PARQUET PARTITIONED BY (year, month) LOCATION '/data/t/' " +
      'WITH (compression = zstd, "Mixed" = FALSE)',
  ),
  ddl("CREATE EXTERNAL TABLE t LOCATION 'x.csv' STORED AS csv"),
  ddl(
    'CREATE VIEW revenue0 AS SELECT l_suppkey AS supplier_no, sum(l_extendedprice) AS total FROM lineitem GROUP BY 1',
  ),
  ddl('CREATE OR REPLACE VIEW IF NOT EXISTS s.v (a, b) AS SELECT 1, 2'),
  ddl("INSERT INTO t VALUES (1, 'a'), (2, 'b')"),
  ddl('INSERT INTO t (a, b) SELECT x, y FROM u WHERE x > 0'),
  ddl('INSERT INTO s.t (SELECT * FROM u)'),
  ddl('INSERT INTO t WITH x AS (SELECT 1) SELECT * FROM x'),
  ddl('DROP TABLE t'),
  ddl('DROP TABLE IF EXISTS a, s.b'),
  ddl('DROP VIEW v'),
  ddl('DROP VIEW IF EXISTS "V"'),
  // ── utility
  utility('EXPLAIN SELECT * FROM t'),
  utility('EXPLAIN ANALYZE SELECT count(*) FROM lineitem'),
  utility('EXPLAIN ANALYZE VERBOSE SELECT 1'),
  utility('EXPLAIN VERBOSE CREATE TABLE t AS SELECT 1'),
  utility('SET x = 1'),
  utility("SET SESSION query_max_memory = '1GB'"),
  utility('SET datafusion.execution.batch_size TO 8192'),
  utility('SET enable_x = on'),
  utility('SET y = true'),
  utility('SHOW TABLES'),
  utility('SHOW TABLES FROM tpch'),
  utility('SHOW COLUMNS FROM lineitem'),
  utility('DESCRIBE lineitem'),
  utility('DESC s.t'),
  utility('SHOW ALL'),
  utility('SHOW batch_size'),
];

const QUERIES_DIR = fileURLToPath(new URL('../data/tpch/queries/', import.meta.url));

/** The 22 TPC-H queries as shipped in `test/data/tpch/queries` (dates written as CAST). */
export function tpchQueries(): { name: string; sql: string }[] {
  return Array.from({ length: 22 }, (_, i) => {
    const name = `q${String(i + 1).padStart(2, '0')}`;
    return { name, sql: readFileSync(`${QUERIES_DIR}${name}.sql`, 'utf8') };
  });
}

/**
 * Those of the TPC-H queries whose specification text uses date arithmetic, rewritten the way the
 * specification writes them: `date '1998-12-01' - interval '90' day (3)`,
 * `date '1994-01-01' + interval '1' year` …, with every other `CAST('…' AS date)` as `date '…'`.
 */
export function tpchSpecFormQueries(): { name: string; sql: string }[] {
  const rewrites: Record<string, [string, string]> = {
    q01: ["CAST('1998-09-02' AS date)", "date '1998-12-01' - interval '90' day (3)"],
    q04: ["CAST('1993-10-01' AS date)", "date '1993-07-01' + interval '3' month"],
    q05: ["CAST('1995-01-01' AS date)", "date '1994-01-01' + interval '1' year"],
    q06: ["CAST('1995-01-01' AS date)", "date '1994-01-01' + interval '1' year"],
    q10: ["CAST('1994-01-01' AS date)", "date '1993-10-01' + interval '3' month"],
    q12: ["CAST('1995-01-01' AS date)", "date '1994-01-01' + interval '1' year"],
    q14: ["CAST('1995-10-01' AS date)", "date '1995-09-01' + interval '1' month"],
    q15: ["CAST('1996-04-01' AS date)", "date '1996-01-01' + interval '3' month"],
    q20: ["CAST('1995-01-01' AS date)", "date '1994-01-01' + interval '1' year"],
  };
  return tpchQueries()
    .filter((q) => rewrites[q.name])
    .map(({ name, sql }) => {
      const [from, to] = rewrites[name]!;
      if (!sql.includes(from)) throw new Error(`${name} no longer contains ${from}`);
      const spec = sql.replaceAll(from, to).replace(/CAST\('([0-9-]+)' AS date\)/g, "date '$1'");
      return { name: `${name}-spec`, sql: spec };
    });
}
