/**
 * dbgen's random numbers: Park & Miller's "minimal standard" generator
 * (seed' = seed · 16807 mod (2^31 − 1)), one independent stream per column, each started from a
 * fixed seed and moved to a fixed boundary at the end of every row. Because every row consumes a
 * fixed number of draws per stream, the state at any row is seed₀ · 16807^(row · drawsPerRow), so a
 * range of rows can be started anywhere by modular exponentiation instead of generating the rows
 * before it.
 *
 * Seeds are below 2^31; products are split so they stay exact (below 2^53) in doubles. Hot paths
 * use numeric literals rather than the constants below, because V8's optimized code reads
 * module-level bindings with a check on every use (a 2–3× slowdown in the draw loop).
 */

export const PM_MODULUS = 2147483647;
export const PM_MULTIPLIER = 16807;

/** x mod (2^31 − 1) for an integer 0 ≤ x < 2^52, using 2^31 ≡ 1 instead of a slow float `%`. */
function reduce(x: number): number {
  const hi = Math.floor(x * 4.656612873077393e-10); // x / 2^31
  const r = x - hi * 2147483647;
  return r >= 2147483647 ? r - 2147483647 : r;
}

/**
 * The next seed of a stream, seed · 16807 mod (2^31 − 1), in 32-bit integer steps: the seed is
 * split in 16-bit halves, the high product is folded with 2^31 ≡ 1, and one more fold reduces
 * the sum. About twice as fast as the same in doubles and exact for 0 < seed < 2^31 − 1.
 */
export function pmNext(seed: number): number {
  const low = PM_MULTIPLIER * (seed & 0xffff);
  const high = PM_MULTIPLIER * (seed >>> 16);
  const r = low + ((high & 0x7fff) << 16) + (high >>> 15);
  return (r & 0x7fffffff) + (r >>> 31);
}

/** a · b mod (2^31 − 1) for 0 ≤ a, b < 2^31 (b is split in 16-bit halves so products stay exact). */
export function mulMod(a: number, b: number): number {
  const bHigh = Math.floor(b / 65536);
  const bLow = b - bHigh * 65536;
  return reduce(reduce(a * bHigh) * 65536 + a * bLow);
}

/** 16807^n mod (2^31 − 1), for any integer n ≥ 0 below 2^53. */
export function pmPower(n: number): number {
  let result = 1;
  let base = PM_MULTIPLIER;
  while (n > 0) {
    const half = Math.floor(n / 2);
    if (n - half * 2 === 1) result = mulMod(result, base);
    base = mulMod(base, base);
    n = half;
  }
  return result;
}

/** The seed after `n` draws from `seed` (what dbgen's NthElement computes). */
export function pmSkip(seed: number, n: number): number {
  return mulMod(seed, pmPower(n));
}

/** A dbgen stream: its starting seed and the draws it is given per row (its "boundary"). */
export interface StreamDef {
  readonly seed: number;
  readonly drawsPerRow: number;
}

const s = (seed: number, drawsPerRow: number): StreamDef => ({ seed, drawsPerRow });

/**
 * The streams dbgen uses, by its names (the seed table of rnd.h; indexes of dss.h in comments).
 * Streams 10 (O_SUPP) and 39 (HVAR) are never drawn from and are left out.
 */
