import type { Argv } from 'yargs';
import { validatePackageName } from '../../core/alpm/validation.js';
import { barChart, chartFormat, writeChart } from '../../core/chart.js';
import { InvalidInputError } from '../../core/errors.js';
import { type Summary, eventStatistics } from '../../core/statistics.js';
import { EVENT_TYPES, type EventType } from '../../models/event.js';
import { ISO_DATE_EXAMPLE, parseIsoDate } from '../../models/iso-date.js';
import { READ_ONLY, repositoryHandler } from '../handler.js';
import { print, printJson } from '../printer.js';
import { formatEntry } from '../../core/format/table.js';

/** An ISO date or date-time (UTC unless it says otherwise) as unix seconds. */
function unixTime(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = parseIsoDate(value);
  if (parsed === undefined) throw new InvalidInputError(`--${option} ${JSON.stringify(value)}: expected ${ISO_DATE_EXAMPLE}`);
  return Math.floor(parsed / 1000);
}

function formatSummary(summary: Summary | undefined): Array<[string, string]> {
  if (!summary) return [];
  const seconds = (value: number): string => `${value.toFixed(2)} s`;
  return [
    ['Duration min', seconds(summary.min)],
    ['Duration max', seconds(summary.max)],
    ['Duration mean', seconds(summary.mean)],
    ['Duration stddev', seconds(summary.stddev)],
  ];
}

export const repoStatistics = repositoryHandler({
  name: 'repo-statistics [package]',
  description: 'event statistics: how often each package was updated (or another event) and how long its builds took',
  mode: READ_ONLY,
  options: (argv: Argv) =>
    argv
      .positional('package', { type: 'string', describe: 'only this package base' })
      .option('chart', { type: 'string', describe: 'also write a bar chart of the events per package to this file (*.svg or *.png)' })
      .option('event', { alias: 'e', choices: EVENT_TYPES, default: 'package-updated' as EventType, describe: 'event to count' })
      .option('from-date', { type: 'string', describe: 'only events from this ISO date on' })
      .option('to-date', { type: 'string', describe: 'only events before this ISO date' })
      .option('limit', { type: 'number', default: -1, describe: 'at most this many (newest) events; -1: all' })
      .option('offset', { type: 'number', default: 0, describe: 'skip this many of the newest events' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run(context, args) {
    if (args.package !== undefined) validatePackageName(args.package, 'package base');
    if (args.chart !== undefined) chartFormat('--chart', args.chart);
    const state = await context.state();
    const events = await state.events.eventList({
      event: args.event,
      objectId: args.package,
      fromDate: unixTime('from-date', args.fromDate),
      toDate: unixTime('to-date', args.toDate),
      limit: args.limit < 0 ? undefined : args.limit,
      offset: args.offset,
    });
    const statistics = eventStatistics(events);
    if (args.json) printJson(context.output, { event: args.event, ...statistics });
    else {
      print(context.output, formatEntry(`${args.event}: ${statistics.events} events`, formatSummary(statistics.durations)));
      for (const item of statistics.objects) print(context.output, formatEntry(item.objectId, [['Events', String(item.events)], ...formatSummary(item.durations)]));
    }
    if (args.chart !== undefined) {
      const points = statistics.objects.map((item) => ({ label: item.objectId, value: item.events }));
      await writeChart('--chart', args.chart, barChart(`${args.event} per package`, { label: 'package', value: 'events' }, points));
    }
  },
});
