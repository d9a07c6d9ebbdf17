import path from 'node:path';
import type { RemoteSource } from '../../models/package-source.js';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { validatePackageName } from '../alpm/validation.js';
import { type PackageBaseInfo, readPackageBase } from '../build/package-info.js';
import { fetchRemote, importLocal, pkgbuildDirectory } from '../build/sources.js';
import { InvalidInputError } from '../errors.js';
import type { SystemUser } from '../process.js';

/** Brings the PKGBUILD of a package base into `cache/<base>` and reads its metadata. */
export class SourceLoader {
  constructor(
    private readonly paths: RepositoryPaths,
    private readonly user: SystemUser,
  ) {}

  /** Fetches (git) or imports (local directory) the sources; returns the directory holding the PKGBUILD. */
  async checkout(base: string, remote: RemoteSource): Promise<string> {
    const target = this.paths.cacheFor(validatePackageName(base, 'package base'));
    switch (remote.source) {
      case 'aur':
      case 'remote':
      case 'repository':
        await fetchRemote(remote, target);
        return pkgbuildDirectory(target, remote);
      case 'local':
        if (!remote.path) throw new InvalidInputError(`local package ${base} has no source directory recorded`);
        await importLocal(remote.path, target);
        return target;
      default:
        throw new InvalidInputError(`package ${base} comes from '${remote.source}', which has no PKGBUILD to build`);
    }
  }

  info(directory: string): Promise<PackageBaseInfo> {
    return readPackageBase(directory, {
      user: this.user,
      architecture: this.paths.repositoryId.architecture,
      cacheDirectory: path.join(this.paths.cache, '.srcinfo'),
    });
  }
}
