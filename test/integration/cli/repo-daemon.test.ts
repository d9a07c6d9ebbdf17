import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { RepositoryLock, lockPath } from '../../../src/application/lock.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { CLI, ahriman, makeSandbox } from '../../support/cli.js';

const sandbox = makeSandbox();
afterAll(() => rmSync(sandbox.directory, { recursive: true, force: true }));

describe('repo-daemon', () => {
  it('updates on its interval through the same repository lock as timers, and stops on SIGTERM', async () => {
    const id = new RepositoryId('x86_64', 'demo');
    mkdirSync(sandbox.root, { recursive: true });
    const lock = new RepositoryLock(lockPath('ahriman.lock', sandbox.root, id));
    await lock.acquire({ waitTimeoutSeconds: -1, force: false, command: 'ahriman repo-update (timer)' });
    let released = false;
    const daemon = spawn(process.execPath, [CLI, '-c', sandbox.configuration, '--repository-id', id.id, 'repo-daemon', '-i', '1', '--no-aur', '--no-local', '--no-manual']);
    let output = '';
    daemon.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    daemon.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await vi.waitFor(() => expect(output).toMatch(/waiting for lock .* held by .*ahriman repo-update \(timer\)/), { timeout: 30_000, interval: 50 });
      expect(output).not.toContain('nothing to do');
      released = true;
      await lock.releaseLock();
      await vi.waitFor(() => expect(output).toContain('nothing to do'), { timeout: 30_000, interval: 50 });
    } finally {
      if (!released) await lock.releaseLock();
      daemon.kill('SIGTERM');
    }
    const [code] = (await once(daemon, 'close')) as [number | null];
    expect(code, output).toBe(0);
    expect(output).toContain('stopped');
  });

  it('refuses a non-positive interval', async () => {
    const result = await ahriman(['-c', sandbox.configuration, '--repository-id', 'x86_64-demo', 'repo-daemon', '-i', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--interval must be a positive number of seconds, got 0');
  });
});
