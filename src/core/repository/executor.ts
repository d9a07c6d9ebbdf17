import fs from 'node:fs/promises';
import path from 'node:path';
import type { PackageRecord } from '../../models/package-record.js';
import type { PkgbuildPatch } from '../../models/patch.js';
import { type Result, emptyResult } from '../../models/result.js';
import { applyPatches } from '../build/patches.js';
import { nextPkgrel, pkgrelPatch } from '../build/pkgrel.js';
import { prepareBuildDirectory } from '../build/sources.js';
import { mapLimit } from '../concurrency.js';
import { LogWriter } from '../database/operations/log-writer.js';
import { errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import { type TreeNode, resolveLevels } from '../tree.js';
import { recordBuiltSource } from './changes.js';
import { publishStaged, recoverPublish } from './publish.js';
import { recordDependencies, recordProvides } from './records.js';
import type { RepositoryServices } from './services.js';

export interface BuildOptions {
  /** Bump pkgrel when the version to build is not newer than the repository's (`--increment`). */
  increment: boolean;
  /** Extra patches per base for this run only. */
  patches?: Map<string, PkgbuildPatch[]>;
}

const logger = getLogger('executor');
const now = (): number => Date.now() / 1000;

/** Builds one base into `packages/<repo>/<arch>/`; returns the version built. Throws with the reason on failure. */
async function buildOne(services: RepositoryServices, record: PackageRecord, currentVersion: string | undefined, options: BuildOptions, log: LogWriter): Promise<string> {
  const { settings, sources, state, paths } = services;
  const checkout = await sources.checkout(record.base, record.remote);
  const workspace = await fs.mkdtemp(path.join(paths.buildWorkspaces, `${record.base}-`));
  try {
    const directory = path.join(workspace, record.base);
    await prepareBuildDirectory(checkout, directory);
    let version = (await sources.info(directory)).version;
    const patches = [...((await state.patches.patchesList(record.base)).get(record.base) ?? []), ...(options.patches?.get(record.base) ?? [])];
    const bumped = options.increment ? nextPkgrel(currentVersion, version) : undefined;
    if (bumped) {
      patches.push(pkgrelPatch(bumped));
      version = `${version.slice(0, version.lastIndexOf('-'))}-${bumped}`;
      logger.info(`${record.base}: ${currentVersion} is already in the repository, building release ${bumped}`);
    }
    await applyPatches(directory, patches);
    await state.logs.logsRemove(record.base, version);
    const onLine = (message: string): void => log.write({ packageBase: record.base, version, processId: services.processId, created: now(), message });
    const driver = await settings.driver();
    await driver.build({
      directory,
      packageBase: record.base,
      outputDirectory: paths.packages,
      packager: record.packager ?? settings.packager,
      makeFlags: settings.makeFlags,
      makepkgFlags: settings.makepkgFlags,
      user: settings.user,
      includeDebug: settings.includeDebug,
      timeoutMs: settings.buildTimeoutMs,
      onLine,
    });
    await recordBuiltSource(state, record.base, checkout);
    return version;
  } finally {
    await fs.rm(workspace, { recursive: true, force: true });
  }
}

function treeNode(record: PackageRecord): TreeNode {
  return { base: record.base, provides: recordProvides(record), dependencies: recordDependencies(record) };
}

/**
 * Builds the bases level by level (up to `[build] parallel_jobs` of a level at once), skipping those whose
 * dependencies failed, then publishes every built or waiting archive with ONE database commit (publish.ts), which
 * also records the published bases in state. The queue entry of a base is cleared only with the state update of
 * its publish, so an interrupted run leaves the work queued or journaled for the next one.
 */
export async function buildAndPublish(
  services: RepositoryServices,
  records: PackageRecord[],
  unresolvable: Map<string, string>,
  options: BuildOptions,
): Promise<Result> {
  const { state } = services;
  // builds write into staging: a publish an interrupted run journaled must be finished before they do
  await recoverPublish(services);
  const result = emptyResult();
  const known = new Map((await state.packages.listPackages()).map((item) => [item.package.base, item.package]));
  const served = await services.publisher.baseVersions();
  const tree = resolveLevels(records.filter((record) => !unresolvable.has(record.base)).map(treeNode));
  const failedReasons = new Map([...unresolvable, ...tree.unresolvable]);
  const byBase = new Map(records.map((record) => [record.base, record]));
  const built = new Map<string, { version: string; duration: number }>();
  const log = new LogWriter(state.logs);

  await state.database.transaction(async () => {
    for (const base of byBase.keys()) if (!known.has(base)) await state.packages.upsertPackage(byBase.get(base)!);
  });
  try {
    for (const level of tree.levels) {
      await mapLimit(level, services.settings.parallelJobs, async (base) => {
        const record = byBase.get(base)!;
        const blocker = recordDependencies(record)
          .map((dependency) => records.find((other) => recordProvides(other).includes(dependency)))
          .find((other) => other && other.base !== base && failedReasons.has(other.base));
        if (blocker) {
          failedReasons.set(base, `dependency ${blocker.base} failed`);
          return;
        }
        const started = now();
        await state.packages.updateStatus(base, 'building');
        try {
          const version = await buildOne(services, record, served.get(base), options, log);
          built.set(base, { version, duration: now() - started });
        } catch (error) {
          failedReasons.set(base, errorMessage(error));
          logger.error(`${base}: ${errorMessage(error)}`);
        }
      });
    }
  } finally {
    await log.close();
  }

  const published = await publishStaged(services, Object.fromEntries([...built].map(([base, build]) => [base, build.duration])));
  const succeeded = new Set(result.success.map((item) => item.base));
  for (const entry of published.added) {
    if (succeeded.has(entry.base)) continue;
    succeeded.add(entry.base);
    result.success.push({ base: entry.base, version: entry.version, duration: built.get(entry.base)?.duration ?? 0 });
  }
  result.errors.push(...published.rejected.map((line) => `rejected ${line}`));
  await state.database.transaction(async () => {
    for (const [base, reason] of failedReasons) {
      const version = byBase.get(base)?.version ?? '';
      result.failed.push({ base, version, reason });
      await state.packages.updateStatus(base, 'failed');
      await state.events.eventInsert({ event: 'package-update-failed', objectId: base, message: reason, created: Math.floor(now()), data: { version } });
    }
  });
  result.removed = published.removed.filter((entry) => !published.added.some((added) => added.name === entry.name)).map((entry) => entry.name);
  return result;
}

