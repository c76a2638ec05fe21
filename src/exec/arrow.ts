/**
 * apache-arrow RecordBatches ↔ Skein Batches.
 *
 * Where the layouts agree the buffers are shared, not copied: Int32, Float64, Date32, Utf8
 * (offsets + bytes) and validity bitmaps (when the slice starts on a byte boundary). The rest take
 * one pass: Int64/Timestamp through the lo/hi Int32 halves of their buffer (no BigInt per value)
 * into a Float64Array when every value fits 2^53 — else the BigInt64Array is kept —, Decimal128 to
 * scaled integers the same way, Bool bitmaps to bytes, Dictionary<Utf8> decoded, timestamps to µs,
 * small ints and floats widened.
 *
 * @example
 * const batch = batchFromArrow(recordBatch);             // Arrow → Skein
 * const rb = batchToArrow(batch);                        // Skein → Arrow (results, spools)
 * const table = new Table([rb]); tableToIPC(table);      // …and on to IPC
 */
import {
  type Field as ArrowField,
  Field as ArrowFieldClass,
  Schema as ArrowSchema,
  type DataType as ArrowType,
  Bool,
  type Data,
  DateDay,
  Decimal,
  Float64,
  Int32,
  Int64,
  IntervalMonthDayNano,
  makeData,
  makeVector,
  Null,
  RecordBatch,
  Struct,
  type Table,
  TimestampMicrosecond,
  Type,
  Utf8,
} from 'apache-arrow';
import { SkeinError } from '../errors.ts';
import {
  BOOLEAN,
  DATE,
  type DataType,
  decimal,
  type Field,
  FLOAT64,
  INT32,
  INT64,
  INTERVAL,
  MAX_DECIMAL_PRECISION,
  NULL_TYPE,
  type Schema,
  TIMESTAMP,
  typeToString,
  VARCHAR,
} from '../types/data-type.ts';
import { packBits, shiftBits, unpackBits } from './kernels/bitmap.ts';
import { StrBuilder } from './kernels/str-builder.ts';
import { takeVector } from './kernels/take.ts';
import {
  type Batch,
  boolVector,
  f64Vector,
  i32Vector,
  i64Vector,
  intervalVector,
  nullVector,
  type StrVector,
  strVector,
  type Validity,
  type Vector,
} from './vector.ts';

const TWO_32 = 4294967296;
/** hi halves within [-2^21, 2^21) give |value| < 2^53. */
const HI_LIMIT = 2097152;

// ---------------------------------------------------------------------------------------------
// Types

/** The Skein type of an Arrow type; NOT_IMPLEMENTED for types Skein has no counterpart for. */
export function dataTypeFromArrow(t: ArrowType, column = 'a column'): DataType {
  const a = t as ArrowType & Record<string, unknown>;
  switch (t.typeId) {
    case Type.Null:
      return NULL_TYPE;
    case Type.Bool:
      return BOOLEAN;
    case Type.Int: {
      const bits = a.bitWidth as number;
      const signed = a.isSigned as boolean;
      return bits < 32 || (bits === 32 && signed) ? INT32 : INT64;
    }
    case Type.Float:
      return FLOAT64;
    case Type.Decimal: {
      const precision = a.precision as number;
      if (precision > MAX_DECIMAL_PRECISION) {
        throw new SkeinError(
          'NOT_IMPLEMENTED',
          `${column} is DECIMAL(${precision},${a.scale}); Skein supports up to ${MAX_DECIMAL_PRECISION} digits`,
        );
      }
      return decimal(precision, a.scale as number);
    }
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Utf8View:
    case Type.Binary:
    case Type.LargeBinary:
      return VARCHAR;
    case Type.Date:
      return DATE;
    case Type.Timestamp:
      return TIMESTAMP;
    case Type.Interval:
      return INTERVAL;
    case Type.Dictionary:
      return dataTypeFromArrow((t as unknown as { dictionary: ArrowType }).dictionary, column);
    default:
      throw new SkeinError(
        'NOT_IMPLEMENTED',
        `${column} has the Arrow type ${String(t)}, which Skein cannot read yet`,
      );
  }
}

