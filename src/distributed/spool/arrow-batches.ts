import {
  Data,
  type DataType,
  type Field,
  makeData,
  RecordBatch,
  type Schema,
  Struct,
  Type,
} from 'apache-arrow';

/**
 * The Arrow helpers the spool writer needs: how many bytes rows occupy in memory, and gathering
 * row ranges of many batches into one batch — so that a bucket's section holds a few large IPC
 * record batches rather than one per partitioned input batch (each message costs a metadata
 * header, padding and a decode step), and so that the writer never builds per-bucket slices
 * (apache-arrow's `RecordBatch.slice` costs ~20 µs for six columns; at 256 buckets per input
 * batch that dominated writing).
 */

/** Rows [lo, hi) of a batch. */
export interface RowRange {
  batch: RecordBatch;
  lo: number;
  hi: number;
}

type TypedArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;
type TypedArrayCtor = new (length: number) => TypedArray;

/** Bytes of the Arrow buffers a batch's rows occupy (a sliced batch counts only its share). */
export function batchBytes(batch: RecordBatch): number {
  return rangeBytes(batch, 0, batch.numRows);
}

/** Bytes of the Arrow buffers rows [lo, hi) of a batch occupy. */
export function rangeBytes(batch: RecordBatch, lo: number, hi: number): number {
  let n = 0;
  for (const child of batch.data.children) n += dataBytes(child, lo, hi);
  return n;
}

function dataBytes(d: Data, lo: number, hi: number): number {
  const length = hi - lo;
  let n = d.nullBitmap && d.nullBitmap.byteLength > 0 ? (length + 7) >> 3 : 0;
  switch (d.typeId) {
    case Type.Null:
      return 0;
    case Type.Bool:
      return n + ((length + 7) >> 3);
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const o = d.valueOffsets;
      n += (length + 1) * o.BYTES_PER_ELEMENT;
      return n + Number(o[hi]!) - Number(o[lo]!);
    }
    case Type.Dictionary:
      n += length * (d.values as TypedArray).BYTES_PER_ELEMENT;
      // The dictionary is shared by batches; counting it with each gives an upper bound.
      for (const chunk of d.dictionary?.data ?? []) n += dataBytes(chunk, 0, chunk.length);
      return n;
    case Type.Struct:
      for (const c of d.children) n += dataBytes(c, lo, hi);
      return n;
    default: {
      if (d.values) n += length * d.stride * (d.values as TypedArray).BYTES_PER_ELEMENT;
      if (d.valueOffsets) n += (length + 1) * d.valueOffsets.BYTES_PER_ELEMENT;
      if (d.typeIds) n += length;
      // Lists, maps, unions: children are not aligned with the rows; count them in proportion.
      const share = d.length > 0 ? length / d.length : 0;
      for (const c of d.children) n += Math.round(dataBytes(c, 0, c.length) * share);
      return n;
    }
  }
}

/** Whether {@link concatRanges} can gather batches of this schema (flat types and structs of them). */
export function canConcat(schema: Schema): boolean {
  return schema.fields.every((f: Field) => concatenable(f.type));
}

function concatenable(t: DataType): boolean {
  switch (t.typeId) {
    case Type.Null:
    case Type.Bool:
    case Type.Int:
    case Type.Float:
    case Type.Decimal:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Interval:
    case Type.Duration:
    case Type.FixedSizeBinary:
    case Type.Utf8:
    case Type.Binary:
      return true;
    case Type.Struct:
      return t.children.every((c: Field) => concatenable(c.type));
    default:
      return false;
  }
}

/** One batch of the rows of `batches`, in order. The schema must pass {@link canConcat}. */
export function concatBatches(schema: Schema, batches: readonly RecordBatch[]): RecordBatch {
  return concatRanges(
    schema,
    batches.map((batch) => ({ batch, lo: 0, hi: batch.numRows })),
  );
}

/** One batch of the rows of `ranges`, in order, in fresh buffers. The schema must pass {@link canConcat}. */
export function concatRanges(schema: Schema, ranges: readonly RowRange[]): RecordBatch {
  const type = new Struct(schema.fields);
  const children = schema.fields.map((f: Field, i: number) =>
    gather(
      ranges.map((r) => ({ d: r.batch.data.children[i]!, lo: r.lo, n: r.hi - r.lo })),
      f.type,
    ),
  );
  let length = 0;
  for (const r of ranges) length += r.hi - r.lo;
  return new RecordBatch(schema, makeData({ type, length, children }));
}

/** A part to gather: `n` values of `d` from its value `lo` on. */
interface Part {
  d: Data;
  lo: number;
  n: number;
}

