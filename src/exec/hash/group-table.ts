/**
 * The hash table of GROUP BY (and DISTINCT): maps each row's key to a dense group id 0, 1, 2, …
 * in order of first appearance, storing each group's key values once.
 *
 * Three strategies, chosen per table and changed as the data demands:
 * - **direct**: the keys pack into a small domain (see `packed-keys.ts`); the packed key indexes
 *   an Int32Array of group ids — a perfect hash, no probing, no comparisons.
 * - **packed**: the keys pack into one exact double; open addressing on that one number.
 * - **generic**: any keys. Rows are hashed column by column (`hash.ts`); phase 1 probes by hash
 *   alone (a tight loop, inserting new groups); phase 2 checks the hash matches column by column
 *   (`key-equality.ts`); the rare collisions are then probed again row by row.
 *
 * NULL keys form their own group (SQL's GROUP BY). No keys at all means one group (a global
 * aggregate).
 *
 * @example
 * const t = new GroupTable([INT32, VARCHAR]);
 * const gids = new Int32Array(batch.length);
 * t.findOrInsert([batch.columns[2]!, batch.columns[0]!], batch.length, gids);
 * t.groupCount; // groups so far; t.keyColumns(0, t.groupCount) gives their keys
 */
import { SkeinError } from '../../errors.ts';
import type { DataType } from '../../types/data-type.ts';
import type { Vector } from '../vector.ts';
import { ColumnBuilder } from './column-builder.ts';
import { hashColumns, mix64 } from './hash.ts';
import { equalPairs, rowsEqual } from './key-equality.ts';
import {
  chooseLayout,
  encodeKeys,
  fitsLayout,
  type KeyStats,
  keyStats,
  type PackedLayout,
} from './packed-keys.ts';

/**
 * Packed domains up to this size always use a direct array (4 MiB of Int32); larger ones when the
 * array has at most 16 slots (64 bytes) per group — no more than the hash table takes at its
 * emptiest (16-byte slots, load 0.25 right after growing), and keys that arrive clustered
 * (lineitem by l_orderkey) then walk it in order.
 */
const DIRECT_LIMIT = 1 << 20;
const DIRECT_SLOTS_PER_GROUP = 16;

export type GroupTableStrategy = 'direct' | 'packed' | 'generic';

export class GroupTable {
  readonly keyTypes: readonly DataType[];
  private readonly stores: ColumnBuilder[];
  private readonly seed: number;
  groupCount = 0;
  /** Rows of the current batch (bounds how many groups it can add). */
  private batchRows = 0;
  private strategy: GroupTableStrategy | 'new';
  // packed / direct
  private layout: PackedLayout | null = null;
  private direct: Int32Array = new Int32Array(0);
  private codes: Float64Array = new Float64Array(0);
  private codeBuf: Float64Array = new Float64Array(0);
  // packed / generic: open addressing; generic slots are [group id + 1, hash] pairs
  /** generic: [group id + 1, hash] per slot. */
  private slots: Int32Array = new Int32Array(0);
  /** packed: slot s holds its code at `slotCodes[2s]` and group id + 1 at `slots[4s + 2]`. */
  private slotCodes: Float64Array = new Float64Array(0);
  private mask = 0;
  private groupHash: Uint32Array = new Uint32Array(0);
  private hashBuf: Uint32Array = new Uint32Array(0);
  private candRows: Int32Array = new Int32Array(0);
  private candGids: Int32Array = new Int32Array(0);
  private candMatch: Uint8Array = new Uint8Array(0);

  constructor(keyTypes: readonly DataType[], options: { seed?: number; packed?: boolean } = {}) {
    this.keyTypes = keyTypes;
    this.stores = keyTypes.map((t) => new ColumnBuilder(t));
    this.seed = options.seed ?? 0x2545f491;
    this.strategy = keyTypes.length === 0 ? 'direct' : options.packed === false ? 'generic' : 'new';
    if (this.strategy === 'generic') this.initGeneric(1024);
  }

  /** How keys are currently looked up (for tests and EXPLAIN ANALYZE). */
  get currentStrategy(): GroupTableStrategy {
    return this.strategy === 'new' ? 'packed' : this.strategy;
  }

