#!/usr/bin/env node
/**
 * Publishing N prebuilt packages into a repository: our publish transaction (reads and validates every staged
 * archive once, journals the plan, links them into the archive pool, writes the database generation once, updates
 * the state database in one transaction) against repo-add on the same files,
 * called once with all N files, and called once per package as the reference does. Then the daily case: adding
 * one package to a repository that already holds N.
 *
 *   node bench/publish.mjs [sizes=100,500,1000] [per-package-limit=180]
 *
 * per-package-limit (seconds): when N repo-add calls, predicted after the first 100, would take longer than this,
 * the run stops there and the rest is extrapolated (and labelled so): the calls left cost from what the last
 * measured calls cost up to what one call adding to a database of N costs, growing linearly.
 *
 * Our timings are medians of 3 runs, repo-add's of one run (it takes minutes), except for the one-package case
 * (median of 5 for both). The archives are hard links to one pool, so every contender reads the same cached files.
 *
 * Needs `dist/` (npm run build), repo-add, and what bench/support/archives.mjs needs to create the archives.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readPackageArchive } from '../dist/core/alpm/package-archive.js';
import { writeRepositoryDatabase } from '../dist/core/alpm/repository-database.js';
import { readSyncDatabase } from '../dist/core/alpm/sync-database.js';
import { defaultConcurrency, mapLimit } from '../dist/core/concurrency.js';
import { run } from '../dist/core/process.js';
import { Database } from '../dist/core/database/connection.js';
import { publishStaged } from '../dist/core/repository/publish-staged.js';
import { RepositoryPublisher } from '../dist/core/repository/publisher.js';
import { RepositoryState } from '../dist/core/repository/state.js';
import { RepositoryId } from '../dist/models/repository-id.js';
import { RepositoryPaths } from '../dist/models/repository-paths.js';
import { createPackageArchives, expectDatabaseSize, linkInto } from './support/archives.mjs';

const REPOSITORY = 'bench';
const DATABASE = `${REPOSITORY}.db.tar.gz`;
/** Packages added one at a time to a repository of N; the median of their timings is reported. */
const INCREMENTAL_TRIALS = 5;
/** Our publish (and its profile) is cheap enough to repeat on a fresh repository; the median is reported. */
const OUR_TRIALS = 3;
/** repo-add calls timed one by one before deciding whether the rest is run or extrapolated. */
const PER_PACKAGE_SAMPLE = 100;

function usage(message) {
  console.error(`${message}\nusage: node bench/publish.mjs [sizes=100,500,1000] [per-package-limit-seconds=180]`);
  process.exit(2);
}

const sizes = (process.argv[2] ?? '100,500,1000').split(',').map(Number);
const perPackageLimit = Number(process.argv[3] ?? 180);
if (sizes.some((size) => !Number.isInteger(size) || size < 1)) usage(`invalid sizes '${process.argv[2]}'`);
if (!(perPackageLimit > 0)) usage(`invalid per-package limit '${process.argv[3]}'`);

const CLOCK_TICKS_PER_SECOND = Number((await run('getconf', ['CLK_TCK'])).stdout);

/**
 * CPU seconds used so far by this process (all its threads) and by the subprocesses it has waited for, with theirs
 * (Linux: cutime and cstime of /proc/self/stat). Less sensitive than wall time to other load on the machine.
 */
async function cpuSecondsUsed() {
  const { user, system } = process.cpuUsage();
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [childrenUser, childrenSystem] = [fields[13], fields[14]].map(Number);
  return (user + system) / 1e6 + (childrenUser + childrenSystem) / CLOCK_TICKS_PER_SECOND;
}

/** Runs `task` and returns its result with the wall and CPU seconds it took (a timing). */
async function timed(task) {
  const [start, cpuStart] = [process.hrtime.bigint(), await cpuSecondsUsed()];
  const result = await task();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, cpuSeconds: (await cpuSecondsUsed()) - cpuStart, result };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const medianTiming = (timings) => ({
  seconds: median(timings.map((timing) => timing.seconds)),
  cpuSeconds: median(timings.map((timing) => timing.cpuSeconds)),
});
const sum = (values) => values.reduce((total, value) => total + value, 0);
const mean = (values) => sum(values) / values.length;

