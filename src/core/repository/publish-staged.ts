/**
 * Steps 1 and 2 of a publish (publish.ts) for the archives waiting in staging: the intake reads and validates each
 * one, and the plan takes the newest archive of each package that the database does not serve already. Kept apart
 * from the steps every publish shares, so that a removal loads no archive reader.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PackageMetadata } from '../../models/package-metadata.js';
import { vercmp } from '../alpm/vercmp.js';
import { isPackageFileName } from '../alpm/validation.js';
import { ARCHIVE_READS_IN_FLIGHT, mapLimit } from '../concurrency.js';
import { errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import { ValidatedArchives, checkSignature, inspectArchive, nonRegularReason } from './intake.js';
import { IntakeWorkers } from './intake-workers.js';
import { type PublishOutcome, type PublishServices, executePlan, recoverPublish } from './publish.js';
import type { ServedIndex } from './publisher.js';
import type { PublishRun } from '../snapshots/publish-step.js';

const logger = getLogger('publisher');

/** Moves a rejected archive (and its signature) out of staging into `rejected/`, where nothing scans it. */
async function setAside(staging: string, name: string): Promise<void> {
  const rejected = path.join(staging, 'rejected');
  await fs.mkdir(rejected, { recursive: true });
  for (const file of [name, `${name}.sig`]) {
    await fs.rename(path.join(staging, file), path.join(rejected, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

/** Step 1: the staged archives that pass validation; the others are set aside, each named with its reason. */
async function intake(services: PublishServices): Promise<{ accepted: PackageMetadata[]; rejected: string[] }> {
  const staging = services.paths.packages;
  const entries = await fs.readdir(staging, { withFileTypes: true }).catch(() => []);
  const names = new Set(entries.map((entry) => entry.name));
  const listing = entries.filter((entry) => !entry.name.startsWith('.') && isPackageFileName(entry.name));
  const rejected: string[] = [];
  const validated = new ValidatedArchives(listing.length > 0 ? await services.state.archiveMetadata.metadataList() : []);
  // archives package-add validated need a hash here, the others (built ones) a full read: many go to worker threads
  const workers = IntakeWorkers.forArchives(listing.filter((entry) => !validated.named(entry.name)).length);
  const checked = await mapLimit(listing, workers?.capacity ?? ARCHIVE_READS_IN_FLIGHT, async (entry) => {
    const file = path.join(staging, entry.name);
    try {
      const reason = nonRegularReason(entry);
      if (reason) return `${file}: ${reason}`;
      await checkSignature(file, names);
      const options = { architecture: services.paths.repositoryId.architecture };
      if (workers && !validated.named(entry.name)) return await workers.inspect(file, options);
      return await inspectArchive(file, { ...options, validated });
    } catch (error) {
      return errorMessage(error);
    }
  }).finally(() => workers?.close());
  const accepted: PackageMetadata[] = [];
  for (const [position, outcome] of checked.entries()) {
    if (typeof outcome !== 'string') {
      accepted.push(outcome);
      continue;
    }
    await setAside(staging, listing[position]!.name);
    logger.error(`rejected ${outcome}`);
    rejected.push(outcome);
  }
  return { accepted, rejected };
}

/**
 * Step 2 for staged archives: the newest archive of each package name, unless the database serves that very file
 * already; the others only need their staged copies deleted.
 */
function planArchives(index: ServedIndex, accepted: readonly PackageMetadata[]): { added: PackageMetadata[]; discarded: string[] } {
  const newest = new Map<string, PackageMetadata>();
  for (const metadata of accepted) {
    const other = newest.get(metadata.name);
    if (!other || vercmp(metadata.version, other.version) > 0) newest.set(metadata.name, metadata);
  }
  const added = [...newest.values()].filter((metadata) => {
    const served = index.get(metadata.name);
    return !(served?.fileName === metadata.fileName && served.sha256 === metadata.sha256);
  });
  const discarded = accepted.filter((metadata) => !added.includes(metadata)).map((metadata) => metadata.fileName);
  return { added, discarded };
}

/**
 * Publishes every archive waiting in staging (steps 0-8), recording `durations` in the events of built bases. Runs
 * whenever something is staged or journaled, whether or not anything was built.
 */
export async function publishStaged(services: PublishServices, durations: Record<string, number> = {}, run?: PublishRun): Promise<PublishOutcome> {
  const recovered = await recoverPublish(services);
  const { accepted, rejected } = await intake(services);
  const index = await services.publisher.index();
  const { added, discarded } = planArchives(index, accepted);
  for (const name of discarded) logger.info(`${name} is already served or superseded by a newer staged archive`);
  let outcome: PublishOutcome = { added: [], removed: [], rejected };
  if (added.length > 0) outcome = { ...(await executePlan(services, { added, remove: [], forget: [], durations, run })), rejected };
  else await services.publisher.initialize();
  await services.publisher.cleanup(await services.publisher.index(), [], discarded, []);
  if (!recovered) return outcome;
  return { added: [...recovered.added, ...outcome.added], removed: [...recovered.removed, ...outcome.removed], rejected, snapshot: outcome.snapshot ?? recovered.snapshot };
}