/** The Arrow type Skein writes a type as. */
export function dataTypeToArrow(t: DataType): ArrowType {
  switch (t.kind) {
    case 'null':
      return new Null();
    case 'boolean':
      return new Bool();
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    case 'float64':
      return new Float64();
    case 'decimal':
      return new Decimal(t.scale, t.precision, 128);
    case 'varchar':
      return new Utf8();
    case 'date':
      return new DateDay();
    case 'timestamp':
      return new TimestampMicrosecond();
    case 'interval':
      return new IntervalMonthDayNano();
  }
}

export function schemaFromArrow(s: ArrowSchema): Schema {
  return s.fields.map((f: ArrowField) => ({
    name: f.name,
    type: dataTypeFromArrow(f.type, `column '${f.name}'`),
    nullable: f.nullable,
  }));
}

export function schemaToArrow(s: Schema): ArrowSchema {
  return new ArrowSchema(s.map((f) => new ArrowFieldClass(f.name, dataTypeToArrow(f.type), f.nullable)));
}

// ---------------------------------------------------------------------------------------------
// Arrow → Skein

/** A Batch over a RecordBatch's buffers (shared where the layouts agree). */
export function batchFromArrow(rb: RecordBatch, schema?: Schema): Batch {
  const s = schema ?? schemaFromArrow(rb.schema);
  const columns = s.map((f, i) => {
    const child = rb.data.children[i];
    if (child === undefined)
      throw new SkeinError('INTERNAL', `record batch has no column ${i} ('${f.name}')`);
    return vectorFromArrow(child, f.type, `column '${f.name}'`);
  });
  return { schema: s, columns, length: rb.numRows };
}

/** Every record batch of a table, as Batches. */
export function batchesFromArrow(table: Table): Batch[] {
  const schema = schemaFromArrow(table.schema);
  return table.batches.map((rb) => batchFromArrow(rb, schema));
}

function validityFromArrow(d: Data): Validity {
  if (d.nullCount === 0 || d.nullBitmap === undefined || d.nullBitmap.length === 0) return null;
  const m = d.nullBitmap;
  if ((d.offset & 7) === 0) return m.subarray(d.offset >> 3, (d.offset >> 3) + ((d.length + 7) >> 3));
  return shiftBits(m, d.offset, d.length);
}

/** An int64 buffer (BigInt64Array / BigUint64Array) as doubles when all fit 2^53, else as BigInt64. */
function int64Values(
  raw: BigInt64Array | BigUint64Array,
  n: number,
  validity: Validity,
  unsigned: boolean,
  scaleBy = 1,
): Float64Array | BigInt64Array {
  const words = new Int32Array(raw.buffer, raw.byteOffset, n * 2);
  const out = new Float64Array(n);
  if (!unsigned && scaleBy === 1 && int64Narrow(words, n, out)) return out;
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i]! >>> 0;
    const hi = words[2 * i + 1]!;
    if ((unsigned ? hi >>> 0 : hi) >= HI_LIMIT || hi < -HI_LIMIT) {
      if (validity !== null && !((validity[i >> 3]! >> (i & 7)) & 1)) continue;
      return int64Exact(raw, n, unsigned, scaleBy, i);
    }
    out[i] = (hi * TWO_32 + lo) * scaleBy;
  }
  return out;
}

/**
 * Signed int64 halves → doubles, when every value fits 2^53 (else false, and `out` is partly
 * written): the hi halves' range is checked into one flag, no branch per value.
 */
function int64Narrow(words: Int32Array, n: number, out: Float64Array): boolean {
  const two32 = 4294967296;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const hi = words[2 * i + 1]!;
    // hi in [-2^21, 2^21) ⇔ (hi + 2^21) >>> 22 === 0.
    bad |= (hi + 2097152) >>> 22;
    out[i] = hi * two32 + (words[2 * i]! >>> 0);
  }
  return bad === 0;
}

/** The BigInt path of int64Values (kept apart: BigInt code slows the function holding it). */
function int64Exact(
  raw: BigInt64Array | BigUint64Array,
  n: number,
  unsigned: boolean,
  scaleBy: number,
  at: number,
): BigInt64Array {
  if (unsigned && raw[at]! > 2n ** 63n - 1n)
    throw new SkeinError('INVALID_ARGUMENT', `unsigned value ${raw[at]} exceeds BIGINT`);
  const big = BigInt64Array.from(raw as BigInt64Array, (x) => BigInt.asIntN(64, BigInt(x)));
  if (scaleBy !== 1) {
    const f = BigInt(scaleBy);
    for (let k = 0; k < n; k++) big[k] = big[k]! * f;
  }
  return big;
}

