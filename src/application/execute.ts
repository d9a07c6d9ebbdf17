import { existsSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import { Configuration } from '../core/configuration/configuration.js';
import { ConfigurationError, UnsafeRunError } from '../core/errors.js';
import { getLogger } from '../core/log/logger.js';
import { RepositoryState } from '../core/repository/state.js';
import { openStatus } from '../core/status/open.js';
import type { StatusService } from '../core/status/service.js';
import type { RepositoryId } from '../models/repository-id.js';
import { runPerRepository } from './fanout.js';
import { type ExitCode, type GlobalArguments, type Handler, type RepositoryContext, type AnyRepositoryHandler, isSystemHandler } from './handler.js';
import { RepositoryLock, lockPath } from './lock.js';
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

async function runForRepository(
  handler: AnyRepositoryHandler,
  args: GlobalArguments,
  repositoryId: RepositoryId,
): Promise<ExitCode> {
  const configuration = Configuration.load(args.configuration, repositoryId);
  const paths = configuration.repositoryPaths();
  let state: Promise<RepositoryState> | undefined;
  let status: Promise<StatusService> | undefined;
  const context: RepositoryContext = {
    configuration,
    repositoryId,
    paths,
    state: () => (state ??= RepositoryState.open(configuration, repositoryId)),
    status: () => (status ??= context.state().then((opened) => openStatus(configuration, opened))),
  };
  checkOwner(paths.root, args.unsafe || handler.mode.unsafe);
  const lock = handler.mode.lock ? new RepositoryLock(lockPath(args.lock, paths.root, repositoryId)) : undefined;
  try {
    if (lock) {
      await Promise.all(paths.treeDirectories.map((directory) => fs.mkdir(directory, { recursive: true })));
      await lock.acquire({
        waitTimeoutSeconds: args.waitTimeout,
        force: args.force,
        command: ['ahriman', ...args.rawArguments].join(' '),
      });
    }
    return (await handler.run(context, args)) ?? 0;
  } finally {
    await state?.then((opened) => opened.close(), () => undefined);
    await lock?.releaseLock();
  }
}

/** Runs one parsed command: once system-wide, or for each selected repository (in child processes when several). */
export async function execute(handler: Handler, args: GlobalArguments): Promise<ExitCode> {
  if (isSystemHandler(handler)) {
    let configuration: Configuration | undefined;
    const load = (): Configuration => (configuration ??= Configuration.load(args.configuration));
    return (await handler.run({ configuration: load }, args)) ?? 0;
  }
  const repositories = selectRepositories(Configuration.load(args.configuration), args);
  const [first] = repositories;
  if (repositories.length === 1 && first) return runForRepository(handler, args, first);
  if (!handler.mode.multiRepository) {
    throw new ConfigurationError(
      `${handler.name} works on one repository, but ${repositories.map((id) => id.id).join(', ')} match: select one with -a and -r`,
    );
  }
  logger.info(`running for ${repositories.map((id) => id.id).join(', ')}`);
  return runPerRepository(repositories, args.rawArguments);
}
