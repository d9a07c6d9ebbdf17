import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyPatches, createDiffPatch, functionPatch, parseVariableAssignment } from '../../../src/core/build/patches.js';
import { pkgrelPatch } from '../../../src/core/build/pkgrel.js';
import { prepareBuildDirectory } from '../../../src/core/build/sources.js';
import { run } from '../../../src/core/process.js';

const PKGBUILD = `pkgname=hello
pkgver=1.0
pkgrel=1
pkgdesc="original"
arch=(any)
source=("orig.tar.gz")
build() {
  echo original
}
package() { :; }
`;

let work: string;
let checkout: string;
let build: string;

async function git(directory: string, ...args: string[]): Promise<string> {
  return (await run('git', ['-C', directory, '-c', 'user.name=t', '-c', 'user.email=t@localhost', ...args])).stdout;
}

/** Sources the PKGBUILD in bash with `set -u` and prints the named variables (arrays item by item), NUL-separated. */
async function sourcedValues(directory: string, script: string): Promise<string[]> {
  await run('bash', ['-n', 'PKGBUILD'], { cwd: directory });
  const { stdout } = await run('bash', ['-u', '-c', `source ./PKGBUILD; ${script}`], { cwd: directory });
  return stdout.split('\0').slice(0, -1);
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'patches-'));
  // The scratch tree is itself a git work tree: patches must still apply relative to the build directory.
  await run('git', ['init', '-q', work]);
  checkout = path.join(work, 'checkout');
  await fs.mkdir(checkout);
  await run('git', ['init', '-q', '-b', 'master', checkout]);
  await fs.writeFile(path.join(checkout, 'PKGBUILD'), PKGBUILD);
  await fs.writeFile(path.join(checkout, '.SRCINFO'), 'pkgbase = hello\n');
  await fs.writeFile(path.join(checkout, 'README'), 'one\ntwo\nthree\n');
  await git(checkout, 'add', '-A');
  await git(checkout, 'commit', '-q', '-m', 'initial');
  build = path.join(work, 'build', 'hello');
});
afterAll(() => fs.rm(work, { recursive: true, force: true }));
beforeEach(() => prepareBuildDirectory(checkout, build));

