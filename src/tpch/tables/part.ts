import { getDist } from '../dists.ts';
import { RowStream, STREAMS } from '../random.ts';
import type { TpchScale } from '../scale.ts';
import type { TpchBatch } from '../schema.ts';
import { StringColumnBuilder } from './string-column.ts';
import { TextColumn } from './text-column.ts';
import { longest, pickIndex } from './values.ts';

/** Suppliers per part in partsupp (dbgen's SUPP_PER_PART). */
export const SUPPLIERS_PER_PART = 4;

/** Words in a part name, drawn without repetition from the colors (dbgen's P_NAME_SCL). */
const NAME_WORDS = 5;

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const MANUFACTURER = enc('Manufacturer#');
const BRAND = enc('Brand#');

/**
 * p_retailprice in cents for a part key (dbgen's rpb_routine); lineitem prices use it too.
 * (Remainders are written out with floor: `%` on doubles is a slow library call in V8.)
 */
export function retailPriceCents(partKey: number): number {
  const tenths = Math.floor(partKey / 10);
  const thousands = Math.floor(partKey / 1000);
  return 90000 + (tenths - Math.floor(tenths / 20001) * 20001) + (partKey - thousands * 1000) * 100;
}

/**
 * The supplier of part `partKey`'s `n`-th supply (0 ≤ n < 4): dbgen's PART_SUPP_BRIDGE, which
 * spreads a part's four suppliers a quarter of the supplier range apart.
 */
export function partSupplier(partKey: number, n: number, suppliers: number): number {
  // 4 is SUPPLIERS_PER_PART (a literal: module bindings are slow to read in hot code).
  const x = partKey + n * (Math.floor(suppliers / 4) + Math.floor((partKey - 1) / suppliers));
  return x - Math.floor(x / suppliers) * suppliers + 1;
}

/**
 * PART rows (dbgen's mk_part), one per unit; units are 0-based part indexes.
 */
export class PartGenerator {
  private next: number;
  private readonly name: RowStream;
  private readonly mfgr: RowStream;
  private readonly brand: RowStream;
  private readonly type: RowStream;
  private readonly size: RowStream;
  private readonly container: RowStream;
  private readonly comment: RowStream;
  private readonly text: TextColumn;
  private readonly colors = getDist('colors');
  private readonly types = getDist('p_types');
  private readonly containers = getDist('p_cntr');
  /** Scratch permutation of the colors; dbgen permutes all of them and takes the first five. */
  private readonly permutation: Int32Array;

  constructor(pool: Uint8Array, start: number) {
    this.next = start;
    this.name = new RowStream(STREAMS.P_NAME, start);
    this.mfgr = new RowStream(STREAMS.P_MFG, start);
    this.brand = new RowStream(STREAMS.P_BRND, start);
    this.type = new RowStream(STREAMS.P_TYPE, start);
    this.size = new RowStream(STREAMS.P_SIZE, start);
    this.container = new RowStream(STREAMS.P_CNTR, start);
    this.comment = new RowStream(STREAMS.P_CMNT, start);
    this.text = new TextColumn(pool, 14);
    this.permutation = new Int32Array(this.colors.values.length);
  }

  batch(units: number): TpchBatch {
    const c = {
      keys: new Float64Array(units),
      names: new StringColumnBuilder(units, NAME_WORDS * (longest(this.colors) + 1)),
      mfgrs: new StringColumnBuilder(units, MANUFACTURER.length + 1),
      brands: new StringColumnBuilder(units, BRAND.length + 2),
      types: new StringColumnBuilder(units, longest(this.types)),
      sizes: new Int32Array(units),
      containers: new StringColumnBuilder(units, longest(this.containers)),
      prices: new Float64Array(units),
      comments: new StringColumnBuilder(units, this.text.max),
    };
    this.fill(c, units);
    this.next += units;
    return {
      table: 'part',
      rows: units,
      columns: [
        { type: 'int64', values: c.keys },
        c.names.finish(),
        c.mfgrs.finish(),
        c.brands.finish(),
        c.types.finish(),
        { type: 'int32', values: c.sizes },
        c.containers.finish(),
        { type: 'decimal', values: c.prices },
        this.text.finish(c.comments),
      ],
    };
  }

