import type { Argv } from 'yargs';
import type { Result } from '../../models/result.js';
import { Application, describeCandidate } from '../application.js';
import { MUTATING, type RepositoryHandler, print, printJson } from '../handler.js';
import { packagerOf, usernameOption } from '../packager.js';
import { runWithTriggers } from '../triggers.js';

interface UpdateArguments {
  package: string[];
  aur: boolean;
  local: boolean;
  manual: boolean;
  vcs: boolean;
  dependencies: boolean;
  increment: boolean;
  dryRun: boolean;
  exitCode: boolean;
  refresh: number;
  username?: string;
  changes: boolean;
  checkFiles: boolean;
  json: boolean;
}

/** The switches of an update, which repo-daemon passes on to each of its repo-update runs. */
export const UPDATE_SWITCHES = ['aur', 'local', 'manual', 'vcs', 'changes', 'check-files', 'dependencies', 'increment', 'dry-run'] as const;

/** The options of an update shared by repo-update, repo-check and repo-daemon (`-u`, the switches, `-y`). */
export function updateSwitchOptions(argv: Argv, dryRunDefault: boolean): Argv {
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

function updateOptions(argv: Argv, dryRunDefault: boolean): Argv<UpdateArguments> {
  return updateSwitchOptions(argv, dryRunDefault)
    .positional('package', { type: 'string', array: true, default: [], describe: 'only these packages (bases or names)' })
    .option('exit-code', { alias: 'e', type: 'boolean', default: false, describe: 'with --dry-run: exit 1 when something is outdated' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON' }) as unknown as Argv<UpdateArguments>;
}

/** The outcome of a run as text, one line per package. */
export function printResult(result: Result): void {
  for (const item of result.success) print(`built ${item.base} ${item.version} in ${item.duration.toFixed(1)} s`);
  for (const item of result.failed) print(`failed ${item.base}${item.version ? ` ${item.version}` : ''}: ${item.reason}`);
  for (const name of result.removed) print(`removed ${name}`);
  for (const error of result.errors) print(`error: ${error}`);
  if (result.success.length + result.failed.length + result.removed.length + result.errors.length === 0) print('nothing to do');
}

/** 1 when any package failed or any check could not be made. */
export function resultExitCode(result: Result): number {
  return result.failed.length > 0 || result.errors.length > 0 ? 1 : 0;
}

/** Prints the outcome of a run (JSON with --json); exit code 1 when any package failed. */
export function reportResult(result: Result, json: boolean): number {
  if (json) printJson(result);
  else printResult(result);
  return resultExitCode(result);
}

async function run(context: Parameters<RepositoryHandler['run']>[0], args: UpdateArguments): Promise<number> {
  const application = await Application.load(context);
  await application.refresh(args.refresh);
  if (args.dryRun) {
    const { candidates, errors } = await application.updates(args.package, args);
    if (args.changes) await application.storeChanges(candidates);
    if (args.json) printJson(candidates.map((item) => ({ base: item.record.base, current: item.currentVersion ?? null, version: item.record.version, reason: item.reason })));
    else if (candidates.length > 0) print(candidates.map(describeCandidate).join('\n'));
    // "up to date" only when every check could be made; the failed ones are logged as errors
    else if (errors.length === 0) print('everything is up to date');
    return errors.length > 0 || (args.exitCode && candidates.length > 0) ? 1 : 0;
  }
  const packager = await packagerOf(application.services.state, args.username);
  const run = await runWithTriggers(context, () => application.updateAll(args.package, { ...args, packager }), { publisher: application.services.publisher });
  return Math.max(reportResult(run.result, args.json), run.exitCode);
}

export const repoUpdate: RepositoryHandler<UpdateArguments> = {
  name: 'repo-update [package..]',
  aliases: ['update'],
  description: 'check for updates, build them with their dependencies and publish the repository',
  mode: MUTATING,
  options: (argv) => updateOptions(argv, false),
  run,
};

export const repoCheck: RepositoryHandler<UpdateArguments> = {
  name: 'repo-check [package..]',
  aliases: ['check'],
  description: 'print what repo-update would build, without building (repo-update --dry-run --no-manual)',
  mode: MUTATING,
  options: (argv) => updateOptions(argv, true),
  run,
};
