import type { Argv } from 'yargs';
import { ConfigurationError } from '../../core/errors.js';
import { emptyResult } from '../../models/result.js';
import { Application } from '../application.js';
import { MUTATING, repositoryHandler } from '../handler.js';
import { print } from '../printer.js';
import { runWithTriggers } from '../triggers.js';

export const repoSign = repositoryHandler({
  name: 'repo-sign [package..]',
  aliases: ['sign'],
  description: 'sign all (or the given) packages again and the repository database, as [sign] says',
  mode: MUTATING,
  options: (argv: Argv) =>
    argv.positional('package', { type: 'string', array: true, default: [], describe: 'only these packages' }),
  async run(context, args) {
    if (context.configuration.getList('sign', 'target', [] as string[]).length === 0) {
      throw new ConfigurationError('[sign] target is empty: nothing to sign (set it to package and/or repository)');
    }
    const application = await Application.load(context);
    const run = await runWithTriggers(context, async () => {
      const signed = await application.services.publisher.resign(args.package);
      print(context.output, `signed ${signed.length} package(s) and the repository database`);
      return emptyResult();
    }, { publisher: application.services.publisher });
    return run.exitCode;
  },
});
