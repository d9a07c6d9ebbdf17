import type { Argv } from 'yargs';
import { recordDependencies } from '../../core/repository/records.js';
import { asList } from '../arguments.js';
import { Application } from '../application.js';
import { MUTATING, type RepositoryHandler, print } from '../handler.js';
import { runWithTriggers } from '../triggers.js';
import { reportResult } from './repo-update.js';
import { BUILD_STATUS_VALUES, type BuildStatusValue } from '../../models/build-status.js';

interface RebuildArguments {
  dependsOn: string[];
  dryRun: boolean;
  increment: boolean;
  status?: BuildStatusValue;
  json: boolean;
}

/** Rebuilds every package of the repository, or those depending on the given packages, or those with a status. */
export const repoRebuild: RepositoryHandler<RebuildArguments> = {
  name: 'repo-rebuild',
  aliases: ['rebuild'],
  description: 'rebuild all packages, or those that depend on the given ones',
  mode: MUTATING,
  options: (argv: Argv) =>
    argv
      .option('depends-on', { type: 'string', coerce: asList, default: [], describe: 'only packages depending on this one (repeatable)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'only print what would be rebuilt' })
      .option('increment', { type: 'boolean', default: true, describe: 'bump pkgrel (a rebuild of the same version needs a new release)' })
      .option('status', { alias: 's', choices: BUILD_STATUS_VALUES, describe: 'only packages with this status' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }) as unknown as Argv<RebuildArguments>,
  async run(context, args) {
    const application = await Application.load(context);
    const known = await application.services.state.packages.listPackages();
    const selected = known.filter(({ package: record, status }) => {
      if (args.status && status.status !== args.status) return false;
      if (args.dependsOn.length === 0) return true;
      const dependencies = recordDependencies(record);
      return args.dependsOn.some((name) => dependencies.includes(name));
    });
    if (args.dryRun) {
      print(selected.map(({ package: record }) => `${record.base} ${record.version}`).join('\n') || 'nothing to rebuild');
      return 0;
    }
    const candidates = selected.map(({ package: record }) => ({ record, currentVersion: record.version, reason: 'rebuild' }));
    const run = await runWithTriggers(context, () => application.update(candidates, { dependencies: false, increment: args.increment }), {
      publisher: application.services.publisher,
    });
    return Math.max(reportResult(run.result, args.json), run.exitCode);
  },
};
