import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/core/process.js';
import { CLI, makeSandbox } from '../../support/cli.js';

/**
 * Prints every module Node loads, one `loaded <url or path>` line each on stderr: ES modules as the load hook sees
 * them, CommonJS ones (the bundle requires packages) from the require cache at exit.
 */
const HOOK = `data:text/javascript,${encodeURIComponent(`
import { createRequire, register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(
  'export async function load(url, context, next) { console.error("loaded " + url); return next(url, context); }',
));
const required = createRequire(process.execPath).cache;
process.on('exit', () => { for (const file of Object.keys(required)) console.error('loaded ' + file); });
`)}`;

/** Packages that only some commands need; none of them may load when a command does not use it. */
const HEAVY = ['@aws-sdk', '@octokit', 'openpgp', 'nodemailer', 'eta', 'zod', 'tar-stream', 'zstd-napi', 'xz-decompress'];

async function loadedPackages(args: string[]): Promise<Set<string>> {
  const result = await run(process.execPath, ['--import', HOOK, CLI, ...args], { allowFailure: true, timeoutMs: 120_000 });
  expect(result.code, result.stderr).toBe(0);
  const packages = [...result.stderr.matchAll(/^loaded .*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)].map((match) => match[1]!);
  return new Set(packages);
}

const sandbox = makeSandbox();
afterAll(() => rmSync(sandbox.directory, { recursive: true, force: true }));

describe('CLI start-up', () => {
  it('loads no optional dependency for help-version', async () => {
    const packages = await loadedPackages(['help-version']);
    expect([...packages]).toEqual([]); // yargs too: the build inlines it into the CLI module
  });

  it('loads SQLite but nothing heavy for package-status', async () => {
    const repository = ['-c', sandbox.configuration, '-a', 'x86_64', '-r', 'startup'];
    expect((await run(process.execPath, [CLI, ...repository, 'service-setup', '--packager', 'Test <t@example.com>'], { allowFailure: true })).code).toBe(0);
    const packages = await loadedPackages([...repository, 'package-status']);
    expect(packages.has('sqlite3')).toBe(true);
    expect(HEAVY.filter((name) => packages.has(name))).toEqual([]);
  });

  it('finishes quietly when its reader goes away (ahriman service-config | head -1)', async () => {
    const child = spawn(process.execPath, [CLI, '-c', sandbox.configuration, '-a', 'x86_64', '-r', 'startup', 'service-config'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the only reader leaves before anything is written: every write fails with EPIPE
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});

describe('compile cache', () => {
  const cacheHome = mkdtempSync(path.join(os.tmpdir(), 'ahriman-cache-'));
  afterAll(() => rmSync(cacheHome, { recursive: true, force: true }));
  const cacheFile = path.join(cacheHome, 'ahriman', 'compile-cache', 'help-version.bin');
  const helpVersion = (home = cacheHome) => run(process.execPath, [CLI, 'help-version'], { env: { XDG_CACHE_HOME: home }, allowFailure: true });
  /** The first run rewrites a cache it did not use: a new file (a new inode) each time. */
  const identity = () => {
    const { ino, mtimeMs } = statSync(cacheFile);
    return { ino, mtimeMs };
  };

  it('is written by the first run of a command and read, not rewritten, by the next', async () => {
    const first = await helpVersion();
    expect(first.code, first.stderr).toBe(0);
    expect(readFileSync(cacheFile, 'latin1').split('\n')[0]).toMatch(new RegExp(`^${process.version} \\d+ \\d+$`));
    expect(statSync(cacheFile).mode & 0o777).toBe(0o600);
    const written = identity();
    const second = await helpVersion();
    expect({ code: second.code, stdout: second.stdout }).toEqual({ code: 0, stdout: first.stdout });
    expect(identity()).toEqual(written);
  });

  it('replaces a cache of another build, a damaged one, or one that others can write, and the command still runs', async () => {
    expect((await helpVersion()).code).toBe(0);
    const valid = readFileSync(cacheFile);
    const header = valid.subarray(0, valid.indexOf(0x0a) + 1);
    const variants: Array<[string, () => void]> = [
      ['another build', () => writeFileSync(cacheFile, Buffer.concat([Buffer.from(`${process.version} 1 1\n`), valid.subarray(header.length)]), { mode: 0o600 })],
      ['cut short', () => writeFileSync(cacheFile, valid.subarray(0, header.length + 64), { mode: 0o600 })],
      ['writable by others', () => chmodSync(cacheFile, 0o666)],
    ];
    for (const [name, damage] of variants) {
      damage();
      const before = identity();
      const result = await helpVersion();
      expect({ name, code: result.code, stderr: result.stderr }).toEqual({ name, code: 0, stderr: '' });
      expect(identity(), name).not.toEqual(before);
      expect(readFileSync(cacheFile).subarray(0, header.length).equals(header), name).toBe(true);
      expect(statSync(cacheFile).mode & 0o777, name).toBe(0o600);
    }
  });

  it('runs without one where none can be written or the directory is another user\'s, and writes none for a failed command', async () => {
    const notADirectory = path.join(cacheHome, 'file');
    writeFileSync(notADirectory, '');
    const unwritable = await helpVersion(notADirectory);
    expect({ code: unwritable.code, stderr: unwritable.stderr }).toEqual({ code: 0, stderr: '' });

    if (process.getuid?.() === 0) {
      // root with another user's cache directory (sudo -E keeps HOME): nothing of root's is left there
      const othersCache = mkdtempSync(path.join(os.tmpdir(), 'ahriman-others-cache-'));
      chownSync(othersCache, 65534, 65534);
      const asRoot = await helpVersion(othersCache);
      expect({ code: asRoot.code, stderr: asRoot.stderr, left: readdirSync(othersCache) }).toEqual({ code: 0, stderr: '', left: [] });
      rmSync(othersCache, { recursive: true, force: true });
    }

    const failed = await run(process.execPath, [CLI, 'package-status'], { env: { XDG_CACHE_HOME: cacheHome }, allowFailure: true });
    expect(failed.code).toBe(1);
    expect(existsSync(path.join(cacheHome, 'ahriman', 'compile-cache', 'package-status.bin'))).toBe(false);
  });
});
