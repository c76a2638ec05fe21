/**
 * String functions on UTF-8 vectors. Positions and lengths count characters (Unicode code
 * points), as DuckDB's `length`, `substring` and `strpos` do; a vector whose bytes are all ASCII
 * (checked once per batch) takes byte-indexed fast paths.
 *
 * Operands are vectors or constants: a `StrArg` is a VARCHAR vector or one value's UTF-8 bytes, a
 * `NumArg` a numeric vector or a number. The result is NULL where any vector operand is.
 */
import { SkeinError } from '../../errors.ts';
import { BOOLEAN, INT32, INT64 } from '../../types/data-type.ts';
import { boolVector, f64Vector, i32Vector, type StrVector, type Validity, type Vector } from '../vector.ts';
import { andValidities } from './bitmap.ts';
import { compareBytes } from './compare.ts';
import { StrBuilder, strAt } from './str-builder.ts';

export type StrArg = StrVector | Uint8Array;
export type NumArg = Vector | number;

const decoder = new TextDecoder();

function validityOf(args: readonly (StrArg | NumArg)[], n: number): Validity {
  const vs: Validity[] = [];
  for (const a of args) if (typeof a === 'object' && !(a instanceof Uint8Array)) vs.push(a.validity);
  return andValidities(vs, n);
}

/** Whether all bytes in [s, e) are ASCII. */
export function isAscii(b: Uint8Array, s = 0, e = b.length): boolean {
  for (let k = s; k < e; k++) if (b[k]! >= 0x80) return false;
  return true;
}

function numAt(a: NumArg, i: number): number {
  if (typeof a === 'number') return a;
  if (a.kind === 'f64' || a.kind === 'i32') return a.values[i]!;
  if (a.kind === 'i64') return Number(a.values[i]!);
  throw new SkeinError('INTERNAL', `numeric operand expected, got ${a.kind}`);
}

/** [bytes, start, end) of row i of a StrArg. */
function rowOf(a: StrArg, i: number): [Uint8Array, number, number] {
  if (a instanceof Uint8Array) return [a, 0, a.length];
  return [a.bytes, a.offsets[i]!, a.offsets[i + 1]!];
}

function textOf(a: StrArg, i: number): string {
  if (a instanceof Uint8Array) return decoder.decode(a);
  return strAt(a, i);
}

/** Number of code points in [s, e). */
export function countChars(b: Uint8Array, s: number, e: number): number {
  let c = 0;
  for (let k = s; k < e; k++) c += (b[k]! & 0xc0) !== 0x80 ? 1 : 0;
  return c;
}

/** Byte index of the `chars`-th code point at or after s (clamped to e). */
function advanceChars(b: Uint8Array, s: number, e: number, chars: number): number {
  let k = s;
  while (chars > 0 && k < e) {
    k++;
    while (k < e && (b[k]! & 0xc0) === 0x80) k++;
    chars--;
  }
  return k;
}

// -- length -----------------------------------------------------------------------------------

/** `length` (code points) or, with `bytes`, `strlen` → BIGINT. */
export function strLength(v: StrVector, bytes: boolean): Vector {
  const n = v.length;
  const out = new Float64Array(n);
  const o = v.offsets;
  if (bytes || isAscii(v.bytes, o[0]!, o[n]!)) for (let i = 0; i < n; i++) out[i] = o[i + 1]! - o[i]!;
  else for (let i = 0; i < n; i++) out[i] = countChars(v.bytes, o[i]!, o[i + 1]!);
  return f64Vector(INT64, out, v.validity);
}

// -- case -------------------------------------------------------------------------------------

function mapCase(s: string, upper: boolean): string {
  let out = '';
  for (const ch of s) {
    const m = upper ? ch.toUpperCase() : ch.toLowerCase();
    if ([...m].length === 1) out += m;
    else if (upper)
      out += ch === 'ß' ? 'ẞ' : ch; // one-to-one mapping only, as DuckDB
    else out += String.fromCodePoint(m.codePointAt(0)!);
  }
  return out;
}

