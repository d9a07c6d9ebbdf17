/**
 * Where the PKGBUILD of a package base lives between builds: `cache/<base>`, always a git repository, either a
 * checkout of a remote (AUR, official packaging repositories, any git URL) or a local PKGBUILD directory imported
 * as commits. A build never runs in the cache itself: it gets a fresh copy without `.git`.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { temporarySibling } from '../atomic-file.js';
import { isPackageFileName } from '../alpm/validation.js';
import { InvalidInputError } from '../errors.js';
import { cloneBranch, git, redactUrl } from '../git/git.js';
import { getLogger } from '../log/logger.js';
import type { SystemUser } from '../process.js';
import type { RetryPolicy } from '../retry.js';
import type { RemoteSource } from '../../models/package-source.js';

const logger = getLogger('sources');

const DEFAULT_BRANCH = 'master';
/** Commits we create are ours, never signed with whatever key the host's git configuration names. */
const COMMIT_IDENTITY = ['-c', 'user.name=ahriman', '-c', 'user.email=ahriman@localhost', '-c', 'commit.gpgsign=false'];
/** What a local `makepkg` run leaves next to a PKGBUILD: never part of the package's sources. */
const BUILD_LEFTOVER_DIRECTORIES = new Set(['.git', 'src', 'pkg']);

export interface FetchOptions {
  /** Limit for one clone or fetch attempt. */
  timeoutMs?: number;
  /** Further attempts after a failed one (network hiccups). */
  retry?: RetryPolicy;
}

/**
 * Makes `target` an exact checkout of `remote.branch` (default `master`) of `remote.gitUrl`: cloned the first time
 * (into a hidden sibling, renamed into place when complete), fetched and hard-reset later, with every untracked or
 * ignored file removed so nothing left behind by an earlier build leaks into the next. Returns the commit sha.
 */
export async function fetchRemote(remote: RemoteSource, target: string, options: FetchOptions = {}): Promise<string> {
  if (!remote.gitUrl) throw new InvalidInputError(`package source '${remote.source}' has no git URL to fetch from`);
  const url = remote.gitUrl;
  const branch = remote.branch ?? DEFAULT_BRANCH;
  const subdirectory = validateSubdirectory(remote.path);
  if (existsSync(path.join(target, '.git'))) await updateCheckout(url, branch, target, options);
  else await cloneCheckout(url, branch, target, options);

  const directory = path.join(target, subdirectory);
  if (!existsSync(path.join(directory, 'PKGBUILD'))) {
    throw new InvalidInputError(`${redactUrl(url)} (branch ${branch}) has no PKGBUILD in ${subdirectory === '.' ? 'its top directory' : subdirectory}`);
  }
  return headCommit(target);
}

/** The directory holding the PKGBUILD inside a checkout made by {@link fetchRemote}. */
export function pkgbuildDirectory(checkout: string, remote: RemoteSource): string {
  return path.join(checkout, validateSubdirectory(remote.path));
}

/**
 * Makes `target` a git repository holding the PKGBUILD directory `directory` (without a `.git` of its own, `src/`,
 * `pkg/` and built archives; files its `.gitignore` ignores are not imported either), committing when anything
 * changed since the last import, so changes can be detected and diffed. Returns the commit sha.
 */
export async function importLocal(directory: string, target: string): Promise<string> {
  if (!existsSync(path.join(directory, 'PKGBUILD'))) {
    throw new InvalidInputError(`${directory} is not a PKGBUILD directory: it has no PKGBUILD`);
  }
  await prepareImportTarget(target);
  const inPlace = (await fs.realpath(directory)) === (await fs.realpath(target));
  if (!inPlace) await mirrorDirectory(directory, target);

  const local = { cwd: target };
  await git(['add', '--all'], local);
  const hasHead = await git(['rev-parse', '--verify', '--quiet', 'HEAD'], local).then(() => true, () => false);
  const unchanged = hasHead && (await git(['diff', '--cached', '--quiet'], local).then(() => true, () => false));
  if (!unchanged) {
    await git([...COMMIT_IDENTITY, 'commit', '--quiet', '--no-verify', '--message', `Import ${path.resolve(directory)}`], local);
    logger.info(`imported ${directory} into ${target}`);
  }
  // Files the imported .gitignore excludes stay out of the repository and out of every build.
  await git(['clean', '-ffdx', '--quiet'], local);
  return headCommit(target);
}

