import path from 'node:path';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { validatePackageName } from '../alpm/validation.js';
import { InvalidInputError } from '../errors.js';

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Where the archives workers upload for one run wait until the coordinator has verified them:
 * `distributed/<repo>/<arch>/<run>/[<base>/]`, outside `packages/`, so nothing unverified can be published.
 */
export function runStaging(paths: RepositoryPaths, run: string, base?: string): string {
  if (!RUN_ID.test(run)) throw new InvalidInputError(`invalid run id ${JSON.stringify(run)}: expected a UUID`);
  const directory = path.join(paths.root, 'distributed', paths.repositoryId.name, paths.repositoryId.architecture, run);
  return base === undefined ? directory : path.join(directory, validatePackageName(base, 'package base'));
}
