import type { Argv } from 'yargs';
import { validatePackageName } from '../../core/alpm/validation.js';
import type { PackageWithStatus } from '../../core/database/operations/packages.js';
import { currentUnixTime } from '../../core/database/operations/time.js';
import { InvalidInputError } from '../../core/errors.js';
import { getLogger } from '../../core/log/logger.js';
import type { RepositoryState } from '../../core/repository/state.js';
import { BUILD_STATUS_VALUES, type BuildStatus, type BuildStatusValue } from '../../models/build-status.js';
import { MUTATING, READ_ONLY, type RepositoryHandler, print, printJson } from '../handler.js';
import { type Property, formatEntry } from '../printer.js';

const logger = getLogger('package-status');

/**
 * The records of the package bases named on the command line, in the order given (duplicates dropped). Every name
 * is checked against pacman's rules first, so a hostile one never gets further, and all names the repository does
 * not know are reported in one error.
 */
export async function knownPackages(state: RepositoryState, bases: readonly string[]): Promise<PackageWithStatus[]> {
  const wanted = [...new Set(bases)];
  for (const base of wanted) validatePackageName(base, 'package base');
  const known = new Map((await state.packages.listPackages()).map((entry) => [entry.package.base, entry]));
  const unknown = wanted.filter((base) => !known.has(base));
  if (unknown.length > 0) {
    const names = unknown.map((base) => `'${base}'`).join(', ');
    throw new InvalidInputError(
      `unknown package base${unknown.length > 1 ? 's' : ''} ${names} in repository ${state.repositoryId.id}`,
    );
  }
  return wanted.map((base) => known.get(base)!);
}

/** A unix time (seconds) as `YYYY-MM-DD HH:MM:SS` in UTC, the form the logs use. */
export function formatUnixTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

/** `status (YYYY-MM-DD HH:MM:SS)`, as the reference prints a build status. */
function formatStatus(status: Pick<BuildStatus, 'status' | 'timestamp'>): string {
  return `${status.status} (${formatUnixTime(status.timestamp)})`;
}

/** The values of one list field over all packages of a base, each once, sorted. */
function mergedField(entry: PackageWithStatus, field: 'groups' | 'licenses' | 'depends'): string {
  const values = Object.values(entry.package.packages).flatMap((description) => description[field]);
  return [...new Set(values)].sort().join(' ');
}

/** The reference's layout: `base` (with its package names when it builds several), Version and Status; `verbose` adds details. */
function describePackage(entry: PackageWithStatus, verbose: boolean): string {
  const { package: record, status } = entry;
  const names = Object.keys(record.packages).sort();
  const properties: Property[] = [['Version', record.version]];
  if (verbose) {
    properties.push(['Groups', mergedField(entry, 'groups')], ['Licenses', mergedField(entry, 'licenses')], ['Depends', mergedField(entry, 'depends')]);
  }
  properties.push(['Status', formatStatus(status)]);
  return formatEntry(names.length > 1 ? `${record.base} (${names.join(' ')})` : record.base, properties);
}

/**
 * The status of the service itself is not a table of its own: it is the latest `service-status-changed` event,
 * which `package-status-update` without package names records.
 */
async function serviceStatus(state: RepositoryState): Promise<Omit<BuildStatus, 'isHeld'>> {
  const [latest] = await state.events.eventList({ event: 'service-status-changed', limit: 1 });
  return {
    status: BUILD_STATUS_VALUES.find((value) => value === latest?.data.status) ?? 'unknown',
    timestamp: latest?.created ?? currentUnixTime(),
  };
}

interface StatusArguments {
  package: string[];
  ahriman: boolean;
  exitCode: boolean;
  info: boolean;
  status?: BuildStatusValue;
  json: boolean;
}

