/** The work of the remote-pull trigger (remote-pull.ts): clone a target, import its PKGBUILDs, queue the new bases. */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RemoteSource } from '../../models/package-source.js';
import { validatePackageName } from '../alpm/validation.js';
import { importLocal } from '../build/sources.js';
import { AhrimanError, ConfigurationError, errorMessage } from '../errors.js';
import { cloneBranch, redactUrl } from '../git/git.js';
import { getLogger } from '../log/logger.js';
import { queuePackage } from '../repository/package-add.js';
import { recordFromPackageInfo } from '../repository/records.js';
import type { SourceLoader } from '../repository/source-loader.js';
import type { TriggerContext } from '../triggers/trigger.js';
import type { GitRemoteTarget } from './gitremote.js';

const logger = getLogger('remote-pull');

/** Directories of `root` holding a PKGBUILD, sorted; the inside of a PKGBUILD directory is its own business. */
async function pkgbuildDirectories(root: string): Promise<string[]> {
  if (existsSync(path.join(root, 'PKGBUILD'))) return [root];
  const found: string[] = [];
  const entries = await fs.readdir(root, { withFileTypes: true });
  for (const entry of entries.filter((item) => item.isDirectory() && item.name !== '.git').sort((left, right) => left.name.localeCompare(right.name))) {
    found.push(...(await pkgbuildDirectories(path.join(root, entry.name))));
  }
  return found;
}

/** Imports one PKGBUILD directory into the cache; returns the base when it was queued as a new package. */
async function importPackage(context: TriggerContext, sources: SourceLoader, directory: string, origin: string): Promise<string | undefined> {
  const { paths, state } = context;
  const info = await sources.info(directory);
  const base = validatePackageName(info.base, 'package base');
  const cache = paths.cacheFor(base);
  const remote: RemoteSource = { source: 'local', gitUrl: null, webUrl: null, path: cache, branch: null };
  const [known] = await state.packages.listPackages(base);
  if (known !== undefined && (known.package.remote.source !== 'local' || known.package.remote.path !== cache)) {
    const from = known.package.remote.path ?? known.package.remote.gitUrl ?? known.package.remote.source;
    logger.warning(`${base} is already in the repository from ${from}: not taking it from ${origin}`);
    return undefined;
  }
  await importLocal(directory, cache);
  if (known !== undefined) return undefined;
  const record = recordFromPackageInfo(info, remote, null);
  await queuePackage(state, record);
  logger.info(`${base} came from ${origin}`);
  return base;
}

/** Clones one target and imports its PKGBUILDs; returns the bases queued. */
export async function pullTarget(context: TriggerContext, sources: SourceLoader, { section, options }: GitRemoteTarget): Promise<string[]> {
  if (options.pull_url === undefined) throw new ConfigurationError(`[${section}] pull_url is required by remote-pull`);
  const origin = `${redactUrl(options.pull_url)} (branch ${options.pull_branch})`;
  const workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-remote-pull-'));
  try {
    // the build user reads the PKGBUILDs when they have no .SRCINFO (makepkg --printsrcinfo)
    await fs.chmod(workspace, 0o755);
    const clone = path.join(workspace, 'clone');
    await cloneBranch(options.pull_url, options.pull_branch, clone);
    const directories = await pkgbuildDirectories(clone);
    if (directories.length === 0) logger.warning(`${origin} holds no PKGBUILD`);
    const queued: string[] = [];
    const failures: string[] = [];
    for (const directory of directories) {
      try {
        const base = await importPackage(context, sources, directory, origin);
        if (base !== undefined) queued.push(base);
      } catch (error) {
        failures.push(`${path.relative(clone, directory) || '.'}: ${errorMessage(error)}`);
      }
    }
    if (failures.length > 0) throw new AhrimanError(`cannot import from ${origin}: ${failures.join('; ')}`);
    return queued;
  } finally {
    await fs.rm(workspace, { recursive: true, force: true });
  }
}