  /**
   * The hot loop, apart from building the batch: V8 compiles a long first call on the fly, and
   * code after the loop that has not run yet would throw that compiled code away on every call.
   */
  private fill(
    c: {
      keys: Float64Array;
      names: StringColumnBuilder;
      mfgrs: StringColumnBuilder;
      brands: StringColumnBuilder;
      types: StringColumnBuilder;
      sizes: Int32Array;
      containers: StringColumnBuilder;
      prices: Float64Array;
      comments: StringColumnBuilder;
    },
    units: number,
  ): void {
    const { keys, names, mfgrs, brands, types, sizes, containers, prices, comments } = c;
    const colors = this.colors;
    const perm = this.permutation;
    const colorCount = perm.length;
    const nameWords = NAME_WORDS;
    const manufacturer = MANUFACTURER;
    const brand = BRAND;
    for (let r = 0; r < units; r++) {
      const key = this.next + r + 1;
      keys[r] = key;

      // dbgen shuffles all colors (one draw per position) and keeps the first five; positions
      // before k are final after step k, so the other draws only need to be skipped.
      for (let i = 0; i < colorCount; i++) perm[i] = i;
      for (let i = 0; i < nameWords; i++) {
        const j = i + Math.floor((this.name.next() / 2147483647) * (colorCount - i));
        const t = perm[j]!;
        perm[j] = perm[i]!;
        perm[i] = t;
        if (i > 0) names.byte(0x20);
        names.append(colors.bytes[t]!);
      }
      names.endRow();

      const m = this.mfgr.int(1, 5);
      mfgrs.append(manufacturer);
      mfgrs.padded(m, 1);
      mfgrs.endRow();
      brands.append(brand);
      brands.padded(m * 10 + this.brand.int(1, 5), 2);
      brands.endRow();
      types.append(this.types.bytes[pickIndex(this.type, this.types)]!);
      types.endRow();
      sizes[r] = this.size.int(1, 50);
      containers.append(this.containers.bytes[pickIndex(this.container, this.containers)]!);
      containers.endRow();
      prices[r] = retailPriceCents(key);
      this.text.append(this.comment, comments);
      comments.endRow();

      this.name.endRow();
      this.mfgr.endRow();
      this.brand.endRow();
      this.type.endRow();
      this.size.endRow();
      this.container.endRow();
      this.comment.endRow();
    }
  }
}

/**
 * PARTSUPP rows: four per part, generated with the part as dbgen does but on their own streams,
 * so partsupp can be generated without the part columns. Units are 0-based part indexes.
 */
export class PartSuppGenerator {
  private next: number;
  private readonly quantity: RowStream;
  private readonly cost: RowStream;
  private readonly comment: RowStream;
  private readonly text: TextColumn;
  private readonly suppliers: number;

  constructor(pool: Uint8Array, scale: TpchScale, start: number) {
    this.next = start;
    this.quantity = new RowStream(STREAMS.PS_QTY, start);
    this.cost = new RowStream(STREAMS.PS_SCST, start);
    this.comment = new RowStream(STREAMS.PS_CMNT, start);
    this.text = new TextColumn(pool, 124);
    this.suppliers = scale.suppliers;
  }

  batch(units: number): TpchBatch {
    const rows = units * SUPPLIERS_PER_PART;
    const c = {
      partKeys: new Float64Array(rows),
      suppKeys: new Float64Array(rows),
      quantities: new Int32Array(rows),
      costs: new Float64Array(rows),
      comments: new StringColumnBuilder(rows, this.text.max),
    };
    this.fill(c, units);
    this.next += units;
    return {
      table: 'partsupp',
      rows,
      columns: [
        { type: 'int64', values: c.partKeys },
        { type: 'int64', values: c.suppKeys },
        { type: 'int32', values: c.quantities },
        { type: 'decimal', values: c.costs },
        this.text.finish(c.comments),
      ],
    };
  }

  /** The hot loop, apart from building the batch (see PartGenerator.fill). */
  private fill(
    c: {
      partKeys: Float64Array;
      suppKeys: Float64Array;
      quantities: Int32Array;
      costs: Float64Array;
      comments: StringColumnBuilder;
    },
    units: number,
  ): void {
    const { partKeys, suppKeys, quantities, costs, comments } = c;
    const suppliers = this.suppliers;
    const perPart = SUPPLIERS_PER_PART;
    let row = 0;
    for (let u = 0; u < units; u++) {
      const partKey = this.next + u + 1;
      for (let n = 0; n < perPart; n++) {
        partKeys[row] = partKey;
        suppKeys[row] = partSupplier(partKey, n, suppliers);
        quantities[row] = this.quantity.int(1, 9999);
        costs[row] = this.cost.int(100, 100000);
        this.text.append(this.comment, comments);
        comments.endRow();
        row++;
      }
      this.quantity.endRow();
      this.cost.endRow();
      this.comment.endRow();
    }
  }
}
