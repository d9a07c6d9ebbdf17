import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Argv } from 'yargs';
import { InvalidInputError } from '../../core/errors.js';
import { getLogger } from '../../core/log/logger.js';
import { cliChildArguments } from '../../core/cli-child.js';
import { recordDependencies, recordProvides } from '../../core/repository/records.js';
import { partition } from '../../core/tree.js';
import { type ArgumentsOf, READ_ONLY, type RepositoryContext, repositoryHandler } from '../handler.js';
import { UPDATE_SWITCHES, updateSwitchOptions } from './repo-update.js';

const logger = getLogger('repo-daemon');

function daemonOptions(argv: Argv) {
  return updateSwitchOptions(argv, false)
    .option('interval', { alias: 'i', type: 'number', default: 12 * 60 * 60, describe: 'seconds between full cycles' })
    .option('partitions', { type: 'boolean', default: true, describe: 'update one independent group per tick, spreading a cycle over the interval' });
}

/** The finest independent groups of the known bases (connected components of the dependency graph). */
async function independentGroups(context: RepositoryContext): Promise<string[][]> {
  const nodes = (await (await context.status()).client.packages()).map(({ package: record }) => ({
    base: record.base,
    provides: recordProvides(record),
    dependencies: recordDependencies(record),
  }));
  return partition(nodes, Math.max(nodes.length, 1)).filter((group) => group.length > 0);
}

/**
 * One update, as a `repo-update` child: it takes the repository lock like a timer run (waiting for it), and a crash
 * in one update does not end the daemon.
 */
async function update(context: RepositoryContext, args: ArgumentsOf<typeof daemonOptions>, bases: string[]): Promise<void> {
  const argv = cliChildArguments(args.configuration, context.repositoryId, Math.max(args.waitTimeout, 0), [
    'repo-update',
    ...UPDATE_SWITCHES.map((flag) => (args[flag] ? `--${flag}` : `--no-${flag}`)),
    ...Array.from({ length: args.refresh }, () => '--refresh'),
    ...(args.username === undefined ? [] : ['--username', args.username]),
    ...bases,
  ]);
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'inherit', 'inherit'] });
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) logger.warning(`update of ${bases.length > 0 ? bases.join(' ') : 'the repository'} exited with ${code}`);
}

export const repoDaemon = repositoryHandler({
  name: 'repo-daemon',
  aliases: ['daemon'],
  description: 'update the repository periodically: each tick one independent group of packages (--partitions) or all of them',
  mode: { ...READ_ONLY, unsafe: false },
  options: daemonOptions,
  async run(context, args) {
    if (!(args.interval > 0)) throw new InvalidInputError(`--interval must be a positive number of seconds, got ${args.interval}`);
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    logger.info(`updating ${context.repositoryId.id} every ${args.interval} s${args.partitions ? ', one independent group per tick' : ''}`);
    try {
      while (!stop.signal.aborted) {
        const groups = args.partitions ? await independentGroups(context) : [[]];
        // an empty repository still gets its tick: the queue and new dependencies may need building
        const ticks = groups.length > 0 ? groups : [[]];
        for (const bases of ticks) {
          await sleep((args.interval * 1000) / ticks.length, undefined, { signal: stop.signal });
          await update(context, args, bases);
        }
      }
    } catch (error) {
      if (!stop.signal.aborted) throw error;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    logger.info('stopped');
  },
});
