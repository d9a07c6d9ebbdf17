import type { Argv } from 'yargs';
import { removePackages } from '../../core/repository/package-remove.js';
import { emptyResult } from '../../models/result.js';
import { Application } from '../application.js';
import { MUTATING, repositoryHandler } from '../handler.js';
import { print } from '../printer.js';
import { runWithTriggers } from '../triggers.js';

export const packageRemove = repositoryHandler({
  name: 'package-remove <package..>',
  aliases: ['remove'],
  description: 'remove packages (by base or package name, with their -debug packages) from the repository',
  mode: MUTATING,
  options: (argv: Argv) =>
    argv.positional('package', { type: 'string', array: true, default: [], describe: 'package bases or names' }),
  async run(context, args) {
    const application = await Application.load(context);
    const run = await runWithTriggers(context, async () => ({ ...emptyResult(), removed: await removePackages(application.services, args.package) }), { publisher: application.services.publisher });
    for (const name of run.result.removed) print(context.output, `removed ${name}`);
    return run.exitCode;
  },
});
