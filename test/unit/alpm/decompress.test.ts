import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, truncate, writeFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import { decompressFile, decompressHeld, decompressWhole, detectCompression } from '../../../src/core/alpm/archive/decompress.js';
import { zstdDecodedSizeBound } from '../../../src/core/alpm/archive/zstd-bound.js';
import { run } from '../../../src/core/process.js';

const TOOLS = [
  ['gzip', 'gz'],
  ['zstd', 'zst'],
  ['xz', 'xz'],
] as const;

let scratch: string;
let tar: string;
let tarBytes: Buffer;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ahriman-decompress-'));
  // Compressible but not trivial: text with random parts, about 100 KiB.
  const lines = Array.from({ length: 4_000 }, () => randomBytes(12).toString('hex'));
  await writeFile(path.join(scratch, 'data.txt'), lines.join('\n'));
  tar = path.join(scratch, 'data.tar');
  await run('bsdtar', ['-cf', tar, '-C', scratch, 'data.txt']);
  tarBytes = await readFile(tar);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function decompressed(file: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of decompressFile(file)) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

async function compress(tool: string, extension: string, input = tar): Promise<string> {
  await run(tool, ['-q', '-k', '-f', input]);
  return `${input}.${extension}`;
}

describe('decompressFile', () => {
  it('returns an uncompressed tar as it is', async () => {
    expect((await decompressed(tar)).equals(tarBytes)).toBe(true);
  });

  it.each(TOOLS)('decompresses %s', async (tool, extension) => {
    expect((await decompressed(await compress(tool, extension))).equals(tarBytes)).toBe(true);
  });

  it.each(TOOLS)('decompresses concatenated %s streams', async (tool, extension) => {
    const single = await readFile(await compress(tool, extension));
    const double = path.join(scratch, `double.${extension}`);
    await writeFile(double, Buffer.concat([single, single]));
    expect((await decompressed(double)).equals(Buffer.concat([tarBytes, tarBytes]))).toBe(true);
  });

  it.each(TOOLS)('rejects truncated %s data naming the file', async (tool, extension) => {
    const file = await compress(tool, extension);
    const truncated = path.join(scratch, `truncated.tar.${extension}`);
    await writeFile(truncated, await readFile(file));
    await truncate(truncated, Math.floor((await stat(truncated)).size * 0.6));
    const failure = decompressed(truncated);
    await expect(failure).rejects.toBeInstanceOf(InvalidInputError);
    await expect(failure).rejects.toThrow(new RegExp(`^${truncated.replaceAll('.', '\\.')}: corrupt ${tool} data: `));
  });

  describe.each([
    ['zstd', 'zst'],
    ['xz', 'xz'],
  ] as const)('%s files bigger than one read, decoded as a stream', (tool, extension) => {
    let bigTar: string;
    let bigTarBytes: Buffer;

    beforeAll(async () => {
      // Random bytes do not compress: the .zst stays above the size decoded whole.
      await writeFile(path.join(scratch, 'random.bin'), randomBytes(1024 * 1024));
      bigTar = path.join(scratch, 'big.tar');
      await run('bsdtar', ['-cf', bigTar, '-C', scratch, 'random.bin']);
      bigTarBytes = await readFile(bigTar);
    });

    it('decompresses them', async () => {
      const file = await compress(tool, extension, bigTar);
      expect((await stat(file)).size).toBeGreaterThan(512 * 1024);
      expect((await decompressed(file)).equals(bigTarBytes)).toBe(true);
    });

    it('rejects them truncated, naming the file', async () => {
      const truncated = path.join(scratch, `big-truncated.tar.${extension}`);
      await writeFile(truncated, await readFile(await compress(tool, extension, bigTar)));
      await truncate(truncated, 700 * 1024);
      const failure = decompressed(truncated);
      await expect(failure).rejects.toBeInstanceOf(InvalidInputError);
      await expect(failure).rejects.toThrow(new RegExp(`big-truncated\\.tar\\.${extension}: corrupt ${tool} data: `));
    });
  });
});