/** A vector of `type` over an Arrow Data of a matching Arrow type. */
export function vectorFromArrow(
  d: Data,
  type: DataType = dataTypeFromArrow(d.type),
  what = 'a column',
): Vector {
  const n = d.length;
  const validity = validityFromArrow(d);
  const t = d.type as ArrowType & Record<string, unknown>;
  const values = d.values as unknown;
  switch (d.type.typeId) {
    case Type.Null:
      return nullVector(type, n);
    case Type.Bool:
      return boolVector(type, unpackBits(values as Uint8Array, n, d.offset), validity);
    case Type.Int: {
      const bits = t.bitWidth as number;
      if (bits === 32 && t.isSigned) return i32Vector(type, (values as Int32Array).subarray(0, n), validity);
      if (bits < 32)
        return i32Vector(
          type,
          Int32Array.from(values as ArrayLike<number> as Int8Array).subarray(0, n),
          validity,
        );
      if (bits === 32)
        return f64Vector(type, Float64Array.from((values as Uint32Array).subarray(0, n)), validity);
      const v = int64Values(values as BigInt64Array, n, validity, !t.isSigned);
      return v instanceof Float64Array ? f64Vector(type, v, validity) : i64Vector(type, v, validity);
    }
    case Type.Float: {
      if (values instanceof Float64Array) return f64Vector(type, values.subarray(0, n), validity);
      if (values instanceof Float32Array)
        return f64Vector(type, Float64Array.from(values.subarray(0, n)), validity);
      // Float16 comes as raw Uint16 halves.
      const halves = values as Uint16Array;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(halves[i]!);
      return f64Vector(type, out, validity);
    }
    case Type.Decimal:
      return decimalFromArrow(values as Uint32Array, n, (t.bitWidth as number) ?? 128, type, validity, what);
    case Type.Utf8:
    case Type.Binary: {
      const offsets = d.valueOffsets as Int32Array;
      return strVector(type, offsets.subarray(0, n + 1), values as Uint8Array, validity);
    }
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const big = d.valueOffsets as unknown as BigInt64Array;
      const base = Number(big[0]!);
      if (Number(big[n]!) - base > 0x7fffffff) {
        throw new SkeinError('NOT_IMPLEMENTED', `${what} holds more than 2 GiB of text in one batch`);
      }
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i <= n; i++) offsets[i] = Number(big[i]!) - base;
      return strVector(type, offsets, (values as Uint8Array).subarray(base), validity);
    }
    case Type.Dictionary:
      return dictionaryFromArrow(d, type, validity, what);
    case Type.Date: {
      if (t.unit === 0) return i32Vector(type, (values as Int32Array).subarray(0, n), validity);
      // Date64: milliseconds.
      const ms = values instanceof BigInt64Array ? int64Values(values, n, validity, false) : null;
      const out = new Int32Array(n);
      if (ms instanceof Float64Array) for (let i = 0; i < n; i++) out[i] = Math.floor(ms[i]! / 86_400_000);
      else if (ms instanceof BigInt64Array) for (let i = 0; i < n; i++) out[i] = Number(ms[i]! / 86_400_000n);
      else {
        const w = values as Int32Array;
        for (let i = 0; i < n; i++)
          out[i] = Math.floor((w[2 * i + 1]! * TWO_32 + (w[2 * i]! >>> 0)) / 86_400_000);
      }
      return i32Vector(type, out, validity);
    }
    case Type.Timestamp: {
      const unit = t.unit as number; // 0 s, 1 ms, 2 µs, 3 ns
      const raw = values as BigInt64Array;
      if (unit === 3) {
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) out[i] = Number(raw[i]! / 1000n) - (raw[i]! % 1000n < 0n ? 1 : 0);
        return f64Vector(type, out, validity);
      }
      const v = int64Values(raw, n, validity, false, unit === 0 ? 1_000_000 : unit === 1 ? 1000 : 1);
      if (v instanceof Float64Array) return f64Vector(type, v, validity);
      return f64Vector(
        type,
        Float64Array.from(v, (x) => Number(x)),
        validity,
      );
    }
    case Type.Interval: {
      const unit = t.unit as number; // 0 year-month, 1 day-time, 2 month-day-nano
      const w = values as Int32Array;
      const months = new Int32Array(n);
      const days = new Int32Array(n);
      const micros = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        if (unit === 0) months[i] = w[i]!;
        else if (unit === 1) {
          days[i] = w[2 * i]!;
          micros[i] = w[2 * i + 1]! * 1000;
        } else {
          months[i] = w[4 * i]!;
          days[i] = w[4 * i + 1]!;
          micros[i] = Math.trunc((w[4 * i + 3]! * TWO_32 + (w[4 * i + 2]! >>> 0)) / 1000);
        }
      }
      return intervalVector(type, months, days, micros, validity);
    }
    default:
      return genericFromArrow(d, type, what);
  }
}

