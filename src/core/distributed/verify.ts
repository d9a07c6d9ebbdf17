import fs from 'node:fs/promises';
import path from 'node:path';
import type { PackageMetadata } from '../../models/package-metadata.js';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { readPackageArchive } from '../alpm/package-archive.js';
import { temporarySibling } from '../atomic-file.js';
import { AhrimanError, errorMessage } from '../errors.js';
import { type BuildJob, type BuildOutcome, buildOutcomeSchema, parsePayload } from './job.js';
import { runStaging } from './staging.js';
import type { StagedArchive } from './staging-repository.js';

/** An upload that does not match its job: the package fails, nothing of it is published. */
export class RefusedArchiveError extends AhrimanError {}

/** What is wrong with an uploaded archive compared with its job and what its worker reported, or undefined. */
function mismatch(job: BuildJob, reported: BuildOutcome['archives'][number], found: PackageMetadata, architecture: string): string | undefined {
  if (found.sha256 !== reported.sha256) return `its sha256 ${found.sha256} is not the ${reported.sha256} the worker reported`;
  if (found.base !== job.base) return `it belongs to package base ${found.base}, the job built ${job.base}`;
  if (!job.packages.includes(found.name) && found.name !== `${job.base}-debug`) return `package ${found.name} is not one of ${job.packages.join(', ')}`;
  if (found.name !== reported.name) return `it holds ${found.name}, the worker reported ${reported.name}`;
  if (found.version !== job.version) return `its version ${found.version} is not the job's ${job.version}`;
  if (found.architecture !== architecture && found.architecture !== 'any') return `its architecture ${found.architecture} is not ${architecture} or any`;
  return undefined;
}

/**
 * Checks every archive a worker reported for a job against the job and the uploaded bytes (read in full: name,
 * base, version, architecture, sha256), then copies them into `packages/`, where the one publish of the run takes
 * them. Any mismatch refuses the whole job with one line naming the file, the worker and what differs.
 */
export async function acceptOutcome(paths: RepositoryPaths, job: BuildJob, value: unknown): Promise<{ outcome: BuildOutcome; archives: StagedArchive[] }> {
  const outcome = parsePayload(buildOutcomeSchema, value, `outcome of ${job.base}`);
  const staging = runStaging(paths, job.run, job.base);
  const accepted: StagedArchive[] = [];
  for (const archive of outcome.archives) {
    const file = path.join(staging, archive.file);
    let found: PackageMetadata;
    try {
      found = await readPackageArchive(file);
    } catch (error) {
      throw new RefusedArchiveError(`refused ${archive.file} from worker ${outcome.worker}: ${errorMessage(error)}`);
    }
    const problem = mismatch(job, archive, found, paths.repositoryId.architecture);
    if (problem !== undefined) throw new RefusedArchiveError(`refused ${archive.file} from worker ${outcome.worker}: ${problem}`);
    accepted.push({ file, metadata: found });
  }
  await fs.mkdir(paths.packages, { recursive: true });
  for (const { file } of accepted) {
    const target = path.join(paths.packages, path.basename(file));
    const temporary = temporarySibling(target);
    await fs.copyFile(file, temporary);
    await fs.rename(temporary, target);
  }
  return { outcome, archives: accepted };
}
