import type { Argv } from 'yargs';
import type { PackageWithStatus } from '../../core/database/operations/packages.js';
import { getLogger } from '../../core/log/logger.js';
import { BUILD_STATUS_VALUES, type BuildStatus, type BuildStatusValue } from '../../models/build-status.js';
import { MUTATING, READ_ONLY, type RepositoryHandler, print, printJson } from '../handler.js';

const logger = getLogger('package-status');

/** A unix time (seconds) as `YYYY-MM-DD HH:MM:SS` in UTC, the form the logs use. */
export function formatUnixTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

function formatStatus(status: BuildStatus): string {
  return `${status.status} (${formatUnixTime(status.timestamp)})${status.isHeld ? ', held' : ''}`;
}

/** The values of one list field over all packages of a base, each once, sorted. */
function mergedField(entry: PackageWithStatus, field: 'groups' | 'licenses' | 'depends'): string {
  const values = Object.values(entry.package.packages).flatMap((description) => description[field]);
  return [...new Set(values)].sort().join(' ');
}

/** `base (pkgname ...)`, then indented properties; `verbose` adds the package details. */
function describePackage(entry: PackageWithStatus, verbose: boolean): string {
  const { package: record, status } = entry;
  const names = Object.keys(record.packages);
  const properties: Array<[string, string]> = [['Version', record.version]];
  if (verbose) {
    properties.push(
      ['Groups', mergedField(entry, 'groups')],
      ['Licenses', mergedField(entry, 'licenses')],
      ['Depends', mergedField(entry, 'depends')],
      ['Source', [record.remote.source, record.remote.gitUrl].filter(Boolean).join(' ')],
      ['Packager', record.packager ?? ''],
    );
  }
  properties.push(['Status', formatStatus(status)]);
  const title = names.length > 0 ? `${record.base} (${names.join(' ')})` : record.base;
  return [title, ...properties.map(([name, value]) => `\t${name}: ${value}`)].join('\n');
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
      .option('exit-code', { alias: 'e', type: 'boolean', default: false, describe: 'exit 1 when no package is printed' })
      .option('info', { type: 'boolean', default: false, describe: 'print groups, licenses, dependencies, source and packager too' })
      .option('status', { alias: 's', choices: BUILD_STATUS_VALUES, describe: 'only packages with this status' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }) as unknown as Argv<StatusArguments>,
  async run(context, args) {
    const status = await context.status();
    const selected = args.package.length > 0 ? await status.knownPackages(args.package) : await status.client.packages();
    const packages = selected
      .filter((entry) => args.status === undefined || entry.status.status === args.status)
      .sort((left, right) => left.package.base.localeCompare(right.package.base));
    const service = args.ahriman ? await status.serviceStatus() : undefined;

    if (args.json) {
      printJson(service ? { service, packages } : packages);
    } else {
      const blocks = packages.map((entry) => describePackage(entry, args.info));
      if (service) blocks.unshift(`Service status: ${service.status} (${formatUnixTime(service.timestamp)})`);
      if (blocks.length > 0) print(blocks.join('\n'));
    }
    return args.exitCode && packages.length === 0 ? 1 : 0;
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
    argv
      .positional('package', { type: 'string', array: true, default: [], describe: 'package bases to set the status of' })
      .option('status', {
        alias: 's',
        choices: BUILD_STATUS_VALUES,
        default: 'success' as BuildStatusValue,
        describe: 'the new status',
      }) as unknown as Argv<StatusUpdateArguments>,
  async run(context, args) {
    const status = await context.status();
    if (args.package.length === 0) {
      await status.setServiceStatus(args.status);
      logger.info(`service status set to ${args.status}`);
      return;
    }
    const packages = await status.setStatus(args.package, args.status);
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
    const packages = await (await context.status()).forget(args.package);
    logger.info(`removed ${packages.map((entry) => entry.package.base).join(', ')} from the status page`);
  },
};
