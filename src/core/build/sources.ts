/**
 * Where the PKGBUILD of a package base lives between builds: `cache/<base>`, always a git repository, either a
 * checkout of a remote (AUR, official packaging repositories, any git URL) or a local PKGBUILD directory imported
 * as commits. A build never runs in the cache itself: it gets a fresh copy without `.git`.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { temporarySibling } from '../atomic-file.js';
import { AhrimanError, InvalidInputError, ProcessError, errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import { run, type RunOptions, type SystemUser } from '../process.js';
import type { RemoteSource } from '../../models/package-source.js';

const logger = getLogger('sources');

const DEFAULT_BRANCH = 'master';
const DEFAULT_FETCH_TIMEOUT_MS = 300_000;
/** A transfer that moved no data for this long (or for the whole timeout, when shorter) is abandoned. */
const STALL_LIMIT_MS = 60_000;
const LOCAL_GIT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_RETRY_DELAY_MS = 1_000;
/** Commits we create are ours, never signed with whatever key the host's git configuration names. */
const COMMIT_IDENTITY = ['-c', 'user.name=ahriman', '-c', 'user.email=ahriman@localhost', '-c', 'commit.gpgsign=false'];
/** What a local `makepkg` run leaves next to a PKGBUILD: never part of the package's sources. */
const BUILD_LEFTOVER_DIRECTORIES = new Set(['.git', 'src', 'pkg']);
const PACKAGE_ARCHIVE_MARKER = '.pkg.tar';

export interface FetchOptions {
  /** Limit for one clone or fetch attempt. */
  timeoutMs?: number;
  /** Further attempts after a failed one (network hiccups), with a growing pause in between. */
  maxRetries?: number;
  retryDelayMs?: number;
}

/** A clone or fetch failed: network, missing repository or branch, time limit. */
export class SourceFetchError extends AhrimanError {}

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
  const attempts = 1 + (options.maxRetries ?? DEFAULT_MAX_RETRIES);
  const retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const remoteGit = remoteGitRunner(url, options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS);

  for (let attempt = 1; ; attempt++) {
    try {
      if (existsSync(path.join(target, '.git'))) await updateCheckout(remoteGit, url, branch, target);
      else await cloneCheckout(remoteGit, url, branch, target);
      break;
    } catch (error) {
      if (attempt >= attempts || !(error instanceof SourceFetchError)) throw error;
      logger.warning(`${errorMessage(error)}; retrying (attempt ${attempt + 1} of ${attempts})`);
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt));
    }
  }

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

  const git = localGitRunner(target);
  await git('add', '--all');
  const hasHead = (await run('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: target, allowFailure: true })).code === 0;
  const unchanged = hasHead && (await run('git', ['diff', '--cached', '--quiet'], { cwd: target, allowFailure: true })).code === 0;
  if (!unchanged) {
    await git(...COMMIT_IDENTITY, 'commit', '--quiet', '--no-verify', '--message', `Import ${path.resolve(directory)}`);
    logger.info(`imported ${directory} into ${target}`);
  }
  // Files the imported .gitignore excludes stay out of the repository and out of every build.
  await git('clean', '-ffdx', '--quiet');
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

/** A URL as it may appear in a log or an error: credentials replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '***';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url; // not a URL (e.g. scp-like `host:path`): nothing secret in it
  }
}

type GitRunner = (...args: string[]) => Promise<string>;

async function cloneCheckout(remoteGit: GitRunner, url: string, branch: string, target: string): Promise<void> {
  if (existsSync(target)) {
    if ((await fs.readdir(target)).length > 0) {
      throw new InvalidInputError(`cannot clone into ${target}: it exists and is not a git repository`);
    }
    await fs.rmdir(target);
  }
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temporary = temporarySibling(target);
  const clone = (...extra: string[]) =>
    remoteGit('clone', '--quiet', '--single-branch', '--branch', branch, ...extra, '--', url, temporary);
  try {
    logger.info(`cloning ${redactUrl(url)} (branch ${branch}) into ${target}`);
    try {
      await clone('--depth', '1');
    } catch (error) {
      // Git's dumb HTTP transport cannot make shallow clones; such repositories are small enough to clone whole.
      if (!(error instanceof SourceFetchError) || !error.message.includes('does not support shallow')) throw error;
      await fs.rm(temporary, { recursive: true, force: true });
      await clone();
    }
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

async function updateCheckout(remoteGit: GitRunner, url: string, branch: string, target: string): Promise<void> {
  const git = localGitRunner(target);
  logger.info(`fetching ${redactUrl(url)} (branch ${branch}) into ${target}`);
  // The package's source may have moved since the last fetch.
  await git('remote', 'set-url', 'origin', url);
  const shallow = (await git('rev-parse', '--is-shallow-repository')).trim() === 'true';
  const trackingRef = `refs/remotes/origin/${branch}`;
  await remoteGit('-C', target, 'fetch', '--quiet', ...(shallow ? ['--depth', '1'] : []), 'origin', `+refs/heads/${branch}:${trackingRef}`);
  await git('reset', '--quiet', '--hard', trackingRef);
  await git('clean', '-ffdx', '--quiet');
}

/**
 * Runs git against a remote: bounded in time, never prompting for credentials, and never naming them in errors.
 * Git's own stall limit for HTTP matters: git leaves its transport helper running when it is killed, so the
 * subprocess time limit alone cannot end a transfer from a server that stopped answering.
 */
function remoteGitRunner(url: string, timeoutMs: number): GitRunner {
  const redacted = redactUrl(url);
  const hide = (text: string) => text.split(url).join(redacted);
  const stallSeconds = Math.max(1, Math.ceil(Math.min(timeoutMs, STALL_LIMIT_MS) / 1000));
  const stallLimit = ['-c', 'http.lowSpeedLimit=1', '-c', `http.lowSpeedTime=${stallSeconds}`];
  return async (...args) => {
    const options: RunOptions = { timeoutMs, env: { GIT_TERMINAL_PROMPT: '0' } };
    try {
      return (await run('git', [...stallLimit, ...args], options)).stdout;
    } catch (error) {
      if (!(error instanceof ProcessError)) throw error;
      const timedOut = /timed out after \d+ ms/.exec(error.message)?.[0];
      const reason = [timedOut, error.stderr.trim()].filter(Boolean).join(': ') || error.message;
      throw new SourceFetchError(`git ${args.find((arg) => arg === 'clone' || arg === 'fetch')} of ${redacted} failed: ${hide(reason)}`);
    }
  };
}

function localGitRunner(repository: string): GitRunner {
  return async (...args) => (await run('git', args, { cwd: repository, timeoutMs: LOCAL_GIT_TIMEOUT_MS })).stdout;
}

async function headCommit(repository: string): Promise<string> {
  return (await localGitRunner(repository)('rev-parse', 'HEAD')).trim();
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
  await run('git', ['init', '--quiet', '--initial-branch', DEFAULT_BRANCH, target], { timeoutMs: LOCAL_GIT_TIMEOUT_MS });
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
  return isDirectory ? BUILD_LEFTOVER_DIRECTORIES.has(name) : name.includes(PACKAGE_ARCHIVE_MARKER);
}

async function changeOwner(root: string, owner: SystemUser): Promise<void> {
  await fs.lchown(root, owner.uid, owner.gid);
  for (const entry of await fs.readdir(root, { withFileTypes: true })) {
    const file = path.join(root, entry.name);
    if (entry.isDirectory()) await changeOwner(file, owner);
    else await fs.lchown(file, owner.uid, owner.gid);
  }
}
