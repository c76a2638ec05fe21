/**
 * Engine batches as the spool stores them: Arrow record batches in which the columns no consumer
 * reads (`Stage.columns`) are Arrow `Null` columns — no buffers to partition, encode, write or
 * read. The consumer's exchange reader turns them back into all-NULL vectors of the column's type
 * (it takes the types from the plan, not from the spool).
 *
 * DECIMALs of up to 15 digits travel as Float64 holding the scaled integer: exact (below 2^53),
 * half the bytes of Decimal128, and no conversion on either side.
 *
 * @example
 * const schema = spoolSchema(fragment.schema, [0, 2]);
 * writer.write(0, toSpoolBatch(batch, schema));
 */
import {
  Schema as ArrowSchema,
  type Data,
  Field,
  Float64,
  makeData,
  Null,
  RecordBatch,
  Struct,
} from 'apache-arrow';
import { SkeinError } from '../errors.ts';
import { dataTypeToArrow, vectorToArrow } from '../exec/arrow.ts';
import type { Batch, Vector } from '../exec/vector.ts';
import type { DataType, Schema } from '../types/data-type.ts';

/** The Arrow schema of a spool: kept columns typed, the others `Null`. */
export function spoolSchema(schema: Schema, columns: readonly number[]): ArrowSchema {
  const keep = new Set(columns);
  return new ArrowSchema(
    schema.map((f, i) => {
      if (!keep.has(i)) return new Field(f.name, new Null(), true);
      if (asFloat64(f.type)) return new Field(f.name, new Float64(), f.nullable);
      return new Field(f.name, dataTypeToArrow(f.type), f.nullable);
    }),
  );
}

function asFloat64(t: DataType): boolean {
  return t.kind === 'decimal' && t.precision <= 15;
}

/** A batch as a record batch of `schema` (from {@link spoolSchema}). */
export function toSpoolBatch(batch: Batch, schema: ArrowSchema): RecordBatch {
  const n = batch.length;
  const children = schema.fields.map((f, i) => {
    if (f.type instanceof Null) return makeData({ type: new Null(), length: n });
    const v = batch.columns[i]!;
    if (f.type instanceof Float64 && asFloat64(v.type)) return float64Data(v, n);
    return vectorToArrow(v);
  });
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }),
  );
}

/** A scaled-integer vector as Float64 data (sharing its values when they are doubles already). */
function float64Data(v: Vector, n: number): Data<Float64> {
  if (v.kind === 'null') {
    return makeData({
      type: new Float64(),
      length: n,
      nullCount: n,
      nullBitmap: new Uint8Array((n + 7) >> 3),
      data: new Float64Array(n),
    });
  }
  let values: Float64Array;
  if (v.kind === 'f64') values = v.values;
  else if (v.kind === 'i64') values = Float64Array.from(v.values, (x) => Number(x));
  else if (v.kind === 'i32') values = Float64Array.from(v.values);
  else {
    throw new SkeinError(
      'INTERNAL',
      `internal error (this is a bug in Skein): a ${v.kind} vector in a DECIMAL column`,
    );
  }
  const validity = v.validity;
  let nullCount = 0;
  if (validity !== null) {
    for (let i = 0; i < n; i++) if (((validity[i >> 3]! >> (i & 7)) & 1) === 0) nullCount++;
  }
  return makeData({
    type: new Float64(),
    length: n,
    nullCount,
    data: values.length === n ? values : values.subarray(0, n),
    ...(validity === null || nullCount === 0 ? {} : { nullBitmap: validity }),
  });
}
