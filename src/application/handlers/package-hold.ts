import type { Argv } from 'yargs';
import { getLogger } from '../../core/log/logger.js';
import { MUTATING, type RepositoryContext, type RepositoryHandler } from '../handler.js';

const logger = getLogger('package-hold');

interface HoldArguments {
  package: string[];
}

/** Sets or clears the held flag of every named base, all or none, each change recorded in the audit log. */
async function setHeld(context: RepositoryContext, bases: readonly string[], held: boolean): Promise<void> {
  const packages = await (await context.status()).setHeld(bases, held);
  logger.info(`${held ? 'held' : 'released'} ${packages.map((entry) => entry.package.base).join(', ')}`);
}

function holdOptions(argv: Argv): Argv<HoldArguments> {
  return argv.positional('package', {
    type: 'string',
    array: true,
    demandOption: true,
    describe: 'package bases',
  }) as unknown as Argv<HoldArguments>;
}

export const packageHold: RepositoryHandler<HoldArguments> = {
  name: 'package-hold <package..>',
  description: 'hold package bases: automatic update checks skip them until they are released',
  mode: MUTATING,
  options: holdOptions,
  run: (context, args) => setHeld(context, args.package, true),
};

export const packageUnhold: RepositoryHandler<HoldArguments> = {
  name: 'package-unhold <package..>',
  description: 'release held package bases, so that automatic update checks include them again',
  mode: MUTATING,
  options: holdOptions,
  run: (context, args) => setHeld(context, args.package, false),
};
