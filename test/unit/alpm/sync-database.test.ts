import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import {
  DESC_FIELDS,
  descEntryFromBlocks,
  parseDescBlocks,
  readSyncDatabase,
} from '../../../src/core/alpm/sync-database.js';
import { run } from '../../../src/core/process.js';

const DESC = `%FILENAME%
foo-1:2.0-1-x86_64.pkg.tar.zst

%NAME%
foo

%VERSION%
1:2.0-1

%DESC%
The foo

%CSIZE%
1234

%ISIZE%
5678

%LICENSE%
MIT
BSD

%ARCH%
x86_64

%BUILDDATE%
1700000000

%DEPENDS%
glibc
bar>=1

%FUTUREFIELD%
ignored

`;

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ahriman-syncdb-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Writes entry files (`<dir>/<file>` -> text) and packs them with bsdtar into a gzip database. */
async function makeDatabase(name: string, files: Record<string, string>): Promise<string> {
  const root = path.join(scratch, name);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  const database = path.join(scratch, `${name}.db.tar.gz`);
  const directories = new Set(Object.keys(files).map((file) => file.split('/')[0]!));
  await run('bsdtar', ['-czf', database, '-C', root, ...directories]);
  return database;
}

describe('desc blocks', () => {
  it('parses blocks into typed fields, missing ones empty', () => {
    const entry = descEntryFromBlocks(parseDescBlocks(DESC, 'desc'), 'desc');
    expect(entry).toEqual({
      fileName: 'foo-1:2.0-1-x86_64.pkg.tar.zst',
      name: 'foo',
      base: '',
      version: '1:2.0-1',
      description: 'The foo',
      groups: [],
      compressedSize: 1234,
      installedSize: 5678,
      md5: '',
      sha256: '',
      pgpSignature: '',
      url: '',
      licenses: ['MIT', 'BSD'],
      architecture: 'x86_64',
      buildDate: 1700000000,
      packager: '',
      replaces: [],
      conflicts: [],
      provides: [],
      depends: ['glibc', 'bar>=1'],
      optDepends: [],
      makeDepends: [],
      checkDepends: [],
    });
    expect(Object.keys(entry).sort()).toEqual(DESC_FIELDS.map((field) => field.property).sort());
  });

  it('keeps blocks of several files of one entry together and ends the last block at the end of the text', () => {
    const blocks = parseDescBlocks('%NAME%\nfoo\n\n%VERSION%\n1-1\n', 'desc');
    parseDescBlocks('%FILES%\nusr/\nusr/bin/foo', 'files', blocks);
    expect([...blocks]).toEqual([
      ['NAME', ['foo']],
      ['VERSION', ['1-1']],
      ['FILES', ['usr/', 'usr/bin/foo']],
    ]);
  });

  it('rejects text outside a block, repeated blocks, and bad values', () => {
    expect(() => parseDescBlocks('%NAME%\nfoo\n\nstray\n', 'x/desc')).toThrow(
      /^x\/desc: line 4: expected a %FIELD% line, got 'stray'$/,
    );
    expect(() => parseDescBlocks('%NAME%\nfoo\n\n%NAME%\nbar\n', 'x/desc')).toThrow(/line 4: %NAME% appears twice/);
    const entry = (text: string): unknown => descEntryFromBlocks(parseDescBlocks(text, 'x'), 'x/desc');
    expect(() => entry('%NAME%\nfoo\n')).toThrow(/^x\/desc: missing %VERSION%$/);
    expect(() => entry('%VERSION%\n1-1\n')).toThrow(InvalidInputError);
    expect(() => entry('%NAME%\nfoo\nbar\n\n%VERSION%\n1-1\n')).toThrow(/%NAME% has more than one value/);
    expect(() => entry('%NAME%\nfoo\n\n%VERSION%\n1-1\n\n%CSIZE%\n12k\n')).toThrow(
      /%CSIZE% must be a number, got '12k'/,
    );
  });
});

describe('readSyncDatabase', () => {
  it('merges desc, legacy depends and files of each entry and ignores other files', async () => {
    const database = await makeDatabase('legacy', {
      'foo-1:2.0-1/desc': DESC.replace('%DEPENDS%\nglibc\nbar>=1\n\n', ''),
      'foo-1:2.0-1/depends': '%DEPENDS%\nglibc\n\n%PROVIDES%\nfoo-virtual\n\n',
      'foo-1:2.0-1/files': '%FILES%\nusr/\nusr/bin/foo\n',
      'foo-1:2.0-1/deltas': 'anything',
      'bar-1-1/desc': '%NAME%\nbar\n\n%VERSION%\n1-1\n\n',
    });
    const entries = await readSyncDatabase(database);
    expect(entries.map((entry) => entry.name).sort()).toEqual(['bar', 'foo']);
    expect(entries.find((entry) => entry.name === 'foo')).toMatchObject({
      depends: ['glibc'],
      provides: ['foo-virtual'],
      files: ['usr/', 'usr/bin/foo'],
    });
    expect(entries.find((entry) => entry.name === 'bar')?.files).toBeUndefined();
  });

  it('rejects an entry whose directory does not match its name and version', async () => {
    const database = await makeDatabase('mismatch', { 'foo-9-9/desc': '%NAME%\nfoo\n\n%VERSION%\n1-1\n\n' });
    await expect(readSyncDatabase(database)).rejects.toThrow(/mismatch\.db\.tar\.gz: foo-9-9: entry holds foo 1-1/);
  });

  it('rejects an entry without desc and a malformed desc, naming the entry', async () => {
    const empty = await makeDatabase('nodesc', { 'foo-1-1/files': '%FILES%\n' });
    await expect(readSyncDatabase(empty)).rejects.toThrow(/nodesc\.db\.tar\.gz: foo-1-1: missing %NAME%/);
    const malformed = await makeDatabase('malformed', { 'foo-1-1/desc': 'NAME\nfoo\n' });
    await expect(readSyncDatabase(malformed)).rejects.toThrow(
      /malformed\.db\.tar\.gz: foo-1-1\/desc: line 1: expected/,
    );
  });
});
