/**
 * The private directory one build runs in, shared by every driver:
 *
 *   <workspace root>/ahriman-build-XXXXXX/   owned by the build user, mode 0700
 *     pkgbuild/   copy of the caller's PKGBUILD directory (makepkg's startdir)
 *     build/      BUILDDIR (src/ and pkg/)
 *     sources/    SRCDEST (downloaded sources, VCS clones)
 *     packages/   PKGDEST and SRCPKGDEST
 *     logs/       LOGDEST
 *     home/       private HOME (sandbox driver)
 *
 * The build user writes only here, so a root-owned source tree works and stays untouched, every file in packages/
 * was produced by this build, and removing the directory removes everything the build left behind.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { moveFile } from '../../atomic-file.js';
import { isPackageFileName, parsePackageFileName } from '../../alpm/validation.js';
import { ConfigurationError, errorMessage } from '../../errors.js';
import { getLogger } from '../../log/logger.js';
import { run, type RunOptions, type RunResult, type SystemUser } from '../../process.js';
import type { BuildRequest } from './request.js';

/** Starts makepkg (one or more times) in a prepared workspace; the part that differs between drivers. */
export interface MakepkgRunner {
  run(workspace: BuildWorkspace, request: BuildRequest): Promise<void>;
}


const logger = getLogger('build');

/**
 * makepkg's arguments for a build with the host's packages: `--nodeps` because the host and sandbox drivers never
 * install anything (makepkg would call pacman as root to install missing dependencies); the build needs its
 * dependencies already installed on the host.
 */
export function makepkgArguments(request: BuildRequest, phaseFlags: readonly string[] = []): string[] {
  return ['--nodeps', ...phaseFlags, ...request.makepkgFlags];
}

async function chownTree(target: string, user: SystemUser): Promise<void> {
  await fs.lchown(target, user.uid, user.gid);
  const stat = await fs.lstat(target);
  if (!stat.isDirectory()) return;
  for (const entry of await fs.readdir(target)) await chownTree(path.join(target, entry), user);
}

/** Fails early and clearly when the build user cannot reach the workspace (a parent directory it cannot enter). */
async function checkWritableBy(directory: string, user: SystemUser, parent: string): Promise<void> {
  const result = await run('test', ['-w', directory], { user, allowFailure: true });
  if (result.code !== 0) {
    const requirement = `it must be able to enter ${parent} and every directory above it`;
    throw new ConfigurationError(`build user '${user.name}' cannot write to ${directory}: ${requirement}`);
  }
}

/** Builds may leave read-only directories (Go's module cache): make every directory writable so rm can empty it. */
async function makeDirectoriesWritable(directory: string): Promise<void> {
  await fs.chmod(directory, 0o700);
  for (const entry of await fs.readdir(directory, { withFileTypes: true })) {
    if (entry.isDirectory()) await makeDirectoriesWritable(path.join(directory, entry.name));
  }
}

export interface StepOptions {
  /** Run as this user (only when we are root). */
  user?: SystemUser;
  /** Variables on top of the makepkg environment. */
  env?: Record<string, string>;
}

export class BuildWorkspace {
  private readonly deadline: number | undefined;

  private constructor(
    readonly root: string,
    private readonly request: BuildRequest,
  ) {
    this.deadline = request.timeoutMs === undefined ? undefined : Date.now() + request.timeoutMs;
  }

  /** Makes the workspace under `parent`, copies the request's PKGBUILD directory in, hands it to the build user. */
  static async create(parent: string, request: BuildRequest): Promise<BuildWorkspace> {
    const workspace = new BuildWorkspace(await fs.mkdtemp(path.join(parent, 'ahriman-build-')), request);
    try {
      // symlinks are copied as they are: the build user resolves them with its own permissions
      await fs.cp(request.directory, workspace.startDirectory, { recursive: true, verbatimSymlinks: true });
      for (const directory of workspace.writableDirectories) await fs.mkdir(directory);
      if (request.user !== undefined) {
        await chownTree(workspace.root, request.user);
        await checkWritableBy(workspace.startDirectory, request.user, parent);
      }
    } catch (error) {
      await workspace.remove();
      throw error;
    }
    return workspace;
  }

