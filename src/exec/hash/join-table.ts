/**
 * The build side of a hash join, and the vectorized probe of a batch against it.
 *
 * Three layouts, by key:
 * - **direct** (a perfect hash) for one integer key whose values span few slots per build row
 *   (`directFits`): bucket = key − min, with the build rows counting-sorted into key order
 *   (`bucketStart[b] .. bucketStart[b + 1]` are key b's rows). Probes neither hash nor compare; a build side already in
 *   key order (orders by o_orderkey) is not even copied, and a probe clustered on the key walks
 *   the table sequentially.
 * - **int**: one other integer key. Open addressing at load ≤ 0.5, one slot per distinct key
 *   holding the key (f64) and its first build row side by side in 16 bytes — one cache line per
 *   lookup. Further rows of the same key are chained through `next`.
 * - **generic**: any keys. Slots hold a 32-bit hash and the first row of a chain of rows with that
 *   hash; the probe verifies candidates column by column (`key-equality.ts`).
 * The hashed layouts leave the build rows in their input order, so payload columns are gathered
 * from where a clustered build side already has them. (A bucketed CSR layout with the payload
 * reordered by bucket measured 2× slower on 6M probes into 1.5M rows: one more array to miss in,
 * and payload reads scattered even for clustered probes.)
 *
 * Rows with a NULL key never match and are not in the table (outer joins still emit them).
 *
 * Probing a batch runs in phases — first every row's slot (pure arithmetic), then the lookups,
 * whose cache misses the CPU overlaps across rows — and is resumable: `next()` fills caller
 * buffers with up to `cap` (probe row, build row) pairs and continues where it stopped, so a join
 * whose output explodes still emits bounded batches.
 *
 * @example
 * const table = new JoinHashTable(buildBatch, [0]);
 * const probe = new JoinProbe(table, [batch.columns[1]!], batch.length);
 * while (!probe.done) {
 *   const n = probe.next(pIdx, bIdx, pIdx.length, false);
 *   // rows pIdx[0..n) of the batch match rows bIdx[0..n) of table.batch
 * }
 */
import { gatherBatch } from '../gather.ts';
import type { Batch, Vector } from '../vector.ts';
import { narrowI64 } from '../vector-ops.ts';
import { hashColumns, mix64 } from './hash.ts';
import { equalPairs } from './key-equality.ts';

/** Join tables use their own seed, so a hash exchange below them does not skew their buckets. */
export const JOIN_HASH_SEED = 0x5bd1e995;

export type JoinTableLayout = 'direct' | 'int' | 'generic';

/**
 * Whether a key range suits the direct layout: its 4 bytes per key value cost no more than the int
 * layout's 32–64 bytes per row (range ≤ 8 per row), or the range is sparser but small in absolute
 * terms: any range up to 2^20 values (4 MiB), or up to 2^23 (32 MiB) at ≤ 128 per row. The sparse
 * cases are filtered dimensions keyed by dense ids (orders after a date filter, a few thousand
 * parts): no hashing, no key compares, predictable branches when most probes miss, and probes
 * clustered on the key read the buckets in order. Measured at SF 1 against the old bound of 4 per
 * row: TPC-H Q5 700 → 480 ms, Q21 990 → 700, Q17 690 → 550, Q4 410 → 340, Q16 167 → 120.
 */
function directFits(range: number, rows: number, maxSparseBytes: number): boolean {
  if (range <= 8 * rows + 1024) return true;
  // The sparser cases take more memory than the int layout would: only within the budget left.
  if (4 * range > maxSparseBytes) return false;
  return range <= 1 << 20 || (range <= 128 * rows && range <= 1 << 23);
}

