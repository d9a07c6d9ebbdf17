import type { Argv } from 'yargs';
import { Application } from '../application.js';
import { type ArgumentsOf, MUTATING, type RepositoryContext, repositoryHandler } from '../handler.js';
import { describeCandidate, print, printJson, reportResult } from '../printer.js';
import { packagerOf, usernameOption } from '../packager.js';
import { runWithTriggers } from '../triggers.js';

/** The switches of an update, which repo-daemon passes on to each of its repo-update runs. */
export const UPDATE_SWITCHES = ['aur', 'local', 'manual', 'vcs', 'changes', 'check-files', 'dependencies', 'increment', 'dry-run'] as const;

/** The options of an update shared by repo-update, repo-check and repo-daemon (`-u`, the switches, `-y`). */
export function updateSwitchOptions<T>(argv: Argv<T>, dryRunDefault: boolean) {
  return usernameOption(argv)
    .option('aur', { type: 'boolean', default: true, describe: 'check the AUR for newer versions' })
    .option('local', { type: 'boolean', default: true, describe: 'check local PKGBUILDs for newer versions' })
    .option('manual', { type: 'boolean', default: !dryRunDefault, describe: 'build what is in the build queue' })
    .option('vcs', { type: 'boolean', default: true, describe: 'rebuild VCS packages older than [build] vcs_allowed_age' })
    .option('changes', { type: 'boolean', default: true, describe: 'store what changed in the sources since the last build (package-changes)' })
    .option('check-files', { type: 'boolean', default: true, describe: 'rebuild packages whose dependencies changed since their last build ([build] rebuild_on_dependency_change)' })
    .option('dependencies', { type: 'boolean', default: true, describe: 'add missing dependencies from the AUR' })
    .option('increment', { type: 'boolean', default: true, describe: 'bump pkgrel when the version is already in the repository' })
    .option('dry-run', { type: 'boolean', default: dryRunDefault, describe: 'only print what would be built' })
    .option('refresh', { alias: 'y', type: 'count', describe: 'download the sync databases of [alpm] repositories first (-yy: even if unchanged)' });
}

function updateOptions(argv: Argv, dryRunDefault: boolean) {
  return updateSwitchOptions(argv, dryRunDefault)
    .positional('package', { type: 'string', array: true, default: [], describe: 'only these packages (bases or names)' })
    .option('exit-code', { alias: 'e', type: 'boolean', default: false, describe: 'with --dry-run: exit 1 when something is outdated' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' });
}

async function run(context: RepositoryContext, args: ArgumentsOf<typeof updateOptions>): Promise<number> {
  const application = await Application.load(context);
  await application.refresh(args.refresh);
  if (args.dryRun) {
    const { candidates, errors } = await application.updates(args.package, args);
    if (args.changes) await application.storeChanges(candidates);
    if (args.json) printJson(context.output, candidates.map((item) => ({ base: item.record.base, current: item.currentVersion ?? null, version: item.record.version, reason: item.reason })));
    else if (candidates.length > 0) print(context.output, candidates.map(describeCandidate).join('\n'));
    // "up to date" only when every check could be made; the failed ones are logged as errors
    else if (errors.length === 0) print(context.output, 'everything is up to date');
    return errors.length > 0 || (args.exitCode && candidates.length > 0) ? 1 : 0;
  }
  const packager = await packagerOf(application.services.state, args.username);
  const run = await runWithTriggers(context, () => application.updateAll(args.package, { ...args, packager }), { publisher: application.services.publisher });
  return Math.max(reportResult(context.output, run.result, args.json), run.exitCode);
}

export const repoUpdate = repositoryHandler({
  name: 'repo-update [package..]',
  aliases: ['update'],
  description: 'check for updates, build them with their dependencies and publish the repository',
  mode: MUTATING,
  options: (argv) => updateOptions(argv, false),
  run,
});

export const repoCheck = repositoryHandler({
  name: 'repo-check [package..]',
  aliases: ['check'],
  description: 'print what repo-update would build, without building (repo-update --dry-run --no-manual)',
  mode: MUTATING,
  options: (argv) => updateOptions(argv, true),
  run,
});
