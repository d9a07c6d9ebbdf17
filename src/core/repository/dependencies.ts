import type { PackageRecord } from '../../models/package-record.js';
import type { AurPackage } from '../alpm/remote/aur.js';
import { errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import { recordDependencies, recordFromAur, recordProvides } from './records.js';
import type { RepositoryServices } from './services.js';

export interface ResolvedDependencies {
  /** The requested bases plus every AUR base they need that the repository does not have. */
  records: PackageRecord[];
  /** Bases that cannot be built: a dependency is nowhere to be found. */
  unresolvable: Map<string, string>;
}

const logger = getLogger('dependencies');

/**
 * Adds missing AUR dependencies, recursively. A dependency is satisfied by a package (or provides) of the repository,
 * of the bases being built, or of the distribution (`official`, the names of the sync databases; when none are
 * known, the build environment is trusted to have it). Otherwise the AUR is asked, by name and then by provides.
 * A dependency found nowhere fails only the bases that need it.
 */
export async function resolveDependencies(
  services: RepositoryServices,
  requested: PackageRecord[],
  official: ReadonlySet<string> | undefined,
): Promise<ResolvedDependencies> {
  if (requested.length === 0) return { records: [], unresolvable: new Map() };
  const known = await services.state.packages.listPackages();
  const satisfied = new Set([...known.flatMap((item) => recordProvides(item.package)), ...(official ?? [])]);
  const records = new Map(requested.map((record) => [record.base, record]));
  const missingBy = new Map<string, string[]>();
  let pending = requested;
  while (pending.length > 0) {
    for (const record of pending) for (const name of recordProvides(record)) satisfied.add(name);
    const wanted = new Map<string, string[]>();
    for (const record of pending) {
      for (const dependency of recordDependencies(record)) {
        if (!satisfied.has(dependency)) wanted.set(dependency, [...(wanted.get(dependency) ?? []), record.base]);
      }
    }
    if (wanted.size === 0) break;
    let found: Map<string, AurPackage>;
    try {
      found = await services.aur.info(wanted.keys());
    } catch (error) {
      logger.error(`cannot look missing dependencies up in the AUR (${errorMessage(error)}): building without ${[...wanted.keys()].join(', ')}`);
      break;
    }
    const added: PackageRecord[] = [];
    for (const [dependency, dependents] of wanted) {
      let aurPackage = found.get(dependency);
      if (!aurPackage && official !== undefined) aurPackage = (await services.aur.providers(dependency))[0];
      if (!aurPackage) {
        if (official === undefined) {
          logger.warning(`${dependency} (needed by ${dependents.join(', ')}) is not in the repository or the AUR: assuming the build environment has it`);
          satisfied.add(dependency);
        } else {
          for (const base of dependents) missingBy.set(base, [...(missingBy.get(base) ?? []), dependency]);
          satisfied.add(dependency); // reported once, not looked up again
        }
        continue;
      }
      if (records.has(aurPackage.packageBase)) continue;
      logger.info(`adding ${aurPackage.packageBase} from the AUR: ${dependents.join(', ')} depend(s) on ${dependency}`);
      const record = recordFromAur(services.aur, aurPackage, null);
      records.set(record.base, record);
      added.push(record);
    }
    pending = added;
  }
  const unresolvable = new Map([...missingBy].map(([base, names]) => [base, `missing dependencies: ${names.join(', ')}`]));
  return { records: [...records.values()], unresolvable };
}