describe('applyPatches with variables and functions', () => {
  it('overrides variables, arrays and functions, and keeps hostile values literal', async () => {
    await applyPatches(build, [
      parseVariableAssignment(`source=("x::git+https://a/{b,c}" 'd e' f{1,2})`),
      parseVariableAssignment('pkgdesc=$(touch MARKER) `touch MARKER2` ${HOME} "quoted" it\'s'),
      parseVariableAssignment('depends=["a b", "$(touch MARKER3)", "{x,y}"]'),
      functionPatch('build', 'printf "patched %s\\0" "$pkgver"'),
      functionPatch('prepare', '{ :; }; touch MARKER4'),
      pkgrelPatch('1.1'),
    ]);

    const values = await sourcedValues(
      build,
      `printf '%s\\0' "$pkgdesc" "$pkgrel" "\${#source[@]}" "\${source[@]}" "\${#depends[@]}" "\${depends[@]}"; build`,
    );
    expect(values).toEqual([
      '$(touch MARKER) `touch MARKER2` ${HOME} "quoted" it\'s',
      '1.1',
      '4',
      'x::git+https://a/{b,c}',
      'd e',
      'f1',
      'f2',
      '3',
      'a b',
      '$(touch MARKER3)',
      '{x,y}',
      'patched 1.0',
    ]);
    for (const marker of ['MARKER', 'MARKER2', 'MARKER3', 'MARKER4']) expect(existsSync(path.join(build, marker)), marker).toBe(false);
    // the stale .SRCINFO no longer describes the PKGBUILD
    expect(existsSync(path.join(build, '.SRCINFO'))).toBe(false);
    expect(await fs.readFile(path.join(build, 'PKGBUILD'), 'utf8')).toMatch(/^pkgname=hello\n[^]*\n# Patches applied by ahriman\nsource=/);
  });

  it('refuses a function patch that breaks the PKGBUILD, naming it, and leaves the PKGBUILD alone', async () => {
    await expect(applyPatches(build, [pkgrelPatch('2'), functionPatch('package', 'if true; then')])).rejects.toThrow(
      /patch of package\(\) is not valid shell syntax/,
    );
    expect(await fs.readFile(path.join(build, 'PKGBUILD'), 'utf8')).toBe(PKGBUILD);
  });

  it('does nothing without patches', async () => {
    await applyPatches(build, []);
    expect(existsSync(path.join(build, '.SRCINFO'))).toBe(true);
  });
});

describe('full-diff patches', () => {
  it('creates a diff of a modified clone (patch-set-add) that applies to a fresh build directory', async () => {
    const clone = path.join(work, 'clone');
    await run('git', ['clone', '-q', checkout, clone]);
    await fs.writeFile(path.join(clone, 'PKGBUILD'), PKGBUILD.replace('source=("orig.tar.gz")', 'source=("orig.tar.gz" fix.patch)'));
    await fs.writeFile(path.join(clone, 'README'), 'one\n2\nthree\n');
    await git(clone, 'add', 'README'); // staged changes count as well
    await fs.writeFile(path.join(clone, 'fix.patch'), '--- a/x\n+++ b/x\n');
    await fs.writeFile(path.join(clone, 'notes.txt'), 'not tracked: no pattern matches it\n');
    await fs.writeFile(path.join(clone, '.gitignore'), '*.patch\n');
    const statusBefore = await git(clone, 'status', '--porcelain');

    const patch = await createDiffPatch(clone);
    expect(patch.key).toBeNull();
    expect(patch.value).toContain('+++ b/fix.patch');
    expect(patch.value).not.toContain('notes.txt');
    expect(await git(clone, 'status', '--porcelain')).toBe(statusBefore);

    await applyPatches(build, [patch, pkgrelPatch('3')]);
    for (const file of ['README', 'fix.patch']) {
      expect(await fs.readFile(path.join(build, file), 'utf8'), file).toBe(await fs.readFile(path.join(clone, file), 'utf8'));
    }
    expect(await sourcedValues(build, `printf '%s\\0' "\${source[@]}" "$pkgrel"`)).toEqual(['orig.tar.gz', 'fix.patch', '3']);
    expect(existsSync(path.join(work, 'fix.patch'))).toBe(false);
  });

  it('tracks other patterns, relative to a PKGBUILD in a subdirectory', async () => {
    const mono = path.join(work, 'mono');
    await fs.mkdir(path.join(mono, 'pkg', 'hello'), { recursive: true });
    await run('git', ['init', '-q', mono]);
    await fs.writeFile(path.join(mono, 'pkg', 'hello', 'PKGBUILD'), PKGBUILD);
    await git(mono, 'add', '-A');
    await git(mono, 'commit', '-q', '-m', 'one');
    await fs.writeFile(path.join(mono, 'pkg', 'hello', 'hello.install'), 'post_install() { :; }\n');
    await fs.writeFile(path.join(mono, 'elsewhere.install'), 'outside the PKGBUILD directory\n');

    const patch = await createDiffPatch(path.join(mono, 'pkg', 'hello'), ['*.install']);
    expect(patch.value).toMatch(/^diff --git a\/hello.install b\/hello.install$/m);
    expect(patch.value).not.toContain('elsewhere');
    await applyPatches(build, [patch]);
    expect(await fs.readFile(path.join(build, 'hello.install'), 'utf8')).toBe('post_install() { :; }\n');
  });

  it('reports a clone without changes, and a directory that is no clone', async () => {
    await expect(createDiffPatch(checkout)).rejects.toThrow(`${checkout} has no changes: no modified files and no new *.diff, *.patch`);
    await fs.writeFile(path.join(checkout, 'untracked.patch'), 'x\n');
    try {
      await expect(createDiffPatch(checkout, [])).rejects.toThrow(`${checkout} has no changes: no modified files`);
    } finally {
      await fs.rm(path.join(checkout, 'untracked.patch'));
    }
    const plain = await fs.mkdtemp(path.join(os.tmpdir(), 'not-a-clone-'));
    try {
      await expect(createDiffPatch(plain)).rejects.toThrow(/is not a git clone with at least one commit: fatal: not a git repository/);
    } finally {
      await fs.rm(plain, { recursive: true, force: true });
    }
  });

  it('names the patch that does not apply', async () => {
    const stale = [
      'diff --git a/README b/README',
      '--- a/README',
      '+++ b/README',
      '@@ -1,3 +1,3 @@',
      ' uno',
      '-dos',
      '+2',
      ' tres',
      '',
    ].join('\n');
    await expect(applyPatches(build, [parseVariableAssignment('pkgrel=2'), { key: null, value: stale }])).rejects.toThrow(
      /full-diff patch 1 of 1 \(changing README\) does not apply in .*build\/hello: error: patch failed: README:1/,
    );
    expect(await fs.readFile(path.join(build, 'README'), 'utf8')).toBe('one\ntwo\nthree\n');
  });
});