export class JoinHashTable {
  /** The build rows (direct layout: in key order; otherwise as given). Probes return its rows. */
  readonly batch: Batch;
  /** Key columns of `batch`, normalized (int-like i64 narrowed to f64 where exact). */
  readonly keys: readonly Vector[];
  /** Rows in the table (rows without a NULL key). */
  readonly size: number;
  /** Whether any build row has a NULL key (NOT IN semantics need it). */
  readonly hasNullKey: boolean;
  readonly layout: JoinTableLayout;
  /** direct: key k's rows are [bucketStart[k − directBase], bucketStart[k − directBase + 1]). */
  readonly directBase: number;
  /**
   * direct: which key column the buckets are of. With several keys, the others are compared for
   * each candidate pair (`extraKeys`): a near-unique integer key (Q2's partkey beside a supply
   * cost) buckets far cheaper than hashing and chaining every key.
   */
  readonly directKey: number;
  readonly extraKeys: readonly number[];
  readonly bucketStart: Int32Array;
  /** int / generic: slot index mask (slots are a power of two). */
  readonly mask: number;
  /** int: slot s holds its key at `slotKeys[2s]` and first row + 1 at `slotRows[4s + 2]` (0: empty). */
  readonly slotKeys: Float64Array;
  /** int: see `slotKeys`; generic: slot s holds a hash at [2s] and first row + 1 at [2s + 1]. */
  readonly slotRows: Int32Array;
  /** int / generic: the next build row of the same key (int) or hash (generic); -1 ends a chain. */
  readonly next: Int32Array;
  /** Position in `batch` → row of the build batch as given (for tests and debugging). */
  readonly sourceRows: Int32Array | null;

