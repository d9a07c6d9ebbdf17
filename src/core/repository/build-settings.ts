import os from 'node:os';
import path from 'node:path';
import type { RebuildMode } from '../../models/rebuild.js';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import type { Configuration } from '../configuration/configuration.js';
import type { BuildDriver } from '../build/drivers/driver.js';
import { type HttpPolicy } from '../http/client.js';
import { type SystemUser, lookupUser } from '../process.js';

/** `[build]` (after per-repository overrides) as the update flow uses it. */
export interface BuildSettings {
  /** The build driver: a configured one is checked at once; finding the default starts bubblewrap, so only a build does. */
  driver: () => Promise<BuildDriver>;
  /** The account makepkg runs as: `[build] user` when we are root (makepkg refuses root), else ourselves. */
  user: SystemUser;
  packager: string;
  makeFlags: string | undefined;
  makepkgFlags: string[];
  parallelJobs: number;
  includeDebug: boolean;
  ignorePackages: string[];
  vcsAllowedAgeSeconds: number;
  minAgeSeconds: number;
  buildTimeoutMs: number;
  rebuilds: RebuildSettings;
}

/** Dependency-change rebuilds and the implicit-dependency scan of built files. */
export interface RebuildSettings {
  /** `rebuild_on_dependency_change`. */
  mode: RebuildMode;
  /** `rebuild_max_per_run`: at most this many scheduled rebuilds per update run. */
  maxPerRun: number;
  /** `scan_paths`: library paths that count as implicit dependencies. */
  scanPaths: RegExp[];
}

/** A build hanging longer than this is killed (large packages such as browsers take a few hours). */
const BUILD_TIMEOUT_MS = 6 * 60 * 60 * 1000;

/** Who runs makepkg: `[build] user` when we are root (makepkg refuses root), else we ourselves. */
export function buildUser(configuration: Configuration): Promise<SystemUser> {
  const isRoot = process.getuid?.() === 0;
  return lookupUser(isRoot ? configuration.getString('build', 'user', 'ahriman') : os.userInfo().username);
}

export async function readBuildSettings(configuration: Configuration, paths: RepositoryPaths): Promise<BuildSettings> {
  const user = await buildUser(configuration);
  const configured = configuration.getString('build', 'driver', '');
  // the drivers (and the process tools they need) load only when something is built: most commands build nothing
  const drivers = (): Promise<typeof import('../build/drivers/driver.js')> => import('../build/drivers/driver.js');
  const make = async (name: string): Promise<BuildDriver> =>
    (await drivers()).loadDriver(name, path.dirname(configuration.path), {
      devtools: {
        repositoryId: paths.repositoryId,
        paths,
        wrapper: configuration.getList('build', 'devtools_wrapper', undefined),
        buildCommand: configuration.getList('build', 'build_command', undefined),
        configsDirectory: configuration.getPath('build', 'devtools_configs', undefined),
        archbuildFlags: configuration.getList('build', 'archbuild_flags', [] as string[]),
        makechrootpkgFlags: configuration.getList('build', 'makechrootpkg_flags', [] as string[]),
      },
    });
  // a configured driver is loaded now, so that a wrong name or module fails before anything is built
  const chosen = configured ? await make(configured) : undefined;
  let detected: Promise<BuildDriver> | undefined;
  const driver = (): Promise<BuildDriver> => (chosen ? Promise.resolve(chosen) : (detected ??= drivers().then(({ detectDefaultDriver }) => detectDefaultDriver(user)).then(make)));
  return {
    driver,
    user,
    packager: configuration.getString('build', 'packager', ''),
    makeFlags: configuration.getString('build', 'make_flags', '') || undefined,
    makepkgFlags: configuration.getList('build', 'makepkg_flags', ['--nocolor', '--ignorearch']),
    parallelJobs: Math.max(1, configuration.getInt('build', 'parallel_jobs', 1)),
    includeDebug: configuration.getBool('build', 'include_debug_packages', true),
    ignorePackages: configuration.getList('build', 'ignore_packages', [] as string[]),
    vcsAllowedAgeSeconds: configuration.getInt('build', 'vcs_allowed_age', 604_800),
    minAgeSeconds: configuration.getInt('build', 'min_age', 0),
    buildTimeoutMs: BUILD_TIMEOUT_MS,
    rebuilds: {
      mode: configuration.getString('build', 'rebuild_on_dependency_change', 'soname') as RebuildMode,
      maxPerRun: configuration.getInt('build', 'rebuild_max_per_run', 10),
      scanPaths: configuration.getList('build', 'scan_paths', ['^usr/lib(?!/cmake).*$']).map((pattern) => new RegExp(pattern)),
    },
  };
}

/** `[aur]`: where the AUR is and how patient to be with it. */
export function readAurSettings(configuration: Configuration): { url: string; policy: HttpPolicy } {
  return {
    url: configuration.getString('aur', 'url', 'https://aur.archlinux.org'),
    policy: {
      timeoutMs: configuration.getFloat('aur', 'timeout', 30) * 1000,
      maxRetries: configuration.getInt('aur', 'max_retries', 3),
      retryBackoffSeconds: configuration.getFloat('aur', 'retry_backoff', 1),
    },
  };
}
