#!/usr/bin/env node
/**
 * The daily operations of a repository, run through the CLI as a user runs them, each printed beside the reference
 * it is judged against, measured in the same run (the table of issue 8):
 * - publish N (`package-add DIR` + `repo-update`) against one `repo-add` call on the same files, and against a floor
 *   script: a node process that reads each file once and computes its sha256 and md5;
 * - add 1 archive to N (`package-add FILE` + `repo-update`) against `repo-add` on the same database, remove 1 of N
 *   (`package-remove`) against `repo-remove`, both also against `node -e 0`, and beside the time our writer takes to
 *   write the databases of N alone (what they may grow by from one N to the next);
 * - `help-version` and `package-status` of N against `node -e 0`, and `repo-report` (html) of N;
 * - publishing the largest N, with the peak RSS of the publishing process.
 *
 *   node bench/operations.mjs [sizes=1000,5000,10000] [rounds=3]
 *
 * The first size gets every row; the others the publish, add, remove and database rows. Timings are wall-clock
 * medians of `rounds` rounds in which the contenders take turns, so load from elsewhere hits them alike; publishing
 * a size beyond the first runs once (it takes long, and its peak RSS is the point). The CLI keeps V8's compiled code
 * of each command in a compile cache of this run, empty at its start: a command's first run writes it, as the first
 * run after an install does, and the read-only commands run once before they are timed. (The first removal is the
 * first run of `package-remove`: with 3 rounds or more the median is a later one.)
 *
 * Needs `dist/` (npm run build), repo-add, and what bench/support/archives.mjs needs to create the archives.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeRepositoryDatabase } from '../dist/core/alpm/repository-database.js';
import { readSyncDatabase } from '../dist/core/alpm/sync-database.js';
import { run } from '../dist/core/process.js';
import { createPackageArchives, expectDatabaseSize, linkInto } from './support/archives.mjs';

const CLI = path.resolve(import.meta.dirname, '../dist/main.cjs');
const REPOSITORY = 'bench';
const ARCHITECTURE = 'x86_64';
/** Prints the peak RSS of a node process on stderr when it exits. */
const PEAK_RSS_HOOK = `data:text/javascript,${encodeURIComponent(
  "process.on('exit', () => process.stderr.write(`peak-rss-kib ${process.resourceUsage().maxRSS}\\n`));",
)}`;
/** The floor of publishing: read every file once, computing its sha256 and md5 in the same pass. */
const FLOOR_SCRIPT = `
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
const directory = process.argv[1];
for (const name of await readdir(directory)) {
  const bytes = await readFile(path.join(directory, name));
  createHash('sha256').update(bytes).digest('hex');
  createHash('md5').update(bytes).digest('hex');
}`;

/** Sizes and rounds from the command line words `[sizes=1000,5000,10000] [rounds=3]`; exits on bad ones. */
export function parseOperationsArguments(words, program = 'bench/operations.mjs') {
  const usage = (message) => {
    console.error(`${message}\nusage: node ${program} [sizes=1000,5000,10000] [rounds=3]`);
    process.exit(2);
  };
  const sizes = (words[0] ?? '1000,5000,10000').split(',').map(Number);
  const rounds = Number(words[1] ?? 3);
  if (sizes.some((size) => !Number.isInteger(size) || size < 1)) usage(`invalid sizes '${words[0]}'`);
  if (!Number.isInteger(rounds) || rounds < 1) usage(`invalid rounds '${words[1]}'`);
  return { sizes, rounds };
}

/** Rounds of the run in progress (every measurement below takes turns this many times). */
let rounds = 3;
/** The CLI's compile cache (`$XDG_CACHE_HOME/ahriman/compile-cache`) of the run in progress. */
let cacheHome;

