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
import { z } from 'zod';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { option } from '../configuration/schema.js';
import { AhrimanError, ProcessError } from '../errors.js';
import { getLogger } from '../log/logger.js';
import { run } from '../process.js';
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
  command: option.list().default(DEFAULT_RSYNC_COMMAND),
  remote: option.string(),
});

export type RsyncSettings = z.output<typeof rsyncSchema>;

const logger = getLogger('upload');

/** Exclusions for the first run: the repository's databases, anchored to the transfer root (`/<arch>/<name>`). */
async function databaseExclusions(paths: RepositoryPaths): Promise<string[]> {
  const names = await fs.readdir(paths.repository);
  const root = path.basename(paths.repository);
  return names.filter((name) => isDatabaseFile(name, paths.repositoryId.name)).map((name) => `--exclude=/${root}/${name}`);
}

async function rsync(settings: RsyncSettings, options: readonly string[], directory: string): Promise<void> {
  const [executable, ...arguments_] = settings.command;
  if (executable === undefined) throw new AhrimanError('rsync: command is empty');
  try {
    const hidden = `--exclude=/${path.basename(directory)}/.*`;
    await run(executable, [...arguments_, '--copy-links', '--times', hidden, ...options, directory, settings.remote]);
  } catch (error) {
    if (!(error instanceof ProcessError)) throw error;
    const reason = error.stderr.trim().split('\n').slice(-3).join('; ') || error.message;
    const code = error.exitCode === null ? '' : ` (exit code ${error.exitCode})`;
    throw new AhrimanError(`rsync to ${settings.remote} failed${code}: ${reason}`, { cause: error });
  }
}

export async function uploadRsync(settings: RsyncSettings, { paths }: UploadSource): Promise<void> {
  const directory = paths.repository;
  logger.info(`rsync ${directory} to ${settings.remote}: packages`);
  await rsync(settings, ['--filter=P *', ...(await databaseExclusions(paths))], directory);
  logger.info(`rsync ${directory} to ${settings.remote}: databases, stale files removed`);
  await rsync(settings, [], directory);
}
