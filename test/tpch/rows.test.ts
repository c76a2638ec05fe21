import { describe, expect, it } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import { generateBatches, partRange, unitCount } from '../../src/tpch/rows.ts';
import { tpchScale } from '../../src/tpch/scale.ts';
import { TPCH_TABLES } from '../../src/tpch/schema.ts';

/** The SkeinError `f` throws (failing the test when it does not throw one). */
function thrown(f: () => unknown): SkeinError {
  try {
    f();
  } catch (err) {
    if (err instanceof SkeinError) return err;
    throw err;
  }
  throw new Error('expected a SkeinError');
}

describe('scale factors', () => {
  it('multiplies the base counts from SF 1 up', () => {
    expect(tpchScale(1)).toMatchObject({
      scale: 1,
      parts: 200000,
      suppliers: 10000,
      customers: 150000,
      orders: 1500000,
    });
    expect(tpchScale(300)).toMatchObject({ scale: 300, parts: 60000000, orders: 450000000 });
  });

  it("shrinks the bases below SF 1 with dbgen's integer arithmetic", () => {
    expect(tpchScale(0.01)).toMatchObject({
      scale: 1,
      parts: 2000,
      suppliers: 100,
      customers: 1500,
      orders: 15000,
    });
    expect(tpchScale(0.1)).toMatchObject({ parts: 20000, suppliers: 1000, customers: 15000, orders: 150000 });
    // ⌊1000 · 0.0125⌋ = 12 per mille: ⌊12 · 10000 / 1000⌋ = 120 suppliers, not 125.
    expect(tpchScale(0.0125)).toMatchObject({ suppliers: 120, parts: 2400, orders: 18000 });
    // Below 1 per mille every base is 0, and dbgen makes it 1.
    expect(tpchScale(0.0005)).toMatchObject({ parts: 1, suppliers: 1, customers: 1, orders: 1 });
  });

  it('rejects SF ≤ 0, non-numbers and fractions above 1', () => {
    for (const sf of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const e = thrown(() => tpchScale(sf));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toContain('> 0');
    }
    const e = thrown(() => unitCount('orders', 1.5));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(/whole number.*dbgen would silently use 1/);
  });

  it('refuses the SFs where dbgen switches to its 64-bit generator', () => {
    expect(thrown(() => tpchScale(30000)).code).toBe('NOT_IMPLEMENTED');
    expect(tpchScale(29999).orders).toBe(1500000 * 29999);
  });
});

describe('unitCount', () => {
  it('counts orders for lineitem and parts for partsupp', () => {
    expect(unitCount('lineitem', 1)).toBe(1500000);
    expect(unitCount('partsupp', 1)).toBe(200000);
    expect(unitCount('nation', 0.01)).toBe(25);
    expect(unitCount('region', 1000)).toBe(5);
    expect(unitCount('customer', 10)).toBe(1500000);
  });
});

describe('partRange', () => {
  it('gives every part ⌊units / parts⌋ and the last one the remainder', () => {
    expect([0, 1, 2, 3].map((p) => partRange('nation', 1, p, 4))).toEqual([
      { start: 0, count: 6 },
      { start: 6, count: 6 },
      { start: 12, count: 6 },
      { start: 18, count: 7 },
    ]);
    expect(partRange('orders', 0.01, 3, 4)).toEqual({ start: 11250, count: 3750 });
  });

  it('covers every unit exactly once', () => {
    for (const table of TPCH_TABLES) {
      for (const parts of [1, 2, 3, 7, 25].filter((n) => n <= unitCount(table, 0.01))) {
        let next = 0;
        for (let p = 0; p < parts; p++) {
          const { start, count } = partRange(table, 0.01, p, parts);
          expect(start).toBe(next);
          next += count;
        }
        expect(next).toBe(unitCount(table, 0.01));
      }
    }
  });

  it('allows as many parts as units, one unit each', () => {
    expect(partRange('region', 1, 4, 5)).toEqual({ start: 4, count: 1 });
  });

  it('refuses more parts than units, naming the table and its count', () => {
    const e = thrown(() => partRange('region', 1, 0, 6));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('region');
    expect(e.message).toContain('5 rows');
    const l = thrown(() => partRange('lineitem', 0.0005, 0, 2));
    expect(l.message).toContain('lineitem');
    expect(l.message).toContain('1 order (lineitem is cut by orders)');
  });

  it('refuses a part outside [0, parts) and a bad part count', () => {
    expect(thrown(() => partRange('part', 1, 4, 4)).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => partRange('part', 1, -1, 4)).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => partRange('part', 1, 0, 0)).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => partRange('part', 1, 0, 2.5)).code).toBe('INVALID_ARGUMENT');
  });
});

describe('generateBatches arguments', () => {
  it('refuses ranges outside the table when called, before generating', () => {
    expect(thrown(() => generateBatches('nation', 1, 20, 6)).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => generateBatches('nation', 1, -1, 2)).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => generateBatches('nation', 1, 0, 5, { batchRows: 0 })).code).toBe('INVALID_ARGUMENT');
    expect(thrown(() => generateBatches('nation', 1, 0, 5, { textPool: new Uint8Array(10) })).code).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('yields nothing for an empty range without building the text pool', () => {
    expect([...generateBatches('lineitem', 1, 10, 0)]).toEqual([]);
  });
});
