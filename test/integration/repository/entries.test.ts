import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RepositoryEntry, readRepositoryEntries, writeRepositoryDatabase } from '../../../src/core/alpm/repository-database.js';
import { readSyncDatabase } from '../../../src/core/alpm/sync-database.js';
import { run } from '../../../src/core/process.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'ahriman-entries-'));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

function entry(name: string): RepositoryEntry {
  return {
    fileName: `${name}-1.0-1-any.pkg.tar.zst`,
    name,
    base: name,
    version: '1.0-1',
    description: `package ${name}`,
    groups: [],
    compressedSize: 100,
    installedSize: 200,
    md5: '0'.repeat(32),
    sha256: '0'.repeat(64),
    pgpSignature: '',
    url: '',
    licenses: ['GPL'],
    architecture: 'any',
    buildDate: 1_700_000_000,
    packager: 'Someone <someone@localhost>',
    replaces: [],
    conflicts: [],
    provides: [],
    depends: ['glibc'],
    optDepends: [],
    makeDepends: [],
    checkDepends: [],
    files: ['usr/', `usr/bin/${name}`],
  };
}

/** entries.json of a generation: what the tests below change in it. */
interface OldIndex {
  entries: unknown[];
  offsets: number[][];
  segments: Array<[number, number, number]>;
}

/** Enough packages for several segments. */
const MANY = Array.from({ length: 300 }, (_, index) => `ahr-${String(index).padStart(3, '0')}`);

/**
 * Rewrites the database at `root` from the entries read back, with `removed` replaced by `added`, and expects the
 * archives a fresh write of the same packages gives (at `fresh`, returned).
 */
async function replaceAndCompare(root: string, fresh: string, removed: string, added: string): Promise<string> {
  const kept = await readRepositoryEntries(root, 'demo');
  await writeRepositoryDatabase(root, 'demo', [...kept.filter((item) => item.name !== removed), entry(added)]);
  await writeRepositoryDatabase(fresh, 'demo', [...MANY.filter((name) => name !== removed), added].map(entry));
  for (const name of ['demo.db.tar.gz', 'demo.files.tar.gz']) {
    const [ours, theirs] = await Promise.all([root, fresh].map((directory) => readFile(path.join(directory, name))));
    expect(ours!.equals(theirs!), name).toBe(true);
  }
  return fresh;
}

/** The inodes of the current generation's files-<n>.tar, in segment order. */
async function segmentFileInodes(root: string): Promise<number[]> {
  const generation = path.join(root, '.db', 'current');
  const names = (await readdir(generation)).filter((name) => /^files-\d+\.tar$/.test(name));
  const ordered = names.sort((left, right) => Number(left.slice(6, -4)) - Number(right.slice(6, -4)));
  return Promise.all(ordered.map(async (name) => (await stat(path.join(generation, name))).ino));
}

