import { describe, expect, it } from 'vitest';
import { compareUtf8 } from '../../../src/core/alpm/package-archive.js';

describe('compareUtf8', () => {
  it('orders strings as their UTF-8 bytes, characters above U+FFFF after U+E000-U+FFFF included', () => {
    const alphabet = ['a', 'b', 'Z', '/', '.', 'é', 'ÿ', '中', '\u{e000}', '\u{fffd}', '😀', '\u{10000}', '\u{10ffff}'];
    const words = Array.from({ length: 400 }, (_, index) =>
      Array.from({ length: 1 + (index % 4) }, (__, position) => alphabet[(index * 7 + position * 3) % alphabet.length]).join(''),
    );
    const byBytes = [...words].sort((left, right) => Buffer.compare(Buffer.from(left), Buffer.from(right)));
    expect([...words].sort(compareUtf8)).toEqual(byBytes);
    // the plain string order disagrees exactly where a surrogate meets U+E000-U+FFFF
    expect(['\u{fffd}', '😀'].sort()).toEqual(['😀', '\u{fffd}']);
    expect(['\u{fffd}', '😀'].sort(compareUtf8)).toEqual(['\u{fffd}', '😀']);
  });
});
