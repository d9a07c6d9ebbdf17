import type { Argv } from 'yargs';
import { InvalidInputError } from '../../core/errors.js';
import { snapshotListing } from '../../core/snapshots/listing.js';
import { promoteSnapshot, voteSnapshot } from '../../core/snapshots/promotion.js';
import { purgeSnapshots } from '../../core/snapshots/purge.js';
import { readSnapshotSettings } from '../../core/snapshots/settings.js';
import { SnapshotStore } from '../../core/snapshots/store.js';
import { emptyResult } from '../../models/result.js';
import type { SnapshotPromotion, SnapshotView } from '../../models/snapshot.js';
import type { OutputSink } from '../../core/output.js';
import { formatEntry } from '../../core/format/table.js';
import { MUTATING, READ_ONLY, type RepositoryContext, repositoryHandler } from '../handler.js';
import { print, printJson } from '../printer.js';
import { runWithTriggers } from '../triggers.js';

const SINGLE_REPOSITORY = { ...MUTATING, multiRepository: false };

function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}

function describeSnapshot(snapshot: SnapshotView, details: boolean): string {
  const votes = snapshot.votes.map((vote) => `${vote.job}=${vote.passed ? 'passed' : 'failed'}`).join(' ');
  const properties: Array<[string, string]> = [
    ['Created', formatTime(snapshot.created)],
    ['Pointers', snapshot.pointers.join(' ')],
    ['Run', `${snapshot.run ?? 'none'}${snapshot.failed ? ' (with failures)' : ''}`],
    ['Votes', votes],
  ];
  if (details) {
    const versions = (items: ReadonlyArray<{ name: string; version: string }>): string => items.map((item) => `${item.name} ${item.version}`).join(', ');
    properties.push(['Added', versions(snapshot.changes.added)], ['Removed', versions(snapshot.changes.removed)]);
    properties.push(['Built', Object.entries(snapshot.results.built).map(([base, version]) => `${base} ${version}`).join(', ')]);
    properties.push(['Failed', Object.entries(snapshot.results.failed).map(([base, reason]) => `${base}: ${reason}`).join('; ')]);
    for (const vote of snapshot.votes.filter((item) => item.url !== null || item.notes !== null)) {
      properties.push([`Vote ${vote.job}`, [vote.url, vote.notes].filter((item) => item !== null).join(' ')]);
    }
  }
  return formatEntry(snapshot.id, properties);
}

async function listing(context: RepositoryContext) {
  return snapshotListing(new SnapshotStore(context.paths), await context.state());
}

export const snapshotList = repositoryHandler({
  name: 'snapshot-list',
  description: 'list the snapshots of the repository, oldest first, with their pointers and votes',
  mode: READ_ONLY,
  options: (argv: Argv) => argv.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run(context, args) {
    const { snapshots, pointers } = await listing(context);
    if (args.json) printJson(context.output, { snapshots, pointers });
    else for (const snapshot of snapshots) print(context.output, describeSnapshot(snapshot, false));
  },
});

