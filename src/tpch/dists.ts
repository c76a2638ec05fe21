import { readFileSync } from 'node:fs';
import { SkeinError } from '../errors.ts';

/**
 * One named distribution of `dists.dss`: values with cumulative weights, read the way dbgen reads
 * them (`read_dist`). dbgen picks a value by drawing j uniformly in [1, total] and taking the first
 * value whose cumulative weight is ≥ j; `pickIndex` is that choice as a lookup table.
 *
 * The `nations` distribution is special: its "weights" are adjustments whose running sums are the
 * region keys, so `weights[i]` is n_regionkey of nation i.
 */
export interface Distribution {
  readonly name: string;
  readonly values: readonly string[];
  /** The values as ASCII bytes, ready to copy into a batch. */
  readonly bytes: readonly Uint8Array[];
  /** Running sum of the weights, as dbgen stores them. */
  readonly weights: readonly number[];
  /** weights[weights.length - 1]: the upper bound of dbgen's draw. */
  readonly total: number;
  /** pickIndex[j - 1] = index of the value dbgen picks for draw j (1 ≤ j ≤ total). */
  readonly pickIndex: Int32Array;
}

export type Distributions = ReadonlyMap<string, Distribution>;

/**
 * Parses a dists.dss text. Follows dbgen's reader: `#` starts a comment, a block runs from
 * `BEGIN <name>` to a line starting with `END`, entries are `<text>|<weight>` where the text is
 * everything before the bar (spaces included), names and keywords are case-insensitive, and the
 * `count` entry must match the number of values.
 *
 * @example
 * const d = parseDists('begin colors\ncount|2\nred|1\nblue|1\nend colors\n');
 * d.get('colors')!.values; // ['red', 'blue']
 */
export function parseDists(text: string): Map<string, Distribution> {
  const out = new Map<string, Distribution>();
  let current: { name: string; count: number; values: string[]; weights: number[] } | null = null;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!;
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') continue;
    if (current === null) {
      const words = line.split(/[\t ]+/).filter((w) => w !== '');
      if (words.length >= 2 && words[0]!.toLowerCase() === 'begin') {
        current = { name: words[1]!.toLowerCase(), count: -1, values: [], weights: [] };
      }
      continue;
    }
    if (line.slice(0, 3).toLowerCase() === 'end') {
      // Like dbgen, which searches the file from the top, the first block of a name wins.
      if (!out.has(current.name)) out.set(current.name, finish(current, n + 1));
      current = null;
      continue;
    }
    const bar = line.indexOf('|');
    if (bar <= 0) continue; // dbgen's sscanf("%[^|]|%ld") skips such lines
    const token = line.slice(0, bar);
    const weight = Number.parseInt(line.slice(bar + 1).trimStart(), 10);
    if (Number.isNaN(weight)) continue;
    if (token.toLowerCase() === 'count') {
      current.count = weight;
      continue;
    }
    const previous = current.weights.length === 0 ? 0 : current.weights[current.weights.length - 1]!;
    current.values.push(token);
    current.weights.push(previous + weight);
  }
  if (current !== null) {
    throw new SkeinError('INTERNAL', `dists.dss: distribution '${current.name}' has no END line`);
  }
  return out;
}

function finish(
  d: { name: string; count: number; values: string[]; weights: number[] },
  line: number,
): Distribution {
  if (d.count !== d.values.length) {
    throw new SkeinError(
      'INTERNAL',
      `dists.dss line ${line}: distribution '${d.name}' declares count ${d.count} but has ${d.values.length} values`,
    );
  }
  const total = d.weights.length === 0 ? 0 : d.weights[d.weights.length - 1]!;
  return {
    name: d.name,
    values: d.values,
    bytes: d.values.map((v) => new TextEncoder().encode(v)),
    weights: d.weights,
    total,
    pickIndex: pickTable(d.weights, total),
  };
}

/** The lookup table for dbgen's pick; empty when the weights are not a distribution (nations). */
function pickTable(weights: readonly number[], total: number): Int32Array {
  for (let i = 0; i < weights.length; i++) {
    if (weights[i]! < (i === 0 ? 0 : weights[i - 1]!)) return new Int32Array(0);
  }
  const table = new Int32Array(Math.max(total, 0));
  let index = 0;
  for (let j = 1; j <= total; j++) {
    while (weights[index]! < j) index++;
    table[j - 1] = index;
  }
  return table;
}

let cached: Map<string, Distribution> | undefined;

/** The distributions of the bundled dists.dss, parsed once per thread. */
export function getDists(): Distributions {
  cached ??= parseDists(readFileSync(new URL('./dists.dss', import.meta.url), 'latin1'));
  return cached;
}

/** One distribution by dbgen's name for it (e.g. `p_cntr`, `o_oprio`, `nouns`). */
export function getDist(name: string): Distribution {
  const d = getDists().get(name.toLowerCase());
  if (d === undefined) throw new SkeinError('INTERNAL', `dists.dss has no distribution '${name}'`);
  return d;
}
