/**
 * The build driver contract: a directory holding a PKGBUILD goes in, package archives come out.
 *
 * Every driver works the same way around makepkg (see {@link WorkspaceDriver}): copy the PKGBUILD directory into a
 * private workspace owned by the build user, start makepkg there, move the produced archives to the output
 * directory, remove the workspace. The caller's tree is never written by the build user. Drivers differ only in how
 * makepkg is started (a {@link MakepkgRunner}): `host` plainly, `sandbox` inside bubblewrap, `devtools` in a clean
 * chroot through archbuild.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs/promises';
import { validatePackageName } from '../../alpm/validation.js';
import { BUILD_DRIVERS, isDriverModule } from '../../configuration/schema.js';
import { AhrimanError, ConfigurationError, InvalidInputError, ProcessError, errorMessage } from '../../errors.js';
import { getLogger } from '../../log/logger.js';
import type { SystemUser } from '../../process.js';
import { DevtoolsRunner, devtoolsInstalled, type DevtoolsOptions } from './devtools.js';
import { hostRunner } from './host.js';
import { sandboxAvailable, sandboxRunner } from './sandbox.js';
import type { BuildRequest } from './request.js';
import { BuildWorkspace, type MakepkgRunner } from './workspace.js';

export type { BuildRequest } from './request.js';

/** `[build] driver`. */
export type DriverName = (typeof BUILD_DRIVERS)[number];

/** How many of the last output lines a {@link BuildError} quotes. */
const FAILURE_CONTEXT_LINES = 15;

export interface BuildDriver {
  /** A built-in {@link DriverName}, or what a third-party driver calls itself. */
  readonly name: string;
  /**
   * Whether the build environment installs the dependencies (from `request.repositories` too): the devtools chroot
   * does; the sandbox and host drivers build with `--nodeps`.
   */
  readonly installsDependencies?: boolean;
  /** Builds the package; resolves to the absolute paths of the archives now in `outputDirectory`. */
  build(request: BuildRequest): Promise<string[]>;
}

export interface DriverOptions {
  /** Where private workspaces are made (default: the system temporary directory). The build user must reach it. */
  workspaceRoot?: string;
  /** Required by the `devtools` driver. */
  devtools?: DevtoolsOptions;
}

/** A failed build: the package, its directory, the exit code (null when killed or not started), the output's end. */
export class BuildError extends AhrimanError {
  constructor(
    readonly packageBase: string,
    readonly directory: string,
    readonly exitCode: number | null,
    readonly lastLines: readonly string[],
    reason: string,
  ) {
    const context = lastLines.length > 0 ? `; last lines of output:\n${lastLines.join('\n')}` : '';
    super(`build of ${packageBase} in ${directory} ${reason}${context}`);
  }
}

/** Keeps the last few lines it was given. */
class OutputTail {
  readonly lines: string[] = [];

  constructor(private readonly size: number) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function failureReason(error: ProcessError, elapsedMs: number, timeoutMs: number | undefined): string {
  if (error.exitCode !== null) return `failed with exit code ${error.exitCode}`;
  if (timeoutMs !== undefined && elapsedMs >= timeoutMs) return `timed out after ${timeoutMs} ms`;
  return `failed: ${error.message.split('\n')[0]}`;
}

async function checkRequest(request: BuildRequest): Promise<BuildRequest> {
  validatePackageName(request.packageBase, 'package base');
  // PACKAGER is written into .PKGINFO line by line: a control character would forge fields
  if ([...request.packager].some((character) => character < ' ' || character === '\u007f')) {
    const packager = JSON.stringify(request.packager);
    throw new InvalidInputError(`invalid packager ${packager}: control characters are not allowed`);
  }
  if (isRoot() && request.user === undefined) {
    const base = request.packageBase;
    throw new InvalidInputError(`cannot build ${base} as root: makepkg needs an unprivileged build user`);
  }
  const directory = path.resolve(request.directory);
  try {
    await fs.access(path.join(directory, 'PKGBUILD'));
  } catch (error) {
    throw new InvalidInputError(
      `cannot build ${request.packageBase}: no readable PKGBUILD in ${directory} (${errorMessage(error)})`,
    );
  }
  return {
    ...request,
    directory,
    outputDirectory: path.resolve(request.outputDirectory),
    // run() only drops privileges when we are root; a user given otherwise would only make chown fail
    user: isRoot() ? request.user : undefined,
  };
}

/** A driver: the workspace life cycle shared by all, around the runner that starts makepkg. */
class WorkspaceDriver implements BuildDriver {
  private readonly logger = getLogger('build');

