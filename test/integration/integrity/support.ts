/**
 * Crash-consistency harness for the publish path: a small signed repository of prebuilt archives (a split base
 * included), restored from a snapshot before every run, a command killed with SIGKILL before a chosen filesystem
 * step (see `test/support/kill-shim.c`), and the invariants checked after the kill and after the next run.
 *
 * Invariants after a kill:
 *   (a) pacman (SigLevel Required) syncs the served repository;
 *   (b) every listed file is present with its listed sha256;
 *   (c) `.db` and `.files` list the same entries;
 *   (d) the state database (its package bases and statuses) agrees with the served database, unless an unfinished
 *       publish journal entry explains the difference;
 *   (e) the content history ends at what is served, with the same exception.
 * After the next run (the interrupted command again, then repo-update), the outcome equals the one of the
 * uninterrupted command exactly.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import sqlite3 from 'sqlite3';
import tar from 'tar-stream';
import { afterAll, beforeAll, expect } from 'vitest';
import { run, type RunResult } from '../../../src/core/process.js';
import { ahriman } from '../../support/cli.js';
import { readSteps, removeKillShim, shimEnvironment, type KillPoint, type Step } from '../../support/kill-shim.js';
import { removeTestKeys, testKey, type TestKey } from '../../support/keys.js';
import { createPacmanRoot, removeKeyringTemplate, type PacmanClient } from '../../support/pacman-client.js';

export const REPOSITORY = 'demo';
export const ARCHITECTURE = 'x86_64';
const PACKAGER = 'T <t@localhost>';
/** repo-update without looking anywhere for new versions: only what is staged is published. */
export const REPO_UPDATE = ['repo-update', '--no-aur', '--no-local', '--no-vcs', '--no-dependencies'];

export interface ArchiveSpec {
  name: string;
  base?: string;
  version: string;
}

/** One served package: what pacman would download and check. */
export interface ServedEntry {
  name: string;
  version: string;
  base: string;
  fileName: string;
  sha256: string;
}

/** What a run left behind, compared between an interrupted and an uninterrupted run. */
export interface Outcome {
  served: ServedEntry[];
  /** base -> "version status" in the state database. */
  state: Record<string, string>;
  /** The content history, one line per recorded run: "+name version" and "-name version", sorted. */
  history: string[];
}

/** Writes one archive laid out as makepkg does (`.PKGINFO` first, then the files), with bsdtar. */
export async function writeArchive(directory: string, spec: ArchiveSpec): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-integrity-pkg-'));
  try {
    await fs.mkdir(path.join(root, 'usr/share', spec.name), { recursive: true });
    await fs.writeFile(path.join(root, 'usr/share', spec.name, 'data'), `${spec.name} ${spec.version}\n`);
    const pkginfo = [
      `pkgname = ${spec.name}`,
      `pkgbase = ${spec.base ?? spec.name}`,
      `pkgver = ${spec.version}`,
      `pkgdesc = integrity test package ${spec.name}`,
      'builddate = 1700000000',
      `packager = ${PACKAGER}`,
      'size = 32',
      'arch = any',
    ];
    await fs.writeFile(path.join(root, '.PKGINFO'), `${pkginfo.join('\n')}\n`);
    const file = path.join(directory, `${spec.name}-${spec.version}-any.pkg.tar.zst`);
    await run('bsdtar', ['--zstd', '-cf', file, '-C', root, '.PKGINFO', 'usr']);
    return file;
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

export async function writeArchives(directory: string, specs: readonly ArchiveSpec[]): Promise<string> {
  await fs.mkdir(directory, { recursive: true });
  for (const spec of specs) await writeArchive(directory, spec);
  return directory;
}

/** Entries of a gzip'ed pacman database: entry directory -> its `desc` (and the entry names, in order). */
async function readDatabase(file: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on('end', () => {
        const [directory, name] = header.name.split('/');
        if (directory && !entries.has(directory)) entries.set(directory, '');
        if (directory && name === 'desc') entries.set(directory, Buffer.concat(chunks).toString('utf8'));
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(gunzipSync(await fs.readFile(file)));
  await done;
  return entries;
}

function descField(desc: string, key: string): string {
  const match = new RegExp(`^%${key}%\\n(.*)$`, 'm').exec(desc);
  return match?.[1] ?? '';
}

function stateRows(database: string, sql: string): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const connection = new sqlite3.Database(database, sqlite3.OPEN_READWRITE, (error) => {
      if (error) return reject(error);
      connection.all(sql, (queryError, rows) => {
        connection.close();
        if (queryError) reject(queryError);
        else resolve(rows as Array<Record<string, unknown>>);
      });
    });
  });
}

