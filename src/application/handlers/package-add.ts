import type { Argv } from 'yargs';
import { parseVariableAssignment } from '../../core/build/patches.js';
import { addPackages } from '../../core/repository/package-add.js';
import { PACKAGE_SOURCES, type PackageSource } from '../../models/package-source.js';
import { Application } from '../application.js';
import { asList } from '../arguments.js';
import { MUTATING, type RepositoryHandler, print } from '../handler.js';
import { runWithTriggers } from '../triggers.js';
import { reportResult } from './repo-update.js';

interface AddArguments {
  package: string[];
  source: PackageSource;
  now: boolean;
  dependencies: boolean;
  increment: boolean;
  variable: string[];
  refresh: number;
  json: boolean;
}

export const packageAdd: RepositoryHandler<AddArguments> = {
  name: 'package-add <package..>',
  aliases: ['add', 'package-update'],
  description: 'add packages: archives to the repository, PKGBUILDs (AUR, local, git) to the build queue',
  mode: MUTATING,
  options: (argv: Argv) =>
    argv
      .positional('package', { type: 'string', array: true, describe: 'AUR name, PKGBUILD directory, archive, directory of archives or URL' })
      .option('source', { alias: 's', choices: PACKAGE_SOURCES, default: 'auto' as PackageSource, describe: 'where the packages come from' })
      .option('now', { alias: 'n', type: 'boolean', default: false, describe: 'build and publish them right away' })
      .option('dependencies', { type: 'boolean', default: true, describe: 'with --now: add missing dependencies from the AUR' })
      .option('increment', { type: 'boolean', default: true, describe: 'with --now: bump pkgrel when the version is already in the repository' })
      .option('variable', { alias: 'v', type: 'string', coerce: asList, default: [], describe: 'KEY=VALUE to set in the PKGBUILD (repeatable)' })
      .option('refresh', { alias: 'y', type: 'count', describe: 'download the sync databases of [alpm] repositories first (-yy: even if unchanged)' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }) as unknown as Argv<AddArguments>,
  async run(context, args) {
    const patches = args.variable.map(parseVariableAssignment);
    const application = await Application.load(context);
    await application.refresh(args.refresh);
    const added = await addPackages(application.services, args.package, { source: args.source, patches });
    for (const base of added.queued) print(`queued ${base}`);
    for (const archive of added.archives) print(`staged ${archive}`);
    const rejected = added.rejected.length > 0 ? 1 : 0;
    if (!args.now) return rejected;
    const run = await runWithTriggers(context, async () => {
      const { candidates: queued } = await application.updates(added.queued, { aur: false, local: false, manual: true, vcs: false });
      const candidates = queued.filter((candidate) => added.queued.includes(candidate.record.base));
      return application.update(candidates, args);
    }, { publisher: application.services.publisher });
    return Math.max(reportResult(run.result, args.json), run.exitCode, rejected);
  },
};
