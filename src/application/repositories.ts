import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Configuration } from '../core/configuration/configuration.js';
import { ConfigurationError } from '../core/errors.js';
import { RepositoryId } from '../models/repository-id.js';

/** Set by the fan-out parent so that each child runs for exactly one repository. */
export const FANOUT_VARIABLE = 'AHRIMAN_FANOUT_REPOSITORY';

export interface RepositorySelection {
  architecture?: string[];
  repository?: string[];
  repositoryId?: string;
}

function subdirectories(directory: string): string[] {
  try {
    return readdirSync(directory, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

/** Repositories present in the tree: every `repository/<name>/<arch>` directory. */
export function discoverRepositories(root: string): RepositoryId[] {
  const base = path.join(root, 'repository');
  return subdirectories(base)
    .flatMap((name) => subdirectories(path.join(base, name)).map((architecture) => new RepositoryId(architecture, name)))
    .sort(RepositoryId.compare);
}

/**
 * Which repositories a command runs for: an explicit `--repository-id`; both `-a` and `-r` given; otherwise the
 * repositories found in the tree filtered by whichever of `-a`/`-r` was given; otherwise `[repository] name` with `-a`.
 */
export function selectRepositories(configuration: Configuration, selection: RepositorySelection): RepositoryId[] {
  const fanout = process.env[FANOUT_VARIABLE];
  if (fanout) return [RepositoryId.parse(fanout)];
  if (selection.repositoryId) return [RepositoryId.parse(selection.repositoryId)];

  const architectures = selection.architecture?.filter(Boolean) ?? [];
  const names = selection.repository?.filter(Boolean) ?? [];
  if (architectures.length > 0 && names.length > 0) {
    return names.flatMap((name) => architectures.map((architecture) => new RepositoryId(architecture, name)));
  }

  const root = configuration.getPath('repository', 'root');
  const found = discoverRepositories(root).filter(
    (id) =>
      (architectures.length === 0 || architectures.includes(id.architecture)) &&
      (names.length === 0 || names.includes(id.name)),
  );
  if (found.length > 0) return found;

  const configuredName = configuration.get('repository', 'name');
  if (architectures.length > 0 && configuredName) {
    return architectures.map((architecture) => new RepositoryId(architecture, configuredName));
  }
  const wanted = [
    architectures.length > 0 ? `architecture ${architectures.join(', ')}` : '',
    names.length > 0 ? `repository ${names.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  throw new ConfigurationError(
    `no repository ${wanted ? `with ${wanted} ` : ''}found under ${root}: pass -a ARCH -r NAME (or --repository-id ARCH-NAME), or run service-setup first`,
  );
}
