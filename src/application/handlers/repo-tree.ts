import type { Argv } from 'yargs';
import { InvalidInputError } from '../../core/errors.js';
import { recordDependencies, recordProvides } from '../../core/repository/records.js';
import { partition, resolveLevels } from '../../core/tree.js';
import { READ_ONLY, repositoryHandler } from '../handler.js';
import { print, printJson } from '../printer.js';
import { formatEntry } from '../../core/format/table.js';

export const repoTree = repositoryHandler({
  name: 'repo-tree',
  description: 'print the build order of the repository packages, or N independent partitions',
  mode: READ_ONLY,
  options: (argv: Argv) =>
    argv
      .option('partitions', { alias: 'p', type: 'number', default: 1, describe: 'split into this many independent groups' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run(context, args) {
    if (!Number.isInteger(args.partitions) || args.partitions < 1) throw new InvalidInputError(`--partitions must be a positive integer, got ${args.partitions}`);
    const state = await context.state();
    const records = (await state.packages.listPackages()).map((entry) => entry.package);
    const nodes = records.map((record) => ({
      base: record.base,
      provides: recordProvides(record),
      dependencies: recordDependencies(record),
    }));
    const groups = args.partitions > 1 ? partition(nodes, args.partitions) : [nodes.map((node) => node.base)];
    const output = groups.map((group) => {
      const { levels, unresolvable } = resolveLevels(nodes.filter((node) => group.includes(node.base)));
      return { levels, unresolvable: Object.fromEntries(unresolvable) };
    });
    if (args.json) {
      printJson(context.output, args.partitions > 1 ? output : output[0]);
      return;
    }
    const versions = new Map(records.map((record) => [record.base, record.version]));
    output.forEach((group, index) => {
      print(context.output, `partition #${index}`);
      group.levels.forEach((level, levelIndex) => print(context.output, formatEntry(`level #${levelIndex}`, level.map((base) => [base, versions.get(base) ?? '']), ' ')));
      for (const [base, reason] of Object.entries(group.unresolvable)) print(context.output, `cannot build ${base}: ${reason}`);
      print(context.output, '');
    });
  },
});
