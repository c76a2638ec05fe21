import { getDist } from '../dists.ts';
import { RowStream, STREAMS } from '../random.ts';
import type { TpchBatch } from '../schema.ts';
import { StringColumnBuilder } from './string-column.ts';
import { TextColumn, textMax, textMin } from './text-column.ts';
import { appendAlphanumeric, appendPhone, longest, pickIndex } from './values.ts';

const NAME_TAG = new TextEncoder().encode('Customer#');

/** CUSTOMER rows (dbgen's mk_cust); units are 0-based customer indexes. */
export class CustomerGenerator {
  private next: number;
  private readonly address: RowStream;
  private readonly nation: RowStream;
  private readonly phone: RowStream;
  private readonly balance: RowStream;
  private readonly segment: RowStream;
  private readonly comment: RowStream;
  private readonly text: TextColumn;
  private readonly nationCount = getDist('nations').values.length;
  private readonly segments = getDist('msegmnt');

  constructor(pool: Uint8Array, start: number) {
    this.next = start;
    this.address = new RowStream(STREAMS.C_ADDR, start);
    this.nation = new RowStream(STREAMS.C_NTRG, start);
    this.phone = new RowStream(STREAMS.C_PHNE, start);
    this.balance = new RowStream(STREAMS.C_ABAL, start);
    this.segment = new RowStream(STREAMS.C_MSEG, start);
    this.comment = new RowStream(STREAMS.C_CMNT, start);
    this.text = new TextColumn(pool, 73);
  }

  batch(units: number): TpchBatch {
    const c = {
      keys: new Float64Array(units),
      names: new StringColumnBuilder(units, NAME_TAG.length + 16),
      addresses: new StringColumnBuilder(units, textMax(25)),
      nations: new Float64Array(units),
      phones: new StringColumnBuilder(units, 15),
      balances: new Float64Array(units),
      segments: new StringColumnBuilder(units, longest(this.segments)),
      comments: new StringColumnBuilder(units, this.text.max),
    };
    this.fill(c, units);
    this.next += units;
    return {
      table: 'customer',
      rows: units,
      columns: [
        { type: 'int64', values: c.keys },
        c.names.finish(),
        c.addresses.finish(),
        { type: 'int64', values: c.nations },
        c.phones.finish(),
        { type: 'decimal', values: c.balances },
        c.segments.finish(),
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
      addresses: StringColumnBuilder;
      nations: Float64Array;
      phones: StringColumnBuilder;
      balances: Float64Array;
      segments: StringColumnBuilder;
      comments: StringColumnBuilder;
    },
    units: number,
  ): void {
    const { keys, names, addresses, nations, phones, balances, segments, comments } = c;
    const nameTag = NAME_TAG;
    const addressMin = textMin(25);
    const addressMax = textMax(25);
    for (let r = 0; r < units; r++) {
      const key = this.next + r + 1;
      keys[r] = key;
      names.append(nameTag);
      names.padded(key, 9);
      names.endRow();
      appendAlphanumeric(this.address, addressMin, addressMax, addresses);
      addresses.endRow();
      const nation = this.nation.int(0, this.nationCount - 1);
      nations[r] = nation;
      appendPhone(this.phone, nation, phones);
      phones.endRow();
      balances[r] = this.balance.int(-99999, 999999);
      segments.append(this.segments.bytes[pickIndex(this.segment, this.segments)]!);
      segments.endRow();
      this.text.append(this.comment, comments);
      comments.endRow();

      this.address.endRow();
      this.nation.endRow();
      this.phone.endRow();
      this.balance.endRow();
      this.segment.endRow();
      this.comment.endRow();
    }
  }
}
