import { getDist } from '../dists.ts';
import { RowStream, STREAMS } from '../random.ts';
import type { TpchBatch } from '../schema.ts';
import { StringColumnBuilder } from './string-column.ts';
import { TextColumn } from './text-column.ts';
import { longest } from './values.ts';

/**
 * NATION rows (dbgen's mk_nation): the `nations` distribution in file order; its running weights
 * are the region keys. Units are 0-based nation keys.
 */
export class NationGenerator {
  private next: number;
  private readonly comment: RowStream;
  private readonly text: TextColumn;
  private readonly nations = getDist('nations');

  constructor(pool: Uint8Array, start: number) {
    this.next = start;
    this.comment = new RowStream(STREAMS.N_CMNT, start);
    this.text = new TextColumn(pool, 72);
  }

  batch(units: number): TpchBatch {
    const keys = new Float64Array(units);
    const names = new StringColumnBuilder(units, longest(this.nations));
    const regions = new Float64Array(units);
    const comments = new StringColumnBuilder(units, this.text.max);
    for (let r = 0; r < units; r++) {
      const key = this.next + r;
      keys[r] = key;
      names.append(this.nations.bytes[key]!);
      names.endRow();
      regions[r] = this.nations.weights[key]!;
      this.text.append(this.comment, comments);
      comments.endRow();
      this.comment.endRow();
    }
    this.next += units;
    return {
      table: 'nation',
      rows: units,
      columns: [
        { type: 'int64', values: keys },
        names.finish(),
        { type: 'int64', values: regions },
        this.text.finish(comments),
      ],
    };
  }
}