/** upper / lower: ASCII bytes are mapped in one pass; non-ASCII rows through their text. */
export function changeCase(v: StrVector, upper: boolean): StrVector {
  const n = v.length;
  const o = v.offsets;
  const s0 = o[0]!;
  const src = v.bytes;
  if (isAscii(src, s0, o[n]!)) {
    const bytes = new Uint8Array(o[n]! - s0);
    const lo = upper ? 97 : 65;
    const delta = upper ? -32 : 32;
    for (let k = s0; k < o[n]!; k++) {
      const c = src[k]!;
      bytes[k - s0] = c >= lo && c <= lo + 25 ? c + delta : c;
    }
    const offsets = s0 === 0 ? o : o.map((x) => x - s0);
    return { ...v, offsets, bytes };
  }
  const b = new StrBuilder(n, o[n]! - s0);
  for (let i = 0; i < n; i++) {
    const s = o[i]!;
    const e = o[i + 1]!;
    if (isAscii(src, s, e)) {
      for (let k = s; k < e; k++) {
        const c = src[k]!;
        b.appendByte(upper ? (c >= 97 && c <= 122 ? c - 32 : c) : c >= 65 && c <= 90 ? c + 32 : c);
      }
    } else b.appendString(mapCase(decoder.decode(src.subarray(s, e)), upper));
    b.endRow();
  }
  return { ...b.finish(), type: v.type, validity: v.validity };
}

// -- substring and friends --------------------------------------------------------------------

/** DuckDB's substring window: [start, end) in characters of a string of `size` characters. */
export function substringWindow(size: number, offset: number, length: number): [number, number] {
  let s0: number;
  if (offset > 0) s0 = offset - 1;
  else if (offset < 0) s0 = size + offset;
  else {
    s0 = 0;
    if (length > 0) length -= 1;
  }
  let start: number;
  let end: number;
  if (length >= 0) {
    start = s0;
    end = s0 + length;
  } else {
    start = s0 + length;
    end = s0;
  }
  start = Math.max(0, Math.min(size, start));
  end = Math.max(0, Math.min(size, end));
  return end > start ? [start, end] : [0, 0];
}

/** substring(s, offset[, length]) by characters. */
export function substring(v: StrVector, offset: NumArg, length: NumArg | null): StrVector {
  const n = v.length;
  const o = v.offsets;
  const src = v.bytes;
  const ascii = isAscii(src, o[0]!, o[n]!);
  const validity = validityOf(length === null ? [v, offset] : [v, offset, length], n);
  // Constant window on ASCII: zero-copy offsets into a fresh buffer.
  const b = new StrBuilder(n, o[n]! - o[0]!);
  for (let i = 0; i < n; i++) {
    const s = o[i]!;
    const e = o[i + 1]!;
    const off = numAt(offset, i);
    const len = length === null ? Number.MAX_SAFE_INTEGER : numAt(length, i);
    if (ascii) {
      const [a, z] = substringWindow(e - s, off, len);
      b.append(src, s + a, s + z);
    } else {
      const size = countChars(src, s, e);
      const [a, z] = substringWindow(size, off, len);
      const bs = advanceChars(src, s, e, a);
      const be = advanceChars(src, bs, e, z - a);
      b.append(src, bs, be);
    }
    b.endRow();
  }
  return { ...b.finish(), type: v.type, validity };
}

/** left(s, n) / right(s, n); a negative n drops characters from the other end. */
export function leftRight(v: StrVector, count: NumArg, left: boolean): StrVector {
  const n = v.length;
  const o = v.offsets;
  const src = v.bytes;
  const b = new StrBuilder(n, o[n]! - o[0]!);
  for (let i = 0; i < n; i++) {
    const s = o[i]!;
    const e = o[i + 1]!;
    const size = countChars(src, s, e);
    const k = numAt(count, i);
    const take = k >= 0 ? Math.min(k, size) : Math.max(0, size + k);
    const from = left ? 0 : size - take;
    const bs = advanceChars(src, s, e, from);
    const be = advanceChars(src, bs, e, take);
    b.append(src, bs, be);
    b.endRow();
  }
  return { ...b.finish(), type: v.type, validity: validityOf([v, count], n) };
}

