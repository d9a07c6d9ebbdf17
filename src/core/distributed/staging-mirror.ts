/**
 * The worker's copy of a run's staging repository: its database and the archives it lists, downloaded from the
 * coordinator (as the worker's user, role full) into `<root>/distributed-mirror/<run>/`, each archive checked
 * against the database's sha256. A local directory works for every pacman (inside a chroot too); archives already
 * there from an earlier job of the run are not fetched again, and mirrors of other runs are deleted.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { readSyncDatabase } from '../alpm/sync-database.js';
import { parsePackageFileName } from '../alpm/validation.js';
import { temporarySibling } from '../atomic-file.js';
import type { LocalRepository } from '../build/drivers/request.js';
import { InvalidInputError } from '../errors.js';
import type { WebTransport } from '../status/web-transport.js';
import type { BuildJob } from './job.js';
import { stagingRepositoryName } from './staging-repository.js';

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

export async function mirrorStagingRepository(transport: WebTransport, paths: RepositoryPaths, job: BuildJob): Promise<LocalRepository> {
  const name = stagingRepositoryName(job.repository.name);
  const query = `architecture=${encodeURIComponent(job.repository.architecture)}&repository=${encodeURIComponent(job.repository.name)}`;
  const url = (file: string): string => `/api/v1/distributed/runs/${job.run}/repository/${encodeURIComponent(file)}?${query}`;
  const mirrors = path.join(paths.root, 'distributed-mirror');
  for (const entry of await fs.readdir(mirrors).catch(() => [])) {
    if (entry !== job.run) await fs.rm(path.join(mirrors, entry), { recursive: true, force: true });
  }
  const directory = path.join(mirrors, job.run);
  await fs.mkdir(directory, { recursive: true });
  const fetchInto = async (file: string): Promise<string> => {
    const target = path.join(directory, file);
    const temporary = temporarySibling(target);
    try {
      await transport.download(url(file), temporary);
      return temporary;
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  };
  const database = path.join(directory, `${name}.db`);
  await fs.rename(await fetchInto(`${name}.db`), database);
  for (const entry of await readSyncDatabase(database)) {
    // a plain package file name, never a path: it is joined to the mirror directory
    parsePackageFileName(entry.fileName);
    const target = path.join(directory, entry.fileName);
    if (await fs.access(target).then(() => true, () => false)) continue;
    const temporary = await fetchInto(entry.fileName);
    const found = await sha256(temporary);
    if (found !== entry.sha256) {
      await fs.rm(temporary, { force: true });
      throw new InvalidInputError(`${entry.fileName} of the staging repository of run ${job.run} has sha256 ${found}, its database says ${entry.sha256}`);
    }
    await fs.rename(temporary, target);
  }
  return { name, directory };
}