  /**
   * `maxSparseBytes`: what a direct table sparser than the int layout's footprint may take (the
   * operator's remaining memory budget), so that choosing it never fails a query the int layout
   * would have fitted.
   */
  constructor(build: Batch, keyColumns: readonly number[], maxSparseBytes = Number.POSITIVE_INFINITY) {
    const n = build.length;
    const cols = keyColumns.map((c) => normalizeKey(build.columns[c]!));
    const nullKey = nullKeyFlags(cols, n);
    let size = n;
    if (nullKey !== null) for (let i = 0; i < n; i++) size -= nullKey[i]!;
    this.size = size;
    this.hasNullKey = size < n;
    const only = cols.length === 1 ? cols[0]! : null;
    const intKey = only !== null && isIntKey(only) ? only : null;
    const span = intKey === null ? null : keySpan(intKey.values, nullKey, n);
    this.directBase = 0;
    this.directKey = 0;
    this.extraKeys = [];
    this.bucketStart = new Int32Array(0);
    this.mask = 0;
    this.slotKeys = new Float64Array(0);
    this.slotRows = new Int32Array(0);
    this.next = new Int32Array(0);
    this.sourceRows = null;

    // Several keys: bucket by the first integer key when it fits the direct layout and is nearly
    // unique (then few candidates fail the other keys' compare).
    let direct: { key: number; start: Int32Array; min: number } | null = null;
    if (span !== null && directFits(span.max - span.min + 1, size, maxSparseBytes))
      direct = { key: 0, start: directStarts(intKey!.values, nullKey, n, span.min, span.max), min: span.min };
    else if (cols.length > 1) {
      const k = cols.findIndex(isIntKey);
      const ks =
        k < 0 ? null : keySpan((cols[k] as { values: Float64Array | Int32Array }).values, nullKey, n);
      if (ks !== null && directFits(ks.max - ks.min + 1, size, maxSparseBytes)) {
        const start = directStarts(
          (cols[k] as { values: Float64Array | Int32Array }).values,
          nullKey,
          n,
          ks.min,
          ks.max,
        );
        let distinct = 0;
        for (let b = 0; b + 1 < start.length; b++) if (start[b + 1]! > start[b]!) distinct++;
        if (distinct >= 0.75 * size) direct = { key: k, start, min: ks.min };
      }
    }
    if (direct !== null) {
      // direct: counting sort by key; NULL-key rows last.
      this.layout = 'direct';
      this.directBase = direct.min;
      this.directKey = direct.key;
      this.extraKeys = cols.map((_, c) => c).filter((c) => c !== direct.key);
      const start = direct.start;
      const range = start.length - 1;
      const a = (cols[direct.key] as { values: Float64Array | Int32Array }).values;
      // Each bucket's start is its fill pointer; filled, it points at the next bucket's start,
      // so one shift by a place restores the starts (no second range-sized array).
      const perm = new Int32Array(n);
      let tail = size;
      for (let i = 0; i < n; i++) {
        if (nullKey !== null && nullKey[i] === 1) perm[tail++] = i;
        else perm[start[a[i]! - direct.min]!++] = i;
      }
      start.copyWithin(1, 0, range);
      start[0] = 0;
      this.bucketStart = start;
      this.sourceRows = perm;
      this.batch = isIdentity(perm, n) ? build : gatherBatch(build, perm, n);
      this.keys = keyColumns.map((c) => normalizeKey(this.batch.columns[c]!));
      return;
    }

    this.batch = build;
    this.keys = cols;
    let slots = 16;
    while (slots < 2 * size) slots *= 2;
    const mask = slots - 1;
    this.mask = mask;
    const next = new Int32Array(n).fill(-1);
    this.next = next;
    if (intKey !== null) {
      // int: one slot per distinct key. Rows go in from last to first, each becoming the head of
      // its key's chain, so chains list rows in input order; `sr[4s + 3]` is 1 while the key has
      // one row (probes then skip the chain). Inserting in slot-region order keeps the writes in
      // cache: random inserts into a table of 10s of MB missed on nearly every row.
      this.layout = 'int';
      const buf = new ArrayBuffer(slots * 16);
      const sk = new Float64Array(buf);
      const sr = new Int32Array(buf);
      const a = intKey.values;
      const home = new Int32Array(n);
      if (intKey.kind === 'i32') slotsI32(intKey.values, n, mask, home);
      else slotsF64(intKey.values as Float64Array, n, mask, home);
      const { order, homes: oh, keys: ok } = insertionOrder(home, nullKey, n, slots, a);
      const m = order.length;
      for (let q = m - 1; q >= 0; q--) {
        const i = order[q]!;
        const x = ok[q]!;
        let t = oh[q]!;
        for (;;) {
          const head = sr[4 * t + 2]!;
          if (head === 0) {
            sk[2 * t] = x;
            sr[4 * t + 3] = 1;
            break;
          }
          if (sk[2 * t] === x) {
            next[i] = head - 1;
            sr[4 * t + 3] = 0;
            break;
          }
          t = (t + 1) & mask;
        }
        sr[4 * t + 2] = i + 1;
      }
      this.slotKeys = sk;
      this.slotRows = sr;
      return;
    }
    // generic: one slot per distinct hash; rows with equal hashes (equal keys, or rarely not)
    // share a chain and are told apart when probing.
    this.layout = 'generic';
    const hashes = hashColumns(cols, n, new Uint32Array(n), JOIN_HASH_SEED);
    const sr = new Int32Array(slots * 2);
    const home = new Int32Array(n);
    for (let i = 0; i < n; i++) home[i] = hashes[i]! & mask;
    const { order, homes } = insertionOrder(home, nullKey, n, slots);
    for (let q = order.length - 1; q >= 0; q--) {
      const i = order[q]!;
      let t = homes[q]!;
      const h = hashes[i]! | 0;
      for (;;) {
        const head = sr[2 * t + 1]!;
        if (head === 0) {
          sr[2 * t] = h;
          break;
        }
        if (sr[2 * t] === h) {
          next[i] = head - 1;
          break;
        }
        t = (t + 1) & mask;
      }
      sr[2 * t + 1] = i + 1;
    }
    this.slotRows = sr;
  }

  byteSize(): number {
    return (
      this.bucketStart.byteLength +
      this.slotKeys.byteLength +
      this.slotRows.byteLength +
      this.next.byteLength +
      (this.sourceRows?.byteLength ?? 0)
    );
  }
}

