/**
 * A real repository for report tests: tiny packages built with makepkg, signed with the test key and published with
 * the RepositoryPublisher; a configuration around it; and headless Chromium to look at the pages.
 */
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RepositoryEntry } from '../../../src/core/alpm/repository-database.js';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { run } from '../../../src/core/process.js';
import { reportTrigger } from '../../../src/core/report/report-trigger.js';
import { loadSigners } from '../../../src/core/repository/services.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import type { TriggerContext } from '../../../src/core/triggers/trigger.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import type { Result } from '../../../src/models/result.js';
import { testKey, type TestKey } from '../../support/keys.js';
import { buildPackages, type PkgbuildSpec } from '../../support/makepkg.js';
import { publishCopies } from '../../support/publish.js';

export const REPOSITORY_ID = new RepositoryId('x86_64', 'demo');
export const LINK_PATH = 'https://repo.example.org/demo/x86_64';

/** Three bases, four package names: markup in a description, an epoch, a split package, licenses and groups. */
export const REPORT_PACKAGES: PkgbuildSpec[] = [
  {
    pkgname: 'ahr-report-tools',
    pkgver: '1.2.3',
    pkgdesc: `Tools for <b>reports</b> & "quoted" 'text'`,
    variables: { url: 'https://example.com/tools', license: ['MIT', 'Apache-2.0'], groups: ['ahr-group'], depends: ['bash'] },
    package: 'mkdir -p "$pkgdir/usr/share/ahr" && head -c 20000 /dev/zero > "$pkgdir/usr/share/ahr/data"',
  },
  { pkgname: 'ahr-report-lib', pkgver: '0.9', pkgrel: '2', epoch: '1', pkgdesc: 'A library with an epoch' },
  {
    pkgbase: 'ahr-report-split',
    pkgname: ['ahr-report-split-a', 'ahr-report-split-b'],
    pkgver: '2.0',
    pkgdesc: 'Split package',
    package: { 'ahr-report-split-a': ':', 'ahr-report-split-b': ':' },
  },
];

export interface Sandbox {
  root: string;
  key: TestKey;
  /** Where reports write files. */
  output: string;
  /** Every entry the repository database lists, as onResult gets them. */
  entries: RepositoryEntry[];
  /** A result saying every base was built. */
  result: Result;
  cleanup(): Promise<void>;
}

function configurationText(root: string, key: TestKey, extra: string): string {
  return [
    '[repository]',
    `root = ${root}`,
    '',
    '[sign]',
    'target = package repository',
    `key = ${key.fingerprint}`,
    `key_file = ${key.secretKeyFile}`,
    '',
    extra,
  ].join('\n');
}

/** A fresh repository root (no packages yet) with the test key configured for signing. */
export async function emptySandbox(): Promise<Sandbox> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'ahriman-report-'));
  const root = path.join(directory, 'root');
  await mkdir(root);
  return {
    root,
    key: await testKey(),
    output: path.join(directory, 'output'),
    entries: [],
    result: { success: [], failed: [], removed: [], errors: [] },
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
}

/** Builds and publishes {@link REPORT_PACKAGES} (signed) into a fresh repository root. */
export async function publishedRepository(): Promise<Sandbox> {
  const sandbox = await emptySandbox();
  const configuration = await loadConfiguration(path.dirname(sandbox.root), configurationText(sandbox.root, sandbox.key, ''));
  const paths = configuration.repositoryPaths();

  const builds = await Promise.all(REPORT_PACKAGES.map((spec) => buildPackages(spec)));
  const entries = await publishCopies(paths, await loadSigners(configuration), builds.flatMap((build) => build.archives));
  return { ...sandbox, entries, result: builtResult(entries) };
}

async function loadConfiguration(directory: string, text: string): Promise<Configuration> {
  const file = path.join(directory, `ahriman-${Math.random().toString(36).slice(2)}.ini`);
  await writeFile(file, text);
  return Configuration.load(file, REPOSITORY_ID, {});
}

/** A trigger context over the sandbox's repository with `extra` configuration (report sections). */
export async function triggerContext(sandbox: Sandbox, extra: string): Promise<TriggerContext & { close(): Promise<void> }> {
  const configuration = await loadConfiguration(path.dirname(sandbox.root), configurationText(sandbox.root, sandbox.key, extra));
  const state = await RepositoryState.open(configuration, REPOSITORY_ID);
  return { configuration, repositoryId: REPOSITORY_ID, paths: configuration.repositoryPaths(), state, close: () => state.close() };
}

/**
 * The DOM of a page after its scripts ran, as headless Chromium serialises it. `fragment` (without `#`) is
 * appended to the URL.
 */
export async function chromiumDom(file: string, fragment = ''): Promise<string> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'ahriman-chromium-'));
  const url = pathToFileURL(file).href + (fragment ? `#${fragment}` : '');
  try {
    const { stdout } = await run(
      'chromium',
      [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--dump-dom', url],
      { timeoutMs: 60_000 },
    );
    return stdout;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** Headless, as root, without network chatter. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** A database entry for tests that need many packages but no archives; `overrides` replaces any field. */
export function syntheticEntry(name: string, overrides: Partial<RepositoryEntry> = {}): RepositoryEntry {
  const version = overrides.version ?? '1.0-1';
  return {
    fileName: `${name}-${version}-any.pkg.tar.zst`,
    name,
    base: name,
    version,
    description: `the ${name} package`,
    groups: [],
    compressedSize: 4096,
    installedSize: 16384,
    md5: '0'.repeat(32),
    sha256: '0'.repeat(64),
    pgpSignature: '',
    url: '',
    licenses: ['MIT'],
    architecture: 'any',
    buildDate: 1_700_000_000,
    packager: 'Test <test@localhost>',
    replaces: [],
    conflicts: [],
    provides: [],
    depends: [],
    optDepends: [],
    makeDepends: [],
    checkDepends: [],
    files: [],
    ...overrides,
  };
}

/** A result saying these entries' bases were built. */
export function builtResult(entries: readonly RepositoryEntry[]): Result {
  const bases = new Map(entries.map((entry) => [entry.base, entry.version]));
  return { success: [...bases].map(([base, version]) => ({ base, version, duration: 1.5 })), failed: [], removed: [], errors: [] };
}

/**
 * Runs the report trigger over the sandbox's repository with `extra` configuration (`[report] target` and the
 * target sections); resolves to the error the trigger failed with, or undefined.
 */
export async function runReportTrigger(
  sandbox: Sandbox,
  extra: string,
  result: Result = sandbox.result,
  entries: readonly RepositoryEntry[] = sandbox.entries,
): Promise<Error | undefined> {
  const context = await triggerContext(sandbox, extra);
  try {
    await (await reportTrigger.create(context)).onResult!(result, entries);
    return undefined;
  } catch (error) {
    return error as Error;
  } finally {
    await context.close();
  }
}

/** A loopback port nothing listens on (it was free a moment ago): connections to it are refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
