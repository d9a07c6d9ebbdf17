import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { LockedError, errorMessage } from '../core/errors.js';
import { getLogger } from '../core/log/logger.js';
import type { RepositoryId } from '../models/repository-id.js';

/**
 * Per-repository lock, shared by timer, manual, daemon and web-spawned runs: whoever holds it is the only process
 * mutating that repository. The lock itself is proper-lockfile's atomic `mkdir` with a periodically refreshed mtime;
 * a sibling `<lock>.owner` file names the holder so a waiting command can say who it is waiting for, and so a lock
 * left behind by a killed process is taken over at once instead of after the mtime grows stale.
 */
export interface LockOwner {
  pid: number;
  hostname: string;
  bootId: string;
  command: string;
  since: string;
}

export interface LockOptions {
  /** Negative: fail at once when held; 0: wait forever; N > 0: wait up to N seconds. */
  waitTimeoutSeconds: number;
  /** Remove an existing lock before taking it (the admin says it is stale). */
  force: boolean;
  command: string;
}

const STALE_MS = 30_000;
const REFRESH_MS = 5_000;
const POLL_MIN_MS = 100;
const POLL_MAX_MS = 1_000;
const logger = getLogger('lock');

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Relative lock names live in the repository root, suffixed with the repository id like the reference's pid files. */
export function lockPath(name: string, root: string, repositoryId: RepositoryId): string {
  if (path.isAbsolute(name)) return name;
  const extension = path.extname(name);
  const stem = extension ? name.slice(0, -extension.length) : name;
  return path.join(root, `${stem}_${repositoryId.id}${extension}`);
}

export class RepositoryLock {
  private release: (() => Promise<void>) | undefined;

  constructor(readonly path: string) {}

  private get ownerPath(): string {
    return `${this.path}.owner`;
  }

  async owner(): Promise<LockOwner | undefined> {
    try {
      return JSON.parse(await fs.readFile(this.ownerPath, 'utf8')) as LockOwner;
    } catch {
      return undefined;
    }
  }

  private describe(owner: LockOwner | undefined): string {
    return owner
      ? `pid ${owner.pid} on ${owner.hostname} running '${owner.command}' since ${owner.since}`
      : 'an unknown process';
  }

  /** A holder on this machine whose process is gone (or that ran before the last boot) cannot come back. */
  private isAbandoned(owner: LockOwner | undefined): boolean {
    if (!owner || owner.hostname !== os.hostname()) return false;
    return owner.bootId !== bootId() || !isAlive(owner.pid);
  }

  private async tryAcquire(): Promise<boolean> {
    try {
      this.release = await lockfile.lock(this.path, {
        lockfilePath: this.path,
        realpath: false,
        stale: STALE_MS,
        update: REFRESH_MS,
        retries: 0,
        onCompromised: (error) => logger.error(`lock ${this.path} compromised: ${errorMessage(error)}`),
      });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return false;
      throw new LockedError(`cannot create lock ${this.path}: ${errorMessage(error)}`);
    }
  }

  private async removeLockDirectory(): Promise<void> {
    await fs.rm(this.path, { recursive: true, force: true });
    await fs.rm(this.ownerPath, { force: true });
  }

  async acquire(options: LockOptions): Promise<void> {
    await fs.mkdir(path.dirname(this.path), { recursive: true });
    if (options.force) {
      logger.warning(`--force: removing lock ${this.path} held by ${this.describe(await this.owner())}`);
      await this.removeLockDirectory();
    }
    const deadline = options.waitTimeoutSeconds > 0 ? Date.now() + options.waitTimeoutSeconds * 1000 : Infinity;
    let delay = POLL_MIN_MS;
    let announced = false;
    for (;;) {
      if (await this.tryAcquire()) break;
      const owner = await this.owner();
      if (this.isAbandoned(owner)) {
        logger.warning(`taking over lock ${this.path} abandoned by ${this.describe(owner)}`);
        await this.removeLockDirectory();
        continue;
      }
      if (options.waitTimeoutSeconds < 0 || Date.now() >= deadline) {
        const waited = options.waitTimeoutSeconds > 0 ? ` after waiting ${options.waitTimeoutSeconds} s` : '';
        throw new LockedError(
          `repository is locked by ${this.describe(owner)}${waited} (lock ${this.path}; use --wait-timeout to wait, --force if it is stale)`,
        );
      }
      if (!announced) {
        logger.info(`waiting for lock ${this.path} held by ${this.describe(owner)}`);
        announced = true;
      }
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
      delay = Math.min(delay * 2, POLL_MAX_MS);
    }
    const owner: LockOwner = {
      pid: process.pid,
      hostname: os.hostname(),
      bootId: bootId(),
      command: options.command,
      since: new Date().toISOString(),
    };
    await fs.writeFile(this.ownerPath, `${JSON.stringify(owner)}\n`);
    logger.debug(`acquired lock ${this.path} at ${Date.now()}`);
  }

  async releaseLock(): Promise<void> {
    if (!this.release) return;
    logger.debug(`releasing lock ${this.path} at ${Date.now()}`);
    await fs.rm(this.ownerPath, { force: true });
    try {
      await this.release();
    } catch (error) {
      logger.warning(`cannot release lock ${this.path}: ${errorMessage(error)}`);
    }
    this.release = undefined;
  }
}
