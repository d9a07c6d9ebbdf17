import type { Argv } from 'yargs';
import type { PackageWithStatus } from '../../core/database/operations/packages.js';
import { recordDependencies } from '../../core/repository/records.js';
import type { RepositoryServices } from '../../core/repository/services.js';
import { asList } from '../arguments.js';
import { Application } from '../application.js';
import { MUTATING, repositoryHandler } from '../handler.js';
import { print, printJson, reportResult } from '../printer.js';
import { packagerOf, usernameOption } from '../packager.js';
import { runWithTriggers } from '../triggers.js';
import { BUILD_STATUS_VALUES, type BuildStatusValue } from '../../models/build-status.js';

interface RebuildArguments {
  dependsOn: string[];
  dryRun: boolean;
  increment: boolean;
  status?: BuildStatusValue;
  fromDatabase: boolean;
  exitCode: boolean;
  username?: string;
  json: boolean;
}

/**
 * What to rebuild: the bases the repository serves (what the reference reads from the files), or with --from-database every base the state database knows
 * (to rebuild a lost repository tree); then filtered by -s and --depends-on.
 */
async function selectBases(services: RepositoryServices, args: RebuildArguments): Promise<PackageWithStatus[]> {
  const known = await services.state.packages.listPackages();
  const served = args.fromDatabase ? undefined : await services.publisher.baseVersions();
  return known.filter(({ package: record, status }) => {
    if (served && !served.has(record.base)) return false;
    if (args.status && status.status !== args.status) return false;
    if (args.dependsOn.length === 0) return true;
    const dependencies = recordDependencies(record);
    return args.dependsOn.some((name) => dependencies.includes(name));
  });
}

/** Rebuilds every package of the repository, or those depending on the given packages, or those with a status. */
export const repoRebuild = repositoryHandler({
  name: 'repo-rebuild',
  aliases: ['rebuild'],
  description: 'rebuild all packages, or those that depend on the given ones',
  mode: MUTATING,
  options: (argv: Argv) =>
    usernameOption(argv)
      .option('depends-on', { type: 'string', coerce: asList, default: [], describe: 'only packages depending on this one (repeatable)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'only print what would be rebuilt' })
      .option('from-database', {
        type: 'boolean',
        default: false,
        describe: 'take the packages from the state database instead of the served repository (to restore a lost tree)',
      })
      .option('increment', { type: 'boolean', default: true, describe: 'bump pkgrel (a rebuild of the same version needs a new release)' })
      .option('status', { alias: 's', choices: BUILD_STATUS_VALUES, describe: 'only packages with this status' })
      .option('exit-code', { alias: 'e', type: 'boolean', default: false, describe: 'exit 1 when there is nothing to rebuild' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run(context, args) {
    const application = await Application.load(context);
    const selected = await selectBases(application.services, args);
    const empty = args.exitCode && selected.length === 0 ? 1 : 0;
    if (args.dryRun) {
      const listed = selected.map(({ package: record }) => ({ base: record.base, version: record.version }));
      if (args.json) printJson(context.output, listed);
      else print(context.output, listed.map((item) => `${item.base} ${item.version}`).join('\n') || 'nothing to rebuild');
      return empty;
    }
    const packager = await packagerOf(application.services.state, args.username);
    const candidates = selected.map(({ package: record }) => ({ record, currentVersion: record.version, reason: 'rebuild' }));
    const run = await runWithTriggers(context, () => application.update(candidates, { dependencies: false, increment: args.increment, packager }), {
      publisher: application.services.publisher,
    });
    return Math.max(reportResult(context.output, run.result, args.json), run.exitCode, empty);
  },
});