/** Decimal128/256 (little-endian 32-bit words, two's complement) → scaled integers. */
function decimalFromArrow(
  words: Uint32Array,
  n: number,
  bitWidth: number,
  type: DataType,
  validity: Validity,
  what: string,
): Vector {
  const stride = bitWidth / 32;
  const w = new Int32Array(words.buffer, words.byteOffset, n * stride);
  const out = new Float64Array(n);
  // Fast pass: every value sign-extended from fewer than 54 bits (the DECIMAL(≤15) case).
  let ok = true;
  if (stride === 4) {
    for (let i = 0; i < n; i++) {
      const b = i << 2;
      const hi = w[b + 1]!;
      const ext = hi >> 31;
      if (w[b + 2] !== ext || w[b + 3] !== ext || hi >= HI_LIMIT || hi < -HI_LIMIT) {
        ok = false;
        break;
      }
      out[i] = hi * TWO_32 + (w[b]! >>> 0);
    }
  } else if (stride === 2) {
    // Decimal64: an int64 per value.
    for (let i = 0; i < n; i++) {
      const hi = w[2 * i + 1]!;
      if (hi >= HI_LIMIT || hi < -HI_LIMIT) {
        ok = false;
        break;
      }
      out[i] = hi * TWO_32 + (w[2 * i]! >>> 0);
    }
  } else ok = false;
  if (ok) return f64Vector(type, out, validity);
  return decimalSlow(words, n, stride, bitWidth, type, validity, what);
}

function decimalSlow(
  words: Uint32Array,
  n: number,
  stride: number,
  bitWidth: number,
  type: DataType,
  validity: Validity,
  what: string,
): Vector {
  const out = new Float64Array(n);
  let big: BigInt64Array | null = null;
  for (let i = 0; i < n; i++) {
    const base = i * stride;
    const lo = words[base]!;
    const hi = words[base + 1]! | 0;
    const ext = hi < 0 ? 0xffffffff : 0;
    let signExtended = true;
    for (let k = 2; k < stride; k++) if (words[base + k] !== ext) signExtended = false;
    if (signExtended && hi < HI_LIMIT && hi >= -HI_LIMIT) {
      const x = hi * TWO_32 + lo;
      out[i] = x;
      if (big !== null) big[i] = BigInt(x);
      continue;
    }
    if (validity !== null && !((validity[i >> 3]! >> (i & 7)) & 1)) continue;
    if (!signExtended) {
      let v = 0n;
      for (let k = stride - 1; k >= 0; k--) v = (v << 32n) | BigInt(words[base + k]!);
      v = BigInt.asIntN(bitWidth, v);
      throw new SkeinError(
        'NOT_IMPLEMENTED',
        `${what} holds the ${typeToString(type)} value with unscaled digits ${v}, beyond the 64 bits Skein keeps decimals in`,
      );
    }
    if (big === null) {
      big = new BigInt64Array(n);
      for (let k = 0; k < i; k++) big[k] = BigInt(out[k]!);
    }
    big[i] = (BigInt(hi) << 32n) | BigInt(lo);
  }
  return big === null ? f64Vector(type, out, validity) : i64Vector(type, big, validity);
}

function dictionaryFromArrow(d: Data, type: DataType, validity: Validity, what: string): Vector {
  const dict = (d as Data & { dictionary?: { data: Data[] } }).dictionary;
  if (dict === undefined) throw new SkeinError('INTERNAL', `${what}: dictionary data without a dictionary`);
  const parts = dict.data.map((x) => vectorFromArrow(x, type, what));
  if (parts.length !== 1 || parts[0]!.kind !== 'str') return genericFromArrow(d, type, what);
  const dv = parts[0]!;
  if (d.values instanceof Int32Array) return expandDictionary(dv, d.values, d.length, type, validity, what);
  const keys = d.values as ArrayLike<number | bigint>;
  const n = d.length;
  const b = new StrBuilder(n, n * 8);
  for (let i = 0; i < n; i++) {
    if (validity !== null && !((validity[i >> 3]! >> (i & 7)) & 1)) {
      b.endNull();
      continue;
    }
    const k = Number(keys[i]!);
    b.append(dv.bytes, dv.offsets[k]!, dv.offsets[k + 1]!);
    b.endRow();
  }
  return { ...b.finish(), type };
}