export const packageStatus: RepositoryHandler<StatusArguments> = {
  name: 'package-status [package..]',
  aliases: ['status'],
  description: 'print the build status of the package bases of a repository (all, or those named)',
  mode: READ_ONLY,
  options: (argv: Argv) =>
    argv
      .positional('package', { type: 'string', array: true, default: [], describe: 'only these package bases' })
      .option('ahriman', { type: 'boolean', default: false, describe: 'print the status of the service too (JSON: {service, packages})' })
      .option('exit-code', { alias: 'e', type: 'boolean', default: false, describe: 'exit 1 when there is no package (before the -s filter)' })
      .option('info', { type: 'boolean', default: false, describe: 'print groups, licenses, dependencies, source and packager too' })
      .option('status', { alias: 's', choices: BUILD_STATUS_VALUES, describe: 'only packages with this status' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }) as unknown as Argv<StatusArguments>,
  async run(context, args) {
    const state = await context.state();
    const selected = args.package.length > 0 ? await knownPackages(state, args.package) : await state.packages.listPackages();
    const packages = selected
      .filter((entry) => args.status === undefined || entry.status.status === args.status)
      .sort((left, right) => left.package.base.localeCompare(right.package.base));
    const service = args.ahriman ? await serviceStatus(state) : undefined;

    if (args.json) {
      printJson(service ? { service, packages } : packages);
    } else {
      const blocks = packages.map((entry) => describePackage(entry, args.info));
      if (service) blocks.unshift(formatStatus(service));
      if (blocks.length > 0) print(blocks.join('\n'));
    }
    // as the reference: -e fails when the repository (or the selection) is empty, not when the -s filter leaves nothing
    return args.exitCode && selected.length === 0 ? 1 : 0;
  },
};

/** The service status is an event (see serviceStatus). */
async function setServiceStatus(state: RepositoryState, status: BuildStatusValue, created = currentUnixTime()): Promise<void> {
  await state.events.eventInsert({ event: 'service-status-changed', objectId: null, message: status, created, data: { status } });
  logger.info(`service status set to ${status}`);
}

function statusOption(argv: Argv): Argv {
  return argv.option('status', { alias: 's', choices: BUILD_STATUS_VALUES, default: 'success' as BuildStatusValue, describe: 'the new status' });
}

export const repoStatusUpdate: RepositoryHandler<{ status: BuildStatusValue }> = {
  name: 'repo-status-update',
  description: 'set the status of the service (repository) itself',
  mode: { ...MUTATING, multiRepository: false },
  options: (argv: Argv) => statusOption(argv) as unknown as Argv<{ status: BuildStatusValue }>,
  async run(context, args) {
    await setServiceStatus(await context.state(), args.status);
  },
};

interface StatusUpdateArguments {
  package: string[];
  status: BuildStatusValue;
}

export const packageStatusUpdate: RepositoryHandler<StatusUpdateArguments> = {
  name: 'package-status-update [package..]',
  aliases: ['status-update'],
  description: 'set the build status of package bases, or of the service itself when none is named',
  mode: { ...MUTATING, multiRepository: false },
  options: (argv: Argv) =>
    statusOption(
      argv.positional('package', { type: 'string', array: true, default: [], describe: 'package bases to set the status of' }),
    ) as unknown as Argv<StatusUpdateArguments>,
  async run(context, args) {
    const state = await context.state();
    const created = currentUnixTime();
    if (args.package.length === 0) {
      await setServiceStatus(state, args.status, created);
      return;
    }
    const packages = await knownPackages(state, args.package);
    await state.database.transaction(async () => {
      for (const { package: record } of packages) {
        await state.packages.updateStatus(record.base, args.status, created);
        await state.events.eventInsert({
          event: 'package-status-changed',
          objectId: record.base,
          message: args.status,
          created,
          data: { status: args.status, version: record.version },
        });
      }
    });
    logger.info(`status of ${packages.map((entry) => entry.package.base).join(', ')} set to ${args.status}`);
  },
};

export const packageStatusRemove: RepositoryHandler<{ package: string[] }> = {
  name: 'package-status-remove <package..>',
  description: 'forget package bases on the status page (record, status, build logs, changes); built files stay',
  mode: { ...MUTATING, multiRepository: false },
  options: (argv: Argv) =>
    argv.positional('package', {
      type: 'string',
      array: true,
      demandOption: true,
      describe: 'package bases to forget',
    }) as unknown as Argv<{ package: string[] }>,
  async run(context, args) {
    const state = await context.state();
    const packages = await knownPackages(state, args.package);
    // Patches stay: they are shared by all repositories and describe how to build the base, not its state.
    await state.database.transaction(async () => {
      for (const { package: record } of packages) {
        await state.packages.removePackage(record.base);
        await state.logs.logsRemove(record.base);
        await state.changes.changesRemove(record.base);
      }
    });
    logger.info(`removed ${packages.map((entry) => entry.package.base).join(', ')} from the status page`);
  },
};
