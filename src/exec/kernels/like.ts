/**
 * LIKE / ILIKE, compiled once per pattern into a matcher over UTF-8 bytes.
 *
 * Patterns are sorted into shapes with fast paths — `abc` (equality), `abc%` (prefix), `%abc`
 * (suffix), `%abc%` (contains), `a%b%c` (ordered segments) — and everything else (`_`, or
 * ILIKE with non-ASCII letters) goes to a general backtracking matcher. Over a whole vector, a
 * contains-shaped pattern searches the vector's byte buffer with `Buffer.indexOf` (memchr-fast) and
 * maps hits back to rows through the offsets, so rows without the needle cost nothing per row.
 *
 * `%` matches any run of characters, `_` exactly one character (a code point, not a byte);
 * `escapeChar` makes the next pattern character literal. ILIKE folds ASCII letters on the fly; a
 * pattern with non-ASCII letters is matched against lower-cased row text.
 */
import { SkeinError } from '../../errors.ts';
import type { StrVector } from '../vector.ts';
import { strAt } from './str-builder.ts';

const encoder = new TextEncoder();

type Token = number; // a byte 0..255, or ANY_CHAR / ANY_RUN
const ANY_CHAR = -1;
const ANY_RUN = -2;

export interface LikeMatcher {
  /** Whether row i of `v` matches. */
  matchRow(v: StrVector, i: number): boolean;
  /**
   * Writes to `out` the rows of `sel[0..n)` (of 0..n-1 when `sel` is null) that match, skipping
   * rows NULL in `validity`; returns the count. `negate` selects the rows that do not match (NULLs
   * still excluded).
   */
  select(v: StrVector, sel: Uint32Array | null, n: number, out: Uint32Array, negate: boolean): number;
  /** Describes the compiled shape (tests, EXPLAIN). */
  readonly shape: 'exact' | 'prefix' | 'suffix' | 'contains' | 'segments' | 'general' | 'lowered';
}

/** Splits a pattern into tokens, resolving the escapeChar character. */
function tokenize(pattern: string, escapeChar: string | null): Token[] {
  const out: Token[] = [];
  const chars = [...pattern];
  for (let k = 0; k < chars.length; k++) {
    const c = chars[k]!;
    if (escapeChar !== null && c === escapeChar) {
      const next = chars[++k];
      if (next === undefined) {
        throw new SkeinError(
          'INVALID_ARGUMENT',
          `LIKE pattern '${pattern}' ends with its escapeChar character`,
        );
      }
      for (const b of encoder.encode(next)) out.push(b);
    } else if (c === '%') {
      if (out[out.length - 1] !== ANY_RUN) out.push(ANY_RUN);
    } else if (c === '_') out.push(ANY_CHAR);
    else for (const b of encoder.encode(c)) out.push(b);
  }
  return out;
}

const ASCII_LOWER = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = i >= 65 && i <= 90 ? i + 32 : i;
  return t;
})();
const IDENTITY = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = i;
  return t;
})();

/** Byte length of the UTF-8 sequence starting with byte `b`. */
function charLen(b: number): number {
  return b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
}

/** The general matcher: tokens against bytes [s, e), `%` by backtracking to the last star. */
function matchTokens(
  t: readonly Token[],
  bytes: Uint8Array,
  s: number,
  e: number,
  fold: Uint8Array,
): boolean {
  const m = t.length;
  let i = s;
  let p = 0;
  let starP = -1;
  let starI = 0;
  while (i < e) {
    if (p < m) {
      const tok = t[p]!;
      if (tok === ANY_CHAR) {
        i += charLen(bytes[i]!);
        p++;
        continue;
      }
      if (tok >= 0 && fold[bytes[i]!] === tok) {
        i++;
        p++;
        continue;
      }
      if (tok === ANY_RUN) {
        starP = p++;
        starI = i;
        continue;
      }
    }
    if (starP < 0) return false;
    p = starP + 1;
    starI += charLen(bytes[starI]!);
    i = starI;
  }
  while (p < m && t[p] === ANY_RUN) p++;
  return p === m && i === e;
}

/** Whether `needle` (already folded) occurs at bytes[at..]. */
function equalAt(bytes: Uint8Array, at: number, needle: Uint8Array, fold: Uint8Array): boolean {
  for (let k = 0; k < needle.length; k++) if (fold[bytes[at + k]!] !== needle[k]) return false;
  return true;
}