/** Strings by int32 codes into a dictionary of strings: lengths first, then the bytes. */
function expandDictionary(
  dv: StrVector,
  keys: Int32Array,
  n: number,
  type: DataType,
  validity: Validity,
  what: string,
): Vector {
  const so = dv.offsets;
  const sb = dv.bytes;
  const m = dv.length;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    if (validity === null || (validity[i >> 3]! >> (i & 7)) & 1) {
      const k = keys[i]!;
      bad |= k >>> 0 >= m ? 1 : 0;
      total += so[k + 1]! - so[k]!;
    }
    offsets[i + 1] = total;
  }
  if (bad !== 0) throw new SkeinError('INVALID_ARGUMENT', `${what}: a dictionary code is out of range`);
  const bytes = new Uint8Array(total);
  let oneByte = validity === null;
  for (let k = 0; k < m && oneByte; k++) oneByte = so[k + 1]! - so[k]! === 1;
  if (oneByte) {
    // Every string one byte long (flags, status codes).
    for (let i = 0; i < n; i++) bytes[i] = sb[so[keys[i]!]!]!;
  } else {
    for (let i = 0; i < n; i++) {
      let at = offsets[i]!;
      const end = offsets[i + 1]!;
      for (let s = so[keys[i]!]!; at < end; ) bytes[at++] = sb[s++]!;
    }
  }
  return strVector(type, offsets, bytes, validity);
}

/** Anything else Arrow can `get()` as a string (views, large dictionaries): one row at a time. */
function genericFromArrow(d: Data, type: DataType, what: string): Vector {
  if (type.kind !== 'varchar') {
    throw new SkeinError(
      'NOT_IMPLEMENTED',
      `${what}: cannot read Arrow ${String(d.type)} as ${typeToString(type)}`,
    );
  }
  const v = makeVector(d);
  const b = new StrBuilder(d.length);
  for (let i = 0; i < d.length; i++) {
    const x = v.get(i) as string | Uint8Array | null;
    if (x === null || x === undefined) b.endNull();
    else if (typeof x === 'string') b.push(x);
    else {
      b.append(x);
      b.endRow();
    }
  }
  return b.finish();
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

// ---------------------------------------------------------------------------------------------
// Skein → Arrow

/** A RecordBatch of a Batch: shares the buffers where the layouts agree. */
export function batchToArrow(batch: Batch): RecordBatch {
  const schema = schemaToArrow(batch.schema);
  const children = batch.columns.map((v) => vectorToArrow(v));
  const data = makeData({
    type: new Struct(schema.fields),
    length: batch.length,
    nullCount: 0,
    children,
  });
  return new RecordBatch(schema, data);
}

function nullCountOf(v: Validity, n: number): number {
  if (v === null) return 0;
  let valid = 0;
  for (let i = 0; i < n; i++) valid += (v[i >> 3]! >> (i & 7)) & 1;
  return n - valid;
}

/** An Int64-layout buffer from doubles (exact integers) via lo/hi halves; no BigInt per value. */
function int64Buffer(values: Float64Array): BigInt64Array {
  const n = values.length;
  const out = new BigInt64Array(n);
  const w = new Int32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    const hi = Math.floor(x / TWO_32);
    w[2 * i] = x - hi * TWO_32;
    w[2 * i + 1] = hi;
  }
  return out;
}

