import type { DataType as AstDataType } from '../../sql/ast.ts';
import {
  BOOLEAN,
  DATE,
  type DataType,
  decimal,
  FLOAT64,
  INT32,
  INT64,
  INTERVAL,
  MAX_DECIMAL_PRECISION,
  TIMESTAMP,
  VARCHAR,
} from '../../types/data-type.ts';
import { bindError } from './errors.ts';

const NAMES: Record<string, DataType> = {
  boolean: BOOLEAN,
  bool: BOOLEAN,
  logical: BOOLEAN,
  tinyint: INT32,
  int1: INT32,
  smallint: INT32,
  int2: INT32,
  short: INT32,
  integer: INT32,
  int: INT32,
  int4: INT32,
  signed: INT32,
  bigint: INT64,
  int8: INT64,
  long: INT64,
  double: FLOAT64,
  'double precision': FLOAT64,
  float8: FLOAT64,
  float: FLOAT64,
  real: FLOAT64,
  float4: FLOAT64,
  varchar: VARCHAR,
  'character varying': VARCHAR,
  text: VARCHAR,
  string: VARCHAR,
  char: VARCHAR,
  character: VARCHAR,
  bpchar: VARCHAR,
  nvarchar: VARCHAR,
  date: DATE,
  timestamp: TIMESTAMP,
  datetime: TIMESTAMP,
  'timestamp without time zone': TIMESTAMP,
  interval: INTERVAL,
};

/**
 * The engine type a written type name means (DuckDB's aliases): `decimal(15,2)`, `int`, `text`, …
 * Types Skein has no storage for yet (SMALLINT, REAL) map to the next wider one it has.
 */
export function resolveTypeName(t: AstDataType): DataType {
  const name = t.name.toLowerCase();
  if (name === 'decimal' || name === 'numeric' || name === 'dec') {
    const [p = 18, s = p === 18 && t.params.length === 0 ? 3 : 0] = t.params;
    if (p < 1 || p > MAX_DECIMAL_PRECISION || s < 0 || s > p) {
      throw bindError(
        'TYPE',
        `DECIMAL(${p},${s}) is not a valid type: precision must be 1 to ${MAX_DECIMAL_PRECISION} and scale 0 to the precision`,
        t.pos,
      );
    }
    return decimal(p, s);
  }
  if (name === 'hugeint' || name === 'int128') return decimal(MAX_DECIMAL_PRECISION, 0);
  const found = NAMES[name];
  if (found) return found;
  if (name === 'timestamp with time zone' || name === 'timestamptz') {
    throw bindError('NOT_IMPLEMENTED', 'TIMESTAMP WITH TIME ZONE is not supported yet', t.pos);
  }
  throw bindError('TYPE', `unknown type '${t.name}'`, t.pos);
}