export const STREAMS = {
  P_MFG: s(1, 1), // 0
  P_BRND: s(46831694, 1), // 1
  P_TYPE: s(1841581359, 1), // 2
  P_SIZE: s(1193163244, 1), // 3
  P_CNTR: s(727633698, 1), // 4
  TEXT_POOL: s(933588178, 1), // 5: builds the text pool, not used per row
  P_CMNT: s(804159733, 2), // 6
  PS_QTY: s(1671059989, 4), // 7
  PS_SCST: s(1051288424, 4), // 8
  PS_CMNT: s(1961692154, 8), // 9
  O_CLRK: s(1171034773, 1), // 11
  O_CMNT: s(276090261, 2), // 12
  O_ODATE: s(1066728069, 1), // 13
  L_QTY: s(209208115, 7), // 14
  L_DCNT: s(554590007, 7), // 15
  L_TAX: s(721958466, 7), // 16
  L_SHIP: s(1371272478, 7), // 17
  L_SMODE: s(675466456, 7), // 18
  L_PKEY: s(1808217256, 7), // 19
  L_SKEY: s(2095021727, 7), // 20
  L_SDTE: s(1769349045, 7), // 21
  L_CDTE: s(904914315, 7), // 22
  L_RDTE: s(373135028, 7), // 23
  L_RFLG: s(717419739, 7), // 24
  L_CMNT: s(1095462486, 14), // 25
  C_ADDR: s(881155353, 9), // 26
  C_NTRG: s(1489529863, 1), // 27
  C_PHNE: s(1521138112, 3), // 28
  C_ABAL: s(298370230, 1), // 29
  C_MSEG: s(1140279430, 1), // 30
  C_CMNT: s(1335826707, 2), // 31
  S_ADDR: s(706178559, 9), // 32
  S_NTRG: s(110356601, 1), // 33
  S_PHNE: s(884434366, 3), // 34
  S_ABAL: s(962338209, 1), // 35
  S_CMNT: s(1341315363, 2), // 36
  P_NAME: s(709314158, 92), // 37
  O_PRIO: s(591449447, 1), // 38
  O_CKEY: s(851767375, 1), // 40
  N_CMNT: s(606179079, 2), // 41
  R_CMNT: s(1500869201, 2), // 42
  O_LCNT: s(1434868289, 1), // 43
  BBB_JNK: s(263032577, 1), // 44
  BBB_TYPE: s(753643799, 1), // 45
  BBB_CMNT: s(202794285, 1), // 46
  BBB_OFFSET: s(715851524, 1), // 47
} as const satisfies Record<string, StreamDef>;

const MAX_DRAWS_PER_ROW = 92;

/** POWERS[k] = 16807^k mod (2^31 − 1): the jump over k unused draws at the end of a row. */
const POWERS = (() => {
  const p = new Float64Array(MAX_DRAWS_PER_ROW + 1);
  p[0] = 1;
  for (let k = 1; k <= MAX_DRAWS_PER_ROW; k++) p[k] = mulMod(p[k - 1]!, PM_MULTIPLIER);
  return p;
})();

/**
 * One stream positioned on a row. Draw with `int` (or `next` for the raw seed) and call `endRow`
 * after each row: it skips the draws the row did not use, as dbgen's row_stop does.
 *
 * @example
 * const size = new RowStream(STREAMS.P_SIZE, 0);
 * size.int(1, 50); // p_size of part 1
 * size.endRow();
 */
export class RowStream {
  seed: number;
  used = 0;
  readonly drawsPerRow: number;
  /** POWERS, held here because module bindings are slow to read in hot code (see above). */
  private readonly powers = POWERS;

  /** Positions the stream at the start of `row` (0-based). */
  constructor(def: StreamDef, row: number) {
    this.drawsPerRow = def.drawsPerRow;
    this.seed = pmSkip(def.seed, row * def.drawsPerRow) | 0;
  }

  /** Advances and returns the new seed. */
  next(): number {
    this.used++;
    const seed = this.seed;
    const low = 16807 * (seed & 0xffff);
    const high = 16807 * (seed >>> 16);
    const r = low + ((high & 0x7fff) << 16) + (high >>> 15);
    // `| 0` keeps the field a small integer (the value is < 2^31 already).
    return (this.seed = ((r & 0x7fffffff) + (r >>> 31)) | 0);
  }

  /** A uniform integer in [lo, hi] (dbgen's RANDOM). */
  int(lo: number, hi: number): number {
    return lo + Math.floor((this.next() / 2147483647) * (hi - lo + 1));
  }

  /**
   * dbgen's draw in [0, 2^31 − 1], used for random alphanumeric text. dbgen computes that range
   * in 32-bit arithmetic, where 2^31 − 1 − 0 + 1 wraps to −2^31, so the result is ≤ 0; callers
   * take 6 bits at a time from it by two's complement.
   */
  wrappedInt31(): number {
    return ((this.next() / 2147483647) * -2147483648) | 0;
  }

  /** Skips to the start of the next row. */
  endRow(): void {
    const unused = this.drawsPerRow - this.used;
    if (unused > 0) this.seed = mulMod(this.seed, this.powers[unused]!) | 0;
    this.used = 0;
  }
}
