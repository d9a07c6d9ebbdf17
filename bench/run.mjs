#!/usr/bin/env node
/**
 * The benchmark entry. It prints the table of issue 8, every operation beside the reference measured in the same run
 * (operations.mjs: publish, add 1, remove 1, start-up, package-status, repo-report at the first size; publish, add 1,
 * remove 1, peak RSS and the database write alone at every size). With --all, every other benchmark of this directory
 * follows, each in its own node process with its output shown as it comes. With BENCH_QUICK=1 everything gets small
 * sizes (a run of a few minutes). Exits non-zero when any benchmark failed, after running the others.
 *
 *   npm run bench                                   (builds dist/ first)
 *   node bench/run.mjs [sizes=1000,5000,10000] [rounds=3] [--all]
 *   BENCH_QUICK=1 node bench/run.mjs --all
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../dist/core/process.js';
import { parseOperationsArguments, runOperations } from './operations.mjs';

/** Arguments for a quick run, by benchmark file; a benchmark not listed runs with its defaults. */
const QUICK_ARGUMENTS = {
  'archive-read.mjs': ['200'],
  'aur-check.mjs': ['200', '50'],
  'history.mjs': ['10000', '500'],
  'log-writer.mjs': ['2000'],
  'operations.mjs': ['100,300', '3'],
  'publish.mjs': ['20,50'],
  'report-html.mjs': ['1000'],
  's3-sync.mjs': ['200'],
  'web.mjs': ['1000', '3'],
};

/** Scripts here that measure nothing: the screenshot scripts draw pictures of the report and the dashboard for people. */
const NOT_BENCHMARKS = new Set(['report-screenshot.mjs', 'dashboard-screenshot.mjs']);

const quick = process.env.BENCH_QUICK === '1';
const words = process.argv.slice(2).filter((word) => word !== '--all');
const all = words.length < process.argv.length - 2;
const { sizes, rounds } = parseOperationsArguments(words.length > 0 || !quick ? words : QUICK_ARGUMENTS['operations.mjs'], 'bench/run.mjs');

const failed = [];
console.log(`=== operations.mjs ${sizes.join(',')} ${rounds}`);
try {
  await runOperations(sizes, rounds);
} catch (error) {
  console.error(error);
  failed.push('operations.mjs');
}

if (all) {
  const directory = import.meta.dirname;
  const benchmarks = (await readdir(directory))
    .filter((name) => name.endsWith('.mjs') && name !== path.basename(import.meta.filename) && name !== 'operations.mjs' && !NOT_BENCHMARKS.has(name))
    .sort();
  for (const name of benchmarks) {
    const args = quick ? (QUICK_ARGUMENTS[name] ?? []) : [];
    console.log(`\n=== ${name} ${args.join(' ')}`.trimEnd());
    const start = Date.now();
    const { code } = await run(process.execPath, [path.join(directory, name), ...args], { passthrough: true, allowFailure: true });
    console.log(`=== ${name}: ${code === 0 ? 'done' : `FAILED (exit code ${code})`} in ${((Date.now() - start) / 1000).toFixed(1)} s`);
    if (code !== 0) failed.push(name);
  }
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
