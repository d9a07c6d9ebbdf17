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
import { detectRebuilds } from '../rebuilds/detect.js';
import { BuildRecorder } from '../rebuilds/recorder.js';
import { errorMessage } from '../errors.js';
import type { PlannedBuild } from '../distributed/coordinator.js';
import { readDistributedSettings } from '../distributed/settings.js';
import { getLogger } from '../log/logger.js';
import { type TreeNode, resolveLevels } from '../tree.js';
import { recordBuiltSource } from './changes.js';
import { recoverPublish } from './publish.js';
import { publishStaged } from './publish-staged.js';
import { recordDependencies, recordProvides } from './records.js';
import type { RepositoryServices } from './services.js';

export interface BuildOptions {
  /** Bump pkgrel when the version to build is not newer than the repository's (`--increment`). */
  increment: boolean;
  /** Extra patches per base for this run only. */
  patches?: Map<string, PkgbuildPatch[]>;
  /** Why a base is rebuilt although its sources did not change (dependency changes), for its changelog. */
  rebuildReasons?: Map<string, string>;
}

const logger = getLogger('executor');
const now = (): number => Date.now() / 1000;

/**
 * The version a base is built at and the patches applied before: its stored patches, this run's, and a pkgrel bump
 * when the sources' version is already in the repository (`--increment`). The build drops the base's logs of other
 * versions (`status.client.logsRemove(base, version)`).
 */
async function planBuild(services: RepositoryServices, base: string, sourceVersion: string, currentVersion: string | undefined, options: BuildOptions): Promise<PlannedBuild> {
  const { state } = services;
  let version = sourceVersion;
  const patches = [...((await state.patches.patchesList(base)).get(base) ?? []), ...(options.patches?.get(base) ?? [])];
  const bumped = options.increment ? nextPkgrel(currentVersion, version) : undefined;
  if (bumped) {
    patches.push(pkgrelPatch(bumped));
    version = `${version.slice(0, version.lastIndexOf('-'))}-${bumped}`;
    logger.info(`${base}: ${currentVersion} is already in the repository, building release ${bumped}`);
  }
  return { version, patches };
}

