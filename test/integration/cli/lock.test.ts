import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLockAudit, type LockAuditEntry } from '../../../src/application/lock.js';
import { packageRoot } from '../../../src/core/package-root.js';
import { ahriman, makeSandbox } from '../../support/cli.js';

const SETUP = ['-a', 'x86_64', '-r', 'demo', 'service-setup', '--packager', 'A <a@b>'];

interface Holder {
  pid: number;
  /** Kills the holder and resolves once it has exited (the kernel has dropped its locks by then). */
  kill: (signal: NodeJS.Signals) => Promise<void>;
}

/** Holds the repository lock in another process until killed, as a long build would. */
function holdLock(lockFile: string): Promise<Holder> {
  const module = path.join(packageRoot(), 'dist', 'application', 'lock.js');
  const script = `
    const { RepositoryLock } = await import(${JSON.stringify(module)});
    await new RepositoryLock(${JSON.stringify(lockFile)}).acquire({ waitTimeoutSeconds: -1, force: false, command: 'holder' });
    process.stdout.write('ready\\n');
    setInterval(() => undefined, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () =>
      resolve({
        pid: child.pid!,
        kill: async (signal) => {
          child.kill(signal);
          await exited;
        },
      }),
    );
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
}

/**
 * The audit must read acquire(p1), release(p1), acquire(p2), release(p2), ...: a second acquire before the release
 * of the first means two processes held the lock at once. `killed` holders have an acquire and no release.
 */
function expectNoOverlap(audit: LockAuditEntry[], killed: number[] = []): void {
  let held: LockAuditEntry | undefined;
  for (const entry of audit) {
    if (entry.event === 'acquire') {
      if (held && !killed.includes(held.pid)) throw new Error(`pid ${entry.pid} acquired while pid ${held.pid} held the lock`);
      held = entry;
    } else {
      expect(held?.pid, `release by ${entry.pid} without its acquire`).toBe(entry.pid);
      held = undefined;
    }
  }
  expect(held).toBeUndefined();
}

describe('repository lock', () => {
  it('serialises 10 mutating commands started at once, and all of them complete with --wait-timeout 0', async () => {
    const sandbox = makeSandbox();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => ahriman(['-c', sandbox.configuration, '--wait-timeout', '0', ...SETUP])),
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const audit = readLockAudit(path.join(sandbox.root, 'ahriman_x86_64-demo.lock'));
    expect(audit).toHaveLength(20);
    expectNoOverlap(audit);
  });

  it('10 commands started right after the holder is killed with SIGKILL: exactly one holds the lock at a time', async () => {
    const sandbox = makeSandbox();
    const lockFile = path.join(sandbox.root, 'ahriman_x86_64-demo.lock');
    const holder = await holdLock(lockFile);
    await holder.kill('SIGKILL');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => ahriman(['-c', sandbox.configuration, '--wait-timeout', '0', ...SETUP])),
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const audit = readLockAudit(lockFile);
    expect(audit[0]).toMatchObject({ event: 'acquire', pid: holder.pid, command: 'holder' });
    expect(audit).toHaveLength(21);
    expect(new Set(audit.slice(1).map((entry) => entry.pid)).size).toBe(10);
    expectNoOverlap(audit, [holder.pid]);
  });

  it('fails at once naming the holder, waits a bounded time, and is free as soon as the holder dies', async () => {
    const sandbox = makeSandbox();
    const lockFile = path.join(sandbox.root, 'ahriman_x86_64-demo.lock');
    const holder = await holdLock(lockFile);
    try {
      const immediate = await ahriman(['-c', sandbox.configuration, ...SETUP]);
      expect(immediate.code).toBe(1);
      expect(immediate.stderr).toContain(`repository is locked by pid ${holder.pid}`);
      expect(immediate.stderr).toContain("running 'holder'");

      const bounded = await ahriman(['-c', sandbox.configuration, '--wait-timeout', '1', ...SETUP]);
      expect(bounded.code).toBe(1);
      expect(bounded.stderr).toContain(`repository is locked by pid ${holder.pid}`);
      expect(bounded.stderr).toContain('after waiting 1 s');
    } finally {
      await holder.kill('SIGKILL');
    }
    const afterCrash = await ahriman(['-c', sandbox.configuration, ...SETUP]);
    expect(afterCrash.code, afterCrash.stderr).toBe(0);
  });

  it('--force breaks a lock held by a live process', async () => {
    const sandbox = makeSandbox();
    const holder = await holdLock(path.join(sandbox.root, 'ahriman_x86_64-demo.lock'));
    try {
      const forced = await ahriman(['-c', sandbox.configuration, '--force', ...SETUP]);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stderr).toContain(`--force: breaking lock`);
      expect(forced.stderr).toContain(`pid ${holder.pid}`);
    } finally {
      await holder.kill('SIGKILL');
    }
  });
});
