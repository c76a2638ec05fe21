import { getDist } from '../dists.ts';
import { RowStream, STREAMS } from '../random.ts';
import type { TpchScale } from '../scale.ts';
import type { TpchBatch } from '../schema.ts';
import { partSupplier, retailPriceCents } from './part.ts';
import { StringColumnBuilder } from './string-column.ts';
import { TextColumn } from './text-column.ts';
import { longest, pickIndex } from './values.ts';

/** Most lines in one order (dbgen's O_LCNT_MAX). */
export const MAX_LINES_PER_ORDER = 7;

const DAY_MS = 86_400_000;
/** dbgen's STARTDATE, 1992-01-01, in days since 1970-01-01. */
const START_DAY = Date.UTC(1992, 0, 1) / DAY_MS;
/** dbgen's CURRENTDATE, 1995-06-17, in days after STARTDATE: lines shipped by then are 'F'. */
const CURRENT = (Date.UTC(1995, 5, 17) - Date.UTC(1992, 0, 1)) / DAY_MS;
/**
 * Order dates are drawn from the first TOTDATE − (L_SDTE_MAX + L_RDTE_MAX) days (2557 − 151), so
 * every line is received by 1998-12-31.
 */
const ORDER_DAYS = 2557 - (121 + 30);
/** Customers whose key is a multiple of this place no orders (dbgen's CUST_MORTALITY). */
const CUSTOMER_MORTALITY = 3;

const CLERK_TAG = new TextEncoder().encode('Clerk#');

/** o_orderkey of the 1-based order index: dbgen keeps 8 of every 32 keys (mk_sparse). */
export function orderKey(index: number): number {
  const high = Math.floor(index / 8);
  return high * 32 + (index - high * 8);
}

/**
 * What an order and its lines share (dbgen's mk_order makes them together): the order date, the
 * line count, and per line the values o_totalprice and o_orderstatus are computed from. Both
 * tables draw these; each table draws its other columns from streams of its own, so either can be
 * generated without the other.
 */
class OrderCore {
  private readonly orderDate: RowStream;
  private readonly lineCount: RowStream;
  private readonly quantityStream: RowStream;
  private readonly discountStream: RowStream;
  private readonly taxStream: RowStream;
  private readonly partKeyStream: RowStream;
  private readonly shipDateStream: RowStream;
  private readonly parts: number;

  /** The current order: 1-based index, date (days after STARTDATE) and line count. */
  index: number;
  orderDay = 0;
  lines = 0;
  /** o_totalprice in cents and the number of lines shipped by CURRENTDATE. */
  total = 0;
  shipped = 0;
  /** Per line of the current order. */
  readonly quantity = new Int32Array(MAX_LINES_PER_ORDER);
  readonly discount = new Int32Array(MAX_LINES_PER_ORDER);
  readonly tax = new Int32Array(MAX_LINES_PER_ORDER);
  readonly partKey = new Float64Array(MAX_LINES_PER_ORDER);
  readonly price = new Float64Array(MAX_LINES_PER_ORDER);
  readonly shipDay = new Int32Array(MAX_LINES_PER_ORDER);

  constructor(scale: TpchScale, start: number) {
    this.index = start;
    this.parts = scale.parts;
    this.orderDate = new RowStream(STREAMS.O_ODATE, start);
    this.lineCount = new RowStream(STREAMS.O_LCNT, start);
    this.quantityStream = new RowStream(STREAMS.L_QTY, start);
    this.discountStream = new RowStream(STREAMS.L_DCNT, start);
    this.taxStream = new RowStream(STREAMS.L_TAX, start);
    this.partKeyStream = new RowStream(STREAMS.L_PKEY, start);
    this.shipDateStream = new RowStream(STREAMS.L_SDTE, start);
  }

  /** Draws the next order's shared values. */
  next(): void {
    // Locals, not module bindings, in hot code: those are slow to read in optimized code.
    const current = CURRENT;
    const orderDays = ORDER_DAYS;
    this.index++;
    const orderDay = Math.floor((this.orderDate.next() / 2147483647) * orderDays);
    const lines = this.lineCount.int(1, 7); // MAX_LINES_PER_ORDER
    let total = 0;
    let shipped = 0;
    for (let l = 0; l < lines; l++) {
      const quantity = this.quantityStream.int(1, 50);
      const discount = this.discountStream.int(0, 10);
      const tax = this.taxStream.int(0, 8);
      const partKey = this.partKeyStream.int(1, this.parts);
      const price = retailPriceCents(partKey) * quantity;
      total += Math.floor((Math.floor((price * (100 - discount)) / 100) * (100 + tax)) / 100);
      const shipDay = orderDay + this.shipDateStream.int(1, 121);
      if (shipDay <= current) shipped++;
      this.quantity[l] = quantity;
      this.discount[l] = discount;
      this.tax[l] = tax;
      this.partKey[l] = partKey;
      this.price[l] = price;
      this.shipDay[l] = shipDay;
    }
    this.orderDay = orderDay;
    this.lines = lines;
    this.total = total;
    this.shipped = shipped;
    this.orderDate.endRow();
    this.lineCount.endRow();
    this.quantityStream.endRow();
    this.discountStream.endRow();
    this.taxStream.endRow();
    this.partKeyStream.endRow();
    this.shipDateStream.endRow();
  }
}