describe('readRepositoryEntries', () => {
  it('reads back what the current generation lists, file lists included, as the files database says', async () => {
    const entries = [entry('ahr-one'), entry('ahr-two')];
    await writeRepositoryDatabase(directory, 'demo', entries);
    const read = await readRepositoryEntries(directory, 'demo');
    expect(read).toEqual(entries);
    const parsed = await readSyncDatabase(path.join(directory, 'demo.files.tar.gz'));
    expect(parsed.map(({ name, files }) => ({ name, files }))).toEqual(read.map(({ name, files }) => ({ name, files })));
  });

  it('follows the files database once repo-remove by hand replaced the served links', async () => {
    await run('repo-remove', ['-q', 'demo.db.tar.gz', 'ahr-one'], { cwd: directory });
    expect((await readRepositoryEntries(directory, 'demo')).map((item) => item.name)).toEqual(['ahr-two']);
  });

  it('writes a name too long for ustar headers (a pax header before it), as bsdtar and pacman read it', async () => {
    const long = entry(`ahr-${'x'.repeat(120)}`);
    const short = entry('ahr-short');
    const target = path.join(directory, 'long');
    await writeRepositoryDatabase(target, 'demo', [long, short]);
    const listed = (await run('bsdtar', ['-tf', path.join(target, 'demo.files.tar.gz')])).stdout.trim().split('\n');
    const directoryName = `${long.name}-${long.version}`;
    expect(listed).toEqual(['ahr-short-1.0-1/', 'ahr-short-1.0-1/desc', 'ahr-short-1.0-1/files', `${directoryName}/`, `${directoryName}/desc`, `${directoryName}/files`]);
    const parsed = await readSyncDatabase(path.join(target, 'demo.db.tar.gz'));
    expect(parsed.map((item) => item.name)).toEqual(['ahr-short', long.name]);
  });

  it('writes the same archives from entries read back as from fresh ones, with a new entry among them', async () => {
    const first = path.join(directory, 'kept');
    await writeRepositoryDatabase(first, 'demo', [entry('ahr-one'), entry('ahr-two')]);
    const kept = await readRepositoryEntries(first, 'demo');
    expect(kept).toEqual([entry('ahr-one'), entry('ahr-two')]);
    const next = [...kept, entry('ahr-three')];
    await writeRepositoryDatabase(first, 'demo', next);
    const fresh = path.join(directory, 'fresh');
    await writeRepositoryDatabase(fresh, 'demo', [entry('ahr-one'), entry('ahr-two'), entry('ahr-three')]);
    for (const name of ['demo.db.tar.gz', 'demo.files.tar.gz']) {
      const [ours, theirs] = await Promise.all([first, fresh].map(async (root) => gunzipSync(await readFile(path.join(root, name)))));
      expect(ours!.equals(theirs!), name).toBe(true);
    }
    expect(await readRepositoryEntries(first, 'demo')).toEqual([entry('ahr-one'), entry('ahr-three'), entry('ahr-two')]); // kept by name
  });

  it('writes a big repository as a series of gzip members that bsdtar reads whole, and rewrites it after a change as a fresh write would', async () => {
    const segmented = path.join(directory, 'segmented');
    await writeRepositoryDatabase(segmented, 'demo', MANY.map(entry));
    const segments = async (): Promise<unknown[]> => JSON.parse(await readFile(path.join(segmented, '.db', 'current', 'entries.json'), 'utf8')).segments;
    expect((await segments()).length).toBeGreaterThan(2);
    const listed = (await run('bsdtar', ['-tf', path.join(segmented, 'demo.db.tar.gz')])).stdout.trim().split('\n');
    expect(listed).toEqual(MANY.flatMap((name) => [`${name}-1.0-1/`, `${name}-1.0-1/desc`]));

    // one package removed and one added: the unchanged segments are copied, and the result is what a fresh write gives
    const before = await segmentFileInodes(segmented);
    const fresh = await replaceAndCompare(segmented, path.join(directory, 'segmented-fresh'), 'ahr-150', 'ahr-150a');
    expect((await readSyncDatabase(path.join(segmented, 'demo.files.tar.gz'))).map((item) => item.name)).toContain('ahr-150a');
    // each segment keeps its own files database: the unchanged ones are the previous generation's files (links)
    const after = await segmentFileInodes(segmented);
    expect(after.length).toBe((await segments()).length);
    const shared = after.filter((inode) => before.includes(inode));
    expect(shared.length).toBe(after.length - 1);
    expect(await readRepositoryEntries(segmented, 'demo')).toEqual(await readRepositoryEntries(fresh, 'demo'));
  });

  it('reads and rewrites a generation kept as one files.tar, as generations were before they kept one per segment', async () => {
    const older = path.join(directory, 'one-files-tar');
    await writeRepositoryDatabase(older, 'demo', MANY.map(entry));
    const generation = path.join(older, '.db', 'current');
    const index = JSON.parse(await readFile(path.join(generation, 'entries.json'), 'utf8')) as OldIndex & { segmentFiles?: true };
    const parts = await Promise.all(index.segments.map((_, position) => readFile(path.join(generation, `files-${position}.tar`))));
    // the older layout: one files.tar, offsets counted from its start
    let base = 0;
    index.offsets = index.segments.flatMap(([first], position) => {
      const end = index.segments[position + 1]?.[0] ?? index.entries.length;
      const shifted = index.offsets.slice(first, end).map((offset) => offset.map((value) => value + base));
      base += parts[position]!.length;
      return shifted;
    });
    delete index.segmentFiles;
    await writeFile(path.join(generation, 'files.tar'), Buffer.concat(parts));
    await Promise.all(parts.map((_, position) => rm(path.join(generation, `files-${position}.tar`))));
    await writeFile(path.join(generation, 'entries.json'), JSON.stringify(index));

    expect(await readRepositoryEntries(older, 'demo')).toEqual(MANY.map(entry));
    const fresh = await replaceAndCompare(older, path.join(directory, 'one-files-tar-fresh'), 'ahr-007', 'ahr-007a');
    expect(await readRepositoryEntries(older, 'demo')).toEqual(await readRepositoryEntries(fresh, 'demo'));
  });

  it('reads the files database when a segment of the kept generation is missing', async () => {
    const damaged = path.join(directory, 'missing-segment');
    await writeRepositoryDatabase(damaged, 'demo', MANY.map(entry));
    await rm(path.join(damaged, '.db', 'current', 'files-1.tar'));
    expect(await readRepositoryEntries(damaged, 'demo')).toEqual(MANY.map(entry));
  });

  it('reads the entries a generation kept with their file lists in entries.json alone (before files.tar)', async () => {
    const older = path.join(directory, 'older');
    await writeRepositoryDatabase(older, 'demo', [entry('ahr-one')]);
    const generation = path.join(older, '.db', 'current');
    await rm(path.join(generation, 'files-0.tar'));
    await writeFile(path.join(generation, 'entries.json'), JSON.stringify([entry('ahr-one')]));
    expect(await readRepositoryEntries(older, 'demo')).toEqual([entry('ahr-one')]);
  });

  it('finds nothing where there is no database', async () => {
    expect(await readRepositoryEntries(path.join(directory, 'none'), 'demo')).toEqual([]);
  });
});
