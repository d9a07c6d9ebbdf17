/**
 * The real pacman version comparison, for checking ours against it:
 * - {@link NativeVercmp}: libalpm's `alpm_pkg_vercmp` through a tiny C program compiled once per test run, fed
 *   thousands of pairs per process;
 * - {@link binaryVercmp}: the `vercmp` binary itself, one process per pair (slow; for a few hundred pairs).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/core/process.js';

export type Sign = -1 | 0 | 1;
export type VersionPair = readonly [string, string];

const SOURCE = fileURLToPath(new URL('./native-vercmp.c', import.meta.url));
const SIGNS: Record<string, Sign> = { '<': -1, '=': 0, '>': 1 };

/** The path of the installed libalpm shared library, as the dynamic linker's cache knows it. */
async function findLibalpm(): Promise<string> {
  const { stdout } = await run('ldconfig', ['-p']);
  const match = /^\s*libalpm\.so\.\d+ \([^)]*\) => (\S+)$/m.exec(stdout);
  if (!match?.[1]) throw new Error('libalpm is not installed (no libalpm.so.N in `ldconfig -p`)');
  return match[1];
}

export class NativeVercmp {
  private constructor(
    private readonly directory: string,
    private readonly binary: string,
  ) {}

  /** Compiles the comparator into a fresh temporary directory; call {@link dispose} when done. */
  static async build(): Promise<NativeVercmp> {
    const library = await findLibalpm();
    const directory = await mkdtemp(join(tmpdir(), 'native-vercmp-'));
    const binary = join(directory, 'native-vercmp');
    try {
      await run('cc', ['-O2', '-Wall', '-Werror', '-o', binary, SOURCE, library]);
    } catch (error) {
      await rm(directory, { recursive: true, force: true });
      throw error;
    }
    return new NativeVercmp(directory, binary);
  }

  /** The sign of `alpm_pkg_vercmp(a, b)` for each pair, in order. */
  async compare(pairs: readonly VersionPair[]): Promise<Sign[]> {
    const fields: string[] = [];
    for (const [a, b] of pairs) {
      if (a.includes('\0') || b.includes('\0')) {
        throw new Error(`a C string cannot hold NUL: ${JSON.stringify([a, b])}`);
      }
      fields.push(a, b);
    }
    const input = Buffer.from(fields.map((field) => `${field}\0`).join(''), 'utf8');
    const { stdout } = await run(this.binary, [], { input });
    if (stdout.length !== pairs.length) {
      throw new Error(`native-vercmp answered ${stdout.length} comparisons for ${pairs.length} pairs`);
    }
    return Array.from(stdout, (character) => {
      const sign = SIGNS[character];
      if (sign === undefined) throw new Error(`native-vercmp printed unexpected ${JSON.stringify(character)}`);
      return sign;
    });
  }

  async dispose(): Promise<void> {
    await rm(this.directory, { recursive: true, force: true });
  }
}

/** The sign that the `vercmp` binary prints for one pair. */
export async function binaryVercmp(a: string, b: string): Promise<Sign> {
  // `vercmp -h x` prints its usage instead of comparing.
  if (a === '-h' || a === '--help') {
    throw new Error(`vercmp cannot compare ${JSON.stringify(a)}: it is read as an option`);
  }
  const { stdout } = await run('vercmp', [a, b]);
  const value = Number.parseInt(stdout.trim(), 10);
  if (Number.isNaN(value)) throw new Error(`vercmp ${a} ${b} printed ${JSON.stringify(stdout)}`);
  return value < 0 ? -1 : value > 0 ? 1 : 0;
}

/** {@link binaryVercmp} for many pairs, `concurrency` processes at a time. */
export async function binaryVercmpAll(pairs: readonly VersionPair[], concurrency = 8): Promise<Sign[]> {
  const signs: Sign[] = new Array<Sign>(pairs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < pairs.length; index = next++) {
      const [a, b] = pairs[index]!;
      signs[index] = await binaryVercmp(a, b);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pairs.length) }, worker));
  return signs;
}
