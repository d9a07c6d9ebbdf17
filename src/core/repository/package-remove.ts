import fs from 'node:fs/promises';
import { validatePackageName } from '../alpm/validation.js';
import { InvalidInputError } from '../errors.js';
import type { RepositoryServices } from './services.js';

/**
 * Removes package bases (named by base or by any of their package names) from the repository with one database
 * write, together with their `-debug` companions, and forgets their state (queue, patches, logs, status, sources).
 * Their files stay in the archive tree for rollback until archive rotation drops them.
 */
export async function removePackages(services: RepositoryServices, names: string[]): Promise<string[]> {
  const { state, publisher, paths } = services;
  for (const name of names) validatePackageName(name);
  const known = (await state.packages.listPackages()).map((item) => item.package);
  const index = await publisher.index();
  const bases = new Set<string>();
  const unknown: string[] = [];
  for (const name of names) {
    const record = known.find((item) => item.base === name || name in item.packages);
    const entry = index.get(name);
    if (record) bases.add(record.base);
    else if (entry) bases.add(entry.base);
    else unknown.push(name);
  }
  if (unknown.length > 0) throw new InvalidInputError(`not in the repository: ${unknown.join(', ')}`);

  const packageNames = [...index.values()].filter((entry) => bases.has(entry.base)).map((entry) => entry.name);
  for (const base of bases) {
    const record = known.find((item) => item.base === base);
    packageNames.push(...Object.keys(record?.packages ?? {}));
  }
  const removing = [...new Set(packageNames.flatMap((name) => [name, `${name}-debug`]))];
  const result = await publisher.publish({ archives: [], remove: removing });
  for (const base of bases) {
    await state.database.transaction(async () => {
      await state.queue.queueClear(base);
      await state.patches.patchesRemove(base);
      await state.logs.logsRemove(base);
      await state.changes.changesRemove(base);
      await state.packages.removePackage(base);
      await state.events.eventInsert({ event: 'package-removed', objectId: base, message: 'removed from the repository', created: Math.floor(Date.now() / 1000), data: {} });
    });
    await fs.rm(paths.cacheFor(base), { recursive: true, force: true });
  }
  return result.removed.map((entry) => entry.name);
}
