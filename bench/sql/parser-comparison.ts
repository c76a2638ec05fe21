/**
 * Measures Skein's SQL parser against node-sql-parser (PostgreSQL build): how many statements
 * each parses, per group, how fast, and what each says about broken SQL. A measurement, not a
 * test: node-sql-parser is not a dependency, so install it somewhere else and pass its path.
 *
 *   (cd /tmp/nsp && npm install node-sql-parser@5.4.0)
 *   node bin/run-ts.mjs bench/sql/parser-comparison.ts /tmp/nsp/node_modules/node-sql-parser/build/postgresql.js
 */
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseStatement } from '../../src/sql/parser.ts';
import { CORPUS, tpchQueries, tpchSpecFormQueries } from '../../test/sql/corpus.ts';

type Parse = (sql: string) => unknown;

const modulePath = process.argv[2];
if (!modulePath) {
  console.error(
    'usage: node bin/run-ts.mjs bench/sql/parser-comparison.ts <path to node-sql-parser/build/postgresql.js>',
  );
  process.exit(2);
}
// node-sql-parser is loaded at run time from a path outside the project, so it has no types here.
const mod: { Parser?: new () => unknown; default?: { Parser: new () => unknown } } = await import(
  pathToFileURL(modulePath).href
);
const NodeSqlParser = (mod.Parser ?? mod.default?.Parser)!;
const nsp = new NodeSqlParser() as { astify(sql: string, opts: object): unknown };

const parsers: Record<string, Parse> = {
  skein: (sql) => parseStatement(sql),
  'node-sql-parser': (sql) => nsp.astify(sql, { database: 'PostgresQL' }),
};

const groups: Record<string, string[]> = {
  'TPC-H (22, as shipped)': tpchQueries().map((q) => q.sql),
  'TPC-H spec date forms (9)': tpchSpecFormQueries().map((q) => q.sql),
  'other queries': CORPUS.filter((c) => c.group === 'query').map((c) => c.sql),
  'DDL and INSERT': CORPUS.filter((c) => c.group === 'ddl').map((c) => c.sql),
  'utility (EXPLAIN, SET, SHOW, DESCRIBE)': CORPUS.filter((c) => c.group === 'utility').map((c) => c.sql),
};

console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} × ${cpus().length}\n`);
console.log('coverage (statements parsed without error):');
for (const [group, statements] of Object.entries(groups)) {
  const line = Object.entries(parsers).map(([name, parse]) => {
    const failed: number[] = [];
    statements.forEach((sql, i) => {
      try {
        parse(sql);
      } catch {
        failed.push(i + 1);
      }
    });
    const detail = failed.length > 0 && failed.length <= 25 ? ` (fails #${failed.join(', #')})` : '';
    return `${name} ${statements.length - failed.length}/${statements.length}${detail}`;
  });
  console.log(`  ${group.padEnd(40)} ${line.join('   ')}`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median over rounds of the time to parse every statement once, per statement, in ms. */
function timePerStatement(parse: Parse, statements: string[], rounds: number): number {
  for (let i = 0; i < 20; i++) for (const sql of statements) parse(sql);
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (const sql of statements) parse(sql);
    times.push((performance.now() - t0) / statements.length);
  }
  return median(times);
}

console.log('\nspeed (median of 50 rounds, ms per statement, over the statements both parse):');
const parsesInBoth = (sql: string) => {
  try {
    for (const parse of Object.values(parsers)) parse(sql);
    return true;
  } catch {
    return false;
  }
};
const speedSets: Record<string, string[]> = {
  'TPC-H': tpchQueries()
    .map((q) => q.sql)
    .filter(parsesInBoth),
  'other queries': groups['other queries']!.filter(parsesInBoth),
};
for (const [label, statements] of Object.entries(speedSets)) {
  const [ours, theirs] = Object.values(parsers).map((parse) => timePerStatement(parse, statements, 50));
  console.log(
    `  ${`${label} (${statements.length})`.padEnd(20)} skein ${ours!.toFixed(3)}   ` +
      `node-sql-parser ${theirs!.toFixed(3)}   (skein ${(theirs! / ours!).toFixed(1)}× faster)`,
  );
}

console.log('\nerror reports:');
const broken = [
  'SELECT a,\n  b\nFROM t WHERE',
  "SELECT a FROM t\nWHERE b = 'abc",
  'SELECT (a + b\nFROM t',
  'SELECT a FROM t WHERE a = 1 xyz abc',
  'SELECT a, FROM t',
  'SELECT * FROM t /* open',
];
for (const sql of broken) {
  console.log(`  ${JSON.stringify(sql)}`);
  for (const [name, parse] of Object.entries(parsers)) {
    try {
      parse(sql);
      console.log(`    ${name}: (no error)`);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      console.log(`    ${name}: ${message.length > 160 ? `${message.slice(0, 157)}...` : message}`);
    }
  }
}
