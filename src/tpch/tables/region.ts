import { getDist } from '../dists.ts';
import { RowStream, STREAMS } from '../random.ts';
import type { TpchBatch } from '../schema.ts';
import { StringColumnBuilder } from './string-column.ts';
import { TextColumn } from './text-column.ts';
import { longest } from './values.ts';

/** REGION rows (dbgen's mk_region): the `regions` distribution in file order. Units are 0-based keys. */
export class RegionGenerator {
  private next: number;
  private readonly comment: RowStream;
  private readonly text: TextColumn;
  private readonly regions = getDist('regions');

  constructor(pool: Uint8Array, start: number) {
    this.next = start;
    this.comment = new RowStream(STREAMS.R_CMNT, start);
    this.text = new TextColumn(pool, 72);
  }

  batch(units: number): TpchBatch {
    const keys = new Float64Array(units);
    const names = new StringColumnBuilder(units, longest(this.regions));
    const comments = new StringColumnBuilder(units, this.text.max);
    for (let r = 0; r < units; r++) {
      const key = this.next + r;
      keys[r] = key;
      names.append(this.regions.bytes[key]!);
      names.endRow();
      this.text.append(this.comment, comments);
      comments.endRow();
      this.comment.endRow();
    }
    this.next += units;
    return {
      table: 'region',
      rows: units,
      columns: [{ type: 'int64', values: keys }, names.finish(), this.text.finish(comments)],
    };
  }
}
