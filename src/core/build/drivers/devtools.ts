/**
 * The `devtools` driver (Arch only): a clean chroot per repository through archbuild/makechrootpkg, started exactly as
 * the reference does it:
 *
 *   <devtools_wrapper> -r <repo> -a <arch> -c <devtools_configs> --       (or the legacy <build_command>)
 *     -r <root>/chroot/<repo> <archbuild_flags> --                          archbuild
 *     -D <root>/archive [-U <build user>] <makechrootpkg_flags> --          makechrootpkg
 *     <makepkg_flags>                                                       makepkg, inside the chroot
 *
 * makechrootpkg installs the dependencies inside the chroot, so makepkg gets no `--nodeps` here. `-D` bind-mounts
 * the archive read-only, where the repository's files really live. archbuild needs root: when we are root it runs
 * directly and `-U` names the user makepkg runs as inside the chroot; otherwise the wrapper elevates itself with sudo
 * and makechrootpkg takes the user from SUDO_USER.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError } from '../../errors.js';
import type { RepositoryId } from '../../../models/repository-id.js';
import type { RepositoryPaths } from '../../../models/repository-paths.js';
import type { BuildRequest, LocalRepository } from './request.js';
import type { BuildWorkspace, MakepkgRunner } from './workspace.js';

/** The reference's `[build] devtools_wrapper` default. */
const DEFAULT_WRAPPER = ['ahriman-archbuild'];
const FALLBACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface DevtoolsOptions {
  repositoryId: RepositoryId;
  paths: RepositoryPaths;
  /** `[build] devtools_wrapper` (default `ahriman-archbuild`), given `-r <repo> -a <arch> -c <configs> --` first. */
  wrapper?: string[];
  /** `[build] build_command`, the legacy form: an archbuild command (`extra-x86_64-build`) in place of the wrapper. */
  buildCommand?: string[];
  /** `[build] devtools_configs` (default `<root>/.config/ahriman/pacman.conf.d`): pacman.conf files of the chroots. */
  configsDirectory?: string;
  /** `[build] archbuild_flags`. */
  archbuildFlags?: string[];
  /** `[build] makechrootpkg_flags`. */
  makechrootpkgFlags?: string[];
}

/** The full argv of a devtools build (see the module comment). */
export function devtoolsCommand(
  options: DevtoolsOptions,
  request: Pick<BuildRequest, 'makepkgFlags' | 'user'>,
): string[] {
  const { repositoryId, paths } = options;
  const configs = options.configsDirectory ?? path.join(paths.root, '.config', 'ahriman', 'pacman.conf.d');
  const wrapper = options.wrapper?.length ? options.wrapper : DEFAULT_WRAPPER;
  const launcher = options.buildCommand?.length
    ? options.buildCommand
    : [...wrapper, '-r', repositoryId.name, '-a', repositoryId.architecture, '-c', configs, '--'];
  const makepkgUser = request.user === undefined ? [] : ['-U', request.user.name];
  return [
    ...launcher,
    ...['-r', paths.chroot, ...(options.archbuildFlags ?? [])],
    ...['--', '-D', paths.archive, ...makepkgUser, ...(options.makechrootpkgFlags ?? [])],
    ...['--', ...request.makepkgFlags],
  ];
}

/** The absolute path of an executable file: `name` itself when it contains a slash, else the first match in PATH. */
export async function findExecutable(name: string): Promise<string | undefined> {
  const candidates = name.includes('/')
    ? [name]
    : (process.env.PATH ?? FALLBACK_PATH)
        .split(':')
        .filter((directory) => directory !== '')
        .map((directory) => path.join(directory, name));
  for (const candidate of candidates) {
    const isFile = (await fs.stat(candidate).catch(() => undefined))?.isFile() ?? false;
    const executable = isFile && (await fs.access(candidate, fs.constants.X_OK).then(() => true, () => false));
    if (executable) return path.resolve(candidate);
  }
  return undefined;
}

/** Whether devtools is installed: both archbuild and makechrootpkg are on PATH. */
export async function devtoolsInstalled(): Promise<boolean> {
  return (await findExecutable('archbuild')) !== undefined && (await findExecutable('makechrootpkg')) !== undefined;
}

/** A pacman.conf with `repositories` added after its own ones, unsigned (they come from our own coordinator). */
export function withLocalRepositories(pacmanConf: string, repositories: readonly LocalRepository[]): string {
  const sections = repositories.map((repository) => `\n[${repository.name}]\nSigLevel = Never\nServer = file://${repository.directory}\n`);
  return `${pacmanConf.replace(/\n*$/, '\n')}${sections.join('')}`;
}

/**
 * The devtools configurations of this build: the configured ones, or with the request's repositories a private copy
 * of the chroot's pacman.conf that lists them (arch-nspawn bind-mounts `file://` servers into the chroot).
 */
async function configsFor(options: DevtoolsOptions, workspace: BuildWorkspace, request: BuildRequest): Promise<string> {
  const configs = options.configsDirectory ?? path.join(options.paths.root, '.config', 'ahriman', 'pacman.conf.d');
  if (!request.repositories?.length) return configs;
  const file = `${options.repositoryId.name}-${options.repositoryId.architecture}.conf`;
  const copy = path.join(workspace.root, '.pacman.conf.d');
  await fs.mkdir(copy, { recursive: true });
  await fs.writeFile(path.join(copy, file), withLocalRepositories(await fs.readFile(path.join(configs, file), 'utf8'), request.repositories));
  return copy;
}

export class DevtoolsRunner implements MakepkgRunner {
  constructor(private readonly options: DevtoolsOptions) {}

  async run(workspace: BuildWorkspace, request: BuildRequest): Promise<void> {
    const configsDirectory = await configsFor(this.options, workspace, request);
    const [command, ...args] = devtoolsCommand({ ...this.options, configsDirectory }, request) as [string, ...string[]];
    if ((await findExecutable('archbuild')) === undefined) {
      throw new ConfigurationError(
        'devtools driver needs archbuild (install devtools, Arch only); use [build] driver = sandbox',
      );
    }
    if ((await findExecutable(command)) === undefined) {
      const option = this.options.buildCommand?.length ? 'build_command' : 'devtools_wrapper';
      const hint = command === DEFAULT_WRAPPER[0] ? ' (scripts/setup.sh installs packaging/bin/ahriman-archbuild there, with its sudoers rule)' : '';
      throw new ConfigurationError(`[build] ${option} '${command}' is not an executable in PATH${hint}`);
    }
    await workspace.run(command, args);
  }
}
