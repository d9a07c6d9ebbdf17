import type { Argv } from 'yargs';
import { parseVariableAssignment } from '../../core/build/patches.js';
import { addPackages } from '../../core/repository/package-add.js';
import { PACKAGE_SOURCES, type PackageSource } from '../../models/package-source.js';
import { Application } from '../application.js';
import { asList } from '../arguments.js';
import { MUTATING, repositoryHandler } from '../handler.js';
import { print, printJson, printResult, resultExitCode } from '../printer.js';
import { packagerOf, usernameOption } from '../packager.js';
import { runWithTriggers } from '../triggers.js';

export const packageAdd = repositoryHandler({
  name: 'package-add <package..>',
  aliases: ['add', 'package-update'],
  description: 'add packages: archives to the repository, PKGBUILDs (AUR, local, git) to the build queue',
  mode: MUTATING,
  options: (argv: Argv) =>
    usernameOption(argv)
      .positional('package', { type: 'string', array: true, default: [], describe: 'AUR name, PKGBUILD directory, archive, directory of archives or URL' })
      .option('source', { alias: 's', choices: PACKAGE_SOURCES, default: 'auto' as PackageSource, describe: 'where the packages come from' })
      .option('now', { alias: 'n', type: 'boolean', default: false, describe: 'build and publish them right away' })
      .option('changes', { type: 'boolean', default: true, describe: 'with --now: store what changed in the sources since the last build' })
      .option('dependencies', { type: 'boolean', default: true, describe: 'with --now: add missing dependencies from the AUR' })
      .option('increment', { type: 'boolean', default: true, describe: 'with --now: bump pkgrel when the version is already in the repository' })
      .option('variable', { alias: 'v', type: 'string', coerce: asList, default: [], describe: 'KEY=VALUE to set in the PKGBUILD (repeatable)' })
      .option('refresh', { alias: 'y', type: 'count', describe: 'download the sync databases of [alpm] repositories first (-yy: even if unchanged)' })
      .option('exit-code', { alias: 'e', type: 'boolean', default: false, describe: 'with --now: exit 1 when nothing was built' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON: {queued, staged} and, with --now, the result' }),
  async run(context, args) {
    const patches = args.variable.map(parseVariableAssignment);
    const application = await Application.load(context);
    await application.refresh(args.refresh);
    const added = await addPackages(application.services, args.package, { source: args.source, patches });
    const summary = { queued: added.queued, staged: added.archives, rejected: added.rejected };
    // one write: a directory of thousands of archives is as many lines
    const lines = [...added.queued.map((base) => `queued ${base}`), ...added.archives.map((archive) => `staged ${archive}`)];
    if (!args.json && lines.length > 0) print(context.output, lines.join('\n'));
    const rejected = added.rejected.length > 0 ? 1 : 0;
    if (!args.now) {
      if (args.json) printJson(context.output, summary);
      return rejected;
    }
    const packager = await packagerOf(application.services.state, args.username);
    const run = await runWithTriggers(
      context,
      async () => {
        const { candidates: queued } = await application.updates(added.queued, { aur: false, local: false, manual: true, vcs: false });
        const candidates = queued.filter((candidate) => added.queued.includes(candidate.record.base));
        if (args.changes) await application.storeChanges(candidates);
        return application.update(candidates, { ...args, packager });
      },
      { publisher: application.services.publisher },
    );
    if (args.json) printJson(context.output, { ...summary, result: run.result });
    else printResult(context.output, run.result);
    const empty = args.exitCode && run.result.success.length === 0 ? 1 : 0;
    return Math.max(resultExitCode(run.result), run.exitCode, empty, rejected);
  },
});