  get startDirectory(): string {
    return path.join(this.root, 'pkgbuild');
  }

  get buildDirectory(): string {
    return path.join(this.root, 'build');
  }

  get sourceDirectory(): string {
    return path.join(this.root, 'sources');
  }

  get packageDirectory(): string {
    return path.join(this.root, 'packages');
  }

  get logDirectory(): string {
    return path.join(this.root, 'logs');
  }

  get home(): string {
    return path.join(this.root, 'home');
  }

  private get writableDirectories(): string[] {
    return [this.buildDirectory, this.sourceDirectory, this.packageDirectory, this.logDirectory, this.home];
  }

  /** The variables that point makepkg at this workspace, on top of the request's own. */
  private makepkgEnvironment(): Record<string, string> {
    const { environment, packager, makeFlags } = this.request;
    return {
      ...environment,
      ...(makeFlags === undefined ? {} : { MAKEFLAGS: makeFlags }),
      ...(packager === '' ? {} : { PACKAGER: packager }),
      BUILDDIR: this.buildDirectory,
      SRCDEST: this.sourceDirectory,
      PKGDEST: this.packageDirectory,
      SRCPKGDEST: this.packageDirectory,
      LOGDEST: this.logDirectory,
    };
  }

  /**
   * Runs one build step in the start directory: the makepkg environment plus `env`, output lines to the request's
   * callback, killed when the request's time is up. Throws ProcessError when the step fails.
   */
  async run(command: string, args: readonly string[], options: StepOptions = {}): Promise<void> {
    logger.info(`${this.request.packageBase}: running ${[command, ...args].join(' ')}`);
    await run(command, args, { ...this.stepOptions(options), onLine: (line) => this.request.onLine(line) });
  }

  /** Runs a step like {@link run} whose output is an answer, not build log: resolves to it whatever the exit code. */
  async query(command: string, args: readonly string[], options: StepOptions = {}): Promise<RunResult> {
    return run(command, args, { ...this.stepOptions(options), allowFailure: true });
  }

  private stepOptions(options: StepOptions): RunOptions {
    return {
      cwd: this.startDirectory,
      env: { ...this.makepkgEnvironment(), ...options.env },
      user: options.user,
      timeoutMs: this.deadline === undefined ? undefined : Math.max(1, this.deadline - Date.now()),
    };
  }

  /**
   * Moves the produced archives to the request's output directory and returns their new paths, sorted. The debug
   * package (makepkg names it `<pkgbase>-debug`) is left behind unless the request includes it.
   */
  async takePackages(): Promise<string[]> {
    const { packageBase, includeDebug, outputDirectory } = this.request;
    const produced = (await fs.readdir(this.packageDirectory)).filter((file) => isPackageFileName(file)).sort();
    const kept = produced.filter((file) => includeDebug || parsePackageFileName(file).name !== `${packageBase}-debug`);
    await fs.mkdir(outputDirectory, { recursive: true });
    const targets: string[] = [];
    for (const file of kept) {
      const target = path.join(outputDirectory, file);
      await moveFile(path.join(this.packageDirectory, file), target);
      targets.push(target);
    }
    return targets;
  }

  /** Removes the workspace; a failure is only logged, so that it never hides the build's own result. */
  async remove(): Promise<void> {
    try {
      await fs.rm(this.root, { recursive: true, force: true });
    } catch {
      try {
        await makeDirectoriesWritable(this.root);
        await fs.rm(this.root, { recursive: true, force: true });
      } catch (error) {
        logger.warning(`cannot remove the build workspace ${this.root}: ${errorMessage(error)}`);
      }
    }
  }
}
