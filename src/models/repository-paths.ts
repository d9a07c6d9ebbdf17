import path from 'node:path';
import type { RepositoryId } from './repository-id.js';

/**
 * The on-disk tree under `[repository] root`, the same layout as the reference so existing setups keep working:
 *
 *   ahriman.db                         shared state database
 *   .config/ahriman/ahriman.ini.d/     overrides written by service-setup
 *   archive/packages/<l>/<base>/       real package files of every repository
 *   archive/repos/YYYY/MM/DD/<repo>/<arch>/  daily snapshots
 *   build/<repo>/<arch>/               working copies of PKGBUILD directories during builds (emptied under the lock)
 *   cache/<base>/                      git clones of PKGBUILD sources
 *   chroot/<repo>/                     build chroots
 *   packages/<repo>/<arch>/            built or uploaded archives not yet in the repository
 *   pacman/<repo>/<arch>/              private copy of the sync databases
 *   repository/<repo>/<arch>/          the served repository
 *   snapshots/<repo>/<arch>/<id>/      immutable snapshots of it, and pointers (symbolic links) to them
 */
export class RepositoryPaths {
  constructor(
    readonly root: string,
    readonly repositoryId: RepositoryId,
  ) {}

  get database(): string {
    return path.join(this.root, 'ahriman.db');
  }

  get configurationDirectory(): string {
    return path.join(this.root, '.config', 'ahriman', 'ahriman.ini.d');
  }

  get archive(): string {
    return path.join(this.root, 'archive');
  }

  get archivePackages(): string {
    return path.join(this.archive, 'packages');
  }

  /** Where every version of one package base is kept: `archive/packages/<first letter>/<base>`. */
  archiveFor(packageBase: string): string {
    return path.join(this.archivePackages, packageBase.slice(0, 1), packageBase);
  }

  get archiveSnapshots(): string {
    return path.join(this.archive, 'repos');
  }

  get cache(): string {
    return path.join(this.root, 'cache');
  }

  cacheFor(packageBase: string): string {
    return path.join(this.cache, packageBase);
  }

  /** Working copies of the PKGBUILD directories being built; what a killed run left here is removed by the next. */
  get buildWorkspaces(): string {
    return path.join(this.root, 'build', this.repositoryId.name, this.repositoryId.architecture);
  }

  get chroot(): string {
    return path.join(this.root, 'chroot', this.repositoryId.name);
  }

  get packages(): string {
    return path.join(this.root, 'packages', this.repositoryId.name, this.repositoryId.architecture);
  }

  get pacman(): string {
    return path.join(this.root, 'pacman', this.repositoryId.name, this.repositoryId.architecture);
  }

  get repository(): string {
    return path.join(this.root, 'repository', this.repositoryId.name, this.repositoryId.architecture);
  }

  /** Snapshots of the served repository `snapshots/<repo>/<arch>/<id>/` and the pointers to them. */
  get snapshots(): string {
    return path.join(this.root, 'snapshots', this.repositoryId.name, this.repositoryId.architecture);
  }

  /** Directories created (if missing) before any command touches the tree. */
  get treeDirectories(): string[] {
    return [this.archivePackages, this.buildWorkspaces, this.cache, this.chroot, this.configurationDirectory, this.packages, this.pacman, this.repository];
  }
}