async function seconds(task) {
  const start = process.hrtime.bigint();
  await task();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs the contenders `rounds` times, taking turns, and returns the median seconds of each (by name). */
async function interleaved(contenders) {
  const timings = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, task] of Object.entries(contenders)) timings[name].push(await seconds(() => task(round)));
  }
  return Object.fromEntries(Object.entries(timings).map(([name, values]) => [name, median(values)]));
}

const nodeNothing = () => run(process.execPath, ['-e', '0']);

/**
 * A repository root of its own, set up through the CLI; `cli(args)` runs a command on its repository. The report
 * is configured in a second file only `repo-report` reads (`{ report: true }`), so it is not part of other runs.
 */
async function makeService(directory) {
  const root = path.join(directory, 'root');
  const configuration = path.join(directory, 'ahriman.ini');
  const reportConfiguration = path.join(directory, 'report.ini');
  await mkdir(directory, { recursive: true });
  const settings = ['[settings]', `database = ${root}/ahriman.db`, '[repository]', `root = ${root}`];
  await writeFile(configuration, `${settings.join('\n')}\n`);
  const report = ['[report]', 'target = html', '[html]', `path = ${directory}/report.html`, `link_path = https://repo.example.org/${REPOSITORY}`];
  await writeFile(reportConfiguration, `${[...settings, ...report].join('\n')}\n`);
  const cli = (args, options = {}) =>
    run(process.execPath, [
      ...(options.nodeArguments ?? []),
      CLI,
      '-q',
      '-c',
      options.report ? reportConfiguration : configuration,
      '-a',
      ARCHITECTURE,
      '-r',
      REPOSITORY,
      ...args,
    ], { env: { XDG_CACHE_HOME: cacheHome } });
  await cli(['service-setup', '--packager', 'Bench <bench@localhost>']);
  const served = path.join(root, 'repository', REPOSITORY, ARCHITECTURE);
  return { cli, served };
}

const expectListed = (served, expected, who) => expectDatabaseSize(path.join(served, `${REPOSITORY}.db.tar.gz`), expected, who);

/** Publishes `archives` into a fresh service through the CLI; returns the service, the seconds and the peak RSS. */
async function publishThroughCli(directory, archives) {
  const service = await makeService(directory);
  const incoming = path.join(directory, 'incoming');
  await linkInto(incoming, archives);
  let peakRssKib = 0;
  const elapsed = await seconds(async () => {
    await service.cli(['package-add', incoming]);
    const { stderr } = await service.cli(['repo-update'], { nodeArguments: ['--import', PEAK_RSS_HOOK] });
    peakRssKib = Number(/peak-rss-kib (\d+)/.exec(stderr)?.[1] ?? 0);
  });
  await expectListed(service.served, archives.length, 'ours');
  return { service, seconds: elapsed, peakRssKib };
}

/** Publishing N: ours through the CLI, one repo-add call, and the floor script, each `rounds` times in turn. */
async function measurePublish(directory, archives) {
  let published;
  const timings = await interleaved({
    ours: async (round) => {
      published = await publishThroughCli(path.join(directory, `ours-${round}`), archives);
    },
    repoAdd: async (round) => {
      const target = path.join(directory, `repo-add-${round}`);
      const files = await linkInto(target, archives);
      await run('repo-add', [`${REPOSITORY}.db.tar.gz`, ...files.map((file) => path.basename(file))], { cwd: target });
    },
    floor: async (round) => {
      const target = path.join(directory, `floor-${round}`);
      await linkInto(target, archives);
      await run(process.execPath, ['--input-type=module', '-e', FLOOR_SCRIPT, target]);
    },
  });
  return { ...timings, service: published.service, peakRssKib: published.peakRssKib };
}

/** What our writer takes to write the two databases of the entries `served` lists, in this process. */
async function measureDatabaseWrite(directory, served) {
  const entries = (await readSyncDatabase(path.join(served, `${REPOSITORY}.files.tar.gz`))).map((entry) => ({ ...entry, files: entry.files ?? [] }));
  const times = [];
  for (let round = 0; round < rounds; round++) times.push(await seconds(() => writeRepositoryDatabase(path.join(directory, `db-${round}`), REPOSITORY, entries)));
  return median(times);
}

