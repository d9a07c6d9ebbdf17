import { RepositoryPublisher } from '../core/repository/publisher.js';
import { configuredTriggers } from '../core/triggers/loader.js';
import { checkTriggerConfiguration } from '../core/triggers/preflight.js';
import { TriggerRunner } from '../core/triggers/runner.js';
import type { Result } from '../models/result.js';
import type { ExitCode, RepositoryContext } from './handler.js';

export interface TriggeredRun {
  result: Result;
  /** 1 when a trigger failed to load or in one of its hooks, else 0. */
  exitCode: ExitCode;
}

export interface TriggerRunOptions {
  /** The triggers to run (default: `[build] triggers`). */
  triggers?: readonly string[];
  /** The run's publisher, whose served index the step has read or written already (else it is read afresh). */
  publisher?: RepositoryPublisher;
}

/**
 * Runs a repository-changing step inside the trigger lifecycle, once per run: onStart of every trigger (those named,
 * else `[build] triggers`), the step, onResult with the step's Result and every package the repository serves
 * afterwards, then onStop in reverse order, also when the step throws (the error then goes on to the command).
 * The triggers and their configuration are checked first: a problem there stops the command before the step.
 */
export async function runWithTriggers(context: RepositoryContext, step: () => Promise<Result>, options: TriggerRunOptions = {}): Promise<TriggeredRun> {
  const { configuration, repositoryId, paths, output } = context;
  const triggers = options.triggers ?? configuredTriggers(configuration);
  await checkTriggerConfiguration(configuration, triggers);
  const runner = await TriggerRunner.load({ configuration, repositoryId, paths, output, state: await context.state() }, triggers);
  await runner.onStart();
  let result: Result;
  try {
    result = await step();
    const packages = [...(await (options.publisher ?? new RepositoryPublisher(paths)).index()).values()];
    await runner.onResult(result, packages);
  } finally {
    await runner.onStop();
  }
  return { result, exitCode: runner.failed ? 1 : 0 };
}