/** Everything a stream gives, in one buffer. */
async function collected(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe('decompressWhole', () => {
  it.each(TOOLS.filter(([tool]) => tool !== 'xz'))('decompresses %s bytes held whole, as the stream does', async (tool, extension) => {
    const bytes = await readFile(await compress(tool, extension));
    expect(decompressWhole(bytes, 'x')?.equals(tarBytes)).toBe(true);
    expect(decompressWhole(tarBytes, 'x')).toBe(tarBytes);
  });

  it('leaves xz to decompressHeld: no decoder here stops whole xz decoding at a bound', async () => {
    expect(decompressWhole(await readFile(await compress('xz', 'xz')), 'x')).toBeUndefined();
  });

  it('rejects truncated gzip bytes naming the file', async () => {
    const [tool, extension] = ['gzip', 'gz'];
    const bytes = await readFile(await compress(tool, extension));
    const failure = (): unknown => decompressWhole(bytes.subarray(0, Math.floor(bytes.length * 0.6)), 'cut.tar');
    expect(failure).toThrow(InvalidInputError);
    expect(failure).toThrow(new RegExp(`^cut\\.tar: corrupt ${tool} data: `));
  });

  it('leaves truncated zstd bytes to the stream, which rejects them: their frames no longer bound the output', async () => {
    const bytes = await readFile(await compress('zstd', 'zst'));
    expect(decompressWhole(bytes.subarray(0, Math.floor(bytes.length * 0.6)), 'cut.tar')).toBeUndefined();
  });
});

describe('decompressHeld', () => {
  it.each(TOOLS)('decompresses %s bytes held whole, as the stream does', async (tool, extension) => {
    const bytes = await readFile(await compress(tool, extension));
    expect((await collected(decompressHeld(bytes, 'x'))).equals(tarBytes)).toBe(true);
    expect((await collected(decompressHeld(Buffer.concat([bytes, bytes]), 'x'))).equals(Buffer.concat([tarBytes, tarBytes]))).toBe(true);
  });

  it.each(TOOLS)('rejects truncated %s bytes naming the file', async (tool, extension) => {
    const bytes = await readFile(await compress(tool, extension));
    const failure = collected(decompressHeld(bytes.subarray(0, Math.floor(bytes.length * 0.6)), 'cut.tar'));
    await expect(failure).rejects.toBeInstanceOf(InvalidInputError);
    await expect(failure).rejects.toThrow(new RegExp(`^cut\\.tar: corrupt ${tool} data: `));
  });

  it('says what is wrong with xz data, in words', async () => {
    const bytes = await readFile(await compress('xz', 'xz'));
    await expect(collected(decompressHeld(bytes.subarray(0, bytes.length - 30), 'cut.tar'))).rejects.toThrow(
      /^cut\.tar: corrupt xz data: the data ends early, or is followed by something that is not xz$/,
    );
    await expect(collected(decompressHeld(Buffer.concat([bytes, Buffer.from('trailing')]), 'long.tar'))).rejects.toThrow(
      /^long\.tar: corrupt xz data: the data ends early, or is followed by something that is not xz$/,
    );
  });

  it('rejects xz whose integrity check fails, as xz itself does', async () => {
    const bytes = Buffer.from(await readFile(await compress('xz', 'xz')));
    // the stream footer gives the size of the index; the block's CRC64 ends where the index starts
    const indexStart = bytes.length - 12 - (bytes.readUInt32LE(bytes.length - 8) + 1) * 4;
    bytes[indexStart - 1]! ^= 0x01;
    const damaged = path.join(scratch, 'damaged-check.tar.xz');
    await writeFile(damaged, bytes);
    await expect(run('xz', ['--test', damaged])).rejects.toThrow(/Compressed data is corrupt/);
    await expect(collected(decompressHeld(bytes, 'damaged.tar'))).rejects.toThrow(/^damaged\.tar: corrupt xz data: the compressed data is corrupt$/);
  });

  it('decodes xz with a dictionary bigger than the in-process decoder takes through xz itself', async () => {
    await run('xz', ['-q', '-k', '-f', '--lzma2=preset=6,dict=256MiB', '--suffix=.dict.xz', tar]);
    const bytes = await readFile(`${tar}.dict.xz`);
    expect((await collected(decompressHeld(bytes, 'x'))).equals(tarBytes)).toBe(true);
  });
});

describe('small zstd, gzip and xz files that promise a huge output (decompression bombs)', () => {
  const ZEROS = 256 * 1024 * 1024;
  let bomb: string;
  let gzipBomb: string;
  let xzBomb: string;

  beforeAll(async () => {
    const zeros = path.join(scratch, 'zeros.tar');
    await writeFile(zeros, '');
    await truncate(zeros, ZEROS);
    bomb = await compress('zstd', 'zst', zeros);
    gzipBomb = await compress('gzip', 'gz', zeros);
    xzBomb = await compress('xz', 'xz', zeros);
    await rm(zeros);
  });

  it('are not decompressed whole: the caller streams them', async () => {
    for (const file of [bomb, gzipBomb, xzBomb]) {
      const bytes = await readFile(file);
      expect(bytes.length).toBeLessThan(1024 * 1024);
      expect(decompressWhole(bytes, file)).toBeUndefined();
    }
  });

  it('are small enough to be decoded whole, but their headers say how big they get', async () => {
    const bytes = await readFile(bomb);
    expect(bytes.length).toBeLessThan(256 * 1024);
    expect(zstdDecodedSizeBound(bytes)).toBeGreaterThanOrEqual(ZEROS);
  });

  it('are decoded as a stream, never into one buffer of their whole output', async () => {
    const chunks = decompressFile(bomb)[Symbol.asyncIterator]();
    const first = await chunks.next();
    await chunks.return?.();
    expect(first.done).toBe(false);
    expect((first.value as Buffer).length).toBeLessThanOrEqual(1024 * 1024);
  });

  it('xz held in memory is decoded as a stream too, and one left unfinished does not hold up the next', async () => {
    const chunks = decompressHeld(await readFile(xzBomb), xzBomb)[Symbol.asyncIterator]();
    const first = await chunks.next();
    await chunks.return?.();
    expect(first.done).toBe(false);
    expect((first.value as Buffer).length).toBeLessThanOrEqual(1024 * 1024);
    const bytes = await readFile(await compress('xz', 'xz'));
    expect((await collected(decompressHeld(bytes, 'x'))).equals(tarBytes)).toBe(true);
  });
});

describe('zstdDecodedSizeBound', () => {
  it('bounds what frames decompress to, concatenated ones too', async () => {
    const single = await readFile(await compress('zstd', 'zst'));
    expect(zstdDecodedSizeBound(single)).toBeGreaterThanOrEqual(tarBytes.length);
    expect(zstdDecodedSizeBound(Buffer.concat([single, single]))).toBeGreaterThanOrEqual(2 * tarBytes.length);
  });

  it('gives none for frames that do not fill the data exactly', async () => {
    const single = await readFile(await compress('zstd', 'zst'));
    expect(zstdDecodedSizeBound(single.subarray(0, single.length - 1))).toBeUndefined();
    expect(zstdDecodedSizeBound(Buffer.concat([single, Buffer.from('trailing')]))).toBeUndefined();
    expect(zstdDecodedSizeBound(tarBytes)).toBeUndefined();
  });
});

describe('detectCompression', () => {
  it('recognises the magic bytes', () => {
    expect(detectCompression(Buffer.from([0x1f, 0x8b, 8, 0]), 'f')).toBe('gzip');
    expect(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0]), 'f')).toBe('xz');
    expect(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0]), 'f')).toBe('zstd');
    expect(detectCompression(tarBytes.subarray(0, 512), 'f')).toBe('none');
  });

  it('names the file when it cannot', () => {
    expect(() => detectCompression(Buffer.alloc(0), 'a.pkg')).toThrow(/^a\.pkg: file is empty$/);
    expect(() => detectCompression(Buffer.from('BZh91AY&SY'), 'a.pkg')).toThrow(
      /^a\.pkg: bzip2 compression is not supported/,
    );
    expect(() => detectCompression(Buffer.alloc(600), 'a.pkg')).toThrow(/^a\.pkg: not a tar archive compressed/);
  });
});
