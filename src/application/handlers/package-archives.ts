import path from 'node:path';
import type { Argv } from 'yargs';
import { InvalidInputError } from '../../core/errors.js';
import { addPackages } from '../../core/repository/package-add.js';
import { archivedVersions } from '../../core/repository/archives.js';
import { Application } from '../application.js';
import { MUTATING, READ_ONLY, repositoryHandler } from '../handler.js';
import { print, printJson, reportResult } from '../printer.js';
import { packagerOf, usernameOption } from '../packager.js';
import { formatEntry } from '../../core/format/table.js';
import { runWithTriggers } from '../triggers.js';
import { setHeld } from './package-hold.js';

export const packageArchives = repositoryHandler({
  name: 'package-archives <package>',
  description: 'list the versions of a package base kept in the archive (what package-rollback can restore)',
  mode: READ_ONLY,
  options: (argv: Argv) =>
    argv
      .positional('package', { type: 'string', demandOption: true, describe: 'package base' })
      .option('exit-code', { alias: 'e', type: 'boolean', default: false, describe: 'exit 1 when the archive holds no version' })
      .option('info', { type: 'boolean', default: false, describe: 'list the package files of each version too' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run(context, args) {
    const versions = await archivedVersions(context.paths, args.package);
    if (args.json) printJson(context.output, versions);
    else {
      for (const { version, files } of versions) {
        const properties: Array<[string, string]> = [['Version', version]];
        if (args.info) properties.push(['Files', files.map((file) => path.basename(file)).join(' ')]);
        print(context.output, formatEntry(args.package, properties));
      }
    }
    return args.exitCode && versions.length === 0 ? 1 : 0;
  },
});

/**
 * Puts an archived version back: its files are staged like `package-add` archives and published, then the base is
 * held so the next update does not replace it again (unless --no-hold).
 */
export const packageRollback = repositoryHandler({
  name: 'package-rollback <package> <archived-version>',
  description: 'publish an older version of a package base from the archive again, and hold it',
  mode: MUTATING,
  options: (argv: Argv) =>
    usernameOption(argv)
      .positional('package', { type: 'string', demandOption: true, describe: 'package base' })
      .positional('archived-version', { type: 'string', demandOption: true, describe: 'full version, [epoch:]pkgver-pkgrel (see package-archives)' })
      .option('hold', { type: 'boolean', default: true, describe: 'hold the package afterwards, so that updates skip it' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run(context, args) {
    const versions = await archivedVersions(context.paths, args.package);
    const wanted = versions.find((item) => item.version === args.archivedVersion);
    if (!wanted) {
      const available = versions.map((item) => item.version).join(', ') || 'none';
      throw new InvalidInputError(`${args.package} ${args.archivedVersion} is not in the archive (archived versions: ${available})`);
    }
    const application = await Application.load(context);
    await addPackages(application.services, wanted.files, { source: 'archive', patches: [] });
    const packager = await packagerOf(application.services.state, args.username);
    const run = await runWithTriggers(context, () => application.update([], { dependencies: false, increment: false, packager }));
    const code = Math.max(reportResult(context.output, run.result, args.json), run.exitCode);
    if (code === 0 && args.hold) await setHeld(context, [args.package], true);
    return code;
  },
});
