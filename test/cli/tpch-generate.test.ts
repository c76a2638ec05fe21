import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skein-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function filesUnder(root: string): Promise<string[]> {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath ?? '', e.name));
  }
  return out;
}

const reference = async (t: string) => gunzipSync(await readFile(`test/data/tpch/sf0.01/${t}.tbl.gz`));

describe('skein tpch generate: bad input', () => {
  const cases: [string, string[], RegExp][] = [
    ['zero scale factor', ['--sf', '0'], /scale factor must be a number greater than 0, got 0/],
    ['negative scale factor', ['--sf', '-1'], /scale factor must be a number greater than 0, got -1/],
    ['non-numeric scale factor', ['--sf', 'ten'], /--sf must be a number, got 'ten'/],
    ['fractional scale factor above 1', ['--sf', '1.5'], /whole number/],
    ['unknown table', ['--sf', '0.01', '--tables', 'nation,planets'], /unknown table 'planets'/],
    ['unknown format', ['--sf', '0.01', '--format', 'xml'], /unknown format 'xml'/],
    [
      'too many parts',
      ['--sf', '0.01', '--tables', 'region', '--parts', '6'],
      /--parts 6 is larger than table region .* 5 rows/,
    ],
    ['bad thread count', ['--sf', '0.01', '--threads', '0'], /--threads must be a whole number from 1 up/],
    ['unknown flag', ['--sf', '0.01', '--colour', 'red'], /colour/],
  ];
  for (const [name, args, message] of cases) {
    it(`rejects a ${name} with one line and writes nothing`, async () => {
      const out = join(dir, `bad-${name.replaceAll(' ', '-')}`);
      const r = await runCli(['tpch', 'generate', '--out', out, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
      expect(await filesUnder(out)).toEqual([]);
    });
  }

  it('rejects an unwritable output location, naming it', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    const r = await runCli([
      'tpch',
      'generate',
      '--sf',
      '0.01',
      '--tables',
      'nation',
      '--out',
      join(file, 'sub'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot .*a-file/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('skein tpch generate: output', () => {
  it('writes <table>/part-<i>.tbl whose concatenation is dbgen’s file', async () => {
    const out = join(dir, 'ok');
    const r = await runCli([
      'tpch',
      'generate',
      '--sf',
      '0.01',
      '--out',
      out,
      '--format',
      'tbl',
      '--tables',
      'nation,supplier',
      '--parts',
      '3',
      '--threads',
      '2',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/generated 125 rows \(2 tables, 6 files/);
    for (const t of ['nation', 'supplier']) {
      expect((await readdir(join(out, t))).sort()).toEqual(['part-0.tbl', 'part-1.tbl', 'part-2.tbl']);
      const parts = await Promise.all([0, 1, 2].map((i) => readFile(join(out, t, `part-${i}.tbl`))));
      expect(Buffer.concat(parts).equals(await reference(t))).toBe(true);
    }
  });

  it('replaces the parts of an earlier run with a different part count', async () => {
    const out = join(dir, 'rerun');
    const base = ['tpch', 'generate', '--sf', '0.01', '--out', out, '--format', 'tbl', '--tables', 'region'];
    expect((await runCli([...base, '--parts', '3'])).code).toBe(0);
    expect((await runCli([...base, '--parts', '1'])).code).toBe(0);
    expect(await readdir(join(out, 'region'))).toEqual(['part-0.tbl']);
    expect((await readFile(join(out, 'region', 'part-0.tbl'))).equals(await reference('region'))).toBe(true);
  });

  it('deletes what a failed run wrote, so no table looks complete', async () => {
    const out = join(dir, 'failing');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'region'), 'a file where the region folder should be');
    const r = await runCli([
      'tpch',
      'generate',
      '--sf',
      '0.01',
      '--out',
      out,
      '--format',
      'tbl',
      '--tables',
      'nation,region',
      '--threads',
      '1',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/region/);
    expect((await filesUnder(out)).map((f) => f.slice(out.length + 1))).toEqual(['region']);
  });
});
