/**
 * The `sandbox` driver: makepkg inside bubblewrap, as the build user. We drop to that user before bwrap starts
 * (bwrap then works unprivileged through a user namespace; makepkg refuses root anyway), so every file the build
 * creates belongs to the build user.
 *
 * Inside the sandbox the host is read-only, /dev and /proc are fresh, /tmp and /run are empty, the build user's real
 * home is hidden and HOME is the workspace's private home: only the workspace is writable. The build runs in two
 * phases, and only the first has the network:
 *  1. `makepkg --verifysource`: downloads the sources (VCS clones too) into SRCDEST and checks their integrity.
 *     Skipped when no source entry has a URL (`proto://`): the second phase checks local files the same way, and
 *     each makepkg start costs about half a second of CPU (it lints the PKGBUILD with some 150 grep processes).
 *  2. `makepkg --nodeps --holdver`: prepare(), pkgver(), build(), check(), package(), in its own network namespace.
 *     `--holdver` stops makepkg from updating the VCS clones of phase 1, which would need the network.
 * makepkg sources the PKGBUILD in both phases, so its top-level code also runs with the network, but like everything
 * else it can write only to the workspace.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getLogger } from '../../log/logger.js';
import { run, type SystemUser } from '../../process.js';
import type { BuildRequest } from './request.js';
import { makepkgArguments, type BuildWorkspace, type MakepkgRunner, type StepOptions } from './workspace.js';

type Phase = 'download' | 'build';

/** Namespaces and process hygiene every sandbox gets; the network namespace is shared back in the download phase. */
const ISOLATION = ['--unshare-all', '--die-with-parent', '--new-session'];

/**
 * What makepkg reads from the build user's home, copied into the private home: the user's makepkg.conf overrides
 * (PACKAGER, COMPRESS*, ...) and the public keyring for `validpgpkeys`. Secret keys stay behind.
 */
const HOME_FILES = [
  '.makepkg.conf',
  '.config/pacman/makepkg.conf',
  '.gnupg/gpg.conf',
  '.gnupg/pubring.gpg',
  '.gnupg/pubring.kbx',
  '.gnupg/trustdb.gpg',
];

const logger = getLogger('build');

async function isDirectory(target: string): Promise<boolean> {
  return (await fs.stat(target).catch(() => undefined))?.isDirectory() ?? false;
}

/** The build user's real home when it is worth hiding: it exists and is not the root directory. */
async function hiddenHome(user: SystemUser | undefined): Promise<string | undefined> {
  const home = path.resolve(user?.home ?? os.homedir());
  return home !== '/' && (await isDirectory(home)) ? home : undefined;
}

/** Where /etc/resolv.conf really lives when it is under /run (systemd-resolved): the download phase needs it. */
async function resolverDirectory(): Promise<string | undefined> {
  const resolver = await fs.realpath('/etc/resolv.conf').catch(() => undefined);
  return resolver?.startsWith('/run/') ? path.dirname(resolver) : undefined;
}

/**
 * Copies {@link HOME_FILES} from the real home into the private one. `cp` runs as the build user, so it can read
 * nothing that user could not (a symlink planted in the home cannot expose root's files).
 */
async function seedPrivateHome(realHome: string, workspace: BuildWorkspace, user?: SystemUser): Promise<void> {
  const present: string[] = [];
  for (const file of HOME_FILES) {
    if ((await fs.lstat(path.join(realHome, file)).catch(() => undefined)) !== undefined) present.push(file);
  }
  if (present.length === 0) return;
  const result = await run('cp', ['--parents', '--preserve=mode', '--', ...present, workspace.home], {
    cwd: realHome,
    user,
    allowFailure: true,
  });
  if (result.code !== 0) {
    logger.warning(`cannot copy ${present.join(', ')} from ${realHome} into the sandbox: ${result.stderr.trim()}`);
  }
}

/**
 * Prints every entry of the PKGBUILD's source arrays (`source` and the `source_<arch>` of every architecture),
 * each followed by a NUL, then an end marker. The PKGBUILD is sourced as makepkg sources it; its own output is
 * dropped. A constant script: the PKGBUILD is the only input, read by bash itself.
 */
