import { describe, expect, it } from 'vitest';
import { compileCacheFile } from '../../../src/application/launcher.js';

describe('compileCacheFile', () => {
  it('names the command after the global options, in XDG_CACHE_HOME or else ~/.cache', () => {
    const words = ['-c', '/etc/ahriman.ini', '-r', 'bench', 'package-status', '--info'];
    expect(compileCacheFile(words, { XDG_CACHE_HOME: '/var/cache/me', HOME: '/home/me' })).toBe('/var/cache/me/ahriman/compile-cache/package-status.bin');
    expect(compileCacheFile(words, { HOME: '/home/me' })).toBe('/home/me/.cache/ahriman/compile-cache/package-status.bin');
    // the XDG specification ignores a relative path
    expect(compileCacheFile(words, { XDG_CACHE_HOME: 'relative', HOME: '/home/me' })).toBe('/home/me/.cache/ahriman/compile-cache/package-status.bin');
  });

  it('gives no file without a home, without a command, or for a word that is no command name', () => {
    expect(compileCacheFile(['help-version'], {})).toBeUndefined();
    expect(compileCacheFile(['help-version'], { HOME: 'relative' })).toBeUndefined();
    expect(compileCacheFile(['--version'], { HOME: '/home/me' })).toBeUndefined();
    for (const word of ['../../etc/passwd', 'a b', 'x;rm', 'Package-Status', `a${'b'.repeat(64)}`]) {
      expect(compileCacheFile([word], { HOME: '/home/me' }), word).toBeUndefined();
    }
  });
});