  /**
   * Writes the group id of each row [0, n) of the key columns into `gids`, creating groups for
   * keys not seen before.
   */
  findOrInsert(columns: readonly Vector[], n: number, gids: Int32Array): void {
    this.batchRows = n;
    if (this.keyTypes.length === 0) {
      if (this.groupCount === 0) this.groupCount = 1;
      gids.fill(0, 0, n);
      return;
    }
    const cols = columns.map((c, k) => this.stores[k]!.normalize(c));
    if (this.strategy !== 'generic') {
      if (this.codeBuf.length < n) this.codeBuf = new Float64Array(Math.max(n, 1024));
      let fits = this.layout !== null && encodeKeys(this.layout, cols, n, this.codeBuf);
      if (!fits && this.preparePacked(cols.map((c) => keyStats(c, n)))) {
        fits = encodeKeys(this.layout!, cols, n, this.codeBuf);
        if (!fits)
          throw new SkeinError(
            'INTERNAL',
            'internal error (this is a bug in Skein): keys do not fit their packed layout',
          );
      }
      if (fits) {
        if (this.strategy === 'direct') this.probeDirect(cols, n, gids);
        else this.probePacked(cols, n, gids);
        return;
      }
      this.switchToGeneric();
    }
    this.probeGeneric(cols, n, gids);
  }

  /** Ensures the global aggregate's single group exists (even for empty input). */
  ensureGlobalGroup(): void {
    if (this.keyTypes.length === 0 && this.groupCount === 0) this.groupCount = 1;
  }

  /** The key values of groups [start, end), one vector per key column. */
  keyColumns(start: number, end: number): Vector[] {
    return this.stores.map((s) => s.slice(start, end));
  }

  /** Bytes the table holds. */
  byteSize(): number {
    let n =
      this.direct.byteLength +
      this.slotCodes.byteLength +
      this.codes.byteLength +
      this.codeBuf.byteLength +
      this.slots.byteLength +
      this.groupHash.byteLength +
      this.hashBuf.byteLength +
      this.candRows.byteLength * 2 +
      this.candMatch.byteLength;
    for (const s of this.stores) n += s.byteSize();
    return n;
  }

  // -------------------------------------------------------------------------------------------
  // packed keys

  /** Makes sure the current layout covers the batch; false when the keys cannot be packed. */
  private preparePacked(stats: readonly KeyStats[]): boolean {
    if (this.layout !== null && fitsLayout(this.layout, stats)) return true;
    const layout = chooseLayout(this.keyTypes, stats, this.layout);
    if (layout === null) return false;
    this.layout = layout;
    // Re-encode the stored keys under the new layout and rebuild the lookup structure.
    const count = this.groupCount;
    const codes = new Float64Array(Math.max(1024, count * 2));
    const stored = this.stores.map((s) => s.view());
    if (count > 0 && !encodeKeys(layout, stored, count, codes))
      throw new SkeinError(
        'INTERNAL',
        'internal error (this is a bug in Skein): stored group keys do not fit their new layout',
      );
    this.codes = codes;
    if (this.directFits(Math.max(count, this.batchRows))) {
      this.switchToDirect();
    } else {
      this.strategy = 'packed';
      this.direct = new Int32Array(0);
      this.rebuildPackedSlots(Math.max(1024, count * 4));
    }
    return true;
  }

  /** Whether direct indexing suits the layout's domain for about this many groups. */
  private directFits(groups: number): boolean {
    return this.layout!.domain <= Math.max(DIRECT_LIMIT, DIRECT_SLOTS_PER_GROUP * groups);
  }

