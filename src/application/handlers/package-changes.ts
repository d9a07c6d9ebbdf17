import type { Argv } from 'yargs';
import { validatePackageName } from '../../core/alpm/validation.js';
import { getLogger } from '../../core/log/logger.js';
import type { Changes } from '../../models/changes.js';
import { MUTATING, READ_ONLY, repositoryHandler } from '../handler.js';
import { print, printJson } from '../printer.js';

const logger = getLogger('package-changes');

/** A command printing one stored field of a base's changes record (the diff, or the PKGBUILD of the last build). */
function showHandler(name: string, description: string, field: 'changes' | 'pkgbuild') {
  return repositoryHandler({
    name: `${name} <package>`,
    description,
    mode: READ_ONLY,
    options: (argv: Argv) =>
      argv
        .positional('package', { type: 'string', demandOption: true, describe: 'package base' })
        .option('exit-code', { alias: 'e', type: 'boolean', default: false, describe: 'exit 1 when nothing is stored' })
        .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
    async run(context, args) {
      validatePackageName(args.package, 'package base');
      const stored = await (await context.state()).changes.changesGet(args.package);
      const value = stored[field];
      if (args.json) printJson(context.output, { [field]: value, lastCommitSha: stored.lastCommitSha });
      else if (value) print(context.output, value);
      return args.exitCode && !value ? 1 : 0;
    },
  });
}

/** A command clearing one field of a base's changes record, keeping the rest. */
function removeHandler(name: string, description: string, cleared: Partial<Changes>) {
  return repositoryHandler({
    name: `${name} <package>`,
    description,
    mode: { ...MUTATING, multiRepository: false },
    options: (argv: Argv) =>
      argv.positional('package', { type: 'string', demandOption: true, describe: 'package base' }),
    async run(context, args) {
      validatePackageName(args.package, 'package base');
      const state = await context.state();
      const stored = await state.changes.changesGet(args.package);
      if (stored.lastCommitSha === null) return;
      if (cleared.pkgbuild === null) {
        // the stored PKGBUILD is kept by an insert with none: forget the record and write it back without it
        await state.database.transaction(async () => {
          await state.changes.changesRemove(args.package);
          await state.changes.changesInsert(args.package, { ...stored, pkgbuild: null });
        });
      } else {
        await state.changes.changesInsert(args.package, { ...stored, ...cleared });
      }
      logger.info(`cleared the stored ${Object.keys(cleared).join(', ')} of ${args.package}`);
    },
  });
}

export const packageChanges = showHandler(
  'package-changes',
  'print what changed in the sources of a package base since its last build (stored by --changes)',
  'changes',
);
export const packageChangesRemove = removeHandler('package-changes-remove', 'forget the stored changes of a package base', { changes: null });
export const packagePkgbuild = showHandler('package-pkgbuild', 'print the PKGBUILD a package base was last built from', 'pkgbuild');
export const packagePkgbuildRemove = removeHandler('package-pkgbuild-remove', 'forget the stored PKGBUILD of a package base', { pkgbuild: null });