export class Repository {
  private pacmanClient: PacmanClient | undefined;

  private constructor(
    /** Everything of this repository lives here: configuration, root, its snapshot, logs. */
    readonly directory: string,
    readonly key: TestKey,
  ) {}

  get configuration(): string {
    return path.join(this.directory, 'ahriman.ini');
  }

  get root(): string {
    return path.join(this.directory, 'root');
  }

  private get snapshotDirectory(): string {
    return path.join(this.directory, 'snapshot');
  }

  get served(): string {
    return path.join(this.root, 'repository', REPOSITORY, ARCHITECTURE);
  }

  get staging(): string {
    return path.join(this.root, 'packages', REPOSITORY, ARCHITECTURE);
  }

  /** A signed repository set up with service-setup, holding `published` (published with package-add + repo-update). */
  static async create(published: readonly ArchiveSpec[]): Promise<Repository> {
    const key = await testKey();
    const repository = new Repository(await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-integrity-')), key);
    const lines = [
      '[settings]',
      'include = ${repository:root}/.config/ahriman/ahriman.ini.d',
      'database = ${repository:root}/ahriman.db',
      '',
      '[repository]',
      `root = ${repository.root}`,
      '',
      '[aur]',
      'url = http://127.0.0.1:1',
      '',
      '[sign]',
      'target = package repository',
      `key = ${key.fingerprint}`,
      `key_file = ${key.secretKeyFile}`,
    ];
    await fs.writeFile(repository.configuration, `${lines.join('\n')}\n`);
    await repository.expectCli(['service-setup', '--packager', PACKAGER]);
    if (published.length > 0) {
      await repository.expectCli(['package-add', await writeArchives(path.join(repository.directory, 'initial'), published)]);
      await repository.expectCli(REPO_UPDATE);
    }
    return repository;
  }

  /** Runs the CLI on this repository, optionally with the kill shim preloaded. */
  cli(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
    return ahriman(['-c', this.configuration, '-a', ARCHITECTURE, '-r', REPOSITORY, ...args], env);
  }

  async expectCli(args: readonly string[]): Promise<RunResult> {
    const result = await this.cli(args);
    if (result.code !== 0) throw new Error(`ahriman ${args.join(' ')} exited with ${result.code}:\n${result.stderr}`);
    return result;
  }

  /** Remembers the current root; {@link restore} brings it back. */
  async snapshot(): Promise<void> {
    await fs.rm(this.snapshotDirectory, { recursive: true, force: true });
    await fs.cp(this.root, this.snapshotDirectory, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  }

  async restore(): Promise<void> {
    await fs.rm(this.root, { recursive: true, force: true });
    await fs.cp(this.snapshotDirectory, this.root, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  }

  /** Runs `args` with every step logged; returns the steps. */
  async countSteps(args: readonly string[]): Promise<Step[]> {
    const log = path.join(this.directory, 'count.log');
    await fs.rm(log, { force: true });
    const result = await this.cli(args, await shimEnvironment(log));
    if (result.code !== 0) throw new Error(`counting run of ${args.join(' ')} exited with ${result.code}:\n${result.stderr}`);
    return (await readSteps(log)).steps;
  }

  /** Runs `args` killed before the chosen step; returns the step it died at (undefined: it finished first). */
  async runKilled(args: readonly string[], kill: KillPoint): Promise<{ killed: Step | undefined; result: RunResult }> {
    const log = path.join(this.directory, 'kill.log');
    await fs.rm(log, { force: true });
    const result = await this.cli(args, await shimEnvironment(log, kill));
    return { killed: (await readSteps(log)).killed, result };
  }

  /** The served database's entries, after checking invariants (b) and (c). */
  async servedEntries(problems: string[]): Promise<ServedEntry[]> {
    const db = await readDatabase(path.join(this.served, `${REPOSITORY}.db`));
    const files = await readDatabase(path.join(this.served, `${REPOSITORY}.files`));
    const dbNames = [...db.keys()].sort().join(' ');
    const filesNames = [...files.keys()].sort().join(' ');
    if (dbNames !== filesNames) problems.push(`.db lists [${dbNames}] but .files lists [${filesNames}]`);
    const entries: ServedEntry[] = [];
    for (const desc of db.values()) {
      const entry = {
        name: descField(desc, 'NAME'),
        version: descField(desc, 'VERSION'),
        base: descField(desc, 'BASE'),
        fileName: descField(desc, 'FILENAME'),
        sha256: descField(desc, 'SHA256SUM'),
      };
      entries.push(entry);
      const file = path.join(this.served, entry.fileName);
      if (!existsSync(file)) {
        problems.push(`${entry.fileName} is listed but missing`);
        continue;
      }
      const digest = createHash('sha256').update(await fs.readFile(file)).digest('hex');
      if (digest !== entry.sha256) problems.push(`${entry.fileName}: sha256 ${digest}, listed ${entry.sha256}`);
      if (!existsSync(`${file}.sig`)) problems.push(`${entry.fileName} has no signature`);
    }
    return entries.sort((left, right) => left.name.localeCompare(right.name));
  }

  /** base -> "version status", read from the state database directly (a CLI run per check would cost a second). */
  async stateRecords(): Promise<Record<string, string>> {
    const rows = await stateRows(
      path.join(this.root, 'ahriman.db'),
      `SELECT b.package_base AS base, b.version AS version, coalesce(s.status, 'unknown') AS status
       FROM package_bases b LEFT JOIN package_statuses s USING (repository, package_base) ORDER BY b.package_base`,
    );
    return Object.fromEntries(rows.map((row) => [String(row.base), `${String(row.version)} ${String(row.status)}`]));
  }

  /** The runs of the content history, oldest first, and the packages (name version sha256) it ends at. */
  async history(): Promise<{ runs: string[]; listed: string[] }> {
    const database = path.join(this.root, 'ahriman.db');
    const [changes, listed] = await Promise.all([
      stateRows(database, "SELECT run, CASE change WHEN 'added' THEN '+' ELSE '-' END || package || ' ' || version AS line FROM history_changes ORDER BY run, line"),
      stateRows(database, "SELECT c.package || ' ' || c.version || ' ' || c.checksum AS line FROM history_latest l JOIN history_changes c ON c.id = l.change WHERE c.change = 'added' ORDER BY c.package"),
    ]);
    const runs = new Map<unknown, string[]>();
    for (const row of changes) runs.set(row.run, [...(runs.get(row.run) ?? []), String(row.line)]);
    return { runs: [...runs.values()].map((lines) => lines.join(' ')), listed: listed.map((row) => String(row.line)).sort() };
  }

  /** True when the state database holds an unfinished publish journal entry (a table of the publish design). */
  async hasPublishJournal(): Promise<boolean> {
    const tables = await stateRows(path.join(this.root, 'ahriman.db'), "SELECT name FROM sqlite_master WHERE name = 'publish_journal'");
    if (tables.length === 0) return false;
    return (await stateRows(path.join(this.root, 'ahriman.db'), 'SELECT 1 FROM publish_journal LIMIT 1')).length > 0;
  }

  /** (a): pacman with SigLevel Required downloads and verifies the served databases. */
  async pacmanSync(problems: string[]): Promise<void> {
    this.pacmanClient ??= await createPacmanRoot({
      repositories: [{ name: REPOSITORY, server: `file://${this.served}` }],
      keys: [this.key.armoredPublic],
    });
    const sync = await this.pacmanClient.run(['-Syy', '--noprogressbar']);
    if (sync.code !== 0) problems.push(`pacman -Syy failed: ${sync.stderr.trim().split('\n').join(' | ')}`);
  }

  /** Checks invariants (a)-(d); returns the outcome and the problems found. */
  async check(): Promise<{ outcome: Outcome; problems: string[] }> {
    const problems: string[] = [];
    await this.pacmanSync(problems);
    const served = await this.servedEntries(problems);
    const state = await this.stateRecords();
    const servedBases = Object.fromEntries(served.map((entry) => [entry.base, entry.version]));
    const stateBases = Object.fromEntries(
      Object.entries(state)
        .filter(([, value]) => value.endsWith(' success'))
        .map(([base, value]) => [base, value.split(' ')[0]]),
    );
    const history = await this.history();
    const servedListing = served.map((entry) => `${entry.name} ${entry.version} ${entry.sha256}`).sort();
    const journaled = await this.hasPublishJournal();
    if (JSON.stringify(servedBases) !== JSON.stringify(sortedRecord(stateBases)) && !journaled) {
      problems.push(`state ${JSON.stringify(stateBases)} disagrees with served ${JSON.stringify(servedBases)}`);
    }
    if (JSON.stringify(history.listed) !== JSON.stringify(servedListing) && !journaled) {
      problems.push(`the history ends at [${history.listed.join(', ')}], served [${servedListing.join(', ')}]`);
    }
    return { outcome: { served, state, history: history.runs }, problems };
  }

  async cleanup(): Promise<void> {
    await this.pacmanClient?.cleanup();
    await fs.rm(this.directory, { recursive: true, force: true });
  }
}

function sortedRecord<Value>(record: Record<string, Value>): Record<string, Value> {
  return Object.fromEntries(Object.entries(record).sort(([left], [right]) => left.localeCompare(right)));
}

/** What one scenario's kills found. */
export interface KillReport {
  scenario: string;
  steps: number;
  kills: number;
  inconsistent: string[];
  wrongReruns: string[];
  /** Random kills: how many were asked for (attempts that came after the run's end do not count). */
  wanted?: number;
}

export interface Scenario {
  name: string;
  /** The command whose steps are killed. */
  command: readonly string[];
  /** What completes it after a kill: by default the command again, then repo-update. */
  rerun?: ReadonlyArray<readonly string[]>;
}

function describeStep(step: Step | undefined): string {
  return step ? `step ${step.number} (${step.op} ${step.path})` : 'no step (the run finished first)';
}

/**
 * Kills the scenario's command before each of its steps in turn (the repository restored from the snapshot before
 * every run), checks the invariants after the kill and the outcome after the rerun against the uninterrupted one.
 */
export async function killAtEveryStep(repository: Repository, scenario: Scenario): Promise<KillReport> {
  const rerun = scenario.rerun ?? [scenario.command, REPO_UPDATE];
  await repository.restore();
  const steps = await repository.countSteps(scenario.command);
  for (const command of rerun.slice(1)) await repository.expectCli(command);
  const expected = await repository.check();
  if (expected.problems.length > 0) throw new Error(`the uninterrupted run is inconsistent: ${expected.problems.join('; ')}`);

  const report: KillReport = { scenario: scenario.name, steps: steps.length, kills: 0, inconsistent: [], wrongReruns: [] };
  for (let at = 1; at <= steps.length; at += 1) {
    await repository.restore();
    const { killed } = await repository.runKilled(scenario.command, { at });
    if (killed) report.kills += 1;
    const where = describeStep(killed ?? steps[at - 1]);
    const afterKill = await repository.check();
    if (afterKill.problems.length > 0) report.inconsistent.push(`${where}: ${afterKill.problems.join('; ')}`);
    const after = await rerunAndCompare(repository, rerun, expected.outcome);
    if (after) report.wrongReruns.push(`${where}: ${after}`);
    if (process.env.AHR_KILL_PROGRESS) console.error(`${scenario.name} ${at}/${steps.length} ${where} ${afterKill.problems.join('; ')} | ${after ?? 'ok'}`);
  }
  return report;
}

/** Completes an interrupted command and compares with the expected outcome; returns what differs. */
export async function rerunAndCompare(
  repository: Repository,
  rerun: ReadonlyArray<readonly string[]>,
  expected: Outcome,
): Promise<string | undefined> {
  for (const command of rerun) await repository.cli(command);
  const { outcome, problems } = await repository.check();
  const differences = [...problems];
  const served = JSON.stringify(outcome.served);
  if (served !== JSON.stringify(expected.served)) {
    differences.push(`served ${summary(outcome.served)}, expected ${summary(expected.served)}`);
  }
  if (JSON.stringify(outcome.state) !== JSON.stringify(expected.state)) {
    differences.push(`state ${JSON.stringify(outcome.state)}, expected ${JSON.stringify(expected.state)}`);
  }
  if (JSON.stringify(outcome.history) !== JSON.stringify(expected.history)) {
    differences.push(`history runs ${JSON.stringify(outcome.history)}, expected ${JSON.stringify(expected.history)}`);
  }
  const staged = (await fs.readdir(repository.staging).catch(() => [])).filter((name) => name.includes('.pkg.tar'));
  if (staged.length > 0) differences.push(`still staged: ${staged.join(', ')}`);
  return differences.length > 0 ? differences.join('; ') : undefined;
}

/** A small seeded generator (mulberry32), so a failing random-kill run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Kills the scenario's command `kills` times at random moments (seeded), measured from its first filesystem step
 * and spread over the time an uninterrupted run takes from its first step to its last (a kill during Node's
 * start-up would only test start-up), with the same checks as {@link killAtEveryStep}.
 */
export async function killAtRandomTimes(repository: Repository, scenario: Scenario, kills: number, seed: number): Promise<KillReport> {
  const rerun = scenario.rerun ?? [scenario.command, REPO_UPDATE];
  await repository.restore();
  const steps = await repository.countSteps(scenario.command);
  // a margin after the last step: what the run does then (closing the database, releasing the lock) counts as well
  const window = Number(((steps[steps.length - 1]?.time ?? 0n) - (steps[0]?.time ?? 0n)) / 1_000_000n) + 20;
  for (const command of rerun.slice(1)) await repository.expectCli(command);
  const expected = await repository.check();
  if (expected.problems.length > 0) throw new Error(`the uninterrupted run is inconsistent: ${expected.problems.join('; ')}`);

  const random = seededRandom(seed);
  const report: KillReport = { scenario: `${scenario.name} (random within ${window} ms of the first step, seed ${seed})`, steps: steps.length, kills: 0, inconsistent: [], wrongReruns: [], wanted: kills };
  // a moment after the run's end kills nothing: attempts go on until `kills` kills landed, within a bound
  for (let index = 0; report.kills < kills && index < kills * 3; index += 1) {
    await repository.restore();
    const afterMs = Math.round(random() * window * 100) / 100;
    const { result } = await repository.runKilled(scenario.command, { afterMs });
    if (result.code !== -1) continue;
    report.kills += 1;
    const where = `${afterMs} ms after the first step`;
    const afterKill = await repository.check();
    if (afterKill.problems.length > 0) report.inconsistent.push(`${where}: ${afterKill.problems.join('; ')}`);
    const after = await rerunAndCompare(repository, rerun, expected.outcome);
    if (after) report.wrongReruns.push(`${where}: ${after}`);
    if (process.env.AHR_KILL_PROGRESS) console.error(`${report.scenario} ${report.kills}/${kills} ${where} ${afterKill.problems.join('; ')} | ${after ?? 'ok'}`);
  }
  return report;
}

function summary(entries: readonly ServedEntry[]): string {
  return `[${entries.map((entry) => `${entry.name} ${entry.version}`).join(', ')}]`;
}

export function printReport(report: KillReport): void {
  const lines = [
    `${report.scenario}: ${report.steps} steps, ${report.kills} kills, ${report.inconsistent.length} inconsistent states, ${report.wrongReruns.length} wrong reruns`,
    ...report.inconsistent.map((line) => `  inconsistent after kill at ${line}`),
    ...report.wrongReruns.map((line) => `  wrong rerun after kill at ${line}`),
  ];
  console.log(lines.join('\n'));
}

/** The published set every scenario starts from: three plain bases and a split base. */
export const PUBLISHED: readonly ArchiveSpec[] = [
  { name: 'ki-a', version: '1.0-1' },
  { name: 'ki-b', version: '1.0-1' },
  { name: 'ki-c', version: '1.0-1' },
  { name: 'ki-split-one', base: 'ki-split', version: '1.0-1' },
  { name: 'ki-split-two', base: 'ki-split', version: '1.0-1' },
];

/** What scenarios add: an upgrade, a new base, and a new version of the split base. */
export const INCOMING: readonly ArchiveSpec[] = [
  { name: 'ki-a', version: '2.0-1' },
  { name: 'ki-d', version: '1.0-1' },
  { name: 'ki-split-one', base: 'ki-split', version: '2.0-1' },
  { name: 'ki-split-two', base: 'ki-split', version: '2.0-1' },
];

/**
 * The repository of one test file: {@link PUBLISHED} published, then `prepare`d, then snapshotted (every kill starts
 * from the snapshot). Registers its setup and cleanup with the enclosing describe.
 */
export function useRepository(prepare: (repository: Repository) => Promise<void> = async () => undefined): () => Repository {
  let repository: Repository | undefined;
  beforeAll(async () => {
    repository = await Repository.create(PUBLISHED);
    await prepare(repository);
    await repository.snapshot();
  });
  afterAll(async () => {
    await repository?.cleanup();
    await removeKillShim();
    await removeKeyringTemplate();
    await removeTestKeys();
  });
  return () => {
    if (!repository) throw new Error('the repository is made in beforeAll');
    return repository;
  };
}

/** Stages {@link INCOMING} with package-add; returns the directory of its archives. */
export async function stageIncoming(repository: Repository): Promise<string> {
  const directory = await writeArchives(path.join(repository.directory, 'incoming'), INCOMING);
  await repository.expectCli(['package-add', directory]);
  return directory;
}

/** Prints the report, then expects no inconsistent state and no wrong rerun (and, for step kills, a kill per step). */
export function expectNoFindings(report: KillReport, everyStep: boolean): void {
  printReport(report);
  if (everyStep) {
    expect(report.steps).toBeGreaterThan(0);
    expect(report.kills).toBe(report.steps);
  } else {
    expect(report.kills).toBe(report.wanted);
  }
  expect(report.inconsistent).toEqual([]);
  expect(report.wrongReruns).toEqual([]);
}

/** Every kill test takes minutes: one CLI run per step, plus the checks and the rerun. */
export const KILL_TEST_TIMEOUT_MS = 1_200_000;
