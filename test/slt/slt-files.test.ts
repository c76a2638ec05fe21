/**
 * The project's SQL tests: every `.slt` file in this folder, each in a fresh session, through
 * the sqllogictest runner (what `skein slt test/slt/*.slt` does). Expected outputs were taken from
 * DuckDB wherever DuckDB runs the record; `onlyif skein` marks Skein's own (error messages, DDL
 * on files, settings).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Skein } from '../../src/engine/skein.ts';
import { sltEngine } from '../../src/engine/slt-engine.ts';
import { runSlt } from '../../src/slt/run.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.slt'))
  .sort();

describe('sqllogictest files', () => {
  it('finds the files', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });
  for (const file of files) {
    it(file, async () => {
      const text = readFileSync(`${dir}${file}`, 'utf8');
      const r = await runSlt(sltEngine(new Skein()), text, `test/slt/${file}`);
      const failures = r.failures.map((f) => `${f.file}:${f.line}: ${f.message}\n${f.sql}`);
      expect(failures).toEqual([]);
      expect(r.passed).toBeGreaterThan(0);
    });
  }
});
