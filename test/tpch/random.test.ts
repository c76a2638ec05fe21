import { describe, expect, it } from 'vitest';
import { mulMod, PM_MODULUS, pmNext, pmPower, pmSkip, RowStream, STREAMS } from '../../src/tpch/random.ts';

const M = BigInt(PM_MODULUS);

/** 16807^n mod (2^31 − 1) by BigInt square-and-multiply, as an independent reference. */
function bigPower(n: bigint): bigint {
  let result = 1n;
  let base = 16807n;
  while (n > 0n) {
    if (n & 1n) result = (result * base) % M;
    base = (base * base) % M;
    n >>= 1n;
  }
  return result;
}

describe('Park–Miller stream', () => {
  it('steps like seed · 16807 mod (2^31 − 1)', () => {
    for (const seed of [1, 2, 16807, 933588178, 2147483646, 1095462486, 123456789]) {
      expect(pmNext(seed)).toBe(Number((BigInt(seed) * 16807n) % M));
    }
  });

  it('multiplies modulo 2^31 − 1 exactly', () => {
    const values = [1, 2, 65535, 65536, 16807, 1043618065, 2147483646, 1999999999];
    for (const a of values) {
      for (const b of values) expect(mulMod(a, b)).toBe(Number((BigInt(a) * BigInt(b)) % M));
    }
  });

  it('computes 16807^n for small and large n', () => {
    for (const n of [0, 1, 2, 3, 92, 1000, 2 ** 31, 2 ** 40 + 3, 6e11 + 7, 2 ** 52 + 1]) {
      expect(pmPower(n)).toBe(Number(bigPower(BigInt(n))));
    }
  });

  it('skipping n draws equals n single steps', () => {
    for (const n of [0, 1, 2, 7, 92, 1000, 12345]) {
      let seed = 709314158;
      for (let i = 0; i < n; i++) seed = pmNext(seed);
      expect(pmSkip(709314158, n)).toBe(seed);
    }
  });
});

describe('RowStream', () => {
  it('starting at row n equals running n rows of any usage', () => {
    // A lineitem-like stream: 7 draws per row, of which each row uses 1–7.
    const walked = new RowStream(STREAMS.L_QTY, 0);
    for (let row = 0; row < 500; row++) {
      const started = new RowStream(STREAMS.L_QTY, row);
      expect(started.seed).toBe(walked.seed);
      for (let i = 0; i <= row % 7; i++) walked.int(1, 50);
      walked.endRow();
    }
  });

  it('skips the draws a row did not use', () => {
    const s = new RowStream(STREAMS.P_NAME, 0);
    for (let i = 0; i < 5; i++) s.next();
    s.endRow();
    expect(s.seed).toBe(pmSkip(STREAMS.P_NAME.seed, STREAMS.P_NAME.drawsPerRow));
  });

  it('draws what dbgen draws (p_size and p_mfgr of parts 1–3)', () => {
    const size = new RowStream(STREAMS.P_SIZE, 0);
    const mfgr = new RowStream(STREAMS.P_MFG, 0);
    const sizes: number[] = [];
    const mfgrs: number[] = [];
    for (let i = 0; i < 3; i++) {
      sizes.push(size.int(1, 50));
      mfgrs.push(mfgr.int(1, 5));
      size.endRow();
      mfgr.endRow();
    }
    expect(sizes).toEqual([7, 1, 21]);
    expect(mfgrs).toEqual([1, 1, 4]);
  });

  it("reproduces dbgen's 32-bit wrap in the alphanumeric draw (always ≤ 0)", () => {
    const s = new RowStream(STREAMS.C_ADDR, 0);
    for (let i = 0; i < 1000; i++) {
      const v = s.wrappedInt31();
      expect(v).toBeLessThanOrEqual(0);
      expect(v).toBe(Math.trunc((s.seed / PM_MODULUS) * -2147483648));
    }
  });
});