  constructor(
    readonly name: DriverName,
    private readonly runner: MakepkgRunner,
    private readonly workspaceRoot: string,
  ) {}

  get installsDependencies(): boolean {
    return this.name === 'devtools';
  }

  async build(original: BuildRequest): Promise<string[]> {
    const tail = new OutputTail(FAILURE_CONTEXT_LINES);
    const request: BuildRequest = {
      ...(await checkRequest(original)),
      onLine: (line) => {
        tail.push(line);
        original.onLine(line);
      },
    };
    const fail = (exitCode: number | null, reason: string): BuildError =>
      new BuildError(request.packageBase, request.directory, exitCode, [...tail.lines], reason);

    this.logger.info(`building ${request.packageBase} from ${request.directory} with the ${this.name} driver`);
    const started = Date.now();
    const workspace = await BuildWorkspace.create(this.workspaceRoot, request);
    try {
      try {
        await this.runner.run(workspace, request);
      } catch (error) {
        if (error instanceof ProcessError) {
          throw fail(error.exitCode, failureReason(error, Date.now() - started, request.timeoutMs));
        }
        throw error;
      }
      const archives = await workspace.takePackages();
      if (archives.length === 0) throw fail(0, 'produced no package archive');
      const names = archives.map((archive) => path.basename(archive)).join(', ');
      this.logger.info(`built ${names} in ${Date.now() - started} ms`);
      return archives;
    } finally {
      await workspace.remove();
    }
  }
}

/** The driver `[build] driver` names. */
export function createDriver(name: string, options: DriverOptions = {}): BuildDriver {
  const workspaceRoot = options.workspaceRoot ?? os.tmpdir();
  switch (name) {
    case 'host':
      return new WorkspaceDriver(name, hostRunner, workspaceRoot);
    case 'sandbox':
      return new WorkspaceDriver(name, sandboxRunner, workspaceRoot);
    case 'devtools':
      if (options.devtools === undefined) {
        throw new ConfigurationError('the devtools driver needs the repository, its paths and its [build] options');
      }
      return new WorkspaceDriver(name, new DevtoolsRunner(options.devtools), workspaceRoot);
    default:
      throw new ConfigurationError(`unknown [build] driver '${name}': use one of ${BUILD_DRIVERS.join(', ')}`);
  }
}

function driverProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `it is ${value === null ? 'null' : `a ${typeof value}`}`;
  const candidate = value as Partial<Record<keyof BuildDriver, unknown>>;
  if (typeof candidate.name !== 'string' || candidate.name.length === 0) return 'it has no name';
  if (typeof candidate.build !== 'function') return 'it has no build(request) function';
  return undefined;
}

/**
 * The driver `[build] driver` names: a built-in one, or the export of a module (a file path relative to
 * `relativeTo`, or a package module, with an optional `:export`), loaded like a third-party trigger. A module's
 * driver gets the same request as the built-in ones and must resolve to the archives it left in `outputDirectory`.
 */
export async function loadDriver(name: string, relativeTo: string, options: DriverOptions = {}): Promise<BuildDriver> {
  if (!isDriverModule(name)) return createDriver(name, options);
  const { importExport, moduleReference } = await import('../../module-export.js');
  const reference = moduleReference(name, relativeTo, 'build driver');
  const value = await importExport(reference, (candidate) => driverProblem(candidate) === undefined, 'build driver');
  const problem = driverProblem(value);
  if (problem !== undefined) {
    throw new ConfigurationError(`export '${reference.exportName}' of ${reference.description} is not a build driver: ${problem} (expected { name, build(request) })`);
  }
  return value as BuildDriver;
}

/**
 * The driver to use when `[build] driver` is not set: `devtools` where archbuild and makechrootpkg are installed
 * (Arch), else `sandbox` when bubblewrap can make a sandbox for the build user, else `host`.
 */
export async function detectDefaultDriver(user?: SystemUser): Promise<DriverName> {
  if (await devtoolsInstalled()) return 'devtools';
  if (await sandboxAvailable(user)) return 'sandbox';
  return 'host';
}