function gather(parts: readonly Part[], type: DataType): Data {
  let length = 0;
  let anyNulls = false;
  for (const p of parts) {
    length += p.n;
    if (p.d.nullBitmap && p.d.nullBitmap.byteLength > 0 && p.d.nullCount !== 0) anyNulls = true;
  }
  if (type.typeId === Type.Null) return new Data(type, 0, length, length);
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (anyNulls) {
    nullBitmap = new Uint8Array((length + 7) >> 3);
    let at = 0;
    for (const p of parts) {
      const bm = p.d.nullBitmap;
      if (bm && bm.byteLength > 0 && p.d.nullCount !== 0)
        copyBits(bm, p.d.offset + p.lo, nullBitmap, at, p.n);
      else setBits(nullBitmap, at, p.n);
      at += p.n;
    }
    nullCount = length - popcount(nullBitmap, length);
  }
  const buffers: [Int32Array | undefined, TypedArray | undefined, Uint8Array | undefined] = [
    undefined,
    undefined,
    nullBitmap,
  ];
  let children: Data[] = [];
  switch (type.typeId) {
    case Type.Bool: {
      const out = new Uint8Array((length + 7) >> 3);
      let at = 0;
      for (const p of parts) {
        copyBits(p.d.values as Uint8Array, p.d.offset + p.lo, out, at, p.n);
        at += p.n;
      }
      buffers[1] = out;
      break;
    }
    case Type.Utf8:
    case Type.Binary: {
      const offsets = new Int32Array(length + 1);
      let bytes = 0;
      for (const p of parts) bytes += p.d.valueOffsets[p.lo + p.n]! - p.d.valueOffsets[p.lo]!;
      const values = new Uint8Array(bytes);
      let row = 0;
      let at = 0;
      for (const p of parts) {
        const o = p.d.valueOffsets as Int32Array;
        const begin = o[p.lo]!;
        const end = o[p.lo + p.n]!;
        const v = p.d.values as Uint8Array;
        if (end - begin <= 64) for (let k = begin; k < end; k++) values[at + k - begin] = v[k]!;
        else values.set(v.subarray(begin, end), at);
        const shift = at - begin;
        for (let i = 1; i <= p.n; i++) offsets[row + i] = o[p.lo + i]! + shift;
        row += p.n;
        at += end - begin;
      }
      buffers[0] = offsets;
      buffers[1] = values;
      break;
    }
    case Type.Struct:
      children = type.children.map((f: Field, i: number) =>
        gather(
          parts.map((p) => ({ d: p.d.children[i]!, lo: p.lo, n: p.n })),
          f.type,
        ),
      );
      break;
    default: {
      // Fixed-width values: a Data's `values` start at its first value.
      const stride = parts[0]?.d.stride ?? 1;
      const ctor = (parts[0]?.d.values.constructor ?? Uint8Array) as TypedArrayCtor;
      const out = new ctor(length * stride);
      let at = 0;
      for (const p of parts) {
        const n = p.n * stride;
        const v = p.d.values as Uint8Array;
        const from = p.lo * stride;
        // Short runs (the common case: a partitioned batch gives each bucket a few rows) are
        // copied in a loop; a subarray per run would cost more than the copy.
        if (n <= 64) for (let k = 0; k < n; k++) (out as Uint8Array)[at + k] = v[from + k]!;
        else (out as Uint8Array).set(v.subarray(from, from + n), at);
        at += n;
      }
      buffers[1] = out;
    }
  }
  return new Data(type, 0, length, nullCount, buffers, children);
}

/** Copies `n` bits from `src` at bit `from` to `dst` at bit `to` (dst bits start cleared). */
function copyBits(src: Uint8Array, from: number, dst: Uint8Array, to: number, n: number): void {
  // Single bits until the destination is byte-aligned…
  for (; n > 0 && (to & 7) !== 0; n--, from++, to++) {
    if ((src[from >> 3]! >> (from & 7)) & 1) dst[to >> 3]! |= 1 << (to & 7);
  }
  // …then whole destination bytes, each from (at most) two source bytes…
  const whole = n >> 3;
  const si = from >> 3;
  const di = to >> 3;
  const shift = from & 7;
  if (shift === 0) {
    if (whole <= 16) for (let k = 0; k < whole; k++) dst[di + k] = src[si + k]!;
    else dst.set(src.subarray(si, si + whole), di);
  } else {
    for (let k = 0; k < whole; k++) {
      dst[di + k] = (src[si + k]! >> shift) | (((src[si + k + 1] ?? 0) << (8 - shift)) & 0xff);
    }
  }
  from += whole << 3;
  to += whole << 3;
  n -= whole << 3;
  // …and the last bits.
  for (; n > 0; n--, from++, to++) {
    if ((src[from >> 3]! >> (from & 7)) & 1) dst[to >> 3]! |= 1 << (to & 7);
  }
}

function setBits(dst: Uint8Array, to: number, n: number): void {
  let i = 0;
  for (; i < n && ((to + i) & 7) !== 0; i++) dst[(to + i) >> 3]! |= 1 << ((to + i) & 7);
  const full = (n - i) >> 3;
  if (full > 0) {
    dst.fill(0xff, (to + i) >> 3, ((to + i) >> 3) + full);
    i += full << 3;
  }
  for (; i < n; i++) dst[(to + i) >> 3]! |= 1 << ((to + i) & 7);
}

const POPCOUNT = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = (i & 1) + t[i >> 1]!;
  return t;
})();

/** Set bits among the first `length` of a bitmap whose bits past `length` are clear. */
function popcount(bm: Uint8Array, length: number): number {
  let n = 0;
  const bytes = (length + 7) >> 3;
  for (let i = 0; i < bytes; i++) n += POPCOUNT[bm[i]!]!;
  return n;
}
