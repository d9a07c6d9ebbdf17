import { copyFileSync, existsSync, mkdtempSync, readlinkSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSyncDatabase } from '../../../src/core/alpm/sync-database.js';
import { run } from '../../../src/core/process.js';
import { RepositoryPublisher } from '../../../src/core/repository/publisher.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { RepositoryPaths } from '../../../src/models/repository-paths.js';
import { SPLIT_PACKAGE, buildPackages, removeBuildDirectories } from '../../support/makepkg.js';

/** The text of every entry file (`<name>-<version>/desc`, `/files`) of a database, as bsdtar extracts it. */
async function entryTexts(database: string): Promise<Map<string, string>> {
  const listing = await run('bsdtar', ['-tf', database]);
  const texts = new Map<string, string>();
  for (const name of listing.stdout.split('\n').filter((line) => line && !line.endsWith('/'))) {
    texts.set(name, (await run('bsdtar', ['-xOf', database, name])).stdout);
  }
  return texts;
}

function makePaths(): RepositoryPaths {
  return new RepositoryPaths(mkdtempSync(path.join(os.tmpdir(), 'ahriman-publish-')), new RepositoryId('x86_64', 'demo'));
}

async function stage(paths: RepositoryPaths, archives: string[]): Promise<string[]> {
  await fs.mkdir(paths.packages, { recursive: true });
  return archives.map((archive) => {
    const target = path.join(paths.packages, path.basename(archive));
    copyFileSync(archive, target);
    return target;
  });
}