/**
 * Rows without a NULL key, stably counting-sorted by the high bits of their home slot (row order
 * within a region): inserting them in this order (backwards) fills the table region by region.
 * Small tables keep plain row order.
 */
function insertionOrder(
  home: Int32Array,
  nullKey: Uint8Array | null,
  n: number,
  slots: number,
  keys?: Float64Array | Int32Array,
): { order: Int32Array; homes: Int32Array; keys: Float64Array } {
  let live = n;
  if (nullKey !== null) for (let i = 0; i < n; i++) live -= nullKey[i]!;
  const order = new Int32Array(live);
  const homes = new Int32Array(live);
  const sortedKeys = new Float64Array(keys === undefined ? 0 : live);
  // Rows are read in order and their row id, home slot and key scattered together, so the insert
  // loop then reads all three sequentially.
  let shift = 31;
  let parts = 1;
  if (slots > 1 << 16) {
    shift = 0;
    while ((slots - 1) >>> shift >= 1024) shift++;
    parts = 1024;
  }
  const count = new Int32Array(parts + 1);
  for (let i = 0; i < n; i++)
    if (nullKey === null || nullKey[i] === 0) count[parts === 1 ? 1 : (home[i]! >>> shift) + 1]!++;
  for (let p = 0; p < parts; p++) count[p + 1]! += count[p]!;
  for (let i = 0; i < n; i++) {
    if (nullKey !== null && nullKey[i] === 1) continue;
    const h = home[i]!;
    const q = count[parts === 1 ? 0 : h >>> shift]!++;
    order[q] = i;
    homes[q] = h;
    if (keys !== undefined) sortedKeys[q] = keys[i]!;
  }
  return { order, homes, keys: sortedKeys };
}

/** An integer-valued key (i32, or f64 holding integers: BIGINT, DECIMAL) — not DOUBLE. */
function isIntKey(v: Vector): v is Vector & { values: Float64Array | Int32Array } {
  return v.kind === 'i32' || (v.kind === 'f64' && v.type.kind !== 'float64');
}

/** Bucket starts of the direct layout: key k's rows are [start[k − min], start[k − min + 1]). */
function directStarts(
  a: Float64Array | Int32Array,
  nullKey: Uint8Array | null,
  n: number,
  min: number,
  max: number,
): Int32Array {
  const range = max - min + 1;
  const start = new Int32Array(range + 1);
  for (let i = 0; i < n; i++) if (nullKey === null || nullKey[i] === 0) start[a[i]! - min + 1]!++;
  for (let b = 0; b < range; b++) start[b + 1]! += start[b]!;
  return start;
}

function normalizeKey(v: Vector): Vector {
  return v.kind === 'i64' ? narrowI64(v) : v;
}

function isIdentity(perm: Int32Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (perm[i] !== i) return false;
  return true;
}

/** Smallest and largest key over rows without a NULL key; null when there are none. */
function keySpan(
  a: Float64Array | Int32Array,
  nullKey: Uint8Array | null,
  n: number,
): { min: number; max: number } | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  if (nullKey === null) {
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      if (x < min) min = x;
      if (x > max) max = x;
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (nullKey[i] === 1) continue;
      const x = a[i]!;
      if (x < min) min = x;
      if (x > max) max = x;
    }
  }
  return min <= max ? { min, max } : null;
}

/** 1 where a row has a NULL in any key column; null when no row has. */
function nullKeyFlags(cols: readonly Vector[], n: number): Uint8Array | null {
  let flags: Uint8Array | null = null;
  for (const c of cols) {
    if (c.kind === 'null') {
      flags ??= new Uint8Array(n);
      flags.fill(1, 0, n);
      continue;
    }
    const m = c.validity;
    if (m === null) continue;
    flags ??= new Uint8Array(n);
    for (let i = 0; i < n; i++) if (((m[i >> 3]! >> (i & 7)) & 1) === 0) flags[i] = 1;
  }
  return flags;
}

