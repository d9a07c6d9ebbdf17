/**
 * Realistic package archives for the benchmarks, many of them, quickly: two real packages are built once with
 * makepkg (one `any` with a tree of shell scripts, one `x86_64` with a binary); every archive is a variant of one
 * of them whose .PKGINFO names another package and package base (everything else, .MTREE included, is kept as makepkg wrote it),
 * repacked and compressed: 80 % zstd, 10 % xz, 10 % gzip. zstd writes on a pipe with a 32 MiB window, so the frames
 * declare makepkg's window and no content size, as real packages do (what decoders size their buffers from); its
 * level is 3 instead of makepkg's 20, which costs about 0.5 s per archive to compress, 40x more.
 *
 * Needs `dist/` (npm run build), root (makepkg runs as the `ahriman` user), makepkg, zstd, xz and gzip.
 */
import { chown, link, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tar from 'tar-stream';
import { defaultConcurrency, mapLimit } from '../../dist/core/concurrency.js';
import { readSyncDatabase } from '../../dist/core/alpm/sync-database.js';
import { lookupUser, run } from '../../dist/core/process.js';

const TEMPLATES = [
  {
    name: 'bench-scripts',
    arch: 'any',
    body: [
      'mkdir -p "$pkgdir/usr/share" "$pkgdir/usr/bin"',
      'cp -r /usr/share/makepkg "$pkgdir/usr/share/bench-scripts"',
      'ln -s ../share/bench-scripts/util.sh "$pkgdir/usr/bin/bench-scripts"',
    ],
  },
  {
    name: 'bench-binary',
    arch: 'x86_64',
    body: [
      'install -Dm755 /usr/bin/bsdtar "$pkgdir/usr/bin/bench-binary"',
      'install -Dm644 /usr/share/makepkg/util.sh "$pkgdir/usr/share/doc/bench-binary/README"',
    ],
  },
];

const COMPRESSORS = {
  zstd: { extension: 'zst' },
  xz: { extension: 'xz', args: ['-q', '-f'] },
  gzip: { extension: 'gz', args: ['-q', '-f', '-n'] },
};

/** makepkg's COMPRESSZST (`zstd -c -T0 --ultra -20 -`) as far as decoders can tell: the window it gets at level 20. */
const MAKEPKG_ZSTD_ARGS = ['-c', '-3', '--zstd=wlog=25', '-'];

/** Files handed to one compressor call, so the argument list stays short. */
const FILES_PER_COMPRESSOR_CALL = 200;

/** Builds one template with makepkg and returns it with its uncompressed tar. */
async function buildTemplate(directory, user, template) {
  const pkgbuild = [
    `pkgname=${template.name}`,
    'pkgver=1.0',
    'pkgrel=1',
    `pkgdesc='Benchmark package ${template.name}'`,
    `arch=(${template.arch})`,
    "url='https://example.com'",
    "license=('GPL')",
    "depends=('bash' 'glibc')",
    "options=('!strip' '!debug')",
    `package() {\n${template.body.join('\n')}\n}`,
  ].join('\n');
  const buildDirectory = path.join(directory, template.name);
  await mkdir(buildDirectory);
  await writeFile(path.join(buildDirectory, 'PKGBUILD'), `${pkgbuild}\n`);
  await chown(buildDirectory, user.uid, user.gid);
  await run('makepkg', ['--nodeps', '--noconfirm', '--nocolor'], {
    cwd: buildDirectory,
    user,
    env: { PKGEXT: '.pkg.tar.zst' },
  });
  const archive = (await readdir(buildDirectory)).find((name) => name.endsWith('.pkg.tar.zst'));
  const { stdoutBytes } = await run('zstd', ['-dc', path.join(buildDirectory, archive)], { binaryStdout: true });
  return { ...template, tar: stdoutBytes };
}

/** Both templates, built in a scratch directory the `ahriman` user owns (removed afterwards). */
async function buildTemplates() {
  const user = await lookupUser('ahriman');
  const directory = await mkdtemp(path.join(os.tmpdir(), 'ahriman-bench-templates-'));
  try {
    await chown(directory, user.uid, user.gid);
    return await Promise.all(TEMPLATES.map((template) => buildTemplate(directory, user, template)));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** The template's tar with `pkgname = <name>` and `pkgbase = <name>` in .PKGINFO, everything else as makepkg wrote it. */
async function variantTar(template, name) {
  const extract = tar.extract();
  const pack = tar.pack();
  const output = [];
  pack.on('data', (chunk) => output.push(chunk));
  const packed = new Promise((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  extract.end(template.tar);
  for await (const entry of extract) {
    const chunks = [];
    for await (const chunk of entry) chunks.push(chunk);
    let content = Buffer.concat(chunks);
    const header = { ...entry.header };
    if (header.name === '.PKGINFO') {
      content = Buffer.from(content.toString().replace(/^pkgname = .*$/m, `pkgname = ${name}`).replace(/^pkgbase = .*$/m, `pkgbase = ${name}`));
      header.size = content.length;
    }
    await new Promise((resolve, reject) => pack.entry(header, content, (error) => (error ? reject(error) : resolve())));
  }
  pack.finalize();
  await packed;
  return Buffer.concat(output);
}

/**
 * Writes `count` package archives into `directory` (which must exist): `bench-scripts-00000-1.0-1-any.pkg.tar.zst`,
 * `bench-binary-00001-1.0-1-x86_64.pkg.tar.zst`, ... Returns their paths in index order, so any prefix of the list
 * mixes both templates and all three compressions.
 */
export async function createPackageArchives(directory, count) {
  const templates = await buildTemplates();
  const planned = [];
  for (let index = 0; index < count; index++) {
    const template = templates[index % templates.length];
    const name = `${template.name}-${String(index).padStart(5, '0')}`;
    const file = path.join(directory, `${name}-1.0-1-${template.arch}.pkg.tar`);
    await writeFile(file, await variantTar(template, name));
    const compressor = index % 10 === 8 ? 'xz' : index % 10 === 9 ? 'gzip' : 'zstd';
    planned.push({ file, compressor });
  }
  const zstdFiles = planned.filter((item) => item.compressor === 'zstd').map((item) => item.file);
  await mapLimit(zstdFiles, defaultConcurrency(), async (file) => {
    const { stdoutBytes } = await run('zstd', MAKEPKG_ZSTD_ARGS, { input: await readFile(file), binaryStdout: true });
    await writeFile(`${file}.zst`, stdoutBytes);
    await rm(file);
  });
  for (const [compressor, { args }] of Object.entries(COMPRESSORS)) {
    if (compressor === 'zstd') continue;
    const files = planned.filter((item) => item.compressor === compressor).map((item) => item.file);
    for (let start = 0; start < files.length; start += FILES_PER_COMPRESSOR_CALL) {
      await run(compressor, [...args, ...files.slice(start, start + FILES_PER_COMPRESSOR_CALL)]);
    }
  }
  return planned.map(({ file, compressor }) => `${file}.${COMPRESSORS[compressor].extension}`);
}

/** Hard links the archives into `directory` (a cheap copy: the pool stays intact whatever happens to the links). */
export async function linkInto(directory, archives) {
  await mkdir(directory, { recursive: true });
  return Promise.all(
    archives.map(async (archive) => {
      const target = path.join(directory, path.basename(archive));
      await link(archive, target);
      return target;
    }),
  );
}

/** Fails unless the repository database `database` lists `expected` packages; `who` wrote it. */
export async function expectDatabaseSize(database, expected, who) {
  const listed = (await readSyncDatabase(database)).length;
  if (listed !== expected) throw new Error(`${who}: the database lists ${listed} packages, expected ${expected}`);
}
