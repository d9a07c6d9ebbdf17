/**
 * A whole service for end-to-end tests: a sandboxed configuration (fake AUR, sandbox build driver, signing with the
 * test key), the repository `demo` on x86_64 set up with `service-setup`, and helpers to drive the BUILT CLI, publish
 * packages to the fake AUR, install from the result with real pacman and check the served files against the database.
 *
 * Builds cost seconds each: a scenario shares one service between its sequential steps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run, type RunResult } from '../../../src/core/process.js';
import { CLI, ahriman, makeSandbox, type Sandbox } from '../../support/cli.js';
import { FakeAur } from '../../support/fake-aur.js';
import { testKey, type TestKey } from '../../support/keys.js';
import { printSrcinfo, renderPkgbuild, writePkgbuild, type PkgbuildSpec } from '../../support/makepkg.js';
import { createPacmanRoot, type PacmanClient } from '../../support/pacman-client.js';

const ARCHITECTURE = 'x86_64';
const REPOSITORY = 'demo';
export const PACKAGER = 'T <t@localhost>';

export interface ServiceOptions {
  /** Sign packages and the repository database with the test key (default true). */
  sign?: boolean;
  /** `[build] driver` (default sandbox). */
  driver?: 'sandbox' | 'host';
  /** More configuration lines (whole sections), appended to the generated ones. */
  configuration?: readonly string[];
}

/** One entry of the served database as pacman reads it: `%FILENAME%` and `%SHA256SUM%` of its `desc`. */
export interface DatabaseEntry {
  name: string;
  version: string;
  base: string;
  fileName: string;
  sha256: string;
}

/**
 * A package() body that prints `gate-reached`, then holds the build until the file `gate` exists (it must be visible
 * inside the build sandbox, e.g. under /var/tmp) and prints `gate-passed`: a test opens the gate once it has seen
 * what it wants while the build runs.
 */
export function gatedPackageBody(gate: string): string {
  return [
    'echo "gate-reached"',
    `for _ in $(seq 600); do [ -e ${gate} ] && break; sleep 0.2; done`,
    `[ -e ${gate} ] || { echo "gate never opened" >&2; exit 1; }`,
    'echo "gate-passed"',
  ].join('\n');
}

export class Service {
  private readonly cleanups: Array<() => Promise<void>> = [];

  private constructor(
    readonly sandbox: Sandbox,
    readonly aur: FakeAur,
    readonly key: TestKey | undefined,
    /** TMPDIR of every command: build workspaces a killed run leaves behind go away with the service. */
    private readonly temporary: string,
  ) {}

  static async create(options: ServiceOptions = {}): Promise<Service> {
    const aur = await new FakeAur().start();
    const key = options.sign === false ? undefined : await testKey();
    const lines = [
      '[aur]',
      `url = ${aur.url}`,
      'max_retries = 3',
      'retry_backoff = 0.01',
      '',
      '[build]',
      `driver = ${options.driver ?? 'sandbox'}`,
      'parallel_jobs = 2',
      '',
      ...(key ? ['[sign]', 'target = package repository', `key = ${key.fingerprint}`, `key_file = ${key.secretKeyFile}`] : []),
      '',
      ...(options.configuration ?? []),
    ];
    // world-writable like /tmp: the build user makes its workspaces here
    const temporary = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-e2e-tmp-'));
    await fs.chmod(temporary, 0o1777);
    const service = new Service(makeSandbox(lines.join('\n')), aur, key, temporary);
    service.cleanups.push(
      () => aur.stop(),
      () => fs.rm(service.sandbox.directory, { recursive: true, force: true }),
      () => fs.rm(temporary, { recursive: true, force: true }),
    );
    const setup = await service.cli(['service-setup', '--packager', PACKAGER]);
    if (setup.code !== 0) throw new Error(`service-setup failed: ${setup.stderr}`);
    return service;
  }

  /** The served repository directory, `repository/demo/x86_64`. */
  get repository(): string {
    return path.join(this.sandbox.root, 'repository', REPOSITORY, ARCHITECTURE);
  }

  /** Built or staged archives not yet published, `packages/demo/x86_64`. */
  get incoming(): string {
    return path.join(this.sandbox.root, 'packages', REPOSITORY, ARCHITECTURE);
  }

  /** The command's arguments, after the options selecting this service's configuration and repository. */
  private arguments(args: readonly string[]): string[] {
    return ['-c', this.sandbox.configuration, '-a', ARCHITECTURE, '-r', REPOSITORY, ...args];
  }

  /** Runs the built CLI against this service's repository and waits for it; `env` adds variables (e.g. a preload). */
  cli(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
    return ahriman(this.arguments(args), { ...env, TMPDIR: this.temporary });
  }

