import type { Argv } from 'yargs';
import { emptyResult } from '../../models/result.js';
import { MUTATING, type RepositoryContext, repositoryHandler } from '../handler.js';
import { runWithTriggers } from '../triggers.js';

/** Runs triggers as after an update that changed nothing: they see every package the repository serves. */
async function runOnDemand(context: RepositoryContext, triggers?: readonly string[]): Promise<number> {
  return (await runWithTriggers(context, async () => emptyResult(), { triggers })).exitCode;
}

export const repoTriggers = repositoryHandler({
  name: 'repo-triggers [trigger..]',
  description: 'run the configured triggers (or those given: built-in names, module or file paths) on the current repository',
  mode: MUTATING,
  options: (argv: Argv) =>
    argv.positional('trigger', { type: 'string', array: true, default: [], describe: 'triggers to run instead of [build] triggers' }),
  run: (context, args) => runOnDemand(context, args.trigger.length > 0 ? args.trigger : undefined),
});

export const repoReport = repositoryHandler({
  name: 'repo-report',
  aliases: ['report'],
  description: 'write the reports of [report] target for the current repository',
  mode: MUTATING,
  run: (context) => runOnDemand(context, ['report']),
});

export const repoSync = repositoryHandler({
  name: 'repo-sync',
  aliases: ['sync'],
  description: 'upload the current repository to the remotes of [upload] target',
  mode: MUTATING,
  run: (context) => runOnDemand(context, ['upload']),
});
