import { randomBytes } from 'node:crypto';
import { copyFile, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import { readPackageArchive } from '../../../src/core/alpm/package-archive.js';
import { DESC_FIELDS, readSyncDatabase, type SyncDatabaseEntry } from '../../../src/core/alpm/sync-database.js';
import { run } from '../../../src/core/process.js';
import type { PackageMetadata } from '../../../src/models/package-metadata.js';
import {
  PLAIN_PACKAGE,
  SPLIT_PACKAGE,
  buildPackages,
  makeBuildDirectory,
  removeBuildDirectories,
} from '../../support/makepkg.js';

const COMPRESSIONS = ['gz', 'zst', 'xz'] as const;

let repository: string;
let packages: PackageMetadata[];
/** Base64 of the fake detached signature placed next to the first package, which repo-add embeds as %PGPSIG%. */
let signature: string;

beforeAll(async () => {
  const [split, plain, directory] = await Promise.all([
    buildPackages(SPLIT_PACKAGE),
    buildPackages(PLAIN_PACKAGE, { extension: '.pkg.tar.gz' }),
    makeBuildDirectory(),
  ]);
  repository = directory;
  const files: string[] = [];
  for (const archive of [...split.archives, ...plain.archives]) {
    const file = path.join(repository, path.basename(archive));
    await copyFile(archive, file);
    files.push(file);
  }
  const signatureBytes = randomBytes(566);
  await writeFile(`${files[0]}.sig`, signatureBytes);
  signature = signatureBytes.toString('base64');
  for (const compression of COMPRESSIONS) {
    await run('repo-add', ['-q', path.join(repository, `test-${compression}.db.tar.${compression}`), ...files]);
  }
  packages = await Promise.all(files.map((file) => readPackageArchive(file)));
});
afterAll(removeBuildDirectories);

function expectEntriesMatchPackages(entries: SyncDatabaseEntry[], withFiles: boolean): void {
  expect(entries.map((entry) => entry.name).sort()).toEqual(packages.map((metadata) => metadata.name).sort());
  for (const entry of entries) {
    const metadata = packages.find((candidate) => candidate.name === entry.name)!;
    const expected: Record<string, unknown> = {};
    for (const field of DESC_FIELDS) {
      expected[field.property] = field.property === 'pgpSignature' ? '' : metadata[field.property];
    }
    expected.pgpSignature = metadata.fileName === packages[0]!.fileName ? signature : '';
    expected.files = withFiles ? metadata.files : undefined;
    expect(entry).toEqual(expected);
  }
}

describe('readSyncDatabase on databases written by repo-add', () => {
  it('reads every desc field of each compression as the package archives say', async () => {
    for (const compression of COMPRESSIONS) {
      const entries = await readSyncDatabase(path.join(repository, `test-${compression}.db.tar.${compression}`));
      expectEntriesMatchPackages(entries, false);
    }
  });

  it('reads the files database, whose file lists match the archives', async () => {
    for (const compression of COMPRESSIONS) {
      const entries = await readSyncDatabase(path.join(repository, `test-${compression}.files.tar.${compression}`));
      expectEntriesMatchPackages(entries, true);
    }
  });

  it('follows the <repo>.db symlink', async () => {
    expect((await readSyncDatabase(path.join(repository, 'test-gz.db'))).length).toBe(packages.length);
  });

  it('lists fields in the order repo-add writes them', async () => {
    const { stdout } = await run('bsdtar', ['-xOf', path.join(repository, 'test-gz.db.tar.gz'), '*/desc']);
    const order = DESC_FIELDS.map((field) => field.block);
    const written = [...stdout.matchAll(/^%([A-Z0-9]+)%$/gm)].map((match) => match[1]!);
    for (const entryBlocks of splitAt(written, 'FILENAME')) {
      const positions = entryBlocks.map((block) => order.indexOf(block));
      expect(positions).not.toContain(-1);
      expect(positions).toEqual([...positions].sort((left, right) => left - right));
    }
    expect(new Set(written)).toEqual(new Set(order)); // this sample exercises every field
  });

  it('reads an empty database left by repo-remove', async () => {
    const database = path.join(repository, 'empty.db.tar.gz');
    await copyFile(path.join(repository, 'test-gz.db.tar.gz'), database);
    await run('repo-remove', ['-q', database, ...packages.map((metadata) => metadata.name)]);
    expect(await readSyncDatabase(database)).toEqual([]);
  });

  it('rejects a truncated database with a clear error', async () => {
    for (const compression of COMPRESSIONS) {
      const database = path.join(repository, `truncated.db.tar.${compression}`);
      await copyFile(path.join(repository, `test-${compression}.files.tar.${compression}`), database);
      await truncate(database, (await stat(database)).size - 40);
      const failure = readSyncDatabase(database);
      await expect(failure).rejects.toBeInstanceOf(InvalidInputError);
      await expect(failure).rejects.toThrow(/truncated\.db\.tar\.(gz|zst|xz): (corrupt (gzip|zstd|xz) data|truncated)/);
    }
  });

  it('rejects random bytes behind a gzip signature', async () => {
    const database = path.join(repository, 'random.db.tar.gz');
    await writeFile(database, Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(1000)]));
    await expect(readSyncDatabase(database)).rejects.toThrow(/random\.db\.tar\.gz: corrupt gzip data/);
  });
});

function splitAt(blocks: string[], first: string): string[][] {
  const groups: string[][] = [];
  for (const block of blocks) {
    if (block === first) groups.push([]);
    groups.at(-1)!.push(block);
  }
  return groups;
}
