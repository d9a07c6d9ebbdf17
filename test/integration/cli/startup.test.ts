import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/core/process.js';
import { CLI, makeSandbox } from '../../support/cli.js';

/** Prints the URL of every module Node loads (ESM load hook), one `loaded <url>` line each on stderr. */
const HOOK = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(
  'export async function load(url, context, next) { console.error("loaded " + url); return next(url, context); }',
));
`)}`;

/** Packages that only some commands need; none of them may load when a command does not use it. */
const HEAVY = ['@aws-sdk', '@octokit', 'openpgp', 'nodemailer', 'eta', 'zod', 'tar-stream', 'fzstd', '@toondepauw', '@napi-rs'];

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
