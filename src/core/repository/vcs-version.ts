/**
 * The version a VCS package would get if built now: its sources are fetched and `pkgver()` run by
 * `makepkg --nodeps --nobuild` (as the reference does, as the build user, in a throwaway copy), then the updated
 * PKGBUILD is read. An unchanged upstream then yields the version already built, so no rebuild and no pkgrel bump.
 * Like the reference, this runs on the host as the unprivileged build user, not inside the sandbox driver's
 * bubblewrap: only PKGBUILD code and pkgver() run (--noprepare), with the build user's rights.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { prepareBuildDirectory } from '../build/sources.js';
import { run } from '../process.js';
import type { PackageRecord } from '../../models/package-record.js';
import type { RepositoryServices } from './services.js';

const NOBUILD_TIMEOUT_MS = 30 * 60_000;

export async function actualVcsVersion(services: RepositoryServices, record: PackageRecord): Promise<string> {
  const { user } = services.settings;
  const checkout = await services.sources.checkout(record.base, record.remote);
  const workspace = await fs.mkdtemp(path.join(os.tmpdir(), `ahriman-vcs-${record.base}-`));
  try {
    await fs.chown(workspace, user.uid, user.gid);
    const directory = path.join(workspace, record.base);
    await prepareBuildDirectory(checkout, directory, { owner: user });
    await run('makepkg', ['--nodeps', '--nobuild', '--noprepare', '--skippgpcheck', '--nocolor', '--ignorearch'], {
      cwd: directory,
      user,
      env: { HOME: workspace, SRCDEST: path.join(workspace, 'sources'), BUILDDIR: path.join(workspace, 'build') },
      timeoutMs: NOBUILD_TIMEOUT_MS,
    });
    return (await services.sources.info(directory)).version;
  } finally {
    await fs.rm(workspace, { recursive: true, force: true });
  }
}
