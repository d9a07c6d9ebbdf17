import { existsSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Configuration } from '../core/configuration/configuration.js';
import { ConfigurationError, UnsafeRunError } from '../core/errors.js';
import { getLogger } from '../core/log/logger.js';
import type { OutputSink } from '../core/output.js';
import type { RepositoryState } from '../core/repository/state.js';
import type { StatusService } from '../core/status/service.js';
import type { RepositoryId } from '../models/repository-id.js';
import type { RepositoryPaths } from '../models/repository-paths.js';
import type { RepositoryLock } from './lock.js';
import { type CommandLine, type ExitCode, type GlobalArguments, type Handler, type RepositoryContext, type AnyRepositoryHandler, isSystemHandler } from './handler.js';
import { selectRepositories } from './repositories.js';

const logger = getLogger('ahriman');

/** The repository root must belong to whoever mutates it, or files end up owned by the wrong user. */
function checkOwner(root: string, unsafe: boolean): void {
  if (unsafe || !existsSync(root)) return;
  const owner = statSync(root).uid;
  const current = process.geteuid?.();
  if (current !== undefined && current !== owner) {
    throw new UnsafeRunError(
      `${root} belongs to uid ${owner}, but this process runs as uid ${current}: run as the owner (e.g. sudo -u ahriman ahriman ...) or pass --unsafe`,
    );
  }
}

/** Build workspaces are only used under the lock: any found on taking it were left by a killed run. */
async function sweepBuildWorkspaces(paths: RepositoryPaths): Promise<void> {
  const leftovers = await fs.readdir(paths.buildWorkspaces).catch(() => [] as string[]);
  if (leftovers.length === 0) return;
  logger.info(`removing ${leftovers.length} build workspace(s) an interrupted run left in ${paths.buildWorkspaces}`);
  await Promise.all(leftovers.map((name) => fs.rm(path.join(paths.buildWorkspaces, name), { recursive: true, force: true })));
}

async function runForRepository(
  handler: AnyRepositoryHandler,
  args: GlobalArguments,
  repositoryId: RepositoryId,
  output: OutputSink,
): Promise<ExitCode> {
  const configuration = Configuration.load(args.configuration, repositoryId);
  const paths = configuration.repositoryPaths();
  let state: Promise<RepositoryState> | undefined;
  let status: Promise<StatusService> | undefined;
  const context: RepositoryContext = {
    configuration,
    repositoryId,
    paths,
    output,
    // SQLite and the lock library load only for the commands that use them.
    state: () => (state ??= import('../core/repository/state.js').then(({ RepositoryState }) => RepositoryState.open(configuration, repositoryId))),
    status: () => (status ??= Promise.all([context.state(), import('../core/status/open.js')]).then(([opened, { openStatus }]) => openStatus(configuration, opened))),
  };
  checkOwner(paths.root, args.unsafe || handler.mode.unsafe);
  let lock: RepositoryLock | undefined;
  if (handler.mode.lock) {
    const { RepositoryLock, lockPath } = await import('./lock.js');
    lock = new RepositoryLock(lockPath(args.lock, paths.root, repositoryId));
  }
  try {
    if (lock) {
      await Promise.all(paths.treeDirectories.map((directory) => fs.mkdir(directory, { recursive: true })));
      await lock.acquire({
        waitTimeoutSeconds: args.waitTimeout,
        force: args.force,
        command: ['ahriman', ...args.rawArguments].join(' '),
      });
      await sweepBuildWorkspaces(paths);
    }
    return (await handler.run(context, args)) ?? 0;
  } finally {
    // reports the web service has not taken yet get one more try, then stay in the state database for the next run
    await status?.then((opened) => opened.client.close(), () => undefined);
    await state?.then((opened) => opened.close(), () => undefined);
    await lock?.releaseLock();
  }
}

/**
 * Runs one parsed command: once system-wide, or for each selected repository (in child processes when several, which
 * print to this process's stdout themselves).
 */
export async function execute(handler: Handler, args: GlobalArguments, cli: CommandLine, output: OutputSink): Promise<ExitCode> {
  if (isSystemHandler(handler)) {
    let configuration: Configuration | undefined;
    const load = (): Configuration => (configuration ??= Configuration.load(args.configuration));
    return (await handler.run({ configuration: load, cli, output }, args)) ?? 0;
  }
  const repositories = selectRepositories(Configuration.load(args.configuration), args);
  const [first] = repositories;
  if (first && (repositories.length === 1 || handler.mode.sharedState)) return runForRepository(handler, args, first, output);
  if (!handler.mode.multiRepository) {
    throw new ConfigurationError(
      `${handler.name} works on one repository, but ${repositories.map((id) => id.id).join(', ')} match: select one with -a and -r`,
    );
  }
  logger.info(`running for ${repositories.map((id) => id.id).join(', ')}`);
  const { runPerRepository } = await import('./fanout.js'); // child processes: loaded only to fan out
  return runPerRepository(repositories, args.rawArguments);
}
