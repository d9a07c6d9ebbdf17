import type { Argv } from 'yargs';
import { validatePackageName } from '../../core/alpm/validation.js';
import { chartFormat, timelineChart, writeChart } from '../../core/chart.js';
import { InvalidInputError } from '../../core/errors.js';
import { historyAt, historyBetween } from '../../core/repository/history.js';
import { formatTable } from '../../core/format/table.js';
import { type HistoryPackage, type HistoryPeriod, type HistoryRun, parseHistoryPoint } from '../../models/history.js';
import { READ_ONLY, repositoryHandler } from '../handler.js';
import { print, printJson } from '../printer.js';

const time = (run: HistoryRun): string => new Date(run.created).toISOString();
const runText = (run: HistoryRun | null): string =>
  run ? `run ${run.id} at ${time(run)}${run.snapshot === null ? '' : ` (snapshot ${run.snapshot})`}` : 'before the first recorded run';
const packageRow = (item: HistoryPackage): string[] => [item.name, item.version, item.base, item.architecture, item.checksum];
const PACKAGE_HEADER = ['NAME', 'VERSION', 'BASE', 'ARCH', 'SHA256'];

/** A package's versions on a timeline: where each file came, and where the package left the repository. */
function versionsChart(name: string, periods: readonly HistoryPeriod[]) {
  const starts = new Set(periods.map((period) => `${period.name}\u0000${period.added.id}`));
  const points = periods.flatMap((period) => [
    { time: period.added.created, row: period.name, label: period.version },
    ...(period.removed && !starts.has(`${period.name}\u0000${period.removed.id}`) ? [{ time: period.removed.created, row: period.name, label: 'removed' }] : []),
  ]);
  return timelineChart(`versions of ${name}`, { row: 'package' }, points);
}

export const repoHistory = repositoryHandler({
  name: 'repo-history [package]',
  description: 'the content history of the repository: the versions a package had and when, the content at a date, or what changed between two points',
  mode: READ_ONLY,
  options: (argv: Argv) =>
    argv
      .positional('package', { type: 'string', describe: 'the versions this package (name or base) had, and when' })
      .option('at', { type: 'string', describe: 'the packages listed at this point: an ISO date, run:N or snapshot:ID' })
      .option('diff', { type: 'string', array: true, nargs: 2, describe: 'what changed from point A to point B (each an ISO date, run:N or snapshot:ID)' })
      .option('chart', { type: 'string', describe: 'with a package: also write a timeline of its versions to this file (*.svg or *.png)' })
      .option('limit', { type: 'number', default: 20, describe: 'without arguments: list this many of the latest runs; -1: all' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON (times in unix milliseconds)' })
      .conflicts('at', 'diff'),
  async run(context, args) {
    if (args.package !== undefined) validatePackageName(args.package, 'package');
    if (args.chart !== undefined) {
      if (args.package === undefined || args.at !== undefined || args.diff !== undefined) throw new InvalidInputError(`--chart ${args.chart}: charts show the versions of a package; name one, without --at or --diff`);
      chartFormat('--chart', args.chart);
    }
    if (args.diff !== undefined && args.diff.length !== 2) throw new InvalidInputError(`--diff takes two points (A B), got ${args.diff.length}`);
    const only = (items: HistoryPackage[]) => (args.package === undefined ? items : items.filter((item) => item.name === args.package || item.base === args.package));
    const state = await context.state();

    if (args.diff !== undefined) {
      const diff = await historyBetween(state, parseHistoryPoint('--diff', args.diff[0]!), parseHistoryPoint('--diff', args.diff[1]!));
      const [added, removed] = [only(diff.added), only(diff.removed)];
      if (args.json) return printJson(context.output, { ...diff, added, removed });
      const rows = [...removed.map((item) => ['-', ...packageRow(item)]), ...added.map((item) => ['+', ...packageRow(item)])];
      print(context.output, [`${runText(diff.from)} -> ${runText(diff.to)}: ${added.length} added, ${removed.length} removed`, ...(rows.length > 0 ? formatTable([['', ...PACKAGE_HEADER], ...rows]) : [])].join('\n'));
    } else if (args.at !== undefined) {
      const content = await historyAt(state, parseHistoryPoint('--at', args.at));
      const packages = only(content.packages);
      if (args.json) return printJson(context.output, { ...content, packages });
      print(context.output, [`${runText(content.run)}: ${packages.length} package(s)`, ...(packages.length > 0 ? formatTable([PACKAGE_HEADER, ...packages.map(packageRow)]) : [])].join('\n'));
    } else if (args.package !== undefined) {
      const periods = await state.history.historyPackage(args.package);
      if (args.json) printJson(context.output, periods);
      else {
        const rows = periods.map((period) => [period.name, period.version, period.architecture, `${time(period.added)} (run ${period.added.id})`, period.removed ? `${time(period.removed)} (run ${period.removed.id})` : '-']);
        print(context.output, rows.length > 0 ? formatTable([['NAME', 'VERSION', 'ARCH', 'ADDED', 'REMOVED'], ...rows]).join('\n') : `${args.package}: not in the history`);
      }
      if (args.chart !== undefined) await writeChart('--chart', args.chart, versionsChart(args.package, periods));
    } else {
      const runs = await state.history.historyRuns(args.limit);
      if (args.json) return printJson(context.output, runs);
      const rows = runs.map((run) => [String(run.id), time(run), run.snapshot ?? '-', String(run.added), String(run.removed)]);
      print(context.output, rows.length > 0 ? formatTable([['RUN', 'TIME', 'SNAPSHOT', 'ADDED', 'REMOVED'], ...rows]).join('\n') : 'no publish recorded yet');
    }
  },
});