describe('repository publisher', () => {
  let archives: string[] = [];
  let upgraded: string[] = [];

  beforeAll(async () => {
    const builds = await Promise.all([
      buildPackages(SPLIT_PACKAGE),
      buildPackages({ pkgname: 'ahr-plain', pkgver: '1.0', variables: { depends: ['ahr-split-main'] } }, { extension: '.pkg.tar.xz' }),
      buildPackages({ pkgname: 'ahr-gzip', pkgver: '0.1' }, { extension: '.pkg.tar.gz' }),
      buildPackages({ pkgname: 'ahr-plain', pkgver: '1.1', variables: { depends: ['ahr-split-main'] } }, { extension: '.pkg.tar.xz' }),
    ]);
    archives = builds.slice(0, 3).flatMap((build) => build.archives);
    upgraded = builds[3]!.archives;
  });
  afterAll(() => removeBuildDirectories());

  it('writes desc and files entries identical to what repo-add writes for the same packages', async () => {
    const paths = makePaths();
    const result = await new RepositoryPublisher(paths).publish({ archives: await stage(paths, archives), remove: [] });
    expect(result.added.map((entry) => entry.name).sort()).toEqual(['ahr-gzip', 'ahr-plain', 'ahr-split-extra', 'ahr-split-main']);

    const reference = mkdtempSync(path.join(os.tmpdir(), 'ahriman-repo-add-'));
    for (const archive of archives) copyFileSync(archive, path.join(reference, path.basename(archive)));
    await run('repo-add', ['-q', path.join(reference, 'demo.db.tar.gz'), ...archives.map((archive) => path.join(reference, path.basename(archive)))]);

    for (const kind of ['db', 'files']) {
      const ours = await entryTexts(path.join(paths.repository, `demo.${kind}.tar.gz`));
      const theirs = await entryTexts(path.join(reference, `demo.${kind}.tar.gz`));
      expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
      for (const [name, text] of theirs) expect(ours.get(name), `${kind}: ${name}`).toBe(text);
    }
  });

  it('serves links to the archive tree and replaces an upgraded package with one database write', async () => {
    const paths = makePaths();
    const publisher = new RepositoryPublisher(paths);
    await publisher.publish({ archives: await stage(paths, archives), remove: [] });
    const oldPlain = path.basename(archives.find((archive) => archive.includes('ahr-plain-1.0'))!);
    expect(readlinkSync(path.join(paths.repository, oldPlain))).toBe(`../../../archive/packages/a/ahr-plain/${oldPlain}`);
    expect(readdirSync(paths.packages)).toEqual([]);

    const result = await publisher.publish({ archives: await stage(paths, upgraded), remove: [] });
    expect(result.added.map((entry) => entry.version)).toEqual(['1.1-1']);
    expect(result.removed.map((entry) => entry.version)).toEqual(['1.0-1']);
    expect(existsSync(path.join(paths.repository, oldPlain))).toBe(false);
    expect(existsSync(path.join(paths.archiveFor('ahr-plain'), oldPlain))).toBe(true);
    const listed = (await readSyncDatabase(path.join(paths.repository, 'demo.db'))).map((entry) => `${entry.name} ${entry.version}`);
    expect(listed.sort()).toEqual(['ahr-gzip 0.1-1', 'ahr-plain 1.1-1', 'ahr-split-extra 2:1.2.3-4', 'ahr-split-main 2:1.2.3-4']);

    await publisher.publish({ archives: [], remove: ['ahr-split-main', 'ahr-split-extra'] });
    const after = (await readSyncDatabase(path.join(paths.repository, 'demo.db'))).map((entry) => entry.name);
    expect(after.sort()).toEqual(['ahr-gzip', 'ahr-plain']);
    expect(readdirSync(paths.repository).filter((name) => name.includes('ahr-split'))).toEqual([]);
  });

  it('lists packages that an interrupted run linked but did not write into the database', async () => {
    const paths = makePaths();
    const publisher = new RepositoryPublisher(paths);
    await publisher.publish({ archives: [], remove: [] });
    // an interrupted run: the package is in the archive tree and linked, the database was never written
    const archive = archives.find((file) => file.includes('ahr-gzip'))!;
    const stored = path.join(paths.archiveFor('ahr-gzip'), path.basename(archive));
    await fs.mkdir(path.dirname(stored), { recursive: true });
    copyFileSync(archive, stored);
    await fs.symlink(path.relative(paths.repository, stored), path.join(paths.repository, path.basename(archive)));
    expect(await readSyncDatabase(path.join(paths.repository, 'demo.db'))).toEqual([]);

    const result = await publisher.publish({ archives: [], remove: [] });
    expect(result.added.map((entry) => entry.name)).toEqual(['ahr-gzip']);
    expect((await readSyncDatabase(path.join(paths.repository, 'demo.db'))).map((entry) => entry.name)).toEqual(['ahr-gzip']);
  });

  it('refuses a package built for another architecture and leaves the repository untouched', async () => {
    const paths = makePaths();
    const other = new RepositoryPaths(paths.root, new RepositoryId('aarch64', 'demo'));
    const split = archives.filter((archive) => archive.includes('ahr-split'));
    await expect(new RepositoryPublisher(other).publish({ archives: await stage(other, split), remove: [] })).rejects.toThrow(
      /built for x86_64, but the repository is for aarch64/,
    );
    expect(existsSync(path.join(other.repository, 'demo.db.tar.gz'))).toBe(false);
    expect(readdirSync(other.packages).length).toBe(split.length);
  });
});

describe('repository publisher after a killed run', () => {
  it('removes the temporary files the killed run left', async () => {
    const paths = makePaths();
    await fs.mkdir(paths.packages, { recursive: true });
    await fs.mkdir(paths.repository, { recursive: true });
    const leftovers = [
      path.join(paths.packages, '.foo-1-1-any.pkg.tar.zst.sig.0123456789ab.tmp'),
      path.join(paths.repository, '.demo.db.tar.gz.ba9876543210.tmp'),
    ];
    for (const file of leftovers) await fs.writeFile(file, 'partial');
    await fs.writeFile(path.join(paths.repository, '.keep-me'), 'not ours');
    await new RepositoryPublisher(paths).publish({ archives: [], remove: [] });
    for (const file of leftovers) expect(existsSync(file), file).toBe(false);
    expect(existsSync(path.join(paths.repository, '.keep-me'))).toBe(true);
  });
});
