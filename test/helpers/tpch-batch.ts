/**
 * Hand-made TPC-H batches for format tests.
 *
 * @example
 * const batch = tpchBatch('region', {
 *   r_regionkey: [0, 1],
 *   r_name: ['AFRICA', 'AMERICA'],
 *   r_comment: ['a, b', 'say "hi"'],
 * });
 */
import {
  TPCH_SCHEMAS,
  type TpchBatch,
  type TpchColumnData,
  type TpchTableName,
} from '../../src/tpch/schema.ts';

/** Values per column: numbers (decimals in hundredths, dates in days since 1970-01-01) or strings. */
export type TpchRowsByColumn = Record<string, readonly (number | string)[]>;

export function tpchBatch(table: TpchTableName, values: TpchRowsByColumn): TpchBatch {
  const defs = TPCH_SCHEMAS[table];
  const rows = values[defs[0]!.name]?.length ?? 0;
  const enc = new TextEncoder();
  const columns = defs.map((def): TpchColumnData => {
    const v = values[def.name];
    if (!v || v.length !== rows) throw new Error(`column ${def.name}: expected ${rows} values`);
    switch (def.type) {
      case 'int32':
        return { type: 'int32', values: Int32Array.from(v as number[]) };
      case 'date':
        return { type: 'date', values: Int32Array.from(v as number[]) };
      case 'int64':
      case 'decimal':
        return { type: def.type, values: Float64Array.from(v as number[]) };
      case 'string': {
        const parts = (v as string[]).map((s) => enc.encode(s));
        const offsets = new Int32Array(rows + 1);
        for (let i = 0; i < rows; i++) offsets[i + 1] = offsets[i]! + parts[i]!.length;
        const bytes = new Uint8Array(offsets[rows]!);
        for (let i = 0; i < rows; i++) bytes.set(parts[i]!, offsets[i]!);
        return { type: 'string', offsets, bytes };
      }
      default:
        throw new Error(`unknown column type ${String(def.type)}`);
    }
  });
  return { table, rows, columns };
}

/** Splits a batch's rows into consecutive batches of the given sizes (for multi-batch writes). */
export function sliceTpchBatch(batch: TpchBatch, start: number, end: number): TpchBatch {
  const columns = batch.columns.map((c): TpchColumnData => {
    if (c.type === 'string') {
      // Keep the original bytes and offsets that do not start at 0, as a generator might.
      return { type: 'string', offsets: c.offsets.subarray(start, end + 1), bytes: c.bytes };
    }
    if (c.type === 'int32' || c.type === 'date')
      return { type: c.type, values: c.values.subarray(start, end) };
    return { type: c.type, values: c.values.subarray(start, end) };
  });
  return { table: batch.table, rows: end - start, columns };
}

/** Collects what a format writer sends to its sink. */
export function memorySink(): {
  sink: (chunk: Uint8Array) => Promise<void>;
  chunks: Uint8Array[];
  bytes(): Uint8Array;
} {
  const chunks: Uint8Array[] = [];
  return {
    chunks,
    sink: async (chunk) => {
      chunks.push(chunk.slice());
    },
    bytes() {
      const total = chunks.reduce((s, c) => s + c.length, 0);
      const out = new Uint8Array(total);
      let p = 0;
      for (const c of chunks) {
        out.set(c, p);
        p += c.length;
      }
      return out;
    },
  };
}
