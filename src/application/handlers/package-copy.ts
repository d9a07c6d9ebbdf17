import fs from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { validatePackageName } from '../../core/alpm/validation.js';
import { Configuration } from '../../core/configuration/configuration.js';
import { InvalidInputError } from '../../core/errors.js';
import { getLogger } from '../../core/log/logger.js';
import { addPackages } from '../../core/repository/package-add.js';
import { executePlan } from '../../core/repository/publish.js';
import { RepositoryPublisher } from '../../core/repository/publisher.js';
import { loadSigners } from '../../core/repository/services.js';
import { RepositoryState } from '../../core/repository/state.js';
import { openStatus } from '../../core/status/open.js';
import { RepositoryId } from '../../models/repository-id.js';
import { RepositoryPaths } from '../../models/repository-paths.js';
import { Application } from '../application.js';
import { MUTATING, repositoryHandler } from '../handler.js';
import { reportResult } from '../printer.js';
import { runWithTriggers } from '../triggers.js';

const logger = getLogger('package-copy');

/**
 * Copies built package bases from another repository of the same architecture: their served files are staged in this
 * repository's `packages/` directory exactly as `package-add` stages archives (and validated when published), their
 * records (source, packager) and stored changes come along, and with --remove they leave the source repository.
 */
export const packageCopy = repositoryHandler({
  name: 'package-copy <source> <package..>',
  aliases: ['copy'],
  description: 'copy built packages from another repository of the same architecture into this one',
  mode: { ...MUTATING, multiRepository: false },
  options: (argv: Argv) =>
    argv
      .positional('source', { type: 'string', demandOption: true, describe: 'name of the repository to copy from' })
      .positional('package', { type: 'string', array: true, demandOption: true, describe: 'package bases' })
      .option('exit-code', { alias: 'e', type: 'boolean', default: false, describe: 'exit 1 when nothing was copied' })
      .option('remove', { type: 'boolean', default: false, describe: 'remove the packages from the source repository afterwards' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run(context, args) {
    const sourceId = new RepositoryId(context.repositoryId.architecture, args.source);
    if (sourceId.id === context.repositoryId.id) throw new InvalidInputError(`cannot copy ${args.source} into itself`);
    for (const base of args.package) validatePackageName(base, 'package base');
    const sourcePaths = new RepositoryPaths(context.paths.root, sourceId);
    const served = [...(await new RepositoryPublisher(sourcePaths).index()).values()];
    const missing = args.package.filter((base) => !served.some((entry) => entry.base === base));
    if (missing.length > 0) throw new InvalidInputError(`not in repository ${sourceId.id}: ${missing.join(', ')}`);

    const application = await Application.load(context);
    const { state } = application.services;
    // the same database holds every repository: the source's records are read over this connection
    const sourceState = new RepositoryState(state.database, sourceId);
    // the served names are links into the archive pool; the intake takes only regular files, so copy the pool's
    const files = await Promise.all(
      served.filter((entry) => args.package.includes(entry.base)).map((entry) => fs.realpath(path.join(sourcePaths.repository, entry.fileName))),
    );
    await addPackages(application.services, files, { source: 'archive', patches: [] });
    for (const base of args.package) {
      const [known] = await sourceState.packages.listPackages(base);
      if (known) await state.packages.upsertPackage(known.package);
      const changes = await sourceState.changes.changesGet(base);
      if (changes.lastCommitSha !== null) await state.changes.changesInsert(base, changes);
    }
    const run = await runWithTriggers(context, () => application.update([], { dependencies: false, increment: false }));
    const code = Math.max(reportResult(context.output, run.result, args.json), run.exitCode);
    if (code === 0 && args.remove) {
      // the journaled removal of package-remove, except that this repository keeps using the sources and the patches
      const sourceConfiguration = Configuration.load(context.configuration.path, sourceId);
      const signers = await loadSigners(sourceConfiguration);
      const names = served.filter((entry) => args.package.includes(entry.base)).map((entry) => entry.name);
      const status = await openStatus(sourceConfiguration, sourceState);
      const source = { paths: sourcePaths, state: sourceState, status, publisher: new RepositoryPublisher(sourcePaths, signers) };
      try {
        await executePlan(source, { added: [], remove: names, forget: args.package, keepSources: true, durations: {} });
      } finally {
        await status.client.close();
      }
      logger.info(`removed ${names.join(', ')} from ${sourceId.id}`);
    }
    const copied = run.result.success.filter((item) => args.package.includes(item.base));
    return Math.max(code, args.exitCode && copied.length === 0 ? 1 : 0);
  },
});