/** ORDERS rows (dbgen's mk_order); units are 0-based order indexes. */
export class OrdersGenerator {
  private readonly core: OrderCore;
  private readonly customer: RowStream;
  private readonly priority: RowStream;
  private readonly clerk: RowStream;
  private readonly comment: RowStream;
  private readonly text: TextColumn;
  private readonly priorities = getDist('o_oprio');
  private readonly customers: number;
  private readonly clerks: number;

  constructor(pool: Uint8Array, scale: TpchScale, start: number) {
    this.core = new OrderCore(scale, start);
    this.customer = new RowStream(STREAMS.O_CKEY, start);
    this.priority = new RowStream(STREAMS.O_PRIO, start);
    this.clerk = new RowStream(STREAMS.O_CLRK, start);
    this.comment = new RowStream(STREAMS.O_CMNT, start);
    this.text = new TextColumn(pool, 49);
    this.customers = scale.customers;
    this.clerks = Math.max(scale.scale * 1000, 1000);
  }

  batch(units: number): TpchBatch {
    const c = {
      keys: new Float64Array(units),
      custKeys: new Float64Array(units),
      status: new StringColumnBuilder(units, 1),
      totals: new Float64Array(units),
      dates: new Int32Array(units),
      priorities: new StringColumnBuilder(units, longest(this.priorities)),
      clerks: new StringColumnBuilder(units, CLERK_TAG.length + 16),
      shipPriorities: new Int32Array(units),
      comments: new StringColumnBuilder(units, this.text.max),
    };
    this.fill(c, units);
    return {
      table: 'orders',
      rows: units,
      columns: [
        { type: 'int64', values: c.keys },
        { type: 'int64', values: c.custKeys },
        c.status.finish(),
        { type: 'decimal', values: c.totals },
        { type: 'date', values: c.dates },
        c.priorities.finish(),
        c.clerks.finish(),
        { type: 'int32', values: c.shipPriorities },
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
      custKeys: Float64Array;
      status: StringColumnBuilder;
      totals: Float64Array;
      dates: Int32Array;
      priorities: StringColumnBuilder;
      clerks: StringColumnBuilder;
      comments: StringColumnBuilder;
    },
    units: number,
  ): void {
    const { keys, custKeys, status, totals, dates, priorities, clerks, comments } = c;
    const core = this.core;
    const customers = this.customers;
    const startDay = START_DAY;
    const clerkTag = CLERK_TAG;
    const mortality = CUSTOMER_MORTALITY;
    for (let r = 0; r < units; r++) {
      core.next();
      keys[r] = orderKey(core.index);
      let customer = this.customer.int(1, customers);
      // Every third customer places no orders: step off those keys, alternately up and down.
      for (let delta = 1; customer - Math.floor(customer / mortality) * mortality === 0; delta = -delta) {
        customer = Math.min(customer + delta, customers);
      }
      custKeys[r] = customer;
      status.byte(core.shipped === core.lines ? 0x46 : core.shipped > 0 ? 0x50 : 0x4f); // F, P, O
      status.endRow();
      totals[r] = core.total;
      dates[r] = startDay + core.orderDay;
      priorities.append(this.priorities.bytes[pickIndex(this.priority, this.priorities)]!);
      priorities.endRow();
      clerks.append(clerkTag);
      clerks.padded(this.clerk.int(1, this.clerks), 9);
      clerks.endRow();
      this.text.append(this.comment, comments);
      comments.endRow();
      this.customer.endRow();
      this.priority.endRow();
      this.clerk.endRow();
      this.comment.endRow();
    }
  }
}

/** LINEITEM rows, 1–7 per order; units are 0-based order indexes. */
export class LineitemGenerator {
  private readonly core: OrderCore;
  private readonly supplier: RowStream;
  private readonly commitDate: RowStream;
  private readonly receiptDate: RowStream;
  private readonly returnFlag: RowStream;
  private readonly instruction: RowStream;
  private readonly mode: RowStream;
  private readonly comment: RowStream;
  private readonly text: TextColumn;
  private readonly instructions = getDist('instruct');
  private readonly modes = getDist('smode');
  private readonly flags = getDist('rflag');
  private readonly suppliers: number;

  constructor(pool: Uint8Array, scale: TpchScale, start: number) {
    this.core = new OrderCore(scale, start);
    this.supplier = new RowStream(STREAMS.L_SKEY, start);
    this.commitDate = new RowStream(STREAMS.L_CDTE, start);
    this.receiptDate = new RowStream(STREAMS.L_RDTE, start);
    this.returnFlag = new RowStream(STREAMS.L_RFLG, start);
    this.instruction = new RowStream(STREAMS.L_SHIP, start);
    this.mode = new RowStream(STREAMS.L_SMODE, start);
    this.comment = new RowStream(STREAMS.L_CMNT, start);
    this.text = new TextColumn(pool, 27);
    this.suppliers = scale.suppliers;
  }

