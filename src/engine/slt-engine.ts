/**
 * Skein as a sqllogictest engine (`src/slt/run.ts`): runs each record's SQL in one session and
 * hands back the last statement's rows — integers as numbers, DECIMAL as exact text, DATE as
 * `YYYY-MM-DD`. `skipif skein` / `onlyif skein` select records for it.
 *
 * @example
 * const { passed, failed } = await runSlt(sltEngine(new Skein()), text, 'joins.slt');
 */
import type { SltCell, SltEngine } from '../slt/run.ts';
import type { Skein } from './skein.ts';
import { cellValue } from './values.ts';

export const ENGINE_NAME = 'skein';

export function sltEngine(db: Skein): SltEngine {
  return {
    name: ENGINE_NAME,
    async execute(sql: string): Promise<SltCell[][]> {
      let rows: SltCell[][] = [];
      for await (const r of db.execute(sql)) {
        rows = [];
        for await (const b of r.batches) {
          for (let i = 0; i < b.length; i++) rows.push(b.columns.map((v) => cellValue(v, i)));
        }
      }
      return rows;
    },
  };
}
