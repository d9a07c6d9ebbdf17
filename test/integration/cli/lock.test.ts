import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/core/package-root.js';
import { ahriman, makeSandbox } from '../../support/cli.js';

const SETUP = ['-a', 'x86_64', '-r', 'demo', 'service-setup', '--packager', 'A <a@b>'];

function lockEvents(stderr: string): { acquired: number; released: number } {
  const acquired = /acquired lock .* at (\d+)/.exec(stderr);
  const released = /releasing lock .* at (\d+)/.exec(stderr);
  if (!acquired?.[1] || !released?.[1]) throw new Error(`no lock events in:\n${stderr}`);
  return { acquired: Number(acquired[1]), released: Number(released[1]) };
}

/** Holds the repository lock in another process until killed, as a long build would. */
function holdLock(lockFile: string): Promise<{ pid: number; kill: (signal: NodeJS.Signals) => void }> {
  const module = path.join(packageRoot(), 'dist', 'application', 'lock.js');
  const script = `
    const { RepositoryLock } = await import(${JSON.stringify(module)});
    await new RepositoryLock(${JSON.stringify(lockFile)}).acquire({ waitTimeoutSeconds: -1, force: false, command: 'holder' });
    process.stdout.write('ready\\n');
    setInterval(() => undefined, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => resolve({ pid: child.pid!, kill: (signal) => child.kill(signal) }));
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
}

describe('repository lock', () => {
  it('serialises 10 mutating commands started at once, and all of them complete with --wait-timeout 0', async () => {
    const sandbox = makeSandbox();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => ahriman(['-c', sandbox.configuration, '--wait-timeout', '0', '--log-level', 'debug', ...SETUP])),
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const intervals = results.map((result) => lockEvents(result.stderr)).sort((left, right) => left.acquired - right.acquired);
    for (let index = 1; index < intervals.length; index += 1) {
      expect(intervals[index]!.acquired).toBeGreaterThanOrEqual(intervals[index - 1]!.released);
    }
  });

  it('fails at once naming the holder, waits a bounded time, and takes over from a killed holder', async () => {
    const sandbox = makeSandbox();
    const lockFile = path.join(sandbox.root, 'ahriman_x86_64-demo.lock');
    const holder = await holdLock(lockFile);
    try {
      const immediate = await ahriman(['-c', sandbox.configuration, ...SETUP]);
      expect(immediate.code).toBe(1);
      expect(immediate.stderr).toContain(`repository is locked by pid ${holder.pid}`);
      expect(immediate.stderr).toContain("running 'holder'");

      const started = Date.now();
      const bounded = await ahriman(['-c', sandbox.configuration, '--wait-timeout', '2', ...SETUP]);
      expect(bounded.code).toBe(1);
      expect(bounded.stderr).toContain('after waiting 2 s');
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    } finally {
      holder.kill('SIGKILL');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const afterCrash = await ahriman(['-c', sandbox.configuration, ...SETUP]);
    expect(afterCrash.stderr).toContain('taking over lock');
    expect(afterCrash.code).toBe(0);
  });

  it('--force removes a lock held by a live process', async () => {
    const sandbox = makeSandbox();
    const holder = await holdLock(path.join(sandbox.root, 'ahriman_x86_64-demo.lock'));
    try {
      const forced = await ahriman(['-c', sandbox.configuration, '--force', ...SETUP]);
      expect(forced.code).toBe(0);
      expect(forced.stderr).toContain('--force: removing lock');
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