/** Arrow Data for a vector. */
export function vectorToArrow(v: Vector): Data {
  const n = v.length;
  const type = dataTypeToArrow(v.type);
  const validity = v.kind === 'null' ? null : v.validity;
  const nullCount = v.kind === 'null' ? n : nullCountOf(validity, n);
  const common = { type, length: n, nullCount, ...(validity === null ? {} : { nullBitmap: validity }) };
  switch (v.kind) {
    case 'null':
      if (v.type.kind === 'null') return makeData({ type: new Null(), length: n });
      return vectorToArrow(allNullOf(v.type, n));
    case 'bool':
      return makeData({ ...common, type: type as Bool, data: packBits(v.values, n) });
    case 'i32':
      return makeData({ ...common, type: type as Int32, data: v.values });
    case 'f64': {
      if (v.type.kind === 'float64') return makeData({ ...common, type: type as Float64, data: v.values });
      if (v.type.kind === 'decimal')
        return makeData({ ...common, type: type as Decimal, data: decimalWords(v.values, null) });
      return makeData({ ...common, type: type as Int64, data: int64Buffer(v.values) });
    }
    case 'i64':
      if (v.type.kind === 'decimal')
        return makeData({ ...common, type: type as Decimal, data: decimalWords(null, v.values) });
      return makeData({ ...common, type: type as Int64, data: v.values });
    case 'str': {
      let offsets = v.offsets;
      if (offsets[0] !== 0) offsets = offsets.map((x) => x - v.offsets[0]!);
      const bytes = v.bytes.subarray(v.offsets[0]!, v.offsets[n]!);
      return makeData({ ...common, type: type as Utf8, valueOffsets: offsets, data: bytes });
    }
    case 'interval': {
      const w = new Int32Array(4 * n);
      for (let i = 0; i < n; i++) {
        w[4 * i] = v.months[i]!;
        w[4 * i + 1] = v.days[i]!;
        const nanos = v.micros[i]! * 1000;
        const hi = Math.floor(nanos / TWO_32);
        w[4 * i + 2] = nanos - hi * TWO_32;
        w[4 * i + 3] = hi;
      }
      return makeData({ ...common, type: type as IntervalMonthDayNano, data: w });
    }
  }
}

/** Decimal128 words (4 × Uint32 per value) from scaled integers. */
function decimalWords(f: Float64Array | null, b: BigInt64Array | null): Uint32Array {
  const n = f !== null ? f.length : b!.length;
  const out = new Uint32Array(4 * n);
  if (f !== null) {
    for (let i = 0; i < n; i++) {
      const x = f[i]!;
      const hi = Math.floor(x / TWO_32);
      out[4 * i] = x - hi * TWO_32;
      out[4 * i + 1] = hi;
      const ext = x < 0 ? 0xffffffff : 0;
      out[4 * i + 2] = ext;
      out[4 * i + 3] = ext;
    }
  } else {
    const w = new Int32Array(b!.buffer, b!.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) {
      out[4 * i] = w[2 * i]!;
      out[4 * i + 1] = w[2 * i + 1]!;
      const ext = w[2 * i + 1]! < 0 ? 0xffffffff : 0;
      out[4 * i + 2] = ext;
      out[4 * i + 3] = ext;
    }
  }
  return out;
}

/** An all-NULL vector in the storage of `type` (Arrow has no typed "all null" shortcut). */
function allNullOf(type: DataType, n: number): Vector {
  const validity = new Uint8Array((n + 7) >> 3);
  switch (type.kind) {
    case 'boolean':
      return boolVector(type, new Uint8Array(n), validity);
    case 'int32':
    case 'date':
      return i32Vector(type, new Int32Array(n), validity);
    case 'varchar':
      return strVector(type, new Int32Array(n + 1), new Uint8Array(0), validity);
    case 'interval':
      return intervalVector(type, new Int32Array(n), new Int32Array(n), new Float64Array(n), validity);
    default:
      return f64Vector(type, new Float64Array(n), validity);
  }
}

/** The Skein field of an Arrow field (for callers building schemas by hand). */
export function fieldFromArrow(f: ArrowField): Field {
  return { name: f.name, type: dataTypeFromArrow(f.type, `column '${f.name}'`), nullable: f.nullable };
}

/**
 * Like {@link vectorFromArrow}, for Data whose fixed-width values may be views into memory the
 * caller will reuse (a decoder's): the vector never shares them.
 */
export function vectorFromArrowOwned(d: Data, type: DataType, what = 'a column'): Vector {
  const v = vectorFromArrow(d, type, what);
  const src = (d.values as ArrayBufferView | undefined)?.buffer;
  if (src === undefined) return v;
  if (v.kind === 'i32' && v.values.buffer === src) return i32Vector(v.type, v.values.slice(), v.validity);
  if (v.kind === 'f64' && v.values.buffer === src) return f64Vector(v.type, v.values.slice(), v.validity);
  if (v.kind === 'str' && v.bytes.buffer === src) {
    const base = v.offsets[0]!;
    const offsets = new Int32Array(v.length + 1);
    for (let i = 0; i <= v.length; i++) offsets[i] = v.offsets[i]! - base;
    return strVector(v.type, offsets, v.bytes.slice(base, base + offsets[v.length]!), v.validity);
  }
  return v;
}

