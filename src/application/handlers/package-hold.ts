import type { Argv } from 'yargs';
import { getLogger } from '../../core/log/logger.js';
import { MUTATING, type RepositoryContext, repositoryHandler } from '../handler.js';

const logger = getLogger('package-hold');

/** Sets or clears the held flag of every named base, all or none, each change recorded in the audit log. */
export async function setHeld(context: RepositoryContext, bases: readonly string[], held: boolean): Promise<void> {
  const packages = await (await context.status()).setHeld(bases, held);
  logger.info(`${held ? 'held' : 'released'} ${packages.map((entry) => entry.package.base).join(', ')}`);
}

function holdOptions(argv: Argv) {
  return argv.positional('package', {
    type: 'string',
    array: true,
    demandOption: true,
    describe: 'package bases',
  });
}

export const packageHold = repositoryHandler({
  name: 'package-hold <package..>',
  description: 'hold package bases: automatic update checks skip them until they are released',
  mode: MUTATING,
  options: holdOptions,
  run: (context, args) => setHeld(context, args.package, true),
});

export const packageUnhold = repositoryHandler({
  name: 'package-unhold <package..>',
  description: 'release held package bases, so that automatic update checks include them again',
  mode: MUTATING,
  options: holdOptions,
  run: (context, args) => setHeld(context, args.package, false),
});