/** strpos(s, needle): 1-based character position of the first occurrence, 0 when absent. */
export function strpos(v: StrArg, needle: StrArg, n: number): Vector {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [b, s, e] = rowOf(v, i);
    const [nb, ns, ne] = rowOf(needle, i);
    const at = findBytes(b, s, e, nb, ns, ne);
    out[i] = at < 0 ? 0 : countChars(b, s, at) + 1;
  }
  return f64Vector(INT64, out, validityOf([v, needle], n));
}

/** Byte index of needle [ns, ne) in [s, e), or -1. */
export function findBytes(
  b: Uint8Array,
  s: number,
  e: number,
  nb: Uint8Array,
  ns: number,
  ne: number,
): number {
  const l = ne - ns;
  if (l === 0) return s;
  const first = nb[ns]!;
  for (let k = s; k <= e - l; k++) {
    if (b[k] !== first) continue;
    let ok = true;
    for (let q = 1; q < l; q++) {
      if (b[k + q] !== nb[ns + q]) {
        ok = false;
        break;
      }
    }
    if (ok) return k;
  }
  return -1;
}

/** starts_with / ends_with / contains → BOOLEAN. */
export function stringTest(
  kind: 'starts_with' | 'ends_with' | 'contains',
  v: StrArg,
  x: StrArg,
  n: number,
): Vector {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const [b, s, e] = rowOf(v, i);
    const [xb, xs, xe] = rowOf(x, i);
    const l = xe - xs;
    let r: boolean;
    if (kind === 'contains') r = findBytes(b, s, e, xb, xs, xe) >= 0;
    else if (e - s < l) r = false;
    else
      r =
        compareBytes(
          b,
          kind === 'starts_with' ? s : e - l,
          kind === 'starts_with' ? s + l : e,
          xb,
          xs,
          xe,
        ) === 0;
    out[i] = r ? 1 : 0;
  }
  return boolVector(BOOLEAN, out, validityOf([v, x], n));
}

/** replace(s, from, to): every occurrence; an empty `from` changes nothing. */
export function replace(v: StrArg, from: StrArg, to: StrArg, n: number): StrVector {
  const b = new StrBuilder(n);
  for (let i = 0; i < n; i++) {
    const [sb, s, e] = rowOf(v, i);
    const [fb, fs, fe] = rowOf(from, i);
    const [tb, ts, te] = rowOf(to, i);
    if (fe === fs) b.append(sb, s, e);
    else {
      let k = s;
      for (;;) {
        const at = findBytes(sb, k, e, fb, fs, fe);
        if (at < 0) break;
        b.append(sb, k, at);
        b.append(tb, ts, te);
        k = at + (fe - fs);
      }
      b.append(sb, k, e);
    }
    b.endRow();
  }
  return { ...b.finish(), validity: validityOf([v, from, to], n) };
}

// -- trimming ---------------------------------------------------------------------------------

/** trim / ltrim / rtrim of spaces, or of any of the characters in `chars`. */
export function trim(v: StrVector, chars: StrArg | null, left: boolean, right: boolean): StrVector {
  const n = v.length;
  const o = v.offsets;
  const src = v.bytes;
  const b = new StrBuilder(n, o[n]! - o[0]!);
  const constSet = chars instanceof Uint8Array ? new Set(decoder.decode(chars)) : null;
  for (let i = 0; i < n; i++) {
    let s = o[i]!;
    let e = o[i + 1]!;
    if (chars === null) {
      if (left) while (s < e && src[s] === 32) s++;
      if (right) while (e > s && src[e - 1] === 32) e--;
      b.append(src, s, e);
    } else {
      const set = constSet ?? new Set(textOf(chars, i));
      const cps = [...decoder.decode(src.subarray(s, e))];
      let a = 0;
      let z = cps.length;
      if (left) while (a < z && set.has(cps[a]!)) a++;
      if (right) while (z > a && set.has(cps[z - 1]!)) z--;
      b.appendString(cps.slice(a, z).join(''));
    }
    b.endRow();
  }
  return { ...b.finish(), type: v.type, validity: validityOf(chars === null ? [v] : [v, chars], n) };
}

// -- concatenation ----------------------------------------------------------------------------

