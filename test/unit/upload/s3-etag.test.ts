/**
 * S3 ETags as AWS computes them. The expected values were computed outside this code with coreutils, the way
 * AWS documents multipart ETags (md5 over the concatenated binary md5s of the parts, then `-<parts>`):
 *
 *   split -b 5M -d pattern.bin part.
 *   for p in part.*; do md5sum $p | cut -d' ' -f1; done | tr -d '\n' | xxd -r -p | md5sum
 *
 * where pattern.bin is 12 MiB whose byte i is i % 251 (parts of 5, 5 and 2 MiB), and its first 10 MiB (exactly two
 * parts: no empty third one).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md5File, type RepositoryFile } from '../../../src/core/upload/files.js';
import { multipartETag, sameContent } from '../../../src/core/upload/s3.js';

const MIB = 1024 * 1024;
const PART = 5 * MIB;

describe('S3 ETags', () => {
  let directory: string;
  let twelve: string;
  let ten: string;

  beforeAll(async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-etag-'));
    const pattern = Buffer.alloc(12 * MIB);
    for (let index = 0; index < pattern.length; index += 1) pattern[index] = index % 251;
    twelve = path.join(directory, 'twelve.bin');
    ten = path.join(directory, 'ten.bin');
    await fs.writeFile(twelve, pattern);
    await fs.writeFile(ten, pattern.subarray(0, 10 * MIB));
  });

  afterAll(() => fs.rm(directory, { recursive: true, force: true }));

  async function repositoryFile(file: string): Promise<RepositoryFile> {
    return { name: path.basename(file), path: file, size: (await fs.stat(file)).size, md5: await md5File(file) };
  }

  it('computes the multipart ETag AWS reports for 5 MiB parts', async () => {
    expect(await multipartETag(twelve, PART)).toBe('7df28755d1a6cc911533a3b50170cf7d-3');
    expect(await multipartETag(ten, PART)).toBe('1e4f501cf04fe65dfa57940273a0cecf-2');
  });

  it('recognises the content behind a plain or a multipart ETag, quoted as S3 sends it', async () => {
    const file = await repositoryFile(twelve);
    expect(file.md5).toBe('0678042110afa53b12c87ef1e06d2654');
    expect(await sameContent({ etag: '"0678042110afa53b12c87ef1e06d2654"', size: file.size }, file, PART)).toBe(true);
    expect(await sameContent({ etag: '"7DF28755D1A6CC911533A3B50170CF7D-3"', size: file.size }, file, PART)).toBe(true);
  });

  it('sees a change in the content, the size, or the part size of a multipart upload', async () => {
    const file = await repositoryFile(twelve);
    expect(await sameContent({ etag: '"1e4f501cf04fe65dfa57940273a0cecf-2"', size: file.size }, file, PART)).toBe(false);
    expect(await sameContent({ etag: '"0678042110afa53b12c87ef1e06d2654"', size: file.size - 1 }, file, PART)).toBe(false);
    // uploaded with 8 MiB parts: the same content, but not the same ETag as with 5 MiB parts
    expect(await sameContent({ etag: `"${(await multipartETag(twelve, 8 * MIB)).toUpperCase()}"`, size: file.size }, file, PART)).toBe(false);
    expect(await sameContent({ etag: `"${await multipartETag(twelve, 8 * MIB)}"`, size: file.size }, file, 8 * MIB)).toBe(true);
  });
});
