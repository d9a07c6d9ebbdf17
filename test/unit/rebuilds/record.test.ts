import { describe, expect, it } from 'vitest';
import type { ArchiveScan } from '../../../src/core/rebuilds/archive-scan.js';
import { ProviderIndex } from '../../../src/core/rebuilds/providers.js';
import { buildFacts } from '../../../src/core/rebuilds/record.js';

function scan(name: string, overrides: Partial<ArchiveScan> = {}): ArchiveScan {
  return { name, base: name, version: '1.0-1', depends: [], makeDepends: [], installed: new Map(), sonames: new Map(), needed: new Set(), ...overrides };
}

describe('what a build used and produced', () => {
  it('keeps .BUILDINFO versions, providers within scan_paths, and leaves out its own and unknown libraries', () => {
    const index = new ProviderIndex();
    index.addBuilt([
      scan('libfoo', { version: '1.0-1', sonames: new Map([['libfoo.so.1', 'usr/lib/libfoo.so.1']]) }),
      scan('cmake-thing', { sonames: new Map([['libcm.so.1', 'usr/lib/cmake/libcm.so.1']]) }),
      scan('make-tool', { version: '3.1-1' }),
    ]);
    const scans = [
      scan('app', {
        base: 'app',
        depends: ['libfoo>=1.0', 'app-libs', 'missing-one'],
        makeDepends: ['make-tool'],
        installed: new Map([['libfoo', '1.0-2']]),
        needed: new Set(['libfoo.so.1', 'libcm.so.1', 'libown.so.1', 'libc.so.6']),
      }),
      scan('app-libs', { base: 'app', sonames: new Map([['libown.so.1', 'usr/lib/libown.so.1']]) }),
    ];
    expect(buildFacts('app', '1.0-1', 1_700_000_000, scans, index, [/^usr\/lib(?!\/cmake).*$/])).toEqual({
      record: {
        base: 'app',
        version: '1.0-1',
        built: 1_700_000_000,
        used: { libfoo: '1.0-2', 'make-tool': '3.1-1' },
        needed: { 'libfoo.so.1': { provider: 'libfoo', version: '1.0-2' } },
        sonames: { app: [], 'app-libs': ['libown.so.1'] },
      },
      implicit: { paths: { 'usr/lib/libfoo.so.1': ['libfoo'] } },
    });
  });
});
