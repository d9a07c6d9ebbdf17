/**
 * Real makepkg builds for tests. makepkg refuses to run as root, so PKGBUILDs are written into temp directories owned
 * by the unprivileged `ahriman` user and built as that user.
 *
 * A tiny build takes about 2.5 s: identical builds are done once per test file (results are cached by PKGBUILD,
 * extension and extra files), independent builds can run in parallel (`Promise.all`), and tests must copy an archive
 * before damaging it. Call {@link removeBuildDirectories} in `afterAll`.
 */
import { chown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { lookupUser, run, type SystemUser } from '../../src/core/process.js';

export type PackageExtension = '.pkg.tar.zst' | '.pkg.tar.xz' | '.pkg.tar.gz';

/** A small PKGBUILD; everything not given gets a harmless default. */
export interface PkgbuildSpec {
  /** One name, or several for a split package. */
  pkgname: string | readonly string[];
  /** Defaults to the first pkgname. */
  pkgbase?: string;
  pkgver?: string;
  pkgrel?: string;
  epoch?: string;
  /** Defaults to `any`. */
  arch?: readonly string[];
  pkgdesc?: string;
  /** More variables, written as bash assignments: `{ depends: ['bash'], url: 'https://example.com' }`. */
  variables?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * Body of `package()`, or of each `package_<name>()` of a split package (a name without a body installs nothing).
   * It runs in bash with `$pkgdir` set, like any PKGBUILD.
   */
  package?: string | Readonly<Record<string, string>>;
}

export interface BuildOptions {
  /** PKGEXT, i.e. the compression of the archives; default `.pkg.tar.zst`. */
  extension?: PackageExtension;
  /** More files for the build directory (install scripts, local sources): name -> content. */
  files?: Readonly<Record<string, string>>;
  /** Extra environment for makepkg, e.g. PACKAGER or SOURCE_DATE_EPOCH. */
  env?: Readonly<Record<string, string>>;
}

export interface BuiltPackages {
  /** The build directory (PKGBUILD, srcdir, pkgdir and the archives). */
  directory: string;
  /** Paths of the built archives, sorted. */
  archives: string[];
}

const BUILD_TIMEOUT_MS = 120_000;
const builds = new Map<string, Promise<BuiltPackages>>();
const directories: string[] = [];
let builder: Promise<SystemUser> | undefined;

/** The unprivileged account makepkg runs as. */
export function buildUser(): Promise<SystemUser> {
  builder ??= lookupUser('ahriman');
  return builder;
}

/** Renders a spec as PKGBUILD text. */
export function renderPkgbuild(spec: PkgbuildSpec): string {
  const names = typeof spec.pkgname === 'string' ? [spec.pkgname] : [...spec.pkgname];
  const variables: Record<string, string | readonly string[]> = {
    pkgbase: spec.pkgbase ?? names[0]!,
    pkgname: names,
    pkgver: spec.pkgver ?? '1.0',
    pkgrel: spec.pkgrel ?? '1',
    ...(spec.epoch === undefined ? {} : { epoch: spec.epoch }),
    pkgdesc: spec.pkgdesc ?? `test package ${names.join(' ')}`,
    arch: spec.arch ?? ['any'],
    ...spec.variables,
  };
  const lines = Object.entries(variables).map(([name, value]) =>
    typeof value === 'string' ? `${name}=${quote(value)}` : `${name}=(${value.map(quote).join(' ')})`,
  );
  const body = (name: string): string =>
    (typeof spec.package === 'string' ? spec.package : spec.package?.[name]) ?? ':';
  if (names.length === 1 && typeof spec.package !== 'object') {
    lines.push(`package() {\n${body(names[0]!)}\n}`);
  } else {
    for (const name of names) lines.push(`package_${name}() {\n${body(name)}\n}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Creates a temp directory owned by the build user, removed by {@link removeBuildDirectories}. */
export async function makeBuildDirectory(): Promise<string> {
  const user = await buildUser();
  const directory = await mkdtemp(path.join(os.tmpdir(), 'ahriman-makepkg-'));
  directories.push(directory);
  await chown(directory, user.uid, user.gid);
  return directory;
}

/** Writes the PKGBUILD (and extra files) into a new build directory and returns the directory. */
export async function writePkgbuild(
  pkgbuild: string | PkgbuildSpec,
  files: Readonly<Record<string, string>> = {},
): Promise<string> {
  const user = await buildUser();
  const directory = await makeBuildDirectory();
  const text = typeof pkgbuild === 'string' ? pkgbuild : renderPkgbuild(pkgbuild);
  for (const [name, content] of Object.entries({ ...files, PKGBUILD: text })) {
    const file = path.join(directory, name);
    await writeFile(file, content);
    await chown(file, user.uid, user.gid);
  }
  return directory;
}

/** Builds the PKGBUILD with real makepkg (cached per test file, see the module comment). */
export function buildPackages(pkgbuild: string | PkgbuildSpec, options: BuildOptions = {}): Promise<BuiltPackages> {
  const text = typeof pkgbuild === 'string' ? pkgbuild : renderPkgbuild(pkgbuild);
  const key = JSON.stringify([text, options.extension, options.files, options.env]);
  let build = builds.get(key);
  if (build === undefined) {
    build = runMakepkg(text, options);
    builds.set(key, build);
  }
  return build;
}

async function runMakepkg(pkgbuild: string, options: BuildOptions): Promise<BuiltPackages> {
  const extension = options.extension ?? '.pkg.tar.zst';
  const directory = await writePkgbuild(pkgbuild, options.files);
  await run('makepkg', ['--nodeps', '--noconfirm', '--nocolor'], {
    cwd: directory,
    user: await buildUser(),
    env: { ...options.env, PKGEXT: extension },
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  const archives = (await readdir(directory))
    .filter((name) => name.endsWith(extension))
    .sort()
    .map((name) => path.join(directory, name));
  return { directory, archives };
}

/** Output of real `makepkg --printsrcinfo` for the PKGBUILD in `directory`. */
export async function printSrcinfo(directory: string): Promise<string> {
  const result = await run('makepkg', ['--printsrcinfo'], {
    cwd: directory,
    user: await buildUser(),
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  return result.stdout;
}

/** Removes every directory this module created. */
export async function removeBuildDirectories(): Promise<void> {
  builds.clear();
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
}

function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * A split package with an epoch and most metadata fields, built for x86_64: `ahr-split-main` installs a config file
 * in `backup`, directories (one empty), a path longer than 100 characters (pax header), names with spaces and
 * non-ASCII letters, a symlink and a hard link; `ahr-split-extra` overrides pkgdesc and clears depends (with its
 * x86_64 part), optdepends and backup. (Had it kept `depends_x86_64` from the pkgbase, as .SRCINFO says it does,
 * makepkg 6.0.2 would still leave it out of .PKGINFO: its merge_arch_attrs unsets `depends_x86_64` while packaging
 * the first split package.)
 */
export const SPLIT_PACKAGE: PkgbuildSpec = {
  pkgbase: 'ahr-split',
  pkgname: ['ahr-split-main', 'ahr-split-extra'],
  pkgver: '1.2.3',
  pkgrel: '4',
  epoch: '2',
  arch: ['x86_64', 'aarch64'],
  pkgdesc: 'Split  package\twith   odd spacing',
  variables: {
    url: 'https://example.com/ahr',
    license: ['MIT', 'GPL-3.0-or-later'],
    groups: ['ahr-group'],
    depends: ['bash', 'glibc>=2.17'],
    depends_x86_64: ['ahr-x86-only'],
    depends_aarch64: ['ahr-arm-only'],
    optdepends: ['python:   for the helper scripts', 'perl'],
    makedepends: ['gcc'],
    checkdepends: ['ahr-check'],
    provides: ['ahr-virtual=1.2'],
    conflicts: ['ahr-old<1.0'],
    replaces: ['ahr-ancient'],
    backup: ['etc/ahr/ahr.conf'],
  },
  package: {
    'ahr-split-main': [
      'mkdir -p "$pkgdir/etc/ahr" "$pkgdir/usr/bin" "$pkgdir/usr/share/ahr/empty"',
      "echo 'key=value' > \"$pkgdir/etc/ahr/ahr.conf\"",
      'install -m755 /dev/null "$pkgdir/usr/bin/ahr"',
      `long="$pkgdir/usr/share/ahr/${'d'.repeat(90)}/${'f'.repeat(60)}"`,
      'mkdir -p "${long%/*}" && echo long > "$long"',
      'echo data > "$pkgdir/usr/share/ahr/file with spaces.txt"',
      'echo utf > "$pkgdir/usr/share/ahr/ünïcödé.txt"',
      'ln "$pkgdir/usr/share/ahr/file with spaces.txt" "$pkgdir/usr/share/ahr/hardlink.txt"',
      'ln -s ../share/ahr "$pkgdir/usr/bin/ahr-data"',
    ].join('\n'),
    'ahr-split-extra': [
      "pkgdesc='The extra part'",
      'depends=()',
      'depends_x86_64=()',
      'optdepends=()',
      'backup=()',
      'mkdir -p "$pkgdir/usr/bin" && echo extra > "$pkgdir/usr/bin/ahr-extra"',
    ].join('\n'),
  },
};

/** A one-file `any` package, for builds with each compression. */
export const PLAIN_PACKAGE: PkgbuildSpec = {
  pkgname: 'ahr-plain',
  pkgver: '0.9.r12.gabc',
  pkgrel: '1',
  variables: { depends: ['ahr-split-main'] },
  package: 'mkdir -p "$pkgdir/usr/share/doc/ahr-plain" && echo hi > "$pkgdir/usr/share/doc/ahr-plain/README"',
};
