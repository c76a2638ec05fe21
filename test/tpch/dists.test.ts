import { describe, expect, it } from 'vitest';
import { SkeinError } from '../../src/errors.ts';
import { getDist, parseDists } from '../../src/tpch/dists.ts';

describe('parseDists', () => {
  it("reads blocks the way dbgen's read_dist does", () => {
    const d = parseDists(
      [
        '# comment',
        'BEGIN Colors',
        'COUNT|3',
        'dark red|1  # a comment after the entry',
        'blue|2',
        'green|5',
        'END colors',
        'begin other',
        'count|1',
        'x|1',
        'end other',
      ].join('\n'),
    );
    const colors = d.get('colors')!;
    expect(colors.values).toEqual(['dark red', 'blue', 'green']);
    expect(colors.weights).toEqual([1, 3, 8]);
    expect(colors.total).toBe(8);
    // Draw j in [1, 8] picks the first value whose running weight is ≥ j.
    expect([...colors.pickIndex]).toEqual([0, 1, 1, 2, 2, 2, 2, 2]);
    expect(new TextDecoder().decode(colors.bytes[0])).toBe('dark red');
    expect(d.get('other')!.values).toEqual(['x']);
  });

  it('fails on a count that does not match', () => {
    expect(() => parseDists('begin x\ncount|2\na|1\nend x\n')).toThrow(SkeinError);
    expect(() => parseDists('begin x\ncount|2\na|1\nend x\n')).toThrow(/count 2 but has 1/);
  });
});

describe('the bundled dists.dss', () => {
  it('has the nations with their region keys as running sums', () => {
    const nations = getDist('nations');
    expect(nations.values.length).toBe(25);
    expect(nations.values.slice(0, 3)).toEqual(['ALGERIA', 'ARGENTINA', 'BRAZIL']);
    expect(nations.weights.slice(0, 6)).toEqual([0, 1, 1, 1, 4, 0]);
  });

  it('has the distributions dbgen reads', () => {
    for (const [name, count] of [
      ['p_cntr', 40],
      ['colors', 92],
      ['p_types', 150],
      ['regions', 5],
      ['o_oprio', 5],
      ['instruct', 4],
      ['smode', 7],
      ['rflag', 2],
      ['msegmnt', 5],
      ['grammar', 5],
      ['np', 4],
      ['vp', 4],
    ] as const) {
      expect(getDist(name).values.length).toBe(count);
    }
    expect(() => getDist('no such')).toThrow(SkeinError);
  });
});