/**
 * Converts only the rows `sel[0..n)` of an Arrow Data (no nulls) of the common fixed-width
 * types: `dense` gives an n-row vector of those rows; otherwise a vector of all `d.length` rows
 * where only the selected positions hold values (for kernels that read only selected rows).
 * Undefined when the type, NULLs or a value out of the double range need the general path.
 */
export function vectorFromArrowAt(
  d: Data,
  type: DataType,
  sel: Uint32Array,
  n: number,
  dense: boolean,
): Vector | undefined {
  if (d.nullCount !== 0 || d.offset !== 0) return undefined;
  const t = d.type as ArrowType & Record<string, unknown>;
  const len = dense ? n : d.length;
  switch (d.type.typeId) {
    case Type.Int:
    case Type.Date: {
      const bits = t.bitWidth as number | undefined;
      if (
        d.type.typeId === Type.Date ? t.unit !== 0 : !(t.isSigned as boolean) || (bits !== 32 && bits !== 64)
      )
        return undefined;
      if (d.type.typeId === Type.Date || bits === 32) {
        const src = d.values as Int32Array;
        const out = new Int32Array(len);
        if (dense) for (let j = 0; j < n; j++) out[j] = src[sel[j]!]!;
        else
          for (let j = 0; j < n; j++) {
            const i = sel[j]!;
            out[i] = src[i]!;
          }
        return i32Vector(type, out, null);
      }
      const raw = d.values as BigInt64Array;
      const out = int64At(new Int32Array(raw.buffer, raw.byteOffset, d.length * 2), sel, n, len, dense);
      return out === undefined ? undefined : f64Vector(type, out, null);
    }
    case Type.Float: {
      if (!(d.values instanceof Float64Array)) return undefined;
      const src = d.values;
      const out = new Float64Array(len);
      if (dense) for (let j = 0; j < n; j++) out[j] = src[sel[j]!]!;
      else
        for (let j = 0; j < n; j++) {
          const i = sel[j]!;
          out[i] = src[i]!;
        }
      return f64Vector(type, out, null);
    }
    case Type.Dictionary: {
      // Strings by codes: only the selected rows' strings are built.
      const dict = (d as Data & { dictionary?: { data: Data[] } }).dictionary;
      if (!dense || !(d.values instanceof Int32Array) || dict === undefined || dict.data.length !== 1)
        return undefined;
      const dv = vectorFromArrow(dict.data[0]!, type);
      if (dv.kind !== 'str') return undefined;
      const codes = new Int32Array(n);
      for (let j = 0; j < n; j++) codes[j] = d.values[sel[j]!]!;
      return expandDictionary(dv, codes, n, type, null, 'a dictionary column');
    }
    case Type.Utf8:
      // The selected strings, gathered straight from the (possibly borrowed) buffers.
      if (!dense) return undefined;
      return takeVector(
        strVector(type, (d.valueOffsets as Int32Array).subarray(0, d.length + 1), d.values as Uint8Array),
        sel,
        n,
      );
    case Type.Decimal: {
      if (t.bitWidth !== 64) return undefined;
      const raw = d.values as Uint32Array;
      const out = int64At(new Int32Array(raw.buffer, raw.byteOffset, d.length * 2), sel, n, len, dense);
      return out === undefined ? undefined : f64Vector(type, out, null);
    }
    default:
      return undefined;
  }
}

/** Int64 halves at the selected rows → doubles; undefined when one does not fit 2^53. */
function int64At(
  words: Int32Array,
  sel: Uint32Array,
  n: number,
  len: number,
  dense: boolean,
): Float64Array | undefined {
  const out = new Float64Array(len);
  let bad = 0;
  for (let j = 0; j < n; j++) {
    const i = sel[j]!;
    const hi = words[2 * i + 1]!;
    bad |= (hi + HI_LIMIT) >>> 22;
    out[dense ? j : i] = hi * TWO_32 + (words[2 * i]! >>> 0);
  }
  return bad === 0 ? out : undefined;
}