type ProbeKind = 'direct' | 'intF64' | 'intI32' | 'generic';

/** The probe of one batch against a `JoinHashTable`, producing match pairs in bounded chunks. */
export class JoinProbe {
  private readonly table: JoinHashTable;
  private readonly keys: readonly Vector[];
  private readonly kind: ProbeKind;
  private readonly n: number;
  private readonly nullKey: Uint8Array | null;
  /** Each row's start: direct → bucket (-1: none); hashed → home slot (-1: NULL key). */
  private readonly home: Int32Array;
  /** generic: each row's hash. */
  private readonly rowHashes: Uint32Array | null;
  /**
   * Where `next()` resumes: [next probe row, next build row of its chain or bucket (-1: look it
   * up), end of the current bucket (direct)]. A typed array rather than fields: the probe loops are
   * free functions over typed arrays, which V8 keeps optimized (as methods storing to `this` they
   * deoptimized on every call, at twice the cost).
   */
  private readonly cursor = Int32Array.of(0, -1, 0);
  private match: Uint8Array = new Uint8Array(0);
  /** generic: every key column of the table, in order. */
  private readonly allKeys: readonly number[];

  constructor(table: JoinHashTable, keys: readonly Vector[], n: number) {
    this.table = table;
    this.n = n;
    let cols = keys.map(normalizeKey);
    const only = cols.length === 1 ? cols[0]! : null;
    let kind: ProbeKind = 'generic';
    if (table.layout === 'direct') {
      // The bucketed key first; the others (compared per candidate) after it.
      cols = [directProbeKey(cols[table.directKey]!, n), ...table.extraKeys.map((c) => cols[c]!)];
      kind = 'direct';
    } else if (table.layout === 'int' && only?.kind === 'f64') kind = 'intF64';
    else if (table.layout === 'int' && only?.kind === 'i32') kind = 'intI32';
    else if (table.layout === 'int') {
      // An int table probed with i64 values beyond 2^53 (none can match) or an all-NULL key.
      cols = [directProbeKey(only!, n)];
      kind = 'intF64';
    }
    this.kind = kind;
    this.keys = cols;
    this.allKeys = table.keys.map((_, c) => c);
    this.nullKey = nullKeyFlags(cols, n);
    const home = new Int32Array(n);
    const first = cols[0]!;
    let rowHashes: Uint32Array | null = null;
    if (kind === 'direct')
      directBuckets(
        (first as { values: Float64Array | Int32Array }).values,
        n,
        table.directBase,
        table.bucketStart.length - 1,
        home,
      );
    else if (kind === 'intF64') slotsF64((first as { values: Float64Array }).values, n, table.mask, home);
    else if (kind === 'intI32') slotsI32((first as { values: Int32Array }).values, n, table.mask, home);
    else {
      rowHashes = hashColumns(cols, n, new Uint32Array(n), JOIN_HASH_SEED);
      for (let i = 0; i < n; i++) home[i] = rowHashes[i]! & table.mask;
    }
    if (this.nullKey !== null) for (let i = 0; i < n; i++) if (this.nullKey[i] === 1) home[i] = -1;
    this.home = home;
    this.rowHashes = rowHashes;
  }

  get done(): boolean {
    return this.cursor[0]! >= this.n;
  }

  /** Whether probe row i has a NULL in a key column. */
  isNullKey(i: number): boolean {
    return this.nullKey !== null && this.nullKey[i] === 1;
  }

  /**
   * Writes up to `cap` matching pairs: probe rows (ascending) into `outP`, rows of `table.batch`
   * into `outB`. With `firstOnly`, each probe row yields at most one pair (semi/anti joins without
   * a residual).
   */
  next(outP: Int32Array, outB: Int32Array, cap: number, firstOnly: boolean): number {
    switch (this.kind) {
      case 'direct':
        return this.nextDirect(outP, outB, cap, firstOnly);
      case 'intF64':
        return this.nextInt((this.keys[0] as { values: Float64Array }).values, outP, outB, cap, firstOnly);
      case 'intI32':
        return this.nextInt((this.keys[0] as { values: Int32Array }).values, outP, outB, cap, firstOnly);
      case 'generic':
        return this.nextGeneric(outP, outB, cap, firstOnly);
    }
  }

