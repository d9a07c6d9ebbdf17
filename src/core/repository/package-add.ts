import { type BigIntStats, copyFileSync, createWriteStream, existsSync, renameSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { PackageMetadata, ValidatedArchive } from '../../models/package-metadata.js';
import type { PkgbuildPatch } from '../../models/patch.js';
import type { PackageRecord } from '../../models/package-record.js';
import type { PackageSource } from '../../models/package-source.js';
import type { AurPackage } from '../alpm/remote/aur.js';
import { readOfficialPackages, readOfficialSettings } from '../alpm/remote/official.js';
import { parsePackageFileName, validatePackageName } from '../alpm/validation.js';
import { changeClockPassed, fileStamp, temporarySibling, unlinkIfPresentSync } from '../atomic-file.js';
import { ARCHIVE_READS_IN_FLIGHT, mapLimit } from '../concurrency.js';
import { importLocal } from '../build/sources.js';
import { InvalidInputError } from '../errors.js';
import { fetchWithRetries } from '../http/client.js';
import { getLogger } from '../log/logger.js';
import { readAurSettings } from './build-settings.js';
import { checkSignature, inspectArchive, nonRegularReason } from './intake.js';
import { IntakeWorkers } from './intake-workers.js';
import { recoverPublish } from './publish.js';
import { recordFromAur, recordFromOfficial, recordFromPackageInfo } from './records.js';
import type { RepositoryServices } from './services.js';
import type { RepositoryState } from './state.js';

export interface AddOptions {
  source: PackageSource;
  /** `-v KEY=VALUE` patches stored for every added base. */
  patches: PkgbuildPatch[];
}

export interface AddResult {
  /** Bases put into the build queue. */
  queued: string[];
  /** Archives copied into `packages/<repo>/<arch>/`, published by the next update. */
  archives: string[];
  /** One line per archive refused by the intake (file and reason); the others are staged all the same. */
  rejected: string[];
}

const logger = getLogger('package-add');

/** Package-like file: not hidden, a `.pkg.` archive, not its signature. */
function isPackageFile(name: string): boolean {
  return !name.startsWith('.') && name.includes('.pkg.') && !name.endsWith('.sig');
}

/** The reference's `auto`: remote URL, local PKGBUILD directory, directory of archives, archive file, else the AUR. */
export function detectSource(target: string, services: RepositoryServices): Exclude<PackageSource, 'auto'> {
  if (/^(https?|ftp):\/\//.test(target) && isPackageFile(path.basename(new URL(target).pathname))) return 'remote';
  const isDirectory = existsSync(target) && statSync(target).isDirectory();
  if (isDirectory && existsSync(path.join(target, 'PKGBUILD'))) return 'local';
  if (isDirectory) return 'directory';
  if (existsSync(target) && statSync(target).isFile()) return 'archive';
  if (!target.includes('/') && existsSync(path.join(services.paths.cache, target, 'PKGBUILD'))) return 'local';
  return 'aur';
}

/**
 * Validates an archive (intake.ts) while copying it, in the same read, to a temporary name in the incoming
 * directory, then renames it (and its checked signature) into place. Its metadata is remembered by sha256, so the
 * publish accepts it after a read and a hash. Throws an {@link InvalidInputError} naming the file and the problem;
 * nothing is then staged.
 */
interface StageOptions {
  /** What errors call the archive (default: the file). */
  label?: string;
  /** Follow a symbolic link: only for an archive the user named. */
  follow: boolean;
  /** Collects the archives staged, with the state of their copies, remembered in one transaction at the end. */
  validated: StagedCopy[];
  /** The names of the file's directory, when listed already (see {@link checkSignature}). */
  listed?: ReadonlySet<string>;
  /** The worker threads that read the archive, when there are (else this thread does). */
  workers?: IntakeWorkers;
}

/** An archive validated while it was copied into staging, and the state of that copy once in place. */
interface StagedCopy {
  metadata: PackageMetadata;
  staged: BigIntStats | undefined;
}

/**
 * The validated archives with the stamps of their staged copies, which spare the publish a second read. Taken once
 * the file system's clock has passed the newest copy's change time: on a coarse clock, a write in the same tick as
 * a copy's last change would leave its stamp as it was (git's "racy" entries).
 */
function stampedCopies(staging: string, copies: readonly StagedCopy[]): ValidatedArchive[] {
  const changes = copies.flatMap(({ staged }) => (staged === undefined ? [] : [staged.ctimeNs]));
  const settled = changes.length > 0 && changeClockPassed(staging, changes.reduce((newest, change) => (change > newest ? change : newest)));
  return copies.map(({ metadata, staged }) => ({ metadata, stagedStamp: settled && staged !== undefined ? fileStamp(staged) : null }));
}

async function stageArchive(services: RepositoryServices, file: string, options: StageOptions): Promise<string> {
  const name = path.basename(file);
  const target = path.join(services.paths.packages, name);
  const temporary = temporarySibling(target);
  let renamed = false;
  try {
    const signed = await checkSignature(file, options.listed);
    const inspectOptions = { architecture: services.paths.repositoryId.architecture, label: options.label, follow: options.follow, copyTo: temporary };
    const metadata = await (options.workers ? options.workers.inspect(file, inspectOptions) : inspectArchive(file, inspectOptions));
    // synchronous calls: each is cheaper than a round trip through the thread pool
    if (signed) {
      copyFileSync(`${file}.sig`, `${temporary}.sig`);
      renameSync(`${temporary}.sig`, `${target}.sig`);
    } else {
      unlinkIfPresentSync(`${target}.sig`);
    }
    renameSync(temporary, target);
    renamed = true;
    options.validated.push({ metadata, staged: statSync(target, { bigint: true, throwIfNoEntry: false }) });
  } finally {
    if (!renamed) {
      unlinkIfPresentSync(temporary);
      unlinkIfPresentSync(`${temporary}.sig`);
    }
  }
  return target;
}

/**
 * Stages every archive of a directory. Only plain regular files are read: a symbolic link, FIFO or directory named
 * like an archive is rejected without being opened. Returns the staged archives and one line per rejected one.
 */
async function stageDirectory(services: RepositoryServices, directory: string, validated: StagedCopy[]): Promise<{ staged: string[]; rejected: string[] }> {
  const listing = await fs.readdir(directory, { withFileTypes: true });
  const listed = new Set(listing.map((entry) => entry.name));
  const entries = listing.filter((entry) => isPackageFile(entry.name)).sort((left, right) => (left.name < right.name ? -1 : 1));
  if (entries.length === 0) throw new InvalidInputError(`${directory} holds no package archives`);
  const workers = IntakeWorkers.forArchives(entries.length);
  const outcomes = await mapLimit(entries, workers?.capacity ?? ARCHIVE_READS_IN_FLIGHT, async (entry) => {
    const file = path.join(directory, entry.name);
    const reason = nonRegularReason(entry);
    if (reason) return { rejected: `${file}: ${reason}` };
    try {
      return { staged: await stageArchive(services, file, { follow: false, validated, listed, workers }) };
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      return { rejected: error.message };
    }
  }).finally(() => workers?.close());
  return {
    staged: outcomes.flatMap((outcome) => (outcome.staged ? [outcome.staged] : [])),
    rejected: outcomes.flatMap((outcome) => (outcome.rejected ? [outcome.rejected] : [])),
  };
}

async function downloadArchive(services: RepositoryServices, url: string, validated: StagedCopy[]): Promise<string> {
  const name = path.basename(new URL(url).pathname);
  parsePackageFileName(name);
  const response = await fetchWithRetries(url, {}, readAurSettings(services.configuration).policy);
  if (!response.ok || !response.body) throw new InvalidInputError(`cannot download ${url}: HTTP ${response.status}`);
  const download = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-download-'));
  try {
    const file = path.join(download, name);
    await pipeline(Readable.fromWeb(response.body as WebReadableStream), createWriteStream(file));
    return await stageArchive(services, file, { label: url, follow: false, validated });
  } finally {
    await fs.rm(download, { recursive: true, force: true });
  }
}

/** Puts a base into the build queue (and into state, when new), with the patches to apply to it. */
export async function queuePackage(state: RepositoryState, record: PackageRecord, patches: readonly PkgbuildPatch[] = []): Promise<void> {
  if ((await state.packages.listPackages(record.base)).length === 0) await state.packages.upsertPackage(record);
  await state.queue.queueInsert(record);
  for (const patch of patches) await state.patches.patchInsert(record.base, patch);
  logger.info(`${record.base} ${record.version} queued for the next update`);
}

/** Queues a base; a new one is announced to the status service too (status `unknown`), so the dashboard shows it. */
async function queueReported(services: RepositoryServices, record: PackageRecord, patches: readonly PkgbuildPatch[]): Promise<void> {
  if ((await services.state.packages.listPackages(record.base)).length === 0) await services.status.updatePackage(record, 'unknown');
  await queuePackage(services.state, record, patches);
}

/** A local target is a PKGBUILD directory, or the name of a base whose sources are already in the cache. */
function isPkgbuildDirectory(target: string): boolean {
  return existsSync(path.join(target, 'PKGBUILD'));
}

async function addLocal(services: RepositoryServices, directory: string, packager: string | null): Promise<PackageRecord> {
  const source = path.resolve(isPkgbuildDirectory(directory) ? directory : services.paths.cacheFor(directory));
  const info = await services.sources.info(source);
  validatePackageName(info.base, 'package base');
  await importLocal(source, services.paths.cacheFor(info.base));
  return recordFromPackageInfo(info, { source: 'local', gitUrl: null, webUrl: null, path: source, branch: null }, packager);
}

interface PlannedTarget {
  target: string;
  source: Exclude<PackageSource, 'auto'>;
}

/**
 * Where a target comes from, checked before anything is staged or queued: a name that is not a valid package name
 * (shell syntax, path tricks) or an archive name pacman would refuse fails the whole command, naming the target.
 */
function planTarget(services: RepositoryServices, target: string, requested: PackageSource): PlannedTarget {
  const source = requested === 'auto' ? detectSource(target, services) : requested;
  switch (source) {
    case 'aur':
      validatePackageName(target);
      break;
    case 'local':
      if (!isPkgbuildDirectory(target)) validatePackageName(target, 'package base');
      break;
    case 'archive':
      parsePackageFileName(path.basename(target));
      break;
    case 'remote':
      if (!URL.canParse(target)) throw new InvalidInputError(`${target} is not a URL`);
      parsePackageFileName(path.basename(new URL(target).pathname));
      break;
    case 'repository':
      validatePackageName(target);
      break;
  }
  return { target, source };
}

/**
 * `package-add`: puts archives into the incoming directory and PKGBUILD sources into the build queue. Every target
 * is checked first, and the AUR names looked up, so a bad or unknown one changes nothing.
 */
export async function addPackages(services: RepositoryServices, targets: string[], options: AddOptions): Promise<AddResult> {
  const planned = targets.map((target) => planTarget(services, target, options.source));
  const aurNames = planned.filter((item) => item.source === 'aur').map((item) => item.target);
  const found = aurNames.length > 0 ? await services.aur.info(aurNames) : new Map<string, AurPackage>();
  const missing = aurNames.filter((name) => !found.has(name));
  if (missing.length > 0) throw new InvalidInputError(`not found in the AUR: ${missing.join(', ')}`);
  const officialNames = planned.filter((item) => item.source === 'repository').map((item) => item.target);
  const official = officialNames.length > 0 ? await readOfficialPackages(readOfficialSettings(services.configuration, services.paths)) : undefined;
  const notOfficial = officialNames.filter((name) => !official?.has(name));
  if (notOfficial.length > 0) {
    throw new InvalidInputError(`not in the sync databases of [alpm] repositories: ${notOfficial.join(', ')} (download them with -y)`);
  }

  const result: AddResult = { queued: [], archives: [], rejected: [] };
  // staging a file a journaled publish still lists would change what that publish puts into the pool
  if (planned.some((item) => ['archive', 'directory', 'remote'].includes(item.source))) await recoverPublish(services);
  await fs.mkdir(services.paths.packages, { recursive: true });
  const validated: StagedCopy[] = [];
  const stageOne = async (stage: () => Promise<string>): Promise<void> => {
    try {
      result.archives.push(await stage());
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      result.rejected.push(error.message);
    }
  };
  for (const { target, source } of planned) {
    switch (source) {
      case 'archive':
        await stageOne(() => stageArchive(services, target, { follow: true, validated }));
        break;
      case 'directory': {
        const { staged, rejected } = await stageDirectory(services, target, validated);
        result.archives.push(...staged);
        result.rejected.push(...rejected);
        break;
      }
      case 'remote':
        await stageOne(() => downloadArchive(services, target, validated));
        break;
      case 'local': {
        const record = await addLocal(services, target, null);
        await queueReported(services, record, options.patches);
        result.queued.push(record.base);
        break;
      }
    }
  }
  await services.state.archiveMetadata.metadataInsert(stampedCopies(services.paths.packages, validated));
  for (const line of result.rejected) logger.error(`rejected ${line}`);
  for (const name of officialNames) {
    const record = recordFromOfficial(official!.get(name)!, null);
    await queueReported(services, record, options.patches);
    result.queued.push(record.base);
  }
  for (const aurPackage of new Map([...found.values()].map((item) => [item.packageBase, item])).values()) {
    const record = recordFromAur(services.aur, aurPackage, null);
    await queueReported(services, record, options.patches);
    result.queued.push(record.base);
  }
  return result;
}
