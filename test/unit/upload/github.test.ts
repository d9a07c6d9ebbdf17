import { describe, expect, it } from 'vitest';
import { formatChecksums, githubAssetName, parseChecksums } from '../../../src/core/upload/github.js';

describe('github release helpers', () => {
  it('predicts the names GitHub gives assets', () => {
    expect(githubAssetName('foo-1:2.0-1-x86_64.pkg.tar.zst')).toBe('foo-1.2.0-1-x86_64.pkg.tar.zst');
    expect(githubAssetName('libc++-15.0.7-1-x86_64.pkg.tar.zst')).toBe('libc++-15.0.7-1-x86_64.pkg.tar.zst');
    expect(githubAssetName('pkg-1.0~rc1-1-any.pkg.tar.zst')).toBe('pkg-1.0.rc1-1-any.pkg.tar.zst');
    expect(githubAssetName('repo.db.tar.gz.sig')).toBe('repo.db.tar.gz.sig');
  });

  it('writes and reads the <file> <md5> lines of the release body, ignoring anything else', () => {
    const files = [
      { name: 'b.pkg.tar.zst', path: '/b', size: 1, md5: 'b'.repeat(32) },
      { name: 'a:1.pkg.tar.zst', path: '/a', size: 1, md5: '0123456789abcdef0123456789abcdef' },
    ];
    const body = formatChecksums(files);
    expect(body).toBe(`a:1.pkg.tar.zst 0123456789abcdef0123456789abcdef\nb.pkg.tar.zst ${'b'.repeat(32)}`);
    const parsed = parseChecksums(`${body}\r\n\nnotes written by hand\nc.pkg not-an-md5\n`);
    expect([...parsed.entries()]).toEqual([
      ['a:1.pkg.tar.zst', '0123456789abcdef0123456789abcdef'],
      ['b.pkg.tar.zst', 'b'.repeat(32)],
    ]);
    expect(parseChecksums(null).size).toBe(0);
  });
});
