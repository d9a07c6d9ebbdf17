import { appendFileSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type sqlite3 from 'sqlite3';
import { LockedError, errorMessage } from '../core/errors.js';
import { getLogger } from '../core/log/logger.js';
import type { RepositoryId } from '../models/repository-id.js';

/**
 * Per-repository lock, shared by timer, manual, daemon and web-spawned runs: whoever holds it is the only process
 * mutating that repository.
 *
 * The lock is an exclusive SQLite transaction on the lock file (a small database of its own): SQLite takes it with
 * a POSIX record lock, which the kernel grants to exactly one process and drops when that process dies, however it
 * dies. So a lock is never stale and there is no takeover to race on. Beside it:
 * - `<lock>.owner` names the holder (pid, command, since), so a waiting command can say who it is waiting for;
 * - `<lock>.audit` is an append-only record of every acquire and release (pid, command, sequence), written only
 *   while the lock is held, so its order is the order in which holders really held it.
 */
export interface LockOwner {
  pid: number;
  hostname: string;
  command: string;
  since: string;
}

export interface LockAuditEntry extends LockOwner {
  event: 'acquire' | 'release';
}

export interface LockOptions {
  /** Negative: fail at once when held; 0: wait forever; N > 0: wait up to N seconds. */
  waitTimeoutSeconds: number;
  /**
   * Break a lock held by a live process (the admin says it is wrong to wait): the lock file is replaced by a new
   * one, so the old holder keeps a lock nobody else asks for. A dead holder never needs this.
   */
  force: boolean;
  command: string;
}

/** How long one attempt lets SQLite wait for the holder before checking the deadline and naming the holder. */
const ATTEMPT_MS = 1_000;
/** The audit is trimmed to its newer half once it grows past this, so a years-old timer service keeps it small. */
const AUDIT_LIMIT_BYTES = 1024 * 1024;
const logger = getLogger('lock');

/** Relative lock names live in the repository root, suffixed with the repository id like the reference's pid files. */
export function lockPath(name: string, root: string, repositoryId: RepositoryId): string {
  if (path.isAbsolute(name)) return name;
  const extension = path.extname(name);
  const stem = extension ? name.slice(0, -extension.length) : name;
  return path.join(root, `${stem}_${repositoryId.id}${extension}`);
}

/** Reads the lock's audit: one entry per acquire or release, oldest first. */
export function readLockAudit(lockFile: string): LockAuditEntry[] {
  let text: string;
  try {
    text = readFileSync(`${lockFile}.audit`, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as LockAuditEntry);
}

function inode(file: string): number | undefined {
  return statSync(file, { throwIfNoEntry: false })?.ino;
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

export class RepositoryLock {
  private connection: sqlite3.Database | undefined;
  private holder: LockOwner | undefined;

  constructor(readonly path: string) {}

  private get ownerPath(): string {
    return `${this.path}.owner`;
  }

  private get auditPath(): string {
    return `${this.path}.audit`;
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

  private async open(): Promise<sqlite3.Database> {
    const { default: sqlite } = await import('sqlite3');
    return new Promise((resolve, reject) => {
      const opened: sqlite3.Database = new sqlite.Database(this.path, sqlite.OPEN_READWRITE | sqlite.OPEN_CREATE, (error) => {
        if (error) reject(new LockedError(`cannot open lock ${this.path}: ${error.message}`));
        else resolve(opened);
      });
    });
  }

  private static exec(connection: sqlite3.Database, sql: string): Promise<void> {
    return new Promise((resolve, reject) => connection.exec(sql, (error) => (error ? reject(error) : resolve())));
  }

  private static close(connection: sqlite3.Database): Promise<void> {
    return new Promise((resolve) => connection.close(() => resolve()));
  }

  /**
   * One attempt: takes the exclusive lock within `waitMs`. The file is checked to be still the one at the lock path
   * afterwards, so a holder of a lock file that `--force` replaced does not count as holding the lock.
   */
  private async tryAcquire(waitMs: number): Promise<boolean> {
    const connection = await this.open();
    const opened = inode(this.path);
    try {
      // the lock database holds no data: its rollback journal would only be disk writes for nothing
      await RepositoryLock.exec(connection, `PRAGMA busy_timeout = ${Math.max(0, Math.round(waitMs))}; PRAGMA journal_mode = MEMORY`);
      await RepositoryLock.exec(connection, 'BEGIN EXCLUSIVE');
    } catch (error) {
      await RepositoryLock.close(connection);
      if (isBusy(error)) return false;
      throw new LockedError(`cannot take lock ${this.path}: ${errorMessage(error)}`);
    }
    if (opened === undefined || inode(this.path) !== opened) {
      await RepositoryLock.close(connection);
      return false;
    }
    this.connection = connection;
    return true;
  }

  /** The old lock was a directory (proper-lockfile); a lock file replaces it. */
  private async replaceLegacyDirectory(): Promise<void> {
    const stat = await fs.lstat(this.path).catch(() => undefined);
    if (stat?.isDirectory()) {
      logger.info(`replacing the old lock directory ${this.path} by a lock file`);
      await fs.rm(this.path, { recursive: true, force: true });
    }
  }

  private async breakLock(): Promise<void> {
    logger.warning(`--force: breaking lock ${this.path} held by ${this.describe(await this.owner())}`);
    await fs.rm(this.path, { recursive: true, force: true });
  }

  private audit(event: LockAuditEntry['event'], owner: LockOwner): void {
    try {
      if ((statSync(this.auditPath, { throwIfNoEntry: false })?.size ?? 0) > AUDIT_LIMIT_BYTES) {
        const lines = readFileSync(this.auditPath, 'utf8').split('\n');
        writeFileSync(`${this.auditPath}.tmp`, lines.slice(Math.floor(lines.length / 2)).join('\n'));
        renameSync(`${this.auditPath}.tmp`, this.auditPath);
      }
      appendFileSync(this.auditPath, `${JSON.stringify({ event, ...owner })}\n`);
    } catch (error) {
      logger.warning(`cannot write lock audit ${this.auditPath}: ${errorMessage(error)}`);
    }
  }

  async acquire(options: LockOptions): Promise<void> {
    await fs.mkdir(path.dirname(this.path), { recursive: true });
    await this.replaceLegacyDirectory();
    if (options.force) await this.breakLock();
    const deadline = options.waitTimeoutSeconds > 0 ? Date.now() + options.waitTimeoutSeconds * 1000 : Infinity;
    let announced = false;
    for (;;) {
      const wait = options.waitTimeoutSeconds < 0 ? 0 : Math.min(ATTEMPT_MS, deadline - Date.now());
      if (await this.tryAcquire(wait)) break;
      const owner = await this.owner();
      if (options.waitTimeoutSeconds < 0 || Date.now() >= deadline) {
        const waited = options.waitTimeoutSeconds > 0 ? ` after waiting ${options.waitTimeoutSeconds} s` : '';
        throw new LockedError(
          `repository is locked by ${this.describe(owner)}${waited} (lock ${this.path}; use --wait-timeout to wait)`,
        );
      }
      if (!announced) {
        logger.info(`waiting for lock ${this.path} held by ${this.describe(owner)}`);
        announced = true;
      }
    }
    const owner: LockOwner = {
      pid: process.pid,
      hostname: os.hostname(),
      command: options.command,
      since: new Date().toISOString(),
    };
    this.holder = owner;
    await fs.writeFile(this.ownerPath, `${JSON.stringify(owner)}\n`);
    this.audit('acquire', owner);
    logger.debug(`acquired lock ${this.path}`);
  }

  async releaseLock(): Promise<void> {
    const connection = this.connection;
    if (!connection || !this.holder) return;
    logger.debug(`releasing lock ${this.path}`);
    this.audit('release', this.holder);
    await fs.rm(this.ownerPath, { force: true });
    await RepositoryLock.exec(connection, 'ROLLBACK').catch((error: unknown) =>
      logger.warning(`cannot release lock ${this.path}: ${errorMessage(error)}`),
    );
    await RepositoryLock.close(connection);
    this.connection = undefined;
    this.holder = undefined;
  }
}
