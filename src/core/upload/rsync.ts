/**
 * `rsync` upload: mirrors the repository directory to `remote` (a local path, `host:path`, `user@host:path` or an
 * rsync daemon URL). Like the reference, the directory is passed without a trailing slash, so the mirror holds
 * `<remote>/<arch>/`.
 *
 * Two runs of the configured command keep the mirror readable throughout:
 * 1. everything but the databases, with every remote file protected from deletion;
 * 2. everything, which now only sends the databases and deletes what the repository no longer has.
 * Both copy links as the files they point at (`--copy-links` is always added: the repository's packages are links
 * into `archive/`, the databases links into the hidden generation directory `.db/`, which the mirror does not need)
 * and leave out hidden names (that directory, temporary files), and keep modification times (`--times`: a newer
 * database must look newer to pacman). The default options also move files into place only at the end of a run and
 * delete only after that.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod/mini';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { callOptions, option, retryPolicyOf } from '../configuration/schema.js';
import { AhrimanError, ProcessError } from '../errors.js';
import { getLogger } from '../log/logger.js';
import { run } from '../process.js';
import { withRetries } from '../retry.js';
import { SNAPSHOTS_DIRECTORY, SnapshotStore } from '../snapshots/store.js';
import { isDatabaseFile, type UploadSource } from './files.js';

export const DEFAULT_RSYNC_COMMAND = [
  'rsync',
  '--archive',
  '--compress',
  '--partial',
  '--delay-updates',
  '--delete-after',
  // an I/O timeout (no data for this long), not a limit on the whole transfer
  '--timeout=300',
];

export const rsyncSchema = z.object({
  command: z._default(option.list(), DEFAULT_RSYNC_COMMAND),
  remote: option.string(),
  // a whole run (not the I/O timeout of the command): rsync ends only when the transfer does
  ...callOptions({ timeout: 3600, maxRetries: 2, retryBackoff: 5 }),
});

export type RsyncSettings = z.output<typeof rsyncSchema>;

const logger = getLogger('upload');

/** Exclusions for the first run: the repository's databases, anchored to the transfer root (`/<arch>/<name>`). */
async function databaseExclusions(paths: RepositoryPaths): Promise<string[]> {
  const names = await fs.readdir(paths.repository);
  const root = path.basename(paths.repository);
  return names.filter((name) => isDatabaseFile(name, paths.repositoryId.name)).map((name) => `--exclude=/${root}/${name}`);
}

/**
 * rsync's exit codes for failures that may pass (socket and protocol errors, its own time-outs, ssh failures);
 * killed at our time limit (no exit code) counts too.
 */
const TRANSIENT_EXIT_CODES = new Set([10, 12, 30, 35, 255]);

class RsyncError extends AhrimanError {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

/** Where a run sends `directory`, and how it treats links (see the module comment and {@link uploadRsyncSnapshots}). */
interface Transfer {
  destination: string;
  links: '--copy-links' | '--copy-unsafe-links';
  /** The transfer root's name in filter rules: `/<dir>` for a source without a trailing slash, '' for one with. */
  anchor: string;
}

async function rsync(settings: RsyncSettings, options: readonly string[], directory: string, transfer?: Transfer): Promise<void> {
  const { destination, links, anchor } = transfer ?? { destination: settings.remote, links: '--copy-links', anchor: `/${path.basename(directory)}` };
  const [executable, ...arguments_] = settings.command;
  if (executable === undefined) throw new AhrimanError('rsync: command is empty');
  const attempt = async (): Promise<void> => {
    try {
      const hidden = `--exclude=${anchor}/.*`;
      await run(executable, [...arguments_, links, '--times', hidden, ...options, directory, destination], { timeoutMs: settings.timeout * 1000 });
    } catch (error) {
      if (!(error instanceof ProcessError)) throw error;
      const timedOut = /timed out after \d+ ms/.exec(error.message)?.[0];
      const reason = [timedOut, error.stderr.trim().split('\n').slice(-3).join('; ')].filter(Boolean).join(': ') || error.message;
      const code = error.exitCode === null ? '' : ` (exit code ${error.exitCode})`;
      const transient = error.exitCode === null || TRANSIENT_EXIT_CODES.has(error.exitCode);
      throw new RsyncError(`rsync to ${settings.remote} failed${code}: ${reason}`, transient);
    }
  };
  const retryable = (error: unknown) => error instanceof RsyncError && error.transient;
  await withRetries(retryPolicyOf(settings), { what: `rsync to ${settings.remote}`, retryable }, attempt);
}

export async function uploadRsync(settings: RsyncSettings, { paths }: UploadSource): Promise<void> {
  const directory = paths.repository;
  // the snapshots' own directory on the mirror is no stale file of the repository
  const snapshots = `--exclude=/${path.basename(directory)}/${SNAPSHOTS_DIRECTORY}`;
  logger.info(`rsync ${directory} to ${settings.remote}: packages`);
  await rsync(settings, ['--filter=P *', snapshots, ...(await databaseExclusions(paths))], directory);
  logger.info(`rsync ${directory} to ${settings.remote}: databases, stale files removed`);
  await rsync(settings, [snapshots], directory);
  await uploadRsyncSnapshots(settings, paths);
}

/**
 * The snapshots, to `<remote>/<arch>/snapshots/`, in two runs: the snapshot directories (their packages copied, the
 * links between names inside the tree kept) with pointers left out and nothing deleted; then everything, which now
 * moves the pointers (rsync replaces a link under a temporary name, then renames it) and deletes purged snapshots.
 */
async function uploadRsyncSnapshots(settings: RsyncSettings, paths: RepositoryPaths): Promise<void> {
  const directory = paths.snapshots;
  const pointers = await new SnapshotStore(paths).pointers();
  if (pointers.size === 0) return;
  const destination = `${settings.remote.replace(/\/+$/, '')}/${paths.repositoryId.architecture}/${SNAPSHOTS_DIRECTORY}/`;
  const transfer: Transfer = { destination, links: '--copy-unsafe-links', anchor: '' };
  logger.info(`rsync ${directory} to ${destination}: snapshots`);
  await rsync(settings, ['--mkpath', '--filter=P *', ...[...pointers.keys()].map((name) => `--exclude=/${name}`)], `${directory}/`, transfer);
  logger.info(`rsync ${directory} to ${destination}: pointers, purged snapshots removed`);
  await rsync(settings, ['--mkpath'], `${directory}/`, transfer);
}