/** `a || b || …` (NULL if any is NULL), or concat (NULLs skipped) when `skipNulls`. */
export function concat(
  args: readonly StrArg[],
  n: number,
  skipNulls: boolean,
  separator: StrArg | null = null,
): StrVector {
  let hint = 0;
  for (const a of args) hint += a instanceof Uint8Array ? a.length * n : a.offsets[a.length]! - a.offsets[0]!;
  const b = new StrBuilder(n, hint + 8);
  for (let i = 0; i < n; i++) {
    let first = true;
    for (const a of args) {
      if (
        skipNulls &&
        !(a instanceof Uint8Array) &&
        a.validity !== null &&
        !((a.validity[i >> 3]! >> (i & 7)) & 1)
      ) {
        continue;
      }
      if (separator !== null && !first) {
        const [sb, ss, se] = rowOf(separator, i);
        b.append(sb, ss, se);
      }
      const [ab, as, ae] = rowOf(a, i);
      b.append(ab, as, ae);
      first = false;
    }
    b.endRow();
  }
  const out = b.finish();
  if (skipNulls) return separator === null ? out : { ...out, validity: validityOf([separator], n) };
  return { ...out, validity: validityOf(args, n) };
}

// -- the rest, through JS strings (not on hot paths) ------------------------------------------

/** Applies `fn` to each row's text (NULL where any operand is NULL). */
export function mapText(
  args: readonly (StrArg | NumArg)[],
  n: number,
  fn: (row: (k: number) => string, num: (k: number) => number) => string,
): StrVector {
  const validity = validityOf(args, n);
  const b = new StrBuilder(n);
  // One pair of accessors for all rows (not two closures per row).
  let i = 0;
  const row = (k: number): string => textOf(args[k] as StrArg, i);
  const number = (k: number): number => numAt(args[k] as NumArg, i);
  for (i = 0; i < n; i++) {
    if (validity === null || (validity[i >> 3]! >> (i & 7)) & 1) b.appendString(fn(row, number));
    b.endRow();
  }
  return { ...b.finish(), validity };
}

export function reverse(v: StrVector): StrVector {
  return mapText([v], v.length, (row) => [...row(0)].reverse().join(''));
}

export function pad(v: StrVector, width: NumArg, fill: StrArg, left: boolean): StrVector {
  return mapText([v, width, fill], v.length, (row, num) => {
    const cps = [...row(0)];
    const w = Math.max(0, num(1));
    if (cps.length >= w) return cps.slice(0, w).join('');
    const f = [...row(2)];
    if (f.length === 0) return cps.join('');
    const padding: string[] = [];
    while (padding.length < w - cps.length) padding.push(f[padding.length % f.length]!);
    return left ? padding.join('') + cps.join('') : cps.join('') + padding.join('');
  });
}

export function repeat(v: StrVector, count: NumArg): StrVector {
  return mapText([v, count], v.length, (row, num) => row(0).repeat(Math.max(0, num(1))));
}

export function splitPart(v: StrArg, delim: StrArg, index: NumArg, n: number): StrVector {
  return mapText([v, delim, index], n, (row, num) => {
    const s = row(0);
    const d = row(1);
    const parts = d === '' ? [s] : s.split(d);
    let k = num(2);
    if (k < 0) k = parts.length + k + 1;
    return k >= 1 && k <= parts.length ? parts[k - 1]! : '';
  });
}

export function ascii(v: StrVector): Vector {
  const n = v.length;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = v.offsets[i]!;
    const e = v.offsets[i + 1]!;
    out[i] = e > s ? (decoder.decode(v.bytes.subarray(s, Math.min(e, s + 4))).codePointAt(0) ?? 0) : 0;
  }
  return i32Vector(INT32, out, v.validity);
}

export function chr(v: Vector): StrVector {
  const n = v.length;
  const b = new StrBuilder(n);
  for (let i = 0; i < n; i++) {
    if (v.validity !== null && !((v.validity[i >> 3]! >> (i & 7)) & 1)) {
      b.endNull();
      continue;
    }
    const cp = numAt(v, i);
    if (!(cp >= 0 && cp <= 0x10ffff))
      throw new SkeinError('INVALID_ARGUMENT', `chr(${cp}): not a Unicode code point`);
    b.appendString(String.fromCodePoint(cp));
    b.endRow();
  }
  return b.finish();
}