/** First index ≥ from where `needle` occurs within [from, end), or -1. */
function indexIn(bytes: Uint8Array, from: number, end: number, needle: Uint8Array, fold: Uint8Array): number {
  const l = needle.length;
  if (l === 0) return from;
  const first = needle[0]!;
  const last = end - l;
  for (let k = from; k <= last; k++) {
    if (fold[bytes[k]!] === first && equalAt(bytes, k, needle, fold)) return k;
  }
  return -1;
}

/**
 * Compiles `pattern`. `caseInsensitive` gives ILIKE. Throws INVALID_ARGUMENT for a pattern that
 * ends in its escapeChar character.
 */
export function compileLike(
  pattern: string,
  escapeChar: string | null,
  caseInsensitive: boolean,
): LikeMatcher {
  let asciiPattern = true;
  for (let k = 0; k < pattern.length; k++) if (pattern.charCodeAt(k) >= 0x80) asciiPattern = false;
  if (caseInsensitive && !asciiPattern) return loweredMatcher(pattern.toLowerCase(), escapeChar);
  const fold = caseInsensitive ? ASCII_LOWER : IDENTITY;
  const tokens = tokenize(caseInsensitive ? pattern.toLowerCase() : pattern, escapeChar);
  if (tokens.includes(ANY_CHAR)) return generalMatcher(tokens, fold);
  // Only literals and %: segments.
  const segments: Uint8Array[] = [];
  let cur: number[] = [];
  for (const t of tokens) {
    if (t === ANY_RUN) {
      segments.push(Uint8Array.from(cur));
      cur = [];
    } else cur.push(t);
  }
  segments.push(Uint8Array.from(cur));
  const anchoredStart = tokens[0] !== ANY_RUN;
  const anchoredEnd = tokens[tokens.length - 1] !== ANY_RUN;
  if (segments.length === 1) return exactMatcher(segments[0]!, fold);
  if (segments.length === 2 && anchoredStart && !anchoredEnd) return prefixMatcher(segments[0]!, fold);
  if (segments.length === 2 && !anchoredStart && anchoredEnd) return suffixMatcher(segments[1]!, fold);
  if (segments.length === 3 && !anchoredStart && !anchoredEnd && segments[1]!.length > 0) {
    return containsMatcher([segments[1]!], fold);
  }
  if (!anchoredStart && !anchoredEnd) {
    const needles = segments.filter((s) => s.length > 0);
    if (needles.length === 0) return anyMatcher();
    return containsMatcher(needles, fold);
  }
  return segmentsMatcher(segments, anchoredStart, anchoredEnd, fold);
}

/** Shared row loop for matchers defined by a per-row test. */
function byRow(
  shape: LikeMatcher['shape'],
  test: (bytes: Uint8Array, s: number, e: number) => boolean,
  extra?: Partial<LikeMatcher>,
): LikeMatcher {
  return {
    shape,
    matchRow: (v, i) => test(v.bytes, v.offsets[i]!, v.offsets[i + 1]!),
    select(v, sel, n, out, negate) {
      const o = v.offsets;
      const b = v.bytes;
      const m = v.validity;
      const want = negate ? 0 : 1;
      let k = 0;
      for (let j = 0; j < n; j++) {
        const i = sel === null ? j : sel[j]!;
        out[k] = i;
        const hit = test(b, o[i]!, o[i + 1]!) ? 1 : 0;
        k += (hit === want ? 1 : 0) & (m === null ? 1 : (m[i >> 3]! >> (i & 7)) & 1);
      }
      return k;
    },
    ...extra,
  };
}

function anyMatcher(): LikeMatcher {
  return byRow('segments', () => true);
}

function exactMatcher(lit: Uint8Array, fold: Uint8Array): LikeMatcher {
  const l = lit.length;
  return byRow('exact', (b, s, e) => e - s === l && equalAt(b, s, lit, fold));
}

function prefixMatcher(lit: Uint8Array, fold: Uint8Array): LikeMatcher {
  const l = lit.length;
  return byRow('prefix', (b, s, e) => e - s >= l && equalAt(b, s, lit, fold));
}

function suffixMatcher(lit: Uint8Array, fold: Uint8Array): LikeMatcher {
  const l = lit.length;
  return byRow('suffix', (b, s, e) => e - s >= l && equalAt(b, e - l, lit, fold));
}