/**
 * Adding one archive to, then removing one package from, the repository of N that `service` serves: ours through
 * the CLI against repo-add / repo-remove on a copy of a database of N (made by repo-add), and `node -e 0`.
 */
async function measureAddRemove(directory, service, size, extras, names) {
  const reference = path.join(directory, 'reference-db');
  await mkdir(reference, { recursive: true });
  for (const name of [`${REPOSITORY}.db.tar.gz`, `${REPOSITORY}.files.tar.gz`]) await copyFile(path.join(service.served, name), path.join(reference, name));
  const referenceCopy = async (round, kind) => {
    const target = path.join(directory, `${kind}-${round}`);
    await mkdir(target, { recursive: true });
    for (const name of [`${REPOSITORY}.db.tar.gz`, `${REPOSITORY}.files.tar.gz`]) await copyFile(path.join(reference, name), path.join(target, name));
    return target;
  };
  const add = await interleaved({
    ours: async (round) => {
      const [file] = await linkInto(path.join(directory, `add-${round}`), [extras[round]]);
      await service.cli(['package-add', file]);
      await service.cli(['repo-update']);
    },
    repoAdd: async (round) => {
      const target = await referenceCopy(round, 'repo-add');
      const [file] = await linkInto(target, [extras[round]]);
      await run('repo-add', [`${REPOSITORY}.db.tar.gz`, path.basename(file)], { cwd: target });
    },
    node: nodeNothing,
  });
  await expectListed(service.served, size + rounds, 'ours after adding');
  const remove = await interleaved({
    ours: (round) => service.cli(['package-remove', names[round]]),
    repoRemove: async (round) => run('repo-remove', [`${REPOSITORY}.db.tar.gz`, names[round]], { cwd: await referenceCopy(round, 'repo-remove') }),
    node: nodeNothing,
  });
  await expectListed(service.served, size, 'ours after removing');
  return { add, remove };
}

/** Start-up and reading commands on the repository of N: help-version, package-status, repo-report, node -e 0. */
async function measureCommands(service) {
  await service.cli(['help-version']);
  await service.cli(['package-status']);
  await service.cli(['repo-report'], { report: true });
  return interleaved({
    node: nodeNothing,
    helpVersion: () => service.cli(['help-version']),
    packageStatus: () => service.cli(['package-status']),
    repoReport: () => service.cli(['repo-report'], { report: true }),
  });
}

const packageNames = (archives) => archives.map((archive) => path.basename(archive).replace(/-[^-]+-[^-]+-[^-]+\.pkg\.tar\.[a-z]+$/, ''));

function printTable(title, header, rows) {
  const table = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...table.map((row) => row[column].length)));
  console.log(`\n${title}`);
  for (const row of table) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('   '));
}

const s = (value) => `${value.toFixed(3)} s`;
const x = (ours, reference) => `${(ours / reference).toFixed(2)}x`;

