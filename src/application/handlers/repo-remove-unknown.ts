import type { Argv } from 'yargs';
import { emptyResult } from '../../models/result.js';
import { removePackages } from '../../core/repository/package-remove.js';
import { executePlan } from '../../core/repository/publish.js';
import { unknownPackages } from '../../core/repository/unknown.js';
import { Application } from '../application.js';
import { MUTATING, repositoryHandler } from '../handler.js';
import { print, printJson, reportResult } from '../printer.js';
import { runWithTriggers } from '../triggers.js';

/**
 * Removes what vanished from its source: whole bases gone from the AUR (with their state, as package-remove does),
 * and single package names a PKGBUILD no longer produces (only their files leave the repository).
 */
export const repoRemoveUnknown = repositoryHandler({
  name: 'repo-remove-unknown',
  aliases: ['remove-unknown'],
  description: 'remove packages that vanished from the AUR, or that their local PKGBUILD no longer builds',
  mode: MUTATING,
  options: (argv: Argv) =>
    argv
      .option('dry-run', { type: 'boolean', default: false, describe: 'only print what would be removed' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run(context, args) {
    const application = await Application.load(context);
    const { services } = application;
    const unknown = await unknownPackages(services, await services.state.packages.listPackages());
    if (args.dryRun) {
      if (args.json) printJson(context.output, unknown);
      else for (const item of unknown) print(context.output, item.gone ? item.base : `${item.base}: ${item.names.join(' ')}`);
      return 0;
    }
    const run = await runWithTriggers(context, async () => {
      const gone = unknown.filter((item) => item.gone).map((item) => item.base);
      const removed = gone.length > 0 ? await removePackages(services, gone) : [];
      const names = unknown.filter((item) => !item.gone).flatMap((item) => item.names);
      if (names.length > 0) removed.push(...(await executePlan(services, { added: [], remove: names, forget: [], durations: {} })).removed.map((entry) => entry.name));
      return { ...emptyResult(), removed };
    });
    return Math.max(reportResult(context.output, run.result, args.json), run.exitCode);
  },
});
