import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/core/errors.js';
import { parseBuildinfoInstalled } from '../../../src/core/rebuilds/archive-scan.js';
import { parseReadelf } from '../../../src/core/rebuilds/elf.js';
import { sonameOfProvide, sonameStem } from '../../../src/core/rebuilds/providers.js';

describe('.BUILDINFO installed lines', () => {
  it('gives the version of each installed package', () => {
    const text = ['format = 2', 'pkgname = app', 'pkgarch = x86_64', 'installed = glibc-2.40+r16-1-x86_64', 'installed = lib32-foo-1:2.0-3-x86_64', 'installed = tzdata-2024a-1-any'].join('\n');
    expect(parseBuildinfoInstalled(text, '.BUILDINFO')).toEqual(new Map([['glibc', '2.40+r16-1'], ['lib32-foo', '1:2.0-3'], ['tzdata', '2024a-1']]));
  });

  it('names the line of a malformed entry', () => {
    expect(() => parseBuildinfoInstalled('format = 2\ninstalled = nodashes\n', 'x/.BUILDINFO')).toThrow(
      new InvalidInputError("x/.BUILDINFO: line 2: expected 'installed = name-version-release-arch', got 'nodashes'"),
    );
  });
});

describe('readelf --dynamic output', () => {
  it('splits several files and reads NEEDED and SONAME', () => {
    const output = [
      '',
      'File: /t/0',
      '',
      'Dynamic section at offset 0x2e68 contains 18 entries:',
      '  Tag        Type                         Name/Value',
      ' 0x0000000000000001 (NEEDED)             Shared library: [libc.so.6]',
      ' 0x000000000000000e (SONAME)             Library soname: [libdemo.so.1]',
      '',
      'File: /t/1',
      '',
      ' 0x0000000000000001 (NEEDED)             Shared library: [libdemo.so.1]',
      ' 0x0000000000000001 (NEEDED)             Shared library: [libc.so.6]',
      ' 0x000000000000000c (INIT)               0x1000',
      '',
      'File: /t/2',
      '',
      'There is no dynamic section in this file.',
    ].join('\n');
    expect(parseReadelf(output, ['/t/0', '/t/1', '/t/2'])).toEqual(
      new Map([
        ['/t/0', { soname: 'libdemo.so.1', needed: ['libc.so.6'] }],
        ['/t/1', { soname: undefined, needed: ['libdemo.so.1', 'libc.so.6'] }],
        ['/t/2', { soname: undefined, needed: [] }],
      ]),
    );
  });
});

describe('library provides of sync databases', () => {
  it('turns makepkg library provides into sonames', () => {
    expect(sonameOfProvide('libfoo.so=3-64')).toBe('libfoo.so.3');
    expect(sonameOfProvide('lib:libbar.so=1.2-64')).toBe('libbar.so.1.2');
    expect(sonameOfProvide('foo=1.0')).toBeUndefined();
    expect(sonameStem('libfoo.so.3')).toBe('libfoo.so');
  });
});
