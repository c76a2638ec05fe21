#!/usr/bin/env node
// Runs a TypeScript entry file given as the first argument: `node bin/run-ts.mjs bench/main.ts …`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const [file, ...rest] = process.argv.slice(2);
process.argv = [process.argv[0], file, ...rest];
await import(pathToFileURL(resolve(file)).href);
