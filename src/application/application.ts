import type { PkgbuildPatch } from '../models/patch.js';
import type { Result } from '../models/result.js';
import { errorMessage } from '../core/errors.js';
import { formatVersionChange } from '../core/format/version.js';
import { getLogger } from '../core/log/logger.js';
import { readAurSettings } from '../core/repository/build-settings.js';
import { type RepositoryServices, loadServices } from '../core/repository/services.js';
import type { UpdateCandidate, UpdateCheck, UpdateFlags } from '../core/repository/updates.js';
import type { RepositoryContext } from './handler.js';

export interface UpdateOptions extends UpdateFlags {
  dependencies: boolean;
  increment: boolean;
  patches?: Map<string, PkgbuildPatch[]>;
  /** `-u`: the PACKAGER of every build of this run, instead of each package's own. */
  packager?: string;
  /** `--changes`: store the git diff of each candidate's sources since its last build. */
  changes?: boolean;
}

const logger = getLogger('application');

/**
 * The facade the command handlers use: one set of services per run (state, AUR client, build driver, publisher)
 * and the update pipeline shared by repo-update, package-add --now and repo-rebuild. The pipeline's modules load when
 * a method uses them: handlers that only read state or publish (package-remove, package-add FILE) never evaluate them.
 */
export class Application {
  private constructor(readonly services: RepositoryServices) {}

  static async load(context: RepositoryContext): Promise<Application> {
    return new Application(await loadServices(context.configuration, context.paths, await context.state(), await context.status()));
  }

  /** `-y`: download the distribution's sync databases (`-yy`: even when unchanged); a failure is logged, not fatal. */
  async refresh(level: number): Promise<void> {
    if (level <= 0) return;
    const { configuration, paths } = this.services;
    const { readOfficialSettings, refreshSyncDatabases } = await import('../core/alpm/remote/official.js');
    try {
      await refreshSyncDatabases(readOfficialSettings(configuration, paths), paths.repositoryId.architecture, readAurSettings(configuration).policy, level > 1);
    } catch (error) {
      logger.error(`cannot refresh the sync databases, using the copies we have: ${errorMessage(error)}`);
      return;
    }
    const { detectRebuilds } = await import('../core/rebuilds/detect.js');
    await detectRebuilds(this.services);
  }

  async updates(filter: readonly string[], flags: UpdateFlags): Promise<UpdateCheck> {
    const { collectUpdates } = await import('../core/repository/updates.js');
    return collectUpdates(this.services, filter, flags);
  }

  /** `--changes`: what changed in the sources of each candidate since its last build, stored for package-changes. */
  async storeChanges(candidates: readonly UpdateCandidate[]): Promise<void> {
    const { storeChanges } = await import('../core/repository/changes.js');
    return storeChanges(this.services, candidates.map((candidate) => candidate.record));
  }

  /** Builds the candidates (with their missing AUR dependencies when asked), publishes, records the outcome. */
  async update(candidates: UpdateCandidate[], options: Pick<UpdateOptions, 'dependencies' | 'increment' | 'patches' | 'packager'>): Promise<Result> {
    const rebuildReasons = new Map(candidates.filter((candidate) => candidate.dependencyRebuild).map((candidate) => [candidate.record.base, candidate.reason]));
    const { packager } = options;
    const records = candidates.map((candidate) => (packager === undefined ? candidate.record : { ...candidate.record, packager }));
    const [{ officialPackageNames, readOfficialSettings }, { resolveDependencies }, { buildAndPublish }] = await Promise.all([
      import('../core/alpm/remote/official.js'),
      import('../core/repository/dependencies.js'),
      import('../core/repository/executor.js'),
    ]);
    const official = await officialPackageNames(readOfficialSettings(this.services.configuration, this.services.paths));
    const resolved = options.dependencies ? await resolveDependencies(this.services, records, official) : { records, unresolvable: new Map<string, string>() };
    for (const record of resolved.records.filter((item) => !records.includes(item))) logger.info(`dependency ${record.base} ${record.version} will be built too`);
    return buildAndPublish(this.services, resolved.records, resolved.unresolvable, { increment: options.increment, patches: options.patches, rebuildReasons });
  }

  /** The whole `repo-update`: collect, then build and publish (also publishes archives waiting in `packages/`). */
  async updateAll(filter: readonly string[], options: UpdateOptions): Promise<Result> {
    const { candidates, errors } = await this.updates(filter, options);
    for (const candidate of candidates) {
      logger.info(`${candidate.record.base}: ${formatVersionChange(candidate.currentVersion, candidate.record.version)} (${candidate.reason})`);
    }
    if (options.changes) await this.storeChanges(candidates);
    const result = await this.update(candidates, options);
    return { ...result, errors: [...result.errors, ...errors] };
  }
}
