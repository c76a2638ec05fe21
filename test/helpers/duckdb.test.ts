import { describe, expect, it } from 'vitest';
import { openDuckDb } from './duckdb.ts';

describe('openDuckDb (the test oracle)', () => {
  it('returns exact values: bigint, decimal and date text, NULL as null', async () => {
    const db = await openDuckDb({ threads: 1 });
    try {
      expect(
        await db.query(`
          select 9007199254740993::bigint as b, 1234567890123.45::decimal(15,2) as p, date '1992-02-29' as d,
                 42::integer as i, 'x' as s, null::date as nd, null::decimal(15,2) as np
          union all
          select -1, -0.01, date '1969-12-31', -7, '', null, null`),
      ).toEqual([
        { b: 9007199254740993n, p: '1234567890123.45', d: '1992-02-29', i: 42, s: 'x', nd: null, np: null },
        { b: -1n, p: '-0.01', d: '1969-12-31', i: -7, s: '', nd: null, np: null },
      ]);
      expect(await db.one(`select current_setting('threads') as t`)).toEqual({ t: 1n });
      await expect(db.one('select 1 as x union all select 2')).rejects.toThrow(/expected one row, got 2/);
    } finally {
      db.close();
    }
  });
});
