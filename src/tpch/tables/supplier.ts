import { getDist } from '../dists.ts';
import { RowStream, STREAMS } from '../random.ts';
import type { TpchBatch } from '../schema.ts';
import { StringColumnBuilder } from './string-column.ts';
import { TextColumn, textMax, textMin } from './text-column.ts';
import { appendAlphanumeric, appendPhone } from './values.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const NAME_TAG = enc('Supplier#');
/** The Better Business Bureau remark dbgen writes into some supplier comments. */
const BBB_BASE = enc('Customer ');
const BBB_COMPLAINT = enc('Complaints');
const BBB_RECOMMEND = enc('Recommends');
const BBB_LENGTH = BBB_BASE.length + BBB_COMPLAINT.length;
/** Comments with the remark per 10 000 suppliers, and the percentage of those that complain. */
const BBB_PER_10000 = 10;
const BBB_COMPLAINT_PERCENT = 50;

/** SUPPLIER rows (dbgen's mk_supp); units are 0-based supplier indexes. */
export class SupplierGenerator {
  private next: number;
  private readonly address: RowStream;
  private readonly nation: RowStream;
  private readonly phone: RowStream;
  private readonly balance: RowStream;
  private readonly comment: RowStream;
  private readonly bbbComment: RowStream;
  private readonly bbbType: RowStream;
  private readonly bbbJunk: RowStream;
  private readonly bbbOffset: RowStream;
  private readonly text: TextColumn;
  private readonly nationCount = getDist('nations').values.length;

  constructor(pool: Uint8Array, start: number) {
    this.next = start;
    this.address = new RowStream(STREAMS.S_ADDR, start);
    this.nation = new RowStream(STREAMS.S_NTRG, start);
    this.phone = new RowStream(STREAMS.S_PHNE, start);
    this.balance = new RowStream(STREAMS.S_ABAL, start);
    this.comment = new RowStream(STREAMS.S_CMNT, start);
    this.bbbComment = new RowStream(STREAMS.BBB_CMNT, start);
    this.bbbType = new RowStream(STREAMS.BBB_TYPE, start);
    this.bbbJunk = new RowStream(STREAMS.BBB_JNK, start);
    this.bbbOffset = new RowStream(STREAMS.BBB_OFFSET, start);
    this.text = new TextColumn(pool, 63);
  }

  batch(units: number): TpchBatch {
    const c = {
      keys: new Float64Array(units),
      names: new StringColumnBuilder(units, NAME_TAG.length + 16),
      addresses: new StringColumnBuilder(units, textMax(25)),
      nations: new Float64Array(units),
      phones: new StringColumnBuilder(units, 15),
      balances: new Float64Array(units),
      comments: new StringColumnBuilder(units, this.text.max),
    };
    this.fill(c, units);
    this.next += units;
    return {
      table: 'supplier',
      rows: units,
      columns: [
        { type: 'int64', values: c.keys },
        c.names.finish(),
        c.addresses.finish(),
        { type: 'int64', values: c.nations },
        c.phones.finish(),
        { type: 'decimal', values: c.balances },
        c.comments.finish(),
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
      comments: StringColumnBuilder;
    },
    units: number,
  ): void {
    const { keys, names, addresses, nations, phones, balances, comments } = c;
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

      const start = comments.pos;
      this.text.appendNow(this.comment, comments);
      this.addRemark(comments.bytes, start, comments.pos - start);
      comments.endRow();

      this.address.endRow();
      this.nation.endRow();
      this.phone.endRow();
      this.balance.endRow();
      this.comment.endRow();
      this.bbbComment.endRow();
      this.bbbType.endRow();
      this.bbbJunk.endRow();
      this.bbbOffset.endRow();
    }
  }

  /**
   * dbgen's Better Business Bureau remark: for about one supplier in a thousand, "Customer "
   * and, `noise` bytes later, "Complaints" or "Recommends" overwrite part of the comment. The
   * draws are made for every row, so rows can be skipped without looking at comments.
   */
  private addRemark(bytes: Uint8Array, start: number, length: number): void {
    const bbb = this.bbbComment.int(1, 10000);
    const type = this.bbbType.int(0, 100);
    const noise = this.bbbJunk.int(0, length - BBB_LENGTH);
    const offset = this.bbbOffset.int(0, length - (BBB_LENGTH + noise));
    if (bbb <= BBB_PER_10000) {
      bytes.set(BBB_BASE, start + offset);
      bytes.set(
        type < BBB_COMPLAINT_PERCENT ? BBB_COMPLAINT : BBB_RECOMMEND,
        start + offset + BBB_BASE.length + noise,
      );
    }
  }
}
