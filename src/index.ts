/**
 * Skein as a library: serverless, distributed SQL over Parquet and CSV — here running in this
 * process. Create a session, point it at a folder of tables, and run SQL; results come back as
 * apache-arrow Tables, or as a stream of record batches while they are computed.
 *
 * @example
 * import { Skein } from 'skein';
 *
 * const db = new Skein({ data: './data/tpch-sf1', settings: { memoryLimit: '4GB' } });
 * const top = await db.sql(`
 *   SELECT l_returnflag, sum(l_quantity) AS qty FROM lineitem GROUP BY 1 ORDER BY 1`);
 * console.log(top.toArray());
 *
 * for await (const batch of db.stream('SELECT o_orderkey, o_totalprice FROM orders')) {
 *   console.log(batch.numRows);
 * }
 *
 * await db.sql("CREATE EXTERNAL TABLE trips STORED AS PARQUET LOCATION './trips/'");
 * console.log(await db.explain('SELECT count(*) FROM trips', { verbose: true }));
 */

export type { Settings, SettingsInput } from './engine/settings.ts';
export { type ExplainOptions, Skein, type SkeinOptions, type StatementResult } from './engine/skein.ts';
export { type ErrorCode, SkeinError } from './errors.ts';