  private nextDirect(outP: Int32Array, outB: Int32Array, cap: number, firstOnly: boolean): number {
    const t = this.table;
    if (t.extraKeys.length === 0)
      return probeDirect(this.cursor, this.home, t.bucketStart, this.n, outP, outB, cap, firstOnly);
    const out = probeDirect(this.cursor, this.home, t.bucketStart, this.n, outP, outB, cap, false);
    return this.verify(outP, outB, out, firstOnly, 1, t.extraKeys);
  }

  /**
   * Keeps the candidate pairs whose keys `this.keys[from..]` equal the table's `tableKeys` (and
   * with `firstOnly`, each probe row's first such pair); returns how many are left.
   */
  private verify(
    outP: Int32Array,
    outB: Int32Array,
    out: number,
    firstOnly: boolean,
    from: number,
    tableKeys: readonly number[],
  ): number {
    if (out === 0) return 0;
    if (this.match.length < out) this.match = new Uint8Array(Math.max(out, outP.length));
    const match = this.match;
    match.fill(1, 0, out);
    const t = this.table;
    for (let c = 0; c < tableKeys.length; c++)
      equalPairs(this.keys[from + c]!, outP, t.keys[tableKeys[c]!]!, outB, out, match);
    // Pairs of one probe row are adjacent: firstOnly keeps the first verified one.
    let w = 0;
    let last = -1;
    for (let q = 0; q < out; q++) {
      if (match[q] === 0) continue;
      const p = outP[q]!;
      if (firstOnly && p === last) continue;
      last = p;
      outP[w] = p;
      outB[w++] = outB[q]!;
    }
    return w;
  }

  private nextInt(
    probe: Float64Array | Int32Array,
    outP: Int32Array,
    outB: Int32Array,
    cap: number,
    firstOnly: boolean,
  ): number {
    const t = this.table;
    return probe instanceof Float64Array
      ? probeIntF64(
          this.cursor,
          probe,
          this.home,
          t.slotKeys,
          t.slotRows,
          t.next,
          t.mask,
          this.n,
          outP,
          outB,
          cap,
          firstOnly,
        )
      : probeIntI32(
          this.cursor,
          probe,
          this.home,
          t.slotKeys,
          t.slotRows,
          t.next,
          t.mask,
          this.n,
          outP,
          outB,
          cap,
          firstOnly,
        );
  }

  /** Any keys: the chain of rows with the row's hash, verified column by column. */
  private nextGeneric(outP: Int32Array, outB: Int32Array, cap: number, firstOnly: boolean): number {
    const t = this.table;
    const sr = t.slotRows;
    const next = t.next;
    const mask = t.mask;
    const home = this.home;
    const hashes = this.rowHashes!;
    const n = this.n;
    const cursor = this.cursor;
    let out = 0;
    let i = cursor[0]!;
    let r = cursor[1]!;
    outer: for (; i < n; i++) {
      if (r < 0) {
        let s = home[i]!;
        if (s < 0) continue;
        const h = hashes[i]! | 0;
        for (;;) {
          const head = sr[2 * s + 1]!;
          if (head === 0) break;
          if (sr[2 * s] === h) {
            r = head - 1;
            break;
          }
          s = (s + 1) & mask;
        }
      }
      while (r >= 0) {
        if (out === cap) break outer;
        outP[out] = i;
        outB[out++] = r;
        r = next[r]!;
      }
    }
    cursor[0] = i;
    cursor[1] = r;
    return this.verify(outP, outB, out, firstOnly, 0, this.allKeys);
  }
}

