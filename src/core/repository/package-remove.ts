import { validatePackageName } from '../alpm/validation.js';
import { InvalidInputError } from '../errors.js';
import { executePlan, recoverPublish } from './publish.js';
import type { RepositoryServices } from './services.js';

/**
 * Removes package bases (named by base or by any of their package names) from the repository with one database
 * commit, together with their `-debug` companions, and forgets their state (queue, patches, logs, status, sources)
 * in the transaction that closes the publish journal (publish.ts), so a crash at any point is completed by the
 * next run. Their files stay in the archive tree for rollback until archive rotation drops them.
 */
export async function removePackages(services: RepositoryServices, names: string[]): Promise<string[]> {
  const { state, publisher } = services;
  for (const name of names) validatePackageName(name);
  await recoverPublish(services);
  const named = await state.packages.basesNamed(names);
  const index = await publisher.index();
  const bases = new Set<string>();
  const unknown: string[] = [];
  for (const name of names) {
    const base = named.get(name) ?? index.get(name)?.base;
    if (base !== undefined) bases.add(base);
    else unknown.push(name);
  }
  if (unknown.length > 0) throw new InvalidInputError(`not in the repository: ${unknown.join(', ')}`);

  const packageNames = [...index.values()].filter((entry) => bases.has(entry.base)).map((entry) => entry.name);
  for (const item of await state.packages.listPackages([...bases])) packageNames.push(...Object.keys(item.package.packages));
  const removing = [...new Set(packageNames.flatMap((name) => [name, `${name}-debug`]))].filter((name) => index.has(name));
  const result = await executePlan(services, { added: [], remove: removing, forget: [...bases], durations: {} });
  return result.removed.map((entry) => entry.name);
}