/** Builds one base into `packages/<repo>/<arch>/`; returns the version built. Throws with the reason on failure. */
async function buildOne(
  services: RepositoryServices,
  record: PackageRecord,
  currentVersion: string | undefined,
  options: BuildOptions,
  log: LogWriter,
  recorder: BuildRecorder,
): Promise<string> {
  const { settings, sources, state, paths } = services;
  const checkout = await sources.checkout(record.base, record.remote);
  const workspace = await fs.mkdtemp(path.join(paths.buildWorkspaces, `${record.base}-`));
  try {
    const directory = path.join(workspace, record.base);
    await prepareBuildDirectory(checkout, directory);
    const { version, patches } = await planBuild(services, record.base, (await sources.info(directory)).version, currentVersion, options);
    await services.status.client.logsRemove(record.base, version);
    await applyPatches(directory, patches);
    const onLine = (message: string): void => log.write({ packageBase: record.base, version, processId: services.processId, created: now(), message });
    const driver = await settings.driver();
    const archives = await driver.build({
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
    await recorder.record(record.base, version, archives);
    const reason = options.rebuildReasons?.get(record.base);
    await recordBuiltSource(state, record.base, checkout, reason === undefined ? null : `rebuilt because dependencies changed: ${reason}\n`);
    return version;
  } finally {
    await fs.rm(workspace, { recursive: true, force: true });
  }
}

interface Built {
  version: string;
  duration: number;
}

/** Builds the levels here, up to `[build] parallel_jobs` bases of a level at once. */
async function buildLocally(
  services: RepositoryServices,
  levels: string[][],
  byBase: ReadonlyMap<string, PackageRecord>,
  run: {
    failed: Map<string, string>;
    blocker(base: string): string | undefined;
    known: ReadonlyMap<string, PackageRecord>;
    served: ReadonlyMap<string, string>;
    options: BuildOptions;
    recorder: BuildRecorder;
  },
): Promise<Map<string, Built>> {
  const built = new Map<string, Built>();
  // build output goes out in chunks (a few per second at most), to the web service while the build runs
  const log = new LogWriter({ logsInsert: (lines) => services.status.client.logsAdd(lines) });
  try {
    for (const level of levels) {
      await mapLimit(level, services.settings.parallelJobs, async (base) => {
        const blocker = run.blocker(base);
        if (blocker !== undefined) {
          run.failed.set(base, `dependency ${blocker} failed`);
          return;
        }
        const started = now();
        const record = byBase.get(base)!;
        await services.status.building(run.known.get(base) ?? record);
        try {
          const version = await buildOne(services, record, run.served.get(base), run.options, log, run.recorder);
          built.set(base, { version, duration: now() - started });
        } catch (error) {
          run.failed.set(base, errorMessage(error));
          logger.error(`${base}: ${errorMessage(error)}`);
        }
      });
    }
  } finally {
    await log.close();
  }
  return built;
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
  // every package is listed only when there is something to build (a run that publishes staged archives has not)
  const known = new Map(records.length === 0 ? [] : (await state.packages.listPackages()).map((item) => [item.package.base, item.package]));
  const served = await services.publisher.baseVersions();
  const tree = resolveLevels(records.filter((record) => !unresolvable.has(record.base)).map(treeNode));
  const failedReasons = new Map([...unresolvable, ...tree.unresolvable]);
  const byBase = new Map(records.map((record) => [record.base, record]));
  const blocker = (base: string): string | undefined =>
    recordDependencies(byBase.get(base)!)
      .map((dependency) => records.find((other) => recordProvides(other).includes(dependency)))
      .find((other) => other && other.base !== base && failedReasons.has(other.base))?.base;

  await state.database.transaction(async () => {
    for (const base of byBase.keys()) if (!known.has(base)) await state.packages.upsertPackage(byBase.get(base)!);
  });
  // what each build used and produced, wherever it was built
  const recorder = new BuildRecorder(services);
  const distributed = readDistributedSettings(services.configuration);
  let built: Map<string, Built>;
  let closeRun: (() => Promise<void>) | undefined;
  const coordinator = distributed && (await import('../distributed/coordinator.js'));
  if (distributed && coordinator && (await coordinator.queueAvailable(distributed))) {
    const remote = await coordinator.buildOnWorkers(services, distributed, {
      levels: tree.levels,
      records: byBase,
      failed: failedReasons,
      blocker,
      plan: (record) => planBuild(services, record.base, record.version, served.get(record.base), options),
      packager: (record) => record.packager ?? services.settings.packager,
      recordBuild: (base, version, archives) => recorder.record(base, version, archives),
    });
    built = remote.built;
    closeRun = remote.close;
  } else {
    built = await buildLocally(services, tree.levels, byBase, { failed: failedReasons, blocker, known, served, options, recorder });
  }

  const run = { id: services.processId, built: Object.fromEntries([...built].map(([base, build]) => [base, build.version])), failed: Object.fromEntries(failedReasons) };
  const published = await publishStaged(services, Object.fromEntries([...built].map(([base, build]) => [base, build.duration])), run);
  const succeeded = new Set(result.success.map((item) => item.base));
  for (const entry of published.added) {
    if (succeeded.has(entry.base)) continue;
    succeeded.add(entry.base);
    result.success.push({ base: entry.base, version: entry.version, duration: built.get(entry.base)?.duration ?? 0 });
  }
  result.errors.push(...published.rejected.map((line) => `rejected ${line}`));
  await services.status.client.batch(async () => {
    for (const [base, reason] of failedReasons) {
      const version = byBase.get(base)?.version ?? '';
      result.failed.push({ base, version, reason });
      const record = known.get(base) ?? byBase.get(base);
      if (record) await services.status.failed(record, version, reason);
      await state.rebuilds.rebuildFailed(base, Math.floor(now()));
    }
  });
  await closeRun?.();
  if (published.added.length > 0) await detectRebuilds(services);
  result.removed = published.removed.filter((entry) => !published.added.some((added) => added.name === entry.name)).map((entry) => entry.name);
  return result;
}