/**
 * Copies a checkout (without `.git`) into `destination`, which is emptied first. With `owner`, the copy belongs to
 * that user, so an unprivileged build can write into it.
 */
export async function prepareBuildDirectory(source: string, destination: string, options: { owner?: SystemUser } = {}): Promise<void> {
  const gitDirectory = path.join(source, '.git');
  await fs.rm(destination, { recursive: true, force: true });
  await fs.mkdir(path.dirname(destination), { recursive: true });
  await fs.cp(source, destination, { recursive: true, verbatimSymlinks: true, filter: (file) => file !== gitDirectory });
  if (options.owner) await changeOwner(destination, options.owner);
}

async function cloneCheckout(url: string, branch: string, target: string, options: FetchOptions): Promise<void> {
  if (existsSync(target)) {
    if ((await fs.readdir(target)).length > 0) {
      throw new InvalidInputError(`cannot clone into ${target}: it exists and is not a git repository`);
    }
    await fs.rmdir(target);
  }
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temporary = temporarySibling(target);
  try {
    logger.info(`cloning ${redactUrl(url)} (branch ${branch}) into ${target}`);
    await cloneBranch(url, branch, temporary, options);
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

async function updateCheckout(url: string, branch: string, target: string, options: FetchOptions): Promise<void> {
  const local = { cwd: target };
  logger.info(`fetching ${redactUrl(url)} (branch ${branch}) into ${target}`);
  // The package's source may have moved since the last fetch.
  await git(['remote', 'set-url', 'origin', url], local);
  const shallow = (await git(['rev-parse', '--is-shallow-repository'], local)).trim() === 'true';
  const trackingRef = `refs/remotes/origin/${branch}`;
  const fetch = ['fetch', '--quiet', ...(shallow ? ['--depth', '1'] : []), 'origin', `+refs/heads/${branch}:${trackingRef}`];
  await git(fetch, { ...local, ...options, remote: url });
  await git(['reset', '--quiet', '--hard', trackingRef], local);
  await git(['clean', '-ffdx', '--quiet'], local);
}

async function headCommit(repository: string): Promise<string> {
  return (await git(['rev-parse', 'HEAD'], { cwd: repository })).trim();
}

/** The PKGBUILD's directory inside a repository: relative, and not escaping it. */
function validateSubdirectory(subdirectory: string | null): string {
  if (subdirectory === null || subdirectory === '') return '.';
  const normalized = path.posix.normalize(subdirectory);
  if (path.posix.isAbsolute(normalized) || normalized === '..' || normalized.startsWith('../')) {
    throw new InvalidInputError(`PKGBUILD path '${subdirectory}' must be a directory inside the git repository`);
  }
  return normalized;
}

/** An existing import target must be a git repository (or empty); a new one is initialised. */
async function prepareImportTarget(target: string): Promise<void> {
  if (existsSync(path.join(target, '.git'))) return;
  if (existsSync(target) && (await fs.readdir(target)).length > 0) {
    throw new InvalidInputError(`cannot import into ${target}: it exists and is not a git repository`);
  }
  await fs.mkdir(target, { recursive: true });
  await git(['init', '--quiet', '--initial-branch', DEFAULT_BRANCH, target]);
}

/** Replaces everything but `.git` in `target` by the sources found in `directory`, so deletions carry over too. */
async function mirrorDirectory(directory: string, target: string): Promise<void> {
  for (const entry of await fs.readdir(target)) {
    if (entry !== '.git') await fs.rm(path.join(target, entry), { recursive: true, force: true });
  }
  for (const entry of await fs.readdir(directory, { withFileTypes: true })) {
    if (isBuildLeftover(entry.name, entry.isDirectory())) continue;
    await fs.cp(path.join(directory, entry.name), path.join(target, entry.name), { recursive: true, verbatimSymlinks: true });
  }
}

function isBuildLeftover(name: string, isDirectory: boolean): boolean {
  return isDirectory ? BUILD_LEFTOVER_DIRECTORIES.has(name) : isPackageFileName(name, { signatures: true });
}

async function changeOwner(root: string, owner: SystemUser): Promise<void> {
  await fs.lchown(root, owner.uid, owner.gid);
  for (const entry of await fs.readdir(root, { withFileTypes: true })) {
    const file = path.join(root, entry.name);
    if (entry.isDirectory()) await changeOwner(file, owner);
    else await fs.lchown(file, owner.uid, owner.gid);
  }
}
