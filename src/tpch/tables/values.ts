/**
 * dbgen's small value generators, drawn from a stream into a string column: a_rnd (random
 * alphanumerics), gen_phone and pick_str (a value of a distribution by weight).
 */
import type { Distribution } from '../dists.ts';
import type { RowStream } from '../random.ts';
import type { StringColumnBuilder } from './string-column.ts';

const ALPHANUMERIC = new TextEncoder().encode(
  '0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ,',
);

/**
 * dbgen's a_rnd: a random length in [min, max], then characters 6 bits at a time from one draw
 * per 5 characters.
 */
export function appendAlphanumeric(
  stream: RowStream,
  min: number,
  max: number,
  out: StringColumnBuilder,
): void {
  const chars = ALPHANUMERIC; // a local: module bindings are slow to read in hot loops
  const length = stream.int(min, max);
  let bits = 0;
  for (let i = 0; i < length; i++) {
    if (i % 5 === 0) bits = stream.wrappedInt31();
    out.byte(chars[bits & 63]!);
    bits >>= 6;
  }
}

/**
 * dbgen's gen_phone: "CC-AAA-EEE-NNNN", the country code 10 + nation key mod 90 (NATIONS_MAX,
 * the most nations two-digit country codes allow).
 */
export function appendPhone(stream: RowStream, nationKey: number, out: StringColumnBuilder): void {
  const area = stream.int(100, 999);
  const exchange = stream.int(100, 999);
  const number = stream.int(1000, 9999);
  out.padded(10 + nationKey - Math.floor(nationKey / 90) * 90, 2); // NATIONS_MAX
  out.byte(0x2d);
  out.padded(area, 3);
  out.byte(0x2d);
  out.padded(exchange, 3);
  out.byte(0x2d);
  out.padded(number, 4);
}

/** dbgen's pick_str: the index of a value drawn by weight. */
export function pickIndex(stream: RowStream, d: Distribution): number {
  return d.pickIndex[Math.floor((stream.next() / 2147483647) * d.total)]!;
}

/** The longest value of a distribution, in bytes. */
export function longest(d: Distribution): number {
  let n = 0;
  for (const b of d.bytes) n = Math.max(n, b.length);
  return n;
}
