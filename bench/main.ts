/**
 * `npm run bench -- <name> [options]`: Skein's benchmarks. Each prints a table with its baseline
 * measured in the same run and the machine it ran on.
 */
import { adaptiveBench } from './adaptive.ts';
import { distributedBench } from './distributed.ts';
import { tpchBench } from './tpch.ts';
import { tpchgenBench } from './tpchgen.ts';

const benches: Record<string, (args: string[]) => Promise<void>> = {
  adaptive: adaptiveBench,
  distributed: distributedBench,
  tpch: tpchBench,
  tpchgen: tpchgenBench,
};

const [name, ...args] = process.argv.slice(2);
const bench = name === undefined ? undefined : benches[name];
if (!bench) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]\n`);
  process.exitCode = 2;
} else {
  await bench(args);
}