  batch(units: number): TpchBatch {
    const capacity = units * MAX_LINES_PER_ORDER;
    const c = {
      orderKeys: new Float64Array(capacity),
      partKeys: new Float64Array(capacity),
      suppKeys: new Float64Array(capacity),
      numbers: new Int32Array(capacity),
      quantities: new Float64Array(capacity),
      prices: new Float64Array(capacity),
      discounts: new Float64Array(capacity),
      taxes: new Float64Array(capacity),
      flags: new StringColumnBuilder(capacity, 1),
      status: new StringColumnBuilder(capacity, 1),
      shipDates: new Int32Array(capacity),
      commitDates: new Int32Array(capacity),
      receiptDates: new Int32Array(capacity),
      instructions: new StringColumnBuilder(capacity, longest(this.instructions)),
      modes: new StringColumnBuilder(capacity, longest(this.modes)),
      comments: new StringColumnBuilder(capacity, this.text.max),
    };
    const rows = this.fill(c, units);
    return {
      table: 'lineitem',
      rows,
      columns: [
        { type: 'int64', values: c.orderKeys.subarray(0, rows) },
        { type: 'int64', values: c.partKeys.subarray(0, rows) },
        { type: 'int64', values: c.suppKeys.subarray(0, rows) },
        { type: 'int32', values: c.numbers.subarray(0, rows) },
        { type: 'decimal', values: c.quantities.subarray(0, rows) },
        { type: 'decimal', values: c.prices.subarray(0, rows) },
        { type: 'decimal', values: c.discounts.subarray(0, rows) },
        { type: 'decimal', values: c.taxes.subarray(0, rows) },
        c.flags.finish(),
        c.status.finish(),
        { type: 'date', values: c.shipDates.subarray(0, rows) },
        { type: 'date', values: c.commitDates.subarray(0, rows) },
        { type: 'date', values: c.receiptDates.subarray(0, rows) },
        c.instructions.finish(),
        c.modes.finish(),
        this.text.finish(c.comments),
      ],
    };
  }

  /** The hot loop, apart from building the batch (see OrdersGenerator.fill); returns the rows. */
  private fill(
    c: {
      orderKeys: Float64Array;
      partKeys: Float64Array;
      suppKeys: Float64Array;
      numbers: Int32Array;
      quantities: Float64Array;
      prices: Float64Array;
      discounts: Float64Array;
      taxes: Float64Array;
      flags: StringColumnBuilder;
      status: StringColumnBuilder;
      shipDates: Int32Array;
      commitDates: Int32Array;
      receiptDates: Int32Array;
      instructions: StringColumnBuilder;
      modes: StringColumnBuilder;
      comments: StringColumnBuilder;
    },
    units: number,
  ): number {
    const { orderKeys, partKeys, suppKeys, numbers, quantities, prices, discounts, taxes } = c;
    const { flags, status, shipDates, commitDates, receiptDates, instructions, modes, comments } = c;
    const core = this.core;
    const suppliers = this.suppliers;
    const flagBytes = this.flags.bytes.map((b) => b[0]!);
    const startDay = START_DAY;
    const current = CURRENT;
    let row = 0;
    for (let u = 0; u < units; u++) {
      core.next();
      const key = orderKey(core.index);
      const orderDay = core.orderDay;
      for (let l = 0; l < core.lines; l++) {
        const partKey = core.partKey[l]!;
        const shipDay = core.shipDay[l]!;
        orderKeys[row] = key;
        partKeys[row] = partKey;
        suppKeys[row] = partSupplier(partKey, this.supplier.int(0, 3), suppliers);
        numbers[row] = l + 1;
        quantities[row] = core.quantity[l]! * 100;
        prices[row] = core.price[l]!;
        discounts[row] = core.discount[l]!;
        taxes[row] = core.tax[l]!;
        const receiptDay = shipDay + this.receiptDate.int(1, 30);
        flags.byte(receiptDay <= current ? flagBytes[pickIndex(this.returnFlag, this.flags)]! : 0x4e); // N
        flags.endRow();
        status.byte(shipDay <= current ? 0x46 : 0x4f); // F, O
        status.endRow();
        shipDates[row] = startDay + shipDay;
        commitDates[row] = startDay + orderDay + this.commitDate.int(30, 90);
        receiptDates[row] = startDay + receiptDay;
        instructions.append(this.instructions.bytes[pickIndex(this.instruction, this.instructions)]!);
        instructions.endRow();
        modes.append(this.modes.bytes[pickIndex(this.mode, this.modes)]!);
        modes.endRow();
        this.text.append(this.comment, comments);
        comments.endRow();
        row++;
      }
      this.supplier.endRow();
      this.commitDate.endRow();
      this.receiptDate.endRow();
      this.returnFlag.endRow();
      this.instruction.endRow();
      this.mode.endRow();
      this.comment.endRow();
    }
    return row;
  }
}
