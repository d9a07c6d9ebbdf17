import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UploadSource, isDatabaseFile, repositoryFiles } from '../../../src/core/upload/files.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { RepositoryPaths } from '../../../src/models/repository-paths.js';

describe('repository files to publish', () => {
  let root: string;
  let repository: string;

  beforeAll(async () => {
    // the served tree as the publisher leaves it: links into archive/, the database links, a temp file being written
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-files-'));
    const archive = path.join(root, 'archive', 'packages', 'f', 'foo');
    repository = path.join(root, 'repository', 'demo', 'x86_64');
    await fs.mkdir(archive, { recursive: true });
    await fs.mkdir(repository, { recursive: true });
    await fs.writeFile(path.join(archive, 'foo-1:1.0-1-any.pkg.tar.zst'), 'package');
    await fs.writeFile(path.join(archive, 'foo-1:1.0-1-any.pkg.tar.zst.sig'), 'signature');
    for (const name of ['foo-1:1.0-1-any.pkg.tar.zst', 'foo-1:1.0-1-any.pkg.tar.zst.sig']) {
      await fs.symlink(path.relative(repository, path.join(archive, name)), path.join(repository, name));
    }
    for (const kind of ['db', 'files']) {
      await fs.writeFile(path.join(repository, `demo.${kind}.tar.gz`), `${kind} archive`);
      await fs.writeFile(path.join(repository, `demo.${kind}.tar.gz.sig`), `${kind} signature`);
      await fs.symlink(`demo.${kind}.tar.gz`, path.join(repository, `demo.${kind}`));
      await fs.symlink(`demo.${kind}.tar.gz.sig`, path.join(repository, `demo.${kind}.sig`));
    }
    await fs.writeFile(path.join(repository, '.demo.db.tar.gz.0a1b2c.tmp'), 'half written');
    await fs.symlink('../../../archive/packages/g/gone/gone-1-1-any.pkg.tar.zst', path.join(repository, 'gone-1-1-any.pkg.tar.zst'));
    await fs.mkdir(path.join(repository, 'subdirectory'));
  });

  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  it('lists packages first and databases last, links resolved, hidden files, broken links and directories left out', async () => {
    const { packages, databases } = await repositoryFiles(repository, 'demo');
    expect(packages.map((file) => file.name)).toEqual(['foo-1:1.0-1-any.pkg.tar.zst', 'foo-1:1.0-1-any.pkg.tar.zst.sig']);
    expect(packages[0]!.path).toBe(path.join(root, 'archive', 'packages', 'f', 'foo', 'foo-1:1.0-1-any.pkg.tar.zst'));
    expect(packages[0]!.size).toBe('package'.length);
    expect(databases.map((file) => file.name)).toEqual([
      'demo.db',
      'demo.db.sig',
      'demo.db.tar.gz',
      'demo.db.tar.gz.sig',
      'demo.files',
      'demo.files.sig',
      'demo.files.tar.gz',
      'demo.files.tar.gz.sig',
    ]);
    const byName = new Map(databases.map((file) => [file.name, file]));
    expect(byName.get('demo.db')!.path).toBe(path.join(repository, 'demo.db.tar.gz'));
    expect(byName.get('demo.db')!.md5).toBe(byName.get('demo.db.tar.gz')!.md5);
    expect(byName.get('demo.db')!.md5).toBe('8f79cf97227abd2c4e56778c2c36b4fe'); // md5sum of "db archive"
  });

  it('hashes the repository once for all the targets of a run', async () => {
    const source = new UploadSource(new RepositoryPaths(root, new RepositoryId('x86_64', 'demo')));
    const first = source.files();
    expect(source.files()).toBe(first);
    expect((await first).databases).toHaveLength(8);
  });

  it('tells databases from packages, whatever the compression', () => {
    for (const name of ['demo.db', 'demo.db.sig', 'demo.db.tar.gz', 'demo.files.tar.zst.sig', 'demo.files.tar']) {
      expect(isDatabaseFile(name, 'demo'), name).toBe(true);
    }
    for (const name of ['demo.dbx', 'demo-db-1-1-any.pkg.tar.zst', 'other.db', 'demoxdb', 'demo.db.tar.gz.old']) {
      expect(isDatabaseFile(name, 'demo'), name).toBe(false);
    }
    expect(isDatabaseFile('my.repo.db', 'my.repo')).toBe(true);
    expect(isDatabaseFile('myxrepo.db', 'my.repo')).toBe(false);
  });
});