/** One publish of the N archives into an empty repository, then one publish per extra archive. */
async function measureOurs(directory, archives, extras) {
  const paths = new RepositoryPaths(directory, new RepositoryId('x86_64', REPOSITORY));
  await mkdir(paths.root, { recursive: true });
  const state = new RepositoryState(await Database.open(paths.database), paths.repositoryId);
  // a run reads the served index once: every publish below is a run of its own
  const publish = () => publishStaged({ paths, state, publisher: new RepositoryPublisher(paths) });
  try {
    await linkInto(paths.packages, archives);
    const full = await timed(publish);
    if (full.result.added.length !== archives.length) throw new Error(`ours: published ${full.result.added.length} of ${archives.length}`);

    const incremental = [];
    for (const extra of extras) {
      await linkInto(paths.packages, [extra]);
      const timing = await timed(publish);
      if (timing.result.added.length !== 1) throw new Error(`ours: adding ${path.basename(extra)} published ${timing.result.added.length} packages`);
      incremental.push(timing);
    }
    await expectDatabaseSize(path.join(paths.repository, DATABASE), archives.length + extras.length, 'ours');
    return { full, incremental: medianTiming(incremental) };
  } finally {
    await state.close();
  }
}

const repoAdd = (directory, args) => run('repo-add', args, { cwd: directory });

/** One repo-add call with all N files. */
async function measureRepoAddOnce(directory, archives) {
  const files = await linkInto(directory, archives);
  const timing = await timed(() => repoAdd(directory, [DATABASE, ...files.map((file) => path.basename(file))]));
  await expectDatabaseSize(path.join(directory, DATABASE), archives.length, 'repo-add');
  return timing;
}

/** repo-add adding one package to a copy of the database of N that `measureRepoAddOnce` wrote. */
async function measureRepoAddIncremental(directory, databaseOfN, extras) {
  const timings = [];
  for (const extra of extras) {
    await rm(directory, { recursive: true, force: true });
    const [file] = await linkInto(directory, [extra]);
    await copyFile(path.join(databaseOfN, DATABASE), path.join(directory, DATABASE));
    await copyFile(path.join(databaseOfN, `${REPOSITORY}.files.tar.gz`), path.join(directory, `${REPOSITORY}.files.tar.gz`));
    timings.push(await timed(() => repoAdd(directory, ['--remove', DATABASE, path.basename(file)])));
  }
  return medianTiming(timings);
}

/**
 * `repo-add --remove <db> <file>` once per package, as the reference publishes; wall time only. After the first
 * calls, when the whole run is predicted to exceed the limit, stops and extrapolates from `lastCallCost` (the wall
 * seconds of a call on a database of N).
 */
async function measureRepoAddPerPackage(directory, archives, lastCallCost) {
  const files = await linkInto(directory, archives);
  const timings = [];
  for (const file of files) {
    timings.push((await timed(() => repoAdd(directory, ['--remove', DATABASE, path.basename(file)]))).seconds);
    if (timings.length === PER_PACKAGE_SAMPLE && files.length > PER_PACKAGE_SAMPLE) {
      const recentCost = mean(timings.slice(-10));
      const predicted = sum(timings) + ((files.length - timings.length) * (recentCost + lastCallCost)) / 2;
      if (predicted > perPackageLimit) return { seconds: predicted, measuredCalls: timings.length };
    }
  }
  await expectDatabaseSize(path.join(directory, DATABASE), archives.length, 'repo-add per package');
  return { seconds: sum(timings), measuredCalls: timings.length };
}

/** Runs `measure` OUR_TRIALS times, each in its own directory, and keeps the median of every timing it returns. */
async function medianOfTrials(directory, measure) {
  const trials = [];
  for (let trial = 0; trial < OUR_TRIALS; trial++) trials.push(await measure(path.join(directory, String(trial))));
  return Object.fromEntries(Object.keys(trials[0]).map((key) => [key, medianTiming(trials.map((result) => result[key]))]));
}

/** Where our publish spends its time: reading the archives, and writing the two databases for N entries. */
async function profileOurs(directory, archives) {
  const read = await timed(() => mapLimit(archives, defaultConcurrency(), (archive) => readPackageArchive(archive)));
  const entries = read.result.map((metadata) => ({ ...metadata, pgpSignature: '' }));
  const write = await timed(() => writeRepositoryDatabase(directory, REPOSITORY, entries));
  const index = await timed(() => readSyncDatabase(path.join(directory, `${REPOSITORY}.files.tar.gz`)));
  return { read, write, index };
}