  /** Starts the built CLI and returns at once (for tests that kill it midway); its output is collected in `output`. */
  spawn(args: readonly string[]): { child: ChildProcess; output: string[]; exited: Promise<number | null> } {
    const child = spawn(process.execPath, [CLI, ...this.arguments(args)], {
      env: { ...process.env, TMPDIR: this.temporary },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    this.cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    return { child, output, exited };
  }

  /** Runs the CLI and fails with its output when the exit code is not the expected one. */
  async expectCli(args: readonly string[], code = 0): Promise<RunResult> {
    const result = await this.cli(args);
    if (result.code !== code) {
      throw new Error(`ahriman ${args.join(' ')} exited with ${result.code}, expected ${code}\n${result.stdout}\n${result.stderr}`);
    }
    return result;
  }

  /**
   * Publishes a package base to the fake AUR: its git repository gets the PKGBUILD and the `.SRCINFO` real makepkg
   * prints for it, the RPC answers for every one of its package names.
   */
  async publishToAur(spec: PkgbuildSpec): Promise<void> {
    const pkgbuild = renderPkgbuild(spec);
    const srcinfo = await printSrcinfo(await writePkgbuild(pkgbuild));
    const names = typeof spec.pkgname === 'string' ? [spec.pkgname] : [...spec.pkgname];
    const base = spec.pkgbase ?? names[0]!;
    const version = `${spec.epoch ? `${spec.epoch}:` : ''}${spec.pkgver ?? '1.0'}-${spec.pkgrel ?? '1'}`;
    const list = (name: string): string[] => {
      const value = spec.variables?.[name];
      return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
    };
    for (const [index, name] of names.entries()) {
      await this.aur.add({
        name,
        packageBase: base,
        version,
        depends: list('depends'),
        makeDepends: list('makedepends'),
        // the git repository is per base: committing it once is enough
        files: index === 0 ? { PKGBUILD: pkgbuild, '.SRCINFO': srcinfo } : undefined,
      });
    }
  }

  /** A PKGBUILD directory of our own (owned by the build user), as a user would point `package-add` at. */
  localPackage(spec: PkgbuildSpec | string): Promise<string> {
    return writePkgbuild(spec);
  }

  /** A throwaway pacman root that knows only this repository (served from disk) and trusts the test key. */
  async pacman(repository = this.repository): Promise<PacmanClient> {
    const client = await createPacmanRoot({
      repositories: [{ name: REPOSITORY, server: `file://${repository}`, sigLevel: this.key ? 'Required' : 'Never' }],
      keys: this.key ? [this.key.armoredPublic] : [],
    });
    this.cleanups.push(() => client.cleanup());
    return client;
  }

  /** The served database's entries, read with bsdtar (not with our own reader). */
  async databaseEntries(repository = this.repository): Promise<DatabaseEntry[]> {
    return readDatabase(path.join(repository, `${REPOSITORY}.db`));
  }

  /**
   * The crash-safety invariant: every package the served database lists is there with the listed checksum (and a
   * signature when signing is on). Returns the entries.
   */
  async checkServedFiles(repository = this.repository): Promise<DatabaseEntry[]> {
    const entries = await this.databaseEntries(repository);
    for (const entry of entries) {
      const file = path.join(repository, entry.fileName);
      if (!existsSync(file)) throw new Error(`${entry.fileName} is listed by the database but missing`);
      const digest = createHash('sha256').update(await fs.readFile(file)).digest('hex');
      if (digest !== entry.sha256) throw new Error(`${entry.fileName}: sha256 ${digest}, the database says ${entry.sha256}`);
      if (this.key && !existsSync(`${file}.sig`)) throw new Error(`${entry.fileName} has no signature`);
    }
    return entries;
  }

  /** A temp directory removed with the service. */
  async temporaryDirectory(): Promise<string> {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-e2e-'));
    this.cleanups.push(() => fs.rm(directory, { recursive: true, force: true }));
    return directory;
  }

  /** `package-status --json` as base -> status. */
  async statuses(): Promise<Record<string, string>> {
    const result = await this.expectCli(['package-status', '--json']);
    const entries = JSON.parse(result.stdout) as Array<{ package: { base: string }; status: { status: string } }>;
    return Object.fromEntries(entries.map((entry) => [entry.package.base, entry.status.status]));
  }

  async cleanup(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup();
  }
}

/** Parses the `desc` entries of a repository database (any compression bsdtar reads) without our own code. */
async function readDatabase(database: string): Promise<DatabaseEntry[]> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-e2e-db-'));
  try {
    await run('bsdtar', ['-xf', database, '-C', directory]);
    const entries: DatabaseEntry[] = [];
    for (const name of await fs.readdir(directory)) {
      const desc = await fs.readFile(path.join(directory, name, 'desc'), 'utf8').catch(() => undefined);
      if (desc === undefined) continue;
      const field = (key: string): string => {
        const match = new RegExp(`^%${key}%\\n(.*)$`, 'm').exec(desc);
        if (!match) throw new Error(`${name}/desc has no %${key}%`);
        return match[1]!;
      };
      entries.push({ name: field('NAME'), version: field('VERSION'), base: field('BASE'), fileName: field('FILENAME'), sha256: field('SHA256SUM') });
    }
    return entries.sort((left, right) => left.name.localeCompare(right.name));
  } finally {
    await fs.rm(directory, { recursive: true, force: true });
  }
}

/** Copies a served repository, resolving its links, so a test can damage the copy. */
export async function copyRepository(repository: string, target: string): Promise<void> {
  await fs.mkdir(target, { recursive: true });
  for (const name of (await fs.readdir(repository)).filter((item) => !item.startsWith('.'))) {
    await fs.copyFile(await fs.realpath(path.join(repository, name)), path.join(target, name));
  }
}
