import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import { readTarEntries, type TarEntry, type TarReadOptions } from '../../../src/core/alpm/archive/tar-reader.js';
import { run } from '../../../src/core/process.js';

const LONG_DIRECTORY = `${'d'.repeat(70)}/${'e'.repeat(70)}`;
const LONG_FILE = `${LONG_DIRECTORY}/${'f'.repeat(80)}`;
const LONG_TARGET = `../${'t'.repeat(120)}`;

let scratch: string;
let tree: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ahriman-tar-'));
  tree = path.join(scratch, 'tree');
  await mkdir(path.join(tree, LONG_DIRECTORY), { recursive: true });
  await writeFile(path.join(tree, LONG_FILE), 'long name\n');
  await writeFile(path.join(tree, 'small.txt'), 'x'.repeat(1000));
  await symlink(LONG_TARGET, path.join(tree, 'link'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Creates an archive of the test tree with GNU tar in the given format; entries in a fixed order. */
async function gnuTar(format: string, ...options: string[]): Promise<Buffer> {
  const file = path.join(scratch, `${format}.tar`);
  await run('tar', [`--format=${format}`, ...options, '--sort=name', '-cf', file, '-C', tree, '.']);
  return readFile(file);
}

/** The bytes in chunks of `size`, to exercise headers and data split across chunks. */
async function* chunks(bytes: Buffer, size = 7): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

async function entries(bytes: Buffer, options: Partial<TarReadOptions> = {}): Promise<TarEntry[]> {
  const result: TarEntry[] = [];
  for await (const entry of readTarEntries(chunks(bytes), { archiveName: 'test.tar', ...options })) result.push(entry);
  return result;
}

async function bsdtarNames(bytes: Buffer): Promise<string[]> {
  const file = path.join(scratch, 'listed.tar');
  await writeFile(file, bytes);
  return (await run('bsdtar', ['-tf', file])).stdout.split('\n').filter((line) => line !== '');
}

describe('readTarEntries', () => {
  it.each(['gnu', 'pax', 'ustar'])('lists a %s archive like bsdtar, with long names and targets', async (format) => {
    // ustar cannot hold the 123-character link target
    const bytes = await gnuTar(format, ...(format === 'ustar' ? ['--exclude=./link'] : []));
    const listed = await entries(bytes);
    expect(listed.map((entry) => entry.name)).toEqual(await bsdtarNames(bytes));
    expect(listed.find((entry) => entry.name === `./${LONG_FILE}`)).toMatchObject({ type: 'file', size: 10 });
    expect(listed.find((entry) => entry.name === `./${LONG_DIRECTORY}/`)).toMatchObject({ type: 'directory' });
    if (format !== 'ustar') {
      expect(listed.find((entry) => entry.name === './link')).toMatchObject({ type: 'symlink', linkName: LONG_TARGET });
    }
  });

  it('skips pax global headers', async () => {
    const bytes = await gnuTar('pax', '--pax-option=comment=global');
    expect(bytes.includes('comment=global')).toBe(true);
    expect((await entries(bytes)).map((entry) => entry.name)).toEqual(await bsdtarNames(bytes));
  });

  it('returns the content of the entries asked for, mode and size of all', async () => {
    const listed = await entries(await gnuTar('gnu'), { wantContent: (entry) => entry.name.endsWith('small.txt') });
    const small = listed.find((entry) => entry.name === './small.txt');
    expect(small?.content?.toString()).toBe('x'.repeat(1000));
    expect(small).toMatchObject({ size: 1000, mode: 0o644 });
    expect(listed.filter((entry) => entry.content !== undefined)).toHaveLength(1);
  });

  it('rejects an archive cut inside an entry or before the end-of-archive marker', async () => {
    const bytes = await gnuTar('gnu');
    await expect(entries(bytes.subarray(0, bytes.indexOf('long name') + 3))).rejects.toThrow(
      /^test\.tar: truncated tar archive \(ends inside '\.\/d+\/e+\/f+'\)$/,
    );
    let end = bytes.length;
    while (bytes.subarray(end - 512, end).every((byte) => byte === 0)) end -= 512;
    await expect(entries(bytes.subarray(0, end))).rejects.toThrow(/truncated tar archive \(no end-of-archive marker\)/);
    await expect(entries(Buffer.alloc(0))).rejects.toThrow(InvalidInputError);
  });

  it('rejects a corrupt header with its offset', async () => {
    const bytes = Buffer.from(await gnuTar('ustar', '--exclude=./link'));
    bytes[512 + 10] = bytes[512 + 10]! ^ 0xff;
    await expect(entries(bytes)).rejects.toThrow(/^test\.tar: corrupt tar header at byte 512 \(checksum mismatch\)$/);
  });

  it('closes the source when the caller stops early', async () => {
    const bytes = await gnuTar('gnu');
    let closed = false;
    async function* source(): AsyncGenerator<Buffer> {
      try {
        yield* chunks(bytes, 512);
      } finally {
        closed = true;
      }
    }
    for await (const entry of readTarEntries(source(), { archiveName: 'x' })) {
      expect(entry.name).toBe('./');
      break;
    }
    expect(closed).toBe(true);
  });

  it('consumes the source to its end after the end-of-archive marker', async () => {
    const bytes = await gnuTar('gnu');
    let read = 0;
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const chunk of chunks(bytes, 100)) {
        read += chunk.length;
        yield chunk;
      }
    }
    for await (const entry of readTarEntries(counted(), { archiveName: 'x' })) expect(entry.name).toBeTruthy();
    expect(read).toBe(bytes.length);
  });
});