  /**
   * A one-integer-column layout narrowed to the keys really seen — the stored groups' and the
   * rest of the batch's (`codeBuf[from, n)`), with 1/16 of their range as slack each side — when
   * that makes direct indexing fit. Layouts widen generously for keys that grow (sequential ids);
   * a hash-partitioned share of such keys spans the whole range at once and overshoots (TPC-H
   * Q18's final aggregate: keys up to 6M in a domain of 15M, kept in a hash table that rebuilt
   * itself ten times). Codes are shifted in place; false (nothing changed) when it does not help.
   */
  private tightenLayout(n: number, from: number): boolean {
    const layout = this.layout!;
    const f = layout.fields[0]!;
    if (layout.fields.length !== 1 || f.kind !== 'int') return false;
    const codes = this.codes;
    const buf = this.codeBuf;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let g = 0; g < this.groupCount; g++) {
      const c = codes[g]!;
      if (c === 0) continue; // NULL
      if (c < lo) lo = c;
      if (c > hi) hi = c;
    }
    for (let j = from; j < n; j++) {
      const c = buf[j]!;
      if (c === 0) continue;
      if (c < lo) lo = c;
      if (c > hi) hi = c;
    }
    if (!(lo <= hi)) return false;
    const slack = Math.floor((hi - lo + 1) / 16);
    // New codes: old − shift, in [1, size].
    const shift = Math.max(0, lo - 1 - slack);
    const size = Math.min(f.size - shift, hi - shift + slack);
    if (size + 1 > Math.max(DIRECT_LIMIT, DIRECT_SLOTS_PER_GROUP * this.groupCount)) return false;
    this.layout = { fields: [{ kind: 'int', base: f.base + shift, size }], mults: [1], domain: size + 1 };
    if (shift > 0) {
      for (let g = 0; g < this.groupCount; g++) if (codes[g]! > 0) codes[g]! -= shift;
      for (let j = from; j < n; j++) if (buf[j]! > 0) buf[j]! -= shift;
    }
    return true;
  }

  /** Direct indexing over the layout's domain, filled from the stored groups' codes. */
  private switchToDirect(): void {
    this.strategy = 'direct';
    this.slots = new Int32Array(0);
    this.slotCodes = new Float64Array(0);
    const direct = new Int32Array(this.layout!.domain);
    const codes = this.codes;
    for (let g = 0; g < this.groupCount; g++) direct[codes[g]!] = g + 1;
    this.direct = direct;
  }

  /** Packed open addressing at load ≤ 0.5: code and group id side by side in 16-byte slots. */
  private rebuildPackedSlots(capacity: number): void {
    let cap = 1024;
    while (cap < capacity) cap *= 2;
    const buf = new ArrayBuffer(cap * 16);
    const sc = new Float64Array(buf);
    const sg = new Int32Array(buf);
    const mask = cap - 1;
    const codes = this.codes;
    const seed = this.seed;
    for (let g = 0; g < this.groupCount; g++) {
      const x = codes[g]!;
      let s = mix64(x | 0, (x / 4294967296) | 0, seed) & mask;
      while (sg[4 * s + 2] !== 0) s = (s + 1) & mask;
      sc[2 * s] = x;
      sg[4 * s + 2] = g + 1;
    }
    this.slotCodes = sc;
    this.slots = sg;
    this.mask = mask;
  }

  private newGroup(cols: readonly Vector[], row: number): number {
    const g = this.groupCount++;
    for (let c = 0; c < cols.length; c++) this.stores[c]!.appendRow(cols[c]!, row);
    return g;
  }

  private probeDirect(cols: readonly Vector[], n: number, gids: Int32Array, from = 0): void {
    const codeBuf = this.codeBuf;
    const direct = this.direct;
    for (let i = from; i < n; i++) {
      const code = codeBuf[i]!;
      let g = direct[code | 0]! - 1;
      if (g < 0) {
        g = this.newGroup(cols, i);
        direct[code | 0] = g + 1;
        if (g >= this.codes.length) this.codes = growF64(this.codes, g * 2 + 2);
        this.codes[g] = code;
      }
      gids[i] = g;
    }
  }

  private probePacked(cols: readonly Vector[], n: number, gids: Int32Array): void {
    const codeBuf = this.codeBuf;
    const seed = this.seed;
    let sc = this.slotCodes;
    let sg = this.slots;
    let mask = this.mask;
    // Runs of equal keys (input clustered on the key) reuse the previous row's lookup.
    let lastCode = Number.NaN;
    let lastGroup = -1;
    for (let i = 0; i < n; i++) {
      const x = codeBuf[i]!;
      if (x === lastCode) {
        gids[i] = lastGroup;
        continue;
      }
      let s = mix64(x | 0, (x / 4294967296) | 0, seed) & mask;
      let g: number;
      for (;;) {
        const e = sg[4 * s + 2]!;
        if (e === 0) {
          g = this.newGroup(cols, i);
          if (g >= this.codes.length) this.codes = growF64(this.codes, g * 2 + 2);
          this.codes[g] = x;
          sc[2 * s] = x;
          sg[4 * s + 2] = g + 1;
          if (this.groupCount * 2 > mask + 1) {
            if (this.directFits(this.groupCount) || this.tightenLayout(n, i + 1)) {
              // The keys turned out dense enough for direct indexing (a hash-partitioned share of
              // sequential ids: few groups per key range at first, then many).
              gids[i] = g;
              this.switchToDirect();
              this.probeDirect(cols, n, gids, i + 1);
              return;
            }
            this.rebuildPackedSlots((mask + 1) * 2);
            sc = this.slotCodes;
            sg = this.slots;
            mask = this.mask;
          }
          break;
        }
        if (sc[2 * s] === x) {
          g = e - 1;
          break;
        }
        s = (s + 1) & mask;
      }
      gids[i] = g;
      lastCode = x;
      lastGroup = g;
    }
  }

  // -------------------------------------------------------------------------------------------
  // generic keys

  private switchToGeneric(): void {
    this.strategy = 'generic';
    this.slotCodes = new Float64Array(0);
    this.layout = null;
    this.direct = new Int32Array(0);
    this.codes = new Float64Array(0);
    this.codeBuf = new Float64Array(0);
    const count = this.groupCount;
    this.groupHash = new Uint32Array(Math.max(1024, count * 2));
    if (count > 0)
      hashColumns(
        this.stores.map((s) => s.view()),
        count,
        this.groupHash,
        this.seed,
      );
    this.initGeneric(Math.max(1024, count * 4));
  }

  private initGeneric(capacity: number): void {
    let cap = 1024;
    while (cap < capacity) cap *= 2;
    if (this.groupHash.length === 0) this.groupHash = new Uint32Array(1024);
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
    const slots = this.slots;
    const mask = this.mask;
    const hashes = this.groupHash;
    for (let g = 0; g < this.groupCount; g++) {
      const h = hashes[g]! | 0;
      let s = h & mask;
      while (slots[2 * s] !== 0) s = (s + 1) & mask;
      slots[2 * s] = g + 1;
      slots[2 * s + 1] = h;
    }
  }

  private probeGeneric(cols: readonly Vector[], n: number, gids: Int32Array): void {
    if (this.hashBuf.length < n) {
      this.hashBuf = new Uint32Array(n);
      this.candRows = new Int32Array(n);
      this.candGids = new Int32Array(n);
      this.candMatch = new Uint8Array(n);
    }
    const hashes = hashColumns(cols, n, this.hashBuf, this.seed);
    const candRows = this.candRows;
    const candGids = this.candGids;
    let nc = 0;
    let slots = this.slots;
    let mask = this.mask;
    // Phase 1: by hash alone.
    for (let i = 0; i < n; i++) {
      const h = hashes[i]! | 0;
      let s = h & mask;
      for (;;) {
        const e = slots[2 * s]!;
        if (e === 0) {
          const g = this.insertGeneric(cols, i, h, s);
          gids[i] = g;
          if (this.groupCount * 2 > mask + 1) {
            this.initGeneric((mask + 1) * 2);
            slots = this.slots;
            mask = this.mask;
          }
          break;
        }
        if (slots[2 * s + 1] === h) {
          gids[i] = e - 1;
          candRows[nc] = i;
          candGids[nc] = e - 1;
          nc++;
          break;
        }
        s = (s + 1) & mask;
      }
    }
    if (nc === 0) return;
    // Phase 2: check the hash matches, one key column at a time.
    const match = this.candMatch;
    match.fill(1, 0, nc);
    for (let c = 0; c < cols.length; c++)
      equalPairs(cols[c]!, candRows, this.stores[c]!.view(), candGids, nc, match);
    // Phase 3: hash collisions (rare) probe again, comparing whole keys.
    for (let k = 0; k < nc; k++) {
      if (match[k] === 1) continue;
      const i = candRows[k]!;
      gids[i] = this.probeExact(cols, i, hashes[i]! | 0);
    }
  }

  private insertGeneric(cols: readonly Vector[], row: number, h: number, slot: number): number {
    const g = this.newGroup(cols, row);
    if (g >= this.groupHash.length) {
      const a = new Uint32Array(this.groupHash.length * 2);
      a.set(this.groupHash);
      this.groupHash = a;
    }
    this.groupHash[g] = h;
    this.slots[2 * slot] = g + 1;
    this.slots[2 * slot + 1] = h;
    return g;
  }

  private probeExact(cols: readonly Vector[], row: number, h: number): number {
    const views = this.stores.map((s) => s.view());
    let s = h & this.mask;
    for (;;) {
      const e = this.slots[2 * s]!;
      if (e === 0) {
        const g = this.insertGeneric(cols, row, h, s);
        if (this.groupCount * 2 > this.mask + 1) this.initGeneric((this.mask + 1) * 2);
        return g;
      }
      if (this.slots[2 * s + 1] === h && rowsEqual(cols, row, views, e - 1)) return e - 1;
      s = (s + 1) & this.mask;
    }
  }
}

function growF64(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