/** Direct buckets hold exactly one key's rows: every entry matches. */
function probeDirect(
  cursor: Int32Array,
  home: Int32Array,
  bs: Int32Array,
  n: number,
  outP: Int32Array,
  outB: Int32Array,
  cap: number,
  firstOnly: boolean,
): number {
  let out = 0;
  let i = cursor[0]!;
  let k = cursor[1]!;
  let end = cursor[2]!;
  for (; i < n; i++) {
    if (k < 0) {
      const b = home[i]!;
      if (b < 0) continue;
      k = bs[b]!;
      end = bs[b + 1]!;
      if (firstOnly && end > k) end = k + 1;
    }
    for (; k < end; k++) {
      if (out === cap) {
        cursor[0] = i;
        cursor[1] = k;
        cursor[2] = end;
        return out;
      }
      outP[out] = i;
      outB[out++] = k;
    }
    k = -1;
  }
  cursor[0] = n;
  cursor[1] = -1;
  return out;
}

/**
 * int layout: find the key's slot, then walk its chain of rows. The previous lookup is reused:
 * probe sides clustered on the key (a fact table in key order) repeat keys in runs.
 */
function probeIntF64(
  cursor: Int32Array,
  probe: Float64Array,
  home: Int32Array,
  sk: Float64Array,
  sr: Int32Array,
  next: Int32Array,
  mask: number,
  n: number,
  outP: Int32Array,
  outB: Int32Array,
  cap: number,
  firstOnly: boolean,
): number {
  let out = 0;
  let i = cursor[0]!;
  let r = cursor[1]!;
  let lastV = Number.NaN;
  let lastHead = 0; // first row + 1 of the last key looked up (0: no match)
  let lastSingle = false;
  for (; i < n; i++) {
    if (r < 0) {
      let s = home[i]!;
      if (s < 0) continue;
      const v = probe[i]!;
      if (v !== lastV) {
        lastV = v;
        lastHead = 0;
        for (;;) {
          const head = sr[4 * s + 2]!;
          if (head === 0) break;
          if (sk[2 * s] === v) {
            lastHead = head;
            lastSingle = sr[4 * s + 3] === 1;
            break;
          }
          s = (s + 1) & mask;
        }
      }
      if (lastHead === 0) continue;
      r = lastHead - 1;
      if (lastSingle) {
        // The key's only row: no chain to read.
        if (out === cap) break;
        outP[out] = i;
        outB[out++] = r;
        r = -1;
        continue;
      }
    }
    while (r >= 0) {
      if (out === cap) {
        cursor[0] = i;
        cursor[1] = r;
        return out;
      }
      outP[out] = i;
      outB[out++] = r;
      r = firstOnly ? -1 : next[r]!;
    }
  }
  cursor[0] = i;
  cursor[1] = r;
  return out;
}

/** probeIntF64 for int32 probe keys (a separate copy keeps each loop monomorphic). */
function probeIntI32(
  cursor: Int32Array,
  probe: Int32Array,
  home: Int32Array,
  sk: Float64Array,
  sr: Int32Array,
  next: Int32Array,
  mask: number,
  n: number,
  outP: Int32Array,
  outB: Int32Array,
  cap: number,
  firstOnly: boolean,
): number {
  let out = 0;
  let i = cursor[0]!;
  let r = cursor[1]!;
  let lastV = Number.NaN;
  let lastHead = 0;
  let lastSingle = false;
  for (; i < n; i++) {
    if (r < 0) {
      let s = home[i]!;
      if (s < 0) continue;
      const v = probe[i]!;
      if (v !== lastV) {
        lastV = v;
        lastHead = 0;
        for (;;) {
          const head = sr[4 * s + 2]!;
          if (head === 0) break;
          if (sk[2 * s] === v) {
            lastHead = head;
            lastSingle = sr[4 * s + 3] === 1;
            break;
          }
          s = (s + 1) & mask;
        }
      }
      if (lastHead === 0) continue;
      r = lastHead - 1;
      if (lastSingle) {
        if (out === cap) break;
        outP[out] = i;
        outB[out++] = r;
        r = -1;
        continue;
      }
    }
    while (r >= 0) {
      if (out === cap) {
        cursor[0] = i;
        cursor[1] = r;
        return out;
      }
      outP[out] = i;
      outB[out++] = r;
      r = firstOnly ? -1 : next[r]!;
    }
  }
  cursor[0] = i;
  cursor[1] = r;
  return out;
}

