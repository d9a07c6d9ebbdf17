import { randomBytes } from 'node:crypto';
import { type BigIntStats, statSync, unlinkSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** A hidden temporary name in the same directory, so the final rename never crosses file systems. */
export function temporarySibling(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Replaces `file` so that a reader sees either the old or the new content, never a part: write a temporary sibling,
 * flush it to disk, rename it over the target.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const temporary = temporarySibling(file);
  const handle = await fs.open(temporary, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/** Renames, or copies then renames when the target is on another file system: the target is never half written. */
export async function moveFile(source: string, target: string): Promise<void> {
  try {
    await fs.rename(source, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    const temporary = temporarySibling(target);
    try {
      await fs.copyFile(source, temporary);
      await fs.rename(temporary, target);
    } catch (copyError) {
      await fs.rm(temporary, { force: true });
      throw copyError;
    }
    await fs.rm(source);
  }
}

/** Deletes a file; a missing one is fine (one unlink, where `rm` with `force` costs an lstat too). */
export async function unlinkIfPresent(file: string): Promise<void> {
  await fs.unlink(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/** What a synchronous file operation returns, or undefined when the file (or directory) it names does not exist. */
export function unlessMissing<T>(operation: () => T): T | undefined {
  try {
    return operation();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return undefined;
  }
}

/** {@link unlinkIfPresent} as one synchronous call. */
export function unlinkIfPresentSync(file: string): void {
  unlessMissing(() => unlinkSync(file));
}

/**
 * What names a file whatever the path to it: device and inode (its hard links and a symbolic link to it give the
 * same); undefined when there is no file.
 */
export async function fileIdentity(file: string): Promise<string | undefined> {
  return identityOf(await fs.stat(file).catch(() => undefined));
}

/** {@link fileIdentity} as one synchronous call. */
export function fileIdentitySync(file: string): string | undefined {
  return identityOf(statSync(file, { throwIfNoEntry: false }));
}

const identityOf = (stat: { dev: number; ino: number } | undefined): string | undefined => (stat ? `${stat.dev}:${stat.ino}` : undefined);

/**
 * A stamp of what a file holds: device, inode, size, and modification and change times in nanoseconds. A write to
 * the file, or another file put under its name, gives another stamp: the change time is the kernel's, and no call
 * sets it back.
 */
export function fileStamp(stat: BigIntStats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}

/** The change time, in nanoseconds, that a file written in `directory` gets now (by the file system's own clock). */
function currentChangeTime(directory: string): bigint {
  const probe = temporarySibling(path.join(directory, 'clock'));
  writeFileSync(probe, '');
  try {
    return statSync(probe, { bigint: true }).ctimeNs;
  } finally {
    unlinkIfPresentSync(probe);
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * Waits until the file system's clock in `directory` has passed `changed` (a change time), which takes at most one
 * tick of that clock when it is coarse: a write after that to a file changed at `changed` is sure to give it another
 * {@link fileStamp}. False when the clock does not get there within `limitMs` (it was set back).
 */
export function changeClockPassed(directory: string, changed: bigint, limitMs = 1000): boolean {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (currentChangeTime(directory) > changed) return true;
    if (Date.now() >= deadline) return false;
    Atomics.wait(PAUSE, 0, 0, 1);
  }
}