export const snapshotShow = repositoryHandler({
  name: 'snapshot-show <snapshot>',
  description: 'print a snapshot: what changed, the builds of its run, its pointers and votes',
  mode: READ_ONLY,
  options: (argv: Argv) =>
    argv
      .positional('snapshot', { type: 'string', demandOption: true, describe: 'snapshot id, or a pointer name' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run(context, args) {
    const { snapshots, pointers } = await listing(context);
    const id = pointers[args.snapshot] ?? args.snapshot;
    const snapshot = snapshots.find((item) => item.id === id);
    if (!snapshot) throw new InvalidInputError(`no snapshot ${args.snapshot} in ${context.repositoryId.id}`);
    if (args.json) printJson(context.output, snapshot);
    else print(context.output, describeSnapshot(snapshot, true));
  },
});

function printPromotions(output: OutputSink, promoted: readonly SnapshotPromotion[], json: boolean): void {
  if (json) printJson(output, promoted);
  else for (const item of promoted) print(output, `${item.pointer}: ${item.previous ?? 'none'} -> ${item.snapshot}`);
}

/** Moves pointers inside the trigger lifecycle, so that uploads publish them and reports say so. */
async function withTriggers(context: RepositoryContext, step: () => Promise<SnapshotPromotion[]>): Promise<{ promoted: SnapshotPromotion[]; exitCode: number }> {
  let promoted: SnapshotPromotion[] = [];
  const run = await runWithTriggers(context, async () => {
    promoted = await step();
    return { ...emptyResult(), promoted };
  });
  return { promoted, exitCode: run.exitCode };
}

export const snapshotVote = repositoryHandler({
  name: 'snapshot-vote <snapshot>',
  description: 'record the result of a CI job for a snapshot; pointers whose required jobs all passed move to it',
  mode: SINGLE_REPOSITORY,
  options: (argv: Argv) =>
    argv
      .positional('snapshot', { type: 'string', demandOption: true, describe: 'snapshot id' })
      .option('job', { type: 'string', demandOption: true, describe: 'name of the CI job' })
      .option('passed', { type: 'boolean', describe: 'the job passed' })
      .option('failed', { type: 'boolean', describe: 'the job failed' })
      .option('url', { type: 'string', describe: 'where the job\'s results are' })
      .option('notes', { type: 'string', describe: 'free text' })
      .option('json', { type: 'boolean', default: false, describe: 'print the pointers moved as JSON' })
      .conflicts('passed', 'failed')
      .check((values) => {
        if (values.passed === undefined && values.failed === undefined) throw new Error('give --passed or --failed');
        return true;
      }),
  async run(context, args) {
    const store = new SnapshotStore(context.paths);
    const state = await context.state();
    const settings = readSnapshotSettings(context.configuration);
    const vote = { snapshot: args.snapshot, job: args.job, passed: args.passed === true, url: args.url ?? null, notes: args.notes ?? null, created: Math.floor(Date.now() / 1000) };
    const { promoted, exitCode } = await withTriggers(context, () => voteSnapshot(store, state, settings, vote));
    printPromotions(context.output, promoted, args.json);
    return exitCode;
  },
});

export const snapshotPromote = repositoryHandler({
  name: 'snapshot-promote <snapshot> <pointer>',
  description: 'move a user-defined pointer ([snapshots] pointers) to a snapshot by hand',
  mode: SINGLE_REPOSITORY,
  options: (argv: Argv) =>
    argv
      .positional('snapshot', { type: 'string', demandOption: true, describe: 'snapshot id' })
      .positional('pointer', { type: 'string', demandOption: true, describe: 'pointer name' })
      .option('json', { type: 'boolean', default: false, describe: 'print the pointer moved as JSON' }),
  async run(context, args) {
    const store = new SnapshotStore(context.paths);
    const state = await context.state();
    const settings = readSnapshotSettings(context.configuration);
    const { promoted, exitCode } = await withTriggers(context, async () => {
      const promotion = await promoteSnapshot(store, state, settings, args.snapshot, args.pointer);
      return promotion ? [promotion] : [];
    });
    printPromotions(context.output, promoted, args.json);
    return exitCode;
  },
});

export const snapshotPurge = repositoryHandler({
  name: 'snapshot-purge',
  description: 'remove unpointed snapshots beyond [snapshots] keep, and the pool files no remaining snapshot nor repository links to',
  mode: MUTATING,
  options: (argv: Argv) =>
    argv
      .option('older-than', { type: 'number', describe: 'only snapshots older than DAYS (default [snapshots] older_than)' })
      .option('keep', { type: 'number', describe: 'the newest snapshots kept whatever their age (default [snapshots] keep)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'only print what would be removed' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  async run(context, args) {
    for (const [name, value] of [['--older-than', args.olderThan], ['--keep', args.keep]] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw new InvalidInputError(`${name} must be a whole number of at least 0, got ${value}`);
    }
    const settings = readSnapshotSettings(context.configuration);
    const outcome = await purgeSnapshots(context.paths, new SnapshotStore(context.paths), await context.state(), {
      keep: args.keep ?? settings.keep,
      olderThanDays: args.olderThan ?? settings.olderThanDays,
      dryRun: args.dryRun,
    });
    if (args.json) printJson(context.output, outcome);
    else {
      const verb = args.dryRun ? 'would remove' : 'removed';
      for (const id of outcome.snapshots) print(context.output, `${verb} snapshot ${id}`);
      for (const file of outcome.files) print(context.output, `${verb} ${file}`);
    }
  },
});