function segmentsMatcher(
  segments: readonly Uint8Array[],
  anchoredStart: boolean,
  anchoredEnd: boolean,
  fold: Uint8Array,
): LikeMatcher {
  const first = segments[0]!;
  const lastSeg = segments[segments.length - 1]!;
  const middle = segments
    .slice(anchoredStart ? 1 : 0, anchoredEnd ? -1 : undefined)
    .filter((s) => s.length > 0);
  return byRow('segments', (b, s, e) => {
    let from = s;
    let to = e;
    if (anchoredStart) {
      if (e - s < first.length || !equalAt(b, s, first, fold)) return false;
      from = s + first.length;
    }
    if (anchoredEnd) {
      if (to - from < lastSeg.length || !equalAt(b, e - lastSeg.length, lastSeg, fold)) return false;
      to = e - lastSeg.length;
    }
    for (const seg of middle) {
      const at = indexIn(b, from, to, seg, fold);
      if (at < 0) return false;
      from = at + seg.length;
    }
    return true;
  });
}

/** `%a%b%…%`: ordered needles anywhere. Whole vectors are searched with Buffer.indexOf when case-sensitive. */
function containsMatcher(needles: readonly Uint8Array[], fold: Uint8Array): LikeMatcher {
  const rowTest = (b: Uint8Array, s: number, e: number): boolean => {
    let from = s;
    for (const nd of needles) {
      const at = indexIn(b, from, e, nd, fold);
      if (at < 0) return false;
      from = at + nd.length;
    }
    return true;
  };
  const base = byRow('contains', rowTest);
  if (fold !== IDENTITY) return base;
  const firstNeedle = Buffer.from(needles[0]!);
  const rest = needles.slice(1);
  /** Marks (in `hits`) the rows 0..n-1 that match, by searching the byte buffer once. */
  const scan = (v: StrVector, n: number, hits: Uint8Array): void => {
    const o = v.offsets;
    const buf = Buffer.from(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength);
    const end = o[n]!;
    const nl = firstNeedle.length;
    let row = 0;
    let pos = buf.indexOf(firstNeedle, o[0]!);
    while (pos >= 0 && pos + nl <= end) {
      // Advance to the row containing pos (offsets ascend; empty rows are skipped over).
      while (o[row + 1]! <= pos) row++;
      const rowEnd = o[row + 1]!;
      if (pos + nl <= rowEnd) {
        let ok = true;
        let from = pos + nl;
        for (const nd of rest) {
          const at = indexIn(v.bytes, from, rowEnd, nd, fold);
          if (at < 0) {
            ok = false;
            break;
          }
          from = at + nd.length;
        }
        if (ok) hits[row] = 1;
        // Next candidate: the next row (this one is decided unless the later needles failed
        // only because of where this occurrence was; an earlier occurrence is always best).
        row++;
        if (row >= n) break;
        pos = buf.indexOf(firstNeedle, o[row]!);
      } else {
        pos = buf.indexOf(firstNeedle, pos + 1);
      }
    }
  };
  return {
    shape: 'contains',
    matchRow: base.matchRow,
    select(v, sel, n, out, negate) {
      // Dense or no selection: one scan of the buffer; sparse: per selected row.
      const rows = v.length;
      if (sel !== null && n * 4 < rows) return base.select(v, sel, n, out, negate);
      const hits = new Uint8Array(rows);
      scan(v, rows, hits);
      const m = v.validity;
      const want = negate ? 0 : 1;
      let k = 0;
      for (let j = 0; j < n; j++) {
        const i = sel === null ? j : sel[j]!;
        out[k] = i;
        k += (hits[i] === want ? 1 : 0) & (m === null ? 1 : (m[i >> 3]! >> (i & 7)) & 1);
      }
      return k;
    },
  };
}

function generalMatcher(tokens: readonly Token[], fold: Uint8Array): LikeMatcher {
  return byRow('general', (b, s, e) => matchTokens(tokens, b, s, e, fold));
}

/** ILIKE with a non-ASCII pattern: rows are lower-cased as text first. */
function loweredMatcher(loweredPattern: string, escapeChar: string | null): LikeMatcher {
  const tokens = tokenize(loweredPattern, escapeChar);
  const test = (v: StrVector, i: number): boolean => {
    const bytes = encoder.encode(strAt(v, i).toLowerCase());
    return matchTokens(tokens, bytes, 0, bytes.length, IDENTITY);
  };
  return {
    shape: 'lowered',
    matchRow: test,
    select(v, sel, n, out, negate) {
      const m = v.validity;
      const want = !negate;
      let k = 0;
      for (let j = 0; j < n; j++) {
        const i = sel === null ? j : sel[j]!;
        if (m !== null && !((m[i >> 3]! >> (i & 7)) & 1)) continue;
        if (test(v, i) === want) out[k++] = i;
      }
      return k;
    },
  };
}