/**
 * An integer probe key in f64 or i32 storage: values beyond 2^53 (which no build key can equal)
 * become NaN, which matches nothing; an all-NULL vector becomes zeros with NULL validity.
 */
function directProbeKey(v: Vector, n: number): Vector {
  if (v.kind === 'i32' || v.kind === 'f64') return v;
  const values = new Float64Array(n);
  if (v.kind === 'i64') {
    for (let i = 0; i < n; i++) {
      const x = v.values[i]!;
      values[i] = x > 9007199254740992n || x < -9007199254740992n ? Number.NaN : Number(x);
    }
    return { kind: 'f64', type: v.type, length: n, validity: v.validity, values };
  }
  return { kind: 'f64', type: v.type, length: n, validity: new Uint8Array((n + 7) >> 3), values };
}

function directBuckets(
  v: Float64Array | Int32Array,
  n: number,
  base: number,
  range: number,
  out: Int32Array,
): void {
  for (let i = 0; i < n; i++) {
    const b = v[i]! - base;
    out[i] = b >= 0 && b < range ? b : -1;
  }
}

function slotsF64(v: Float64Array, n: number, mask: number, out: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    out[i] = mix64(x | 0, Math.floor(x / 4294967296) | 0, JOIN_HASH_SEED) & mask;
  }
}

function slotsI32(v: Int32Array, n: number, mask: number, out: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    out[i] = mix64(x, x >> 31, JOIN_HASH_SEED) & mask;
  }
}

/*
 * Give the probe loops type feedback for every path before they run hot. V8 optimizes a loop while
 * its first long call is still running; code after the loop (the cursor stores) and rare branches
 * (chains, a full output buffer) then have no feedback yet, and the optimized code deoptimizes on
 * every later call — measured at 2–3× the loop's cost. A few tiny calls here record it.
 */
function warmUp(): void {
  const mask = 3;
  const buf = new ArrayBuffer(4 * 16);
  const sk = new Float64Array(buf);
  const sr = new Int32Array(buf);
  sk[2] = 7;
  sr[4 + 2] = 1; // key 7 in slot 1, head row 0, with a chain: rows 0 → 1
  sr[4 + 3] = 0;
  sk[4] = 9;
  sr[8 + 2] = 3; // key 9 in slot 2, single row 2
  sr[8 + 3] = 1;
  const next = Int32Array.of(1, -1, -1);
  const home = Int32Array.of(1, 2, 0, -1);
  const outP = new Int32Array(4);
  const outB = new Int32Array(4);
  for (const cap of [1, 4]) {
    for (const firstOnly of [false, true]) {
      const f64 = Float64Array.of(7, 9, 5, 0);
      const i32 = Int32Array.of(7, 9, 5, 0);
      let c = Int32Array.of(0, -1, 0);
      while (c[0]! < 4) probeIntF64(c, f64, home, sk, sr, next, mask, 4, outP, outB, cap, firstOnly);
      c = Int32Array.of(0, -1, 0);
      while (c[0]! < 4) probeIntI32(c, i32, home, sk, sr, next, mask, 4, outP, outB, cap, firstOnly);
      c = Int32Array.of(0, -1, 0);
      const bs = Int32Array.of(0, 2, 2, 3);
      const dh = Int32Array.of(0, 2, -1, 1);
      while (c[0]! < 4) probeDirect(c, dh, bs, 4, outP, outB, cap, firstOnly);
    }
  }
}
warmUp();
