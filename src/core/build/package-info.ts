/**
 * The metadata of a PKGBUILD directory (base, version, and what each package depends on and provides), without
 * building it. A `.SRCINFO` that is up to date is read directly (AUR repositories always ship one); otherwise makepkg
 * prints one (`makepkg --printsrcinfo`, about 1.5 s as it sources the PKGBUILD with bash), and its output is kept in
 * a cache keyed by the PKGBUILD's SHA-256, so the same PKGBUILD is never evaluated twice.
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { InvalidInputError, ProcessError, errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import { run, type SystemUser } from '../process.js';
import { parseSrcinfo, resolvePackage, type Srcinfo, type SrcinfoPackage } from '../alpm/srcinfo.js';

const MAKEPKG_ERROR = '==> ERROR:';
const logger = getLogger('package-info');

const DEFAULT_TIMEOUT_MS = 60_000;
/**
 * A checkout or copy writes `.SRCINFO` and `PKGBUILD` moments apart, in either order; a `.SRCINFO` older than the
 * PKGBUILD by less than this still belongs to it. Patching removes the `.SRCINFO` (see applyPatches), so a PKGBUILD
 * changed right after the copy is never described by a stale one.
 */
const SAME_CHECKOUT_TOLERANCE_MS = 1_000;
/** Larger files next to the PKGBUILD (downloaded sources) are replaced by empty ones for makepkg: it only checks that they exist. */
const COPIED_FILE_SIZE_LIMIT = 1024 * 1024;

export interface PackageBaseInfo {
  base: string;
  /** Full version `[epoch:]pkgver-pkgrel`. */
  version: string;
  /** Every package the PKGBUILD builds, with fields resolved for the requested architecture. */
  packages: SrcinfoPackage[];
  srcinfo: Srcinfo;
  /** Where the metadata came from: the directory's `.SRCINFO`, a makepkg run, or the cache of earlier runs. */
  readFrom: '.SRCINFO' | 'makepkg' | 'cache';
}

export interface PackageInfoOptions {
  /** The unprivileged user makepkg runs as when we are root (makepkg refuses to run as root). */
  user: SystemUser;
  /** Architecture-specific fields (`depends_x86_64`, ...) are resolved for this one. */
  architecture: string;
  /** Where makepkg's output is kept, one file per PKGBUILD content. */
  cacheDirectory: string;
  timeoutMs?: number;
}

/** Reads the metadata of the PKGBUILD in `directory` (see the module comment for where it comes from). */
export async function readPackageBase(directory: string, options: PackageInfoOptions): Promise<PackageBaseInfo> {
  const pkgbuild = path.join(directory, 'PKGBUILD');
  const pkgbuildStats = await fs.stat(pkgbuild).catch(() => undefined);
  if (!pkgbuildStats?.isFile()) throw new InvalidInputError(`${directory} has no PKGBUILD`);

  const fromFile = await readFreshSrcinfo(directory, pkgbuildStats);
  if (fromFile) return describe(fromFile, '.SRCINFO', options.architecture);

  const content = await fs.readFile(pkgbuild);
  const cacheFile = path.join(options.cacheDirectory, `${createHash('sha256').update(content).digest('hex')}.SRCINFO`);
  const cached = await readCachedSrcinfo(cacheFile);
  if (cached) return describe(cached, 'cache', options.architecture);

  const text = await printSrcinfo(directory, options);
  const srcinfo = parseSrcinfo(text, `makepkg --printsrcinfo of ${pkgbuild}`);
  await fs.mkdir(options.cacheDirectory, { recursive: true });
  await writeFileAtomic(cacheFile, text);
  return describe(srcinfo, 'makepkg', options.architecture);
}

function describe(srcinfo: Srcinfo, readFrom: PackageBaseInfo['readFrom'], architecture: string): PackageBaseInfo {
  return {
    base: srcinfo.base.name,
    version: srcinfo.version,
    packages: srcinfo.packages.map((section) => resolvePackage(srcinfo, section.name, architecture)),
    srcinfo,
    readFrom,
  };
}

/** The directory's `.SRCINFO` when it is not older than the PKGBUILD; a malformed one is reported and ignored. */
async function readFreshSrcinfo(directory: string, pkgbuildStats: Stats): Promise<Srcinfo | undefined> {
  const file = path.join(directory, '.SRCINFO');
  const stats = await fs.stat(file).catch(() => undefined);
  if (!stats?.isFile() || stats.mtimeMs < pkgbuildStats.mtimeMs - SAME_CHECKOUT_TOLERANCE_MS) return undefined;
  try {
    return parseSrcinfo(await fs.readFile(file, 'utf8'), file);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    logger.warning(`ignoring ${errorMessage(error)}; asking makepkg instead`);
    return undefined;
  }
}

async function readCachedSrcinfo(file: string): Promise<Srcinfo | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return parseSrcinfo(text, file);
  } catch (error) {
    logger.warning(`ignoring damaged cache entry: ${errorMessage(error)}`);
    return undefined;
  }
}

/**
 * Runs `makepkg --printsrcinfo` as the build user in a scratch copy of the directory's files (makepkg needs to
 * write where it runs, and checks that the install and changelog files exist), so the original may belong to anyone.
 */
/** makepkg's `==> ERROR:` lines and what bash itself said (a syntax error), as one line; its progress lines left out. */
function makepkgErrors(output: string): string {
  const lines = output.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
  const errors = lines
    .filter((line) => line.startsWith(MAKEPKG_ERROR) || !/^(==>|->)/.test(line))
    .map((line) => (line.startsWith(MAKEPKG_ERROR) ? line.slice(MAKEPKG_ERROR.length).trim().replace(/\.$/, '') : line));
  return [...new Set(errors.length > 0 ? errors : lines)].join('; ');
}

async function printSrcinfo(directory: string, options: PackageInfoOptions): Promise<string> {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-srcinfo-'));
  try {
    await copyTopLevelFiles(directory, scratch);
    // Only root hands the copy over to the build user; anyone else runs makepkg as themselves (see run()).
    if (process.getuid?.() === 0) {
      for (const entry of ['', ...(await fs.readdir(scratch))]) {
        await fs.chown(path.join(scratch, entry), options.user.uid, options.user.gid);
      }
    }
    const result = await run('makepkg', ['--printsrcinfo', '--nocolor'], {
      cwd: scratch,
      user: options.user,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    return result.stdout;
  } catch (error) {
    if (!(error instanceof ProcessError)) throw error;
    const reason = (error.stderr.trim() || error.message).split(scratch).join(directory);
    throw new InvalidInputError(`makepkg cannot read ${path.join(directory, 'PKGBUILD')}: ${makepkgErrors(reason)}`);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

async function copyTopLevelFiles(directory: string, destination: string): Promise<void> {
  for (const entry of await fs.readdir(directory, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const source = path.join(directory, entry.name);
    const target = path.join(destination, entry.name);
    if ((await fs.stat(source)).size <= COPIED_FILE_SIZE_LIMIT) await fs.copyFile(source, target);
    else await fs.writeFile(target, '');
  }
}