/** Measures every row for `sizes` (the first gets every row), `roundCount` interleaved rounds each, and prints the tables. */
export async function runOperations(sizes, roundCount) {
  rounds = roundCount;
  const work = await mkdtemp(path.join(os.tmpdir(), 'ahriman-bench-operations-'));
  cacheHome = path.join(work, 'cache');
  try {
    const largest = Math.max(...sizes);
    const start = Date.now();
    const pool = path.join(work, 'pool');
    await mkdir(pool);
    const archives = await createPackageArchives(pool, largest + rounds);
    console.log(`${archives.length} archives (80 % zstd with makepkg's window, 10 % xz, 10 % gzip) prepared in ${((Date.now() - start) / 1000).toFixed(1)} s; medians of ${rounds} interleaved rounds`);
    const extras = archives.slice(largest);

    const rows = [];
    const scaling = [];
    for (const [index, size] of sizes.entries()) {
      const directory = path.join(work, String(size));
      const selected = archives.slice(0, size);
      const names = packageNames(selected).slice(0, rounds);
      if (index === 0) {
        const publish = await measurePublish(path.join(directory, 'publish'), selected);
        const { add, remove } = await measureAddRemove(path.join(directory, 'add-remove'), publish.service, size, extras, names);
        const commands = await measureCommands(publish.service);
        const write = await measureDatabaseWrite(path.join(directory, 'write'), publish.service.served);
        rows.push(
          [`publish ${size} (package-add DIR + repo-update)`, s(publish.ours), `one repo-add call: ${s(publish.repoAdd)}`, `repo-add / ours ${x(publish.repoAdd, publish.ours)}`],
          [`same, against the floor`, s(publish.ours), `read + sha256 + md5 script: ${s(publish.floor)}`, `ours / floor ${x(publish.ours, publish.floor)}`],
          [`add 1 archive to ${size} (package-add FILE + repo-update)`, s(add.ours), `repo-add: ${s(add.repoAdd)}; node -e 0: ${s(add.node)}`, `ours / node ${x(add.ours, add.node)}`],
          [`remove 1 of ${size} (package-remove)`, s(remove.ours), `repo-remove: ${s(remove.repoRemove)}; node -e 0: ${s(remove.node)}`, `ours / node ${x(remove.ours, remove.node)}`],
          ['help-version', s(commands.helpVersion), `node -e 0: ${s(commands.node)}`, `ours / node ${x(commands.helpVersion, commands.node)}`],
          [`package-status of ${size}`, s(commands.packageStatus), `node -e 0: ${s(commands.node)}`, `ours / node ${x(commands.packageStatus, commands.node)}`],
          [`repo-report html of ${size}`, s(commands.repoReport), `node -e 0: ${s(commands.node)}`, `ours / node ${x(commands.repoReport, commands.node)}`],
        );
        scaling.push({ size, publish: publish.ours, peakRssKib: publish.peakRssKib, add: add.ours, remove: remove.ours, node: add.node, write });
      } else {
        const published = await publishThroughCli(path.join(directory, 'publish'), selected);
        const { add, remove } = await measureAddRemove(path.join(directory, 'add-remove'), published.service, size, extras, names);
        const write = await measureDatabaseWrite(path.join(directory, 'write'), published.service.served);
        scaling.push({ size, publish: published.seconds, peakRssKib: published.peakRssKib, add: add.ours, remove: remove.ours, node: add.node, write });
      }
      await rm(directory, { recursive: true, force: true });
    }

    printTable('Operations of issue 8: ours beside the reference measured in the same run', ['operation', 'ours', 'reference', 'ratio'], rows);
    const [first] = scaling;
    printTable(
      'Growing the repository: add 1 and remove 1 may grow only by what writing the larger database costs',
      ['N', 'publish N', 'per package', 'peak RSS', 'add 1', 'remove 1', 'write dbs of N alone', 'node -e 0'],
      scaling.map((row) => [
        String(row.size),
        s(row.publish),
        `${((row.publish / row.size) * 1000).toFixed(2)} ms`,
        `${(row.peakRssKib / 1024).toFixed(0)} MiB`,
        s(row.add),
        s(row.remove),
        s(row.write),
        s(row.node),
      ]),
    );
    for (const row of scaling.slice(1)) {
      console.log(
        `N=${row.size} against N=${first.size}: add 1 +${s(row.add - first.add)}, remove 1 +${s(row.remove - first.remove)}, ` +
          `writing the databases +${s(row.write - first.write)}; publish per package ${x(row.publish / row.size, first.publish / first.size)}`,
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.filename === path.resolve(process.argv[1])) {
  const { sizes, rounds: roundCount } = parseOperationsArguments(process.argv.slice(2));
  await runOperations(sizes, roundCount);
}
