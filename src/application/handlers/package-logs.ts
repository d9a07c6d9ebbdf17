import type { Argv } from 'yargs';
import { validateFullVersion } from '../../core/alpm/validation.js';
import { InvalidInputError } from '../../core/errors.js';
import { formatTimestamp } from '../../core/format/date.js';
import { READ_ONLY, repositoryHandler } from '../handler.js';
import { print, printJson } from '../printer.js';

export const packageLogs = repositoryHandler({
  name: 'package-logs <package>',
  description: 'print the stored log of the latest build of a package base (or of its latest build of --version)',
  mode: READ_ONLY,
  options: (argv: Argv) =>
    argv
      // the global --version prints the program version; here it selects the build
      .version(false)
      .positional('package', { type: 'string', demandOption: true, describe: 'package base' })
      .option('version', { type: 'string', describe: 'the build of this version (default: the latest build)' })
      .option('limit', { type: 'number', describe: 'only the last N lines' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run(context, args) {
    if (args.version !== undefined) validateFullVersion(args.version);
    if (args.limit !== undefined && !(Number.isInteger(args.limit) && args.limit > 0)) {
      throw new InvalidInputError(`invalid --limit ${args.limit}: expected a positive integer`);
    }
    const state = await context.state();
    await (await context.status()).knownPackages([args.package]);
    const base = args.package;

    // A build is one (version, process) pair: the one that wrote the newest line is the latest build.
    const [newest] = await state.logs.logsGet(base, { version: args.version, limit: 1 });
    if (newest === undefined) {
      const which = args.version === undefined ? '' : ` of version ${args.version}`;
      throw new InvalidInputError(`no build log${which} of ${base} is stored in repository ${state.repositoryId.id}`);
    }
    const lines = await state.logs.logsGet(base, {
      version: newest.version,
      processId: newest.processId,
      limit: args.limit,
    });

    if (args.json) printJson(context.output, lines);
    else print(context.output, lines.map((line) => `[${formatTimestamp(line.created)}] ${line.message}`).join('\n'));
  },
});
