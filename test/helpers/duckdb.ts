/**
 * DuckDB as the test oracle: an in-memory database, SQL in, rows out as plain JS values.
 *
 * Values keep their exact meaning rather than JS's lossy defaults:
 * - BIGINT, HUGEINT, UBIGINT → `bigint`
 * - DECIMAL → its text (`'1234.50'`), never a double
 * - DATE → `'YYYY-MM-DD'`
 * - everything else as `@duckdb/node-api`'s JS converter gives it (numbers, strings, booleans,
 *   `Uint8Array`, arrays, objects)
 *
 * @example
 * const db = await openDuckDb();
 * try {
 *   const rows = await db.query(`select count(*) as n from read_parquet('${file}')`);
 *   expect(rows[0]!.n).toBe(10n);
 * } finally {
 *   db.close();
 * }
 */
import {
  type DuckDBConnection,
  DuckDBInstance,
  DuckDBTypeId,
  type DuckDBValueConverter,
  type JS,
  JSDuckDBValueConverter,
} from '@duckdb/node-api';

export type DuckRow = Record<string, JS | null>;

export interface DuckDb {
  /** Runs one or more statements; returns the rows of the last one. */
  query(sql: string): Promise<DuckRow[]>;
  /** Runs a query that returns exactly one row and gives that row. */
  one(sql: string): Promise<DuckRow>;
  close(): void;
}

const exactConverter: DuckDBValueConverter<JS> = (value, type, converter) => {
  if (value === null) return null;
  if (type.typeId === DuckDBTypeId.DECIMAL || type.typeId === DuckDBTypeId.DATE) return String(value);
  return JSDuckDBValueConverter(value, type, converter);
};

/** Opens an in-memory DuckDB; `threads` defaults to DuckDB's own choice. */
export async function openDuckDb(options: { threads?: number } = {}): Promise<DuckDb> {
  const instance = await DuckDBInstance.create(
    ':memory:',
    options.threads === undefined ? {} : { threads: String(options.threads) },
  );
  const conn: DuckDBConnection = await instance.connect();
  const query = async (sql: string): Promise<DuckRow[]> => {
    const reader = await conn.runAndReadAll(sql);
    return reader.convertRowObjects(exactConverter);
  };
  return {
    query,
    async one(sql) {
      const rows = await query(sql);
      if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}: ${sql}`);
      return rows[0]!;
    },
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Quotes a file path (or any text) as a SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
