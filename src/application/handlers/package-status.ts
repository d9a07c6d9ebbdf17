import type { Argv } from 'yargs';
import type { PackageWithStatus } from '../../core/database/operations/packages.js';
import { formatTimestamp } from '../../core/format/date.js';
import { getLogger } from '../../core/log/logger.js';
import { BUILD_STATUS_VALUES, type BuildStatus, type BuildStatusValue } from '../../models/build-status.js';
import { MUTATING, READ_ONLY, type RepositoryContext, repositoryHandler } from '../handler.js';
import { print, printJson } from '../printer.js';
import { type Property, formatEntry } from '../../core/format/table.js';

const logger = getLogger('package-status');

/** `status (YYYY-MM-DD HH:MM:SS)`, as the reference prints a build status. */
function formatStatus(status: Pick<BuildStatus, 'status' | 'timestamp'>): string {
  return `${status.status} (${formatTimestamp(status.timestamp)})`;
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

export const packageStatus = repositoryHandler({
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
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run(context, args) {
    const status = await context.status();
    const selected = args.package.length > 0 ? await status.knownPackages(args.package) : await status.client.packages();
    const packages = selected
      .filter((entry) => args.status === undefined || entry.status.status === args.status)
      .sort((left, right) => (left.package.base < right.package.base ? -1 : 1)); // as the reference: by code point
    const service = args.ahriman ? await status.serviceStatus() : undefined;

    if (args.json) {
      printJson(context.output, service ? { service, packages } : packages);
    } else {
      const blocks = packages.map((entry) => describePackage(entry, args.info));
      if (service) blocks.unshift(formatStatus(service));
      if (blocks.length > 0) print(context.output, blocks.join('\n'));
    }
    // as the reference: -e fails when the repository (or the selection) is empty, not when the -s filter leaves nothing
    return args.exitCode && selected.length === 0 ? 1 : 0;
  },
});

async function setServiceStatus(context: RepositoryContext, status: BuildStatusValue): Promise<void> {
  await (await context.status()).setServiceStatus(status);
  logger.info(`service status set to ${status}`);
}

function statusOption<T>(argv: Argv<T>) {
  return argv.option('status', { alias: 's', choices: BUILD_STATUS_VALUES, default: 'success' as BuildStatusValue, describe: 'the new status' });
}

export const repoStatusUpdate = repositoryHandler({
  name: 'repo-status-update',
  description: 'set the status of the service (repository) itself',
  mode: { ...MUTATING, multiRepository: false },
  options: (argv: Argv) => statusOption(argv),
  async run(context, args) {
    await setServiceStatus(context, args.status);
  },
});

export const packageStatusUpdate = repositoryHandler({
  name: 'package-status-update [package..]',
  aliases: ['status-update'],
  description: 'set the build status of package bases, or of the service itself when none is named',
  mode: { ...MUTATING, multiRepository: false },
  options: (argv: Argv) =>
    statusOption(
      argv.positional('package', { type: 'string', array: true, default: [], describe: 'package bases to set the status of' }),
    ),
  async run(context, args) {
    const status = await context.status();
    if (args.package.length === 0) {
      await setServiceStatus(context, args.status);
      return;
    }
    const packages = await status.setStatus(args.package, args.status);
    logger.info(`status of ${packages.map((entry) => entry.package.base).join(', ')} set to ${args.status}`);
  },
});

export const packageStatusRemove = repositoryHandler({
  name: 'package-status-remove <package..>',
  description: 'forget package bases on the status page (record, status, build logs, changes); built files stay',
  mode: { ...MUTATING, multiRepository: false },
  options: (argv: Argv) =>
    argv.positional('package', {
      type: 'string',
      array: true,
      demandOption: true,
      describe: 'package bases to forget',
    }),
  async run(context, args) {
    const packages = await (await context.status()).forget(args.package);
    logger.info(`removed ${packages.map((entry) => entry.package.base).join(', ')} from the status page`);
  },
});