/** What a fresh process pays before it can publish: node starting and loading the publisher module. */
async function measureStartup() {
  const module = pathToFileURL(path.resolve(import.meta.dirname, '../dist/core/repository/publisher.js')).href;
  const startup = await timed(() => run(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(module)})`]));
  return startup.seconds;
}

/** Prints a title and right-aligned columns; `header` holds one or more rows of column titles. */
function printTable(title, header, rows) {
  const table = [...header, ...rows];
  const widths = header[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  console.log(`\n${title}`);
  for (const row of table) console.log(row.map((cell, column) => cell.padStart(widths[column])).join('   '));
}

const formatSeconds = (value) => value.toFixed(2);
const formatRatio = (value) => `${value.toFixed(1)}x`;
/** `wall (cpu)` of a timing. */
const formatTiming = (timing) => `${formatSeconds(timing.seconds)} (${formatSeconds(timing.cpuSeconds)})`;
/** `wall ratio (cpu ratio)` of two timings. */
const formatSpeedup = (slower, faster) =>
  `${formatRatio(slower.seconds / faster.seconds)} (${formatRatio(slower.cpuSeconds / faster.cpuSeconds)})`;

/** Measures every contender on the `selected` archives (`extras` are the packages then added one at a time). */
async function measureSize(directory, selected, extras) {
  const ours = await medianOfTrials(path.join(directory, 'ours'), (trial) => measureOurs(trial, selected, extras));
  const onceDirectory = path.join(directory, 'repo-add-once');
  const once = await measureRepoAddOnce(onceDirectory, selected);
  const onceIncremental = await measureRepoAddIncremental(path.join(directory, 'repo-add-incremental'), onceDirectory, extras);
  const perPackage = await measureRepoAddPerPackage(path.join(directory, 'repo-add-each'), selected, onceIncremental.seconds);
  const profile = await medianOfTrials(path.join(directory, 'profile'), (trial) => profileOurs(trial, selected));
  return { size: selected.length, ours, once, onceIncremental, perPackage, profile };
}

function printResults(rows) {
  const extrapolated = ({ size, perPackage }) => perPackage.measuredCalls < size;
  printTable(
    'Publishing N packages into an empty repository: wall seconds (CPU seconds)',
    [
      ['N', 'ours', 'repo-add once', 'repo-add each', 'once / ours', 'each / ours'],
      ['', '', '', '(wall only)', '', '(wall)'],
    ],
    rows.map((row) => [
      String(row.size),
      formatTiming(row.ours.full),
      formatTiming(row.once),
      `${formatSeconds(row.perPackage.seconds)}${extrapolated(row) ? '*' : ''}`,
      formatSpeedup(row.once, row.ours.full),
      formatRatio(row.perPackage.seconds / row.ours.full.seconds),
    ]),
  );
  for (const row of rows.filter(extrapolated)) {
    console.log(`* N=${row.size}: extrapolated, not measured: ${row.perPackage.measuredCalls} calls run, the others estimated`);
  }

  printTable(
    `Adding 1 package to a repository of N: wall seconds (CPU seconds), medians of ${INCREMENTAL_TRIALS}`,
    [['N', 'ours', 'repo-add', 'repo-add / ours']],
    rows.map((row) => [String(row.size), formatTiming(row.ours.incremental), formatTiming(row.onceIncremental), formatSpeedup(row.onceIncremental, row.ours.incremental)]),
  );

  printTable(
    `Where our time goes: wall seconds (CPU seconds), each part measured on its own, ${defaultConcurrency()} archives read at a time`,
    [['N', 'whole publish', 'read N archives', 'write 2 dbs of N', 'read files db of N']],
    rows.map((row) => [
      String(row.size),
      formatTiming(row.ours.full),
      formatTiming(row.profile.read),
      formatTiming(row.profile.write),
      formatTiming(row.profile.index),
    ]),
  );
  console.log('(the rest of a publish moves and links files; adding 1 package to a repository of N costs about:');
  console.log(' read the files db of N + read 1 archive + write 2 dbs of N+1)');
}

async function main() {
  const work = await mkdtemp(path.join(os.tmpdir(), 'ahriman-bench-publish-'));
  try {
    const largest = Math.max(...sizes);
    const start = Date.now();
    const pool = path.join(work, 'pool');
    await mkdir(pool);
    const archives = await createPackageArchives(pool, largest + INCREMENTAL_TRIALS);
    const extras = archives.slice(largest);
    console.log(
      `${archives.length} archives (80 % zstd, 10 % xz, 10 % gzip) prepared in ${((Date.now() - start) / 1000).toFixed(1)} s; ` +
        `per-package repo-add extrapolated beyond ${perPackageLimit} s`,
    );

    const rows = [];
    for (const size of sizes) {
      const scratch = path.join(work, String(size));
      rows.push(await measureSize(scratch, archives.slice(0, size), extras));
      await rm(scratch, { recursive: true, force: true });
    }
    printResults(rows);
    const startup = await measureStartup();
    console.log(`\nNot included above: a fresh node process loading the publisher takes ${formatSeconds(startup)} s (repo-add's timings include its process start).`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