const LIST_SOURCES = [
  'shopt -u extglob',
  'source ./PKGBUILD >/dev/null 2>&1 || exit 1',
  'for name in $(compgen -A variable source); do declare -n entries=$name; printf "%s\\0" "${entries[@]}"; unset -n entries; done',
  'printf end',
].join('\n');

/** makepkg's test for a source to download: the URL (after an optional `name::`) has a protocol (`https://`, `git+https://`). */
function downloadable(entry: string): boolean {
  const separator = entry.indexOf('::');
  return (separator === -1 ? entry : entry.slice(separator + 2)).includes('://');
}

/**
 * Whether the download phase has anything to do. Asked in the build phase's sandbox (no network); when the answer
 * is not clear (the PKGBUILD fails to source, the script is cut short), the download phase runs as always, and
 * reports what is wrong. A PKGBUILD lying here only denies itself the network.
 */
async function needsDownload(workspace: BuildWorkspace, sandbox: readonly string[], options: StepOptions): Promise<boolean> {
  const answer = await workspace.query('bwrap', [...sandbox, 'bash', '--noprofile', '--norc', '-c', LIST_SOURCES], options);
  const entries = answer.stdout.split('\0');
  if (answer.code !== 0 || entries.pop() !== 'end') return true;
  return entries.some(downloadable);
}

async function bwrapArguments(workspace: BuildWorkspace, home: string | undefined, phase: Phase): Promise<string[]> {
  const resolver = phase === 'download' ? await resolverDirectory() : undefined;
  return [
    '--ro-bind', '/', '/',
    '--dev', '/dev',
    '--proc', '/proc',
    '--tmpfs', '/tmp',
    // host daemons listen on unix sockets under /run (docker, dbus); a network namespace does not cover those
    '--tmpfs', '/run',
    ...(resolver === undefined ? [] : ['--ro-bind', resolver, resolver]),
    ...(home === undefined ? [] : ['--tmpfs', home]),
    // after the tmpfs mounts: the workspace may live under /tmp or the build user's home
    '--bind', workspace.root, workspace.root,
    '--chdir', workspace.startDirectory,
    ...ISOLATION,
    ...(phase === 'download' ? ['--share-net'] : []),
    '--',
  ];
}

export const sandboxRunner: MakepkgRunner = {
  async run(workspace: BuildWorkspace, request: BuildRequest) {
    const home = await hiddenHome(request.user);
    if (home !== undefined) await seedPrivateHome(home, workspace, request.user);
    const options = {
      user: request.user,
      env: {
        HOME: workspace.home,
        GNUPGHOME: path.join(workspace.home, '.gnupg'),
        TMPDIR: '/tmp',
        // Only the build user is mapped in the sandbox's user namespace, so a real chown to root (install -o root,
        // chown root:root in package()) fails with EINVAL, which fakeroot passes on. With this, fakeroot records the
        // ownership without trying it, and the package gets it as makepkg on Arch records it.
        FAKEROOTDONTTRYCHOWN: '1',
      },
    };
    const build = await bwrapArguments(workspace, home, 'build');
    if (await needsDownload(workspace, build, options)) {
      const download = await bwrapArguments(workspace, home, 'download');
      await workspace.run('bwrap', [...download, 'makepkg', '--verifysource', ...request.makepkgFlags], options);
    }
    await workspace.run('bwrap', [...build, 'makepkg', ...makepkgArguments(request, ['--holdver'])], options);
  },
};

/** Whether bubblewrap can make a sandbox here for `user` (it needs unprivileged user namespaces). */
export async function sandboxAvailable(user?: SystemUser): Promise<boolean> {
  const probe = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', ...ISOLATION, 'true'];
  try {
    return (await run('bwrap', probe, { user, allowFailure: true, timeoutMs: 10_000 })).code === 0;
  } catch {
    return false; // bwrap is not installed
  }
}
