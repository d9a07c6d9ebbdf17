/**
 * Records, after each successful build of a run, what the build used and produced (record.ts) and its implicit
 * dependencies. The provider index is loaded once per run, at the first build, and learns each build's sonames so
 * that a later level links its needs to the libraries built just before it.
 */
import { mapLimit } from '../concurrency.js';
import { errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import type { RepositoryServices } from '../repository/services.js';
import { scanArchive } from './archive-scan.js';
import { ProviderIndex } from './providers.js';
import { buildFacts } from './record.js';

const logger = getLogger('rebuilds');
/** Archives of one base scanned at once (each scan decompresses and runs readelf). */
const SCAN_CONCURRENCY = 2;

export class BuildRecorder {
  private index: Promise<ProviderIndex> | undefined;

  constructor(private readonly services: RepositoryServices) {}

  /** Scans the archives of a build and stores its record; a failure is logged, never fails the build. */
  async record(base: string, version: string, archives: readonly string[]): Promise<void> {
    const { state, settings } = this.services;
    try {
      const scans = await mapLimit(archives, SCAN_CONCURRENCY, (archive) => scanArchive(archive));
      this.index ??= ProviderIndex.load(this.services);
      const index = await this.index;
      const facts = buildFacts(base, version, Math.floor(Date.now() / 1000), scans, index, settings.rebuilds.scanPaths);
      index.addBuilt(scans);
      await state.database.transaction(async () => {
        await state.rebuilds.buildRecordInsert(facts.record);
        await state.dependencies.dependenciesInsert(base, facts.implicit);
      });
      const implicit = Object.entries(facts.implicit.paths).map(([file, names]) => `${file} (${names.join(', ')})`);
      if (implicit.length > 0) logger.info(`${base}: implicit dependencies ${implicit.join(', ')}`);
    } catch (error) {
      logger.warning(`${base}: cannot record what the build used: ${errorMessage(error)}`);
    }
  }
}
