import { describe, expect, it } from 'vitest';
import { ProcessError } from '../../../src/core/errors.js';
import { filterThrough } from '../../../src/core/process.js';

async function* pieces(...parts: string[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

async function collect(source: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of source) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

describe('filterThrough', () => {
  it('feeds the input to the command and yields what it writes', async () => {
    expect(await collect(filterThrough('tr', ['a-z', 'A-Z'], pieces('abc', 'def\n', 'ghi')))).toBe('ABCDEF\nGHI');
  });

  it('streams more than a pipe holds in both directions', async () => {
    const megabyte = 'x'.repeat(1024 * 1024);
    const output = await collect(filterThrough('cat', [], pieces(megabyte, megabyte, megabyte)));
    expect(output.length).toBe(3 * 1024 * 1024);
  });

  it('throws a failure to read the input as it is, not the exit of the starved command', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('part');
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    }
    await expect(collect(filterThrough('xz', ['--decompress', '--stdout'], failing()))).rejects.toThrow(/^EIO: i\/o error, read$/);
  });

  it('names the command and its last stderr lines when it exits non-zero', async () => {
    const failure = collect(filterThrough('xz', ['--decompress', '--stdout'], pieces('not xz at all')));
    await expect(failure).rejects.toBeInstanceOf(ProcessError);
    await expect(failure).rejects.toThrow(/^xz --decompress --stdout exited with code 1: xz: \(stdin\): File format not recognized$/);
  });

  it('says when the command cannot be started', async () => {
    await expect(collect(filterThrough('/nonexistent/filter', [], pieces('x')))).rejects.toThrow(/^cannot run \/nonexistent\/filter: /);
  });

  it('ends the command, and stops reading the input, when the consumer stops early', async () => {
    let inputClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      inputClosed = resolve;
    });
    async function* endless(): AsyncGenerator<Buffer> {
      try {
        yield Buffer.from('first line\n');
        for (;;) yield Buffer.alloc(64 * 1024, 'y');
      } finally {
        inputClosed();
      }
    }
    // sed prints the first line at once, then reads on without writing: only ending it stops the input
    for await (const chunk of filterThrough('sed', ['--unbuffered', '-n', '1p'], endless())) {
      expect(chunk.toString('utf8')).toBe('first line\n');
      break;
    }
    await closed;
  });
});
