import fs from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { MUTATING, repositoryHandler } from '../handler.js';
import { print } from '../printer.js';

/** Empties a directory, keeping the directory itself (its owner and mode stay as service-setup made them). */
async function empty(directory: string): Promise<number> {
  const entries = await fs.readdir(directory).catch(() => []);
  await Promise.all(entries.map((entry) => fs.rm(path.join(directory, entry), { recursive: true, force: true })));
  return entries.length;
}

/**
 * Unlike the reference, cleaning holds the repository lock: it can no longer pull the chroot or the sources from
 * under a running build.
 */
export const serviceClean = repositoryHandler({
  name: 'service-clean',
  aliases: ['clean', 'repo-clean'],
  description: 'remove caches: PKGBUILD sources, build chroots, the build queue, waiting archives, sync databases',
  mode: MUTATING,
  options: (argv: Argv) =>
    argv
      .option('cache', { type: 'boolean', default: false, describe: 'remove PKGBUILD sources (cache/)' })
      .option('chroot', { type: 'boolean', default: false, describe: 'remove the build chroots of this repository' })
      .option('manual', { type: 'boolean', default: false, describe: 'clear the build queue' })
      .option('packages', { type: 'boolean', default: false, describe: 'remove built archives not yet published (packages/)' })
      .option('pacman', { type: 'boolean', default: false, describe: 'remove the copy of the sync databases (pacman/)' }),
  async run(context, args) {
    const { paths } = context;
    const removed: string[] = [];
    if (args.cache) removed.push(`${await empty(paths.cache)} source trees`);
    if (args.chroot) removed.push(`${await empty(paths.chroot)} chroot entries`);
    if (args.packages) removed.push(`${await empty(paths.packages)} waiting archives`);
    if (args.pacman) removed.push(`${await empty(paths.pacman)} sync database entries`);
    if (args.manual) {
      const state = await context.state();
      const queued = await state.queue.queueList();
      await state.queue.queueClear();
      removed.push(`${queued.length} queued package bases`);
    }
    print(context.output, removed.length > 0 ? `removed ${removed.join(', ')}` : 'nothing selected: pass --cache, --chroot, --manual, --packages or --pacman');
  },
});
