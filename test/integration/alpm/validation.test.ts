import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isPackageFileName,
  isValidPackageName,
  MAX_FILE_NAME_LENGTH,
  parsePackageFileName,
  validateArchitecture,
  validateEpoch,
  validateFullVersion,
  validatePackageName,
  validatePkgrel,
  validatePkgver,
} from '../../../src/core/alpm/validation.js';
import { InvalidInputError } from '../../../src/core/errors.js';
import { lookupUser, run } from '../../../src/core/process.js';

type MakepkgRule = 'pkgname' | 'pkgver' | 'pkgrel' | 'epoch' | 'fullpkgver';

// Calls makepkg's own lint functions on each value (passed as arguments, never spliced into the script) and prints
// 1 for accepted, 0 for refused. LC_ALL=C makes [[:alnum:]] and friends plain ASCII.
const MAKEPKG_LINT_SCRIPT = `
LIBRARY=/usr/share/makepkg
source "$LIBRARY/lint_pkgbuild/pkgname.sh"
source "$LIBRARY/lint_pkgbuild/fullpkgver.sh"
# Only the verdict counts: silence the messages, and keep the $(gettext ...) around each one from starting the
# gettext program for every refused value.
error() { :; }
gettext() { :; }
rule=$1
shift
verdicts=
for value in "$@"; do
  case $rule in
    pkgname) lint_one_pkgname pkgname "$value" ;;
    pkgver) check_pkgver "$value" ;;
    pkgrel) check_pkgrel "$value" ;;
    epoch) check_epoch "$value" ;;
    fullpkgver) check_fullpkgver "$value" ;;
  esac && verdicts+=1 || verdicts+=0
done
printf '%s' "$verdicts"
`;

// The makepkg properties check batches and stop at the first failing one (endOnFailure): shrinking a batch would
// start bash hundreds of times, and the failure already lists the values that disagree.
async function makepkgAccepts(rule: MakepkgRule, values: readonly string[]): Promise<boolean[]> {
  const { stdout } = await run('bash', ['-c', MAKEPKG_LINT_SCRIPT, 'makepkg-lint', rule, ...values], {
    env: { LC_ALL: 'C' },
  });
  expect(stdout).toHaveLength(values.length);
  return Array.from(stdout, (verdict) => verdict === '1');
}

function accepts(validate: (value: string) => string, value: string): boolean {
  try {
    expect(validate(value)).toBe(value);
    return true;
  } catch (error) {
    if (error instanceof InvalidInputError) return false;
    throw error;
  }
}

/** Our verdict next to makepkg's for each value, so a failure shows exactly which values disagree. */
async function verdicts(rule: MakepkgRule, validate: (value: string) => string, values: readonly string[]) {
  const theirs = await makepkgAccepts(rule, values);
  return values.map((value, index) => ({ value, ours: accepts(validate, value), makepkg: theirs[index] }));
}

function disagreements(results: Awaited<ReturnType<typeof verdicts>>) {
  return results.filter((result) => result.ours !== result.makepkg);
}

/** C0 and C1 control characters and the Unicode line separators: none may reach a log line raw. */
function isControlCharacter(character: string): boolean {
  const code = character.charCodeAt(0);
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

/** Expects `validate(value)` to throw an InvalidInputError naming the value and the rule it broke. */
function expectRefused(validate: () => unknown, value: string, rule: string): void {
  let thrown: unknown;
  try {
    validate();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidInputError);
  const message = (thrown as Error).message;
  // The value is quoted as JSON, and control characters that JSON leaves raw are escaped too.
  if (!/[\x7f-\x9f\u2028\u2029]/.test(value)) {
    expect(message).toContain(JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value));
  }
  expect(message).toContain(rule);
  expect([...message].filter(isControlCharacter)).toEqual([]);
}

// Characters that matter to the rules, plus hostile ones.
const TRICKY = [...'aZ09@._+-:/ ;$()`\'"\\*?~!#&|<>{}[]=,%^', '\t', '\n', '\r', '\x01', '\x7f', 'é', '€', '😀'];
const trickyCharacter = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...'abz09') }, fc.constantFrom(...TRICKY));
const trickyString = (maxLength: number) => fc.string({ unit: trickyCharacter, maxLength });

describe('package names', () => {
  const valid = ['foo', 'a', '0ad', 'foo-bar', 'lib32-foo', 'python-foo_bar', 'foo+bar', 'gtk2+', 'foo@2', 'foo.bar'];
  it.each([...valid, 'FooBar', 'foo..bar', 'x'.repeat(255)])('accepts %j', (name) => {
    expect(validatePackageName(name)).toBe(name);
    expect(isValidPackageName(name)).toBe(true);
  });

  it.each([
    ['', 'must not be empty'],
    ['-foo', 'must not start with a hyphen'],
    ['--help', 'must not start with a hyphen'],
    ['.foo', 'must not start with a dot'],
    ['.', 'must not start with a dot'],
    ['..', 'must not start with a dot'],
    ['../etc/passwd', 'must not start with a dot'],
    ['foo/bar', 'not "/"'],
    ['foo/../../bar', 'not "/"'],
    ['foo bar', 'not " "'],
    ['foo;rm -rf', 'not ";", " "'],
    ['$(id)', 'not "$", "(", ")"'],
    ['`id`', 'not "`"'],
    ['foo\nbar', 'not "\\n"'],
    ['foo\rbar', 'not "\\r"'],
    ['foo\0', 'not "\\u0000"'],
    ['foo\tbar', 'not "\\t"'],
    ['foo*', 'not "*"'],
    ['foo\\bar', 'not "\\\\"'],
    ["foo'bar", 'not "\'"'],
    ['foo"bar', 'not "\\""'],
    ['foo:bar', 'not ":"'],
    ['foo~', 'not "~"'],
    ['pâté', 'not "â", "é"'],
    ['foo😀', 'not "😀"'],
    ['x'.repeat(256), 'must not be longer than 255 characters'],
  ])('refuses %j: %s', (name, rule) => {
    expect(isValidPackageName(name)).toBe(false);
    expectRefused(() => validatePackageName(name), name, rule);
  });

  it('names the value it checked in the error', () => {
    expect(() => validatePackageName('-x', 'package base')).toThrow(
      'invalid package base "-x": must not start with a hyphen',
    );
    expect(() => validatePackageName('a b')).toThrow('invalid package name "a b"');
  });

  it('agrees with makepkg on generated names', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(trickyString(12), { minLength: 300, maxLength: 300 }), async (names) => {
        expect(disagreements(await verdicts('pkgname', validatePackageName, names))).toEqual([]);
      }),
      { numRuns: 10, endOnFailure: true },
    );
  });

  it('is stricter than makepkg only for names longer than a file name can be', async () => {
    const long = 'x'.repeat(MAX_FILE_NAME_LENGTH + 1);
    expect(await makepkgAccepts('pkgname', [long])).toEqual([true]);
    expect(isValidPackageName(long)).toBe(false);
  });
});

describe('pkgver', () => {
  const valid = ['1.0', '1', '1.0.0', 'r123.abcdef0', '1.0rc1', '1.0_beta', '1.0+git20240101', '1.0~rc1', '2024.01.01'];
  // makepkg allows shell syntax in a pkgver; it is inert here, since no shell ever sees it.
  it.each([...valid, '1..0', '$(id)'])('accepts %j', (pkgver) => {
    expect(validatePkgver(pkgver)).toBe(pkgver);
  });

  it.each([
    ['', 'must not be empty'],
    ['1:0', 'found ":"'],
    ['1-0', 'found "-"'],
    ['1/0', 'found "/"'],
    ['../1', 'found "/"'],
    ['1 0', 'found " "'],
    ['1\t0', 'found "\\t"'],
    ['1\n0', 'found "\\n"'],
    ['1\x01', 'found "\\u0001"'],
    ['1\x7f', 'found "\\u007f"'],
    ['1\x9b31m', 'may only contain ASCII characters'],
    ['1\u2028', 'may only contain ASCII characters'],
    ['1\0', 'found "\\u0000"'],
    ['1.0é', 'may only contain ASCII characters'],
  ])('refuses %j: %s', (pkgver, rule) => {
    expectRefused(() => validatePkgver(pkgver), pkgver, rule);
  });

  it('agrees with makepkg on generated versions without control characters', async () => {
    // Whitespace stays in: makepkg refuses it too.
    const whitespace = new Set(['\t', '\n', '\v', '\f', '\r']);
    const printable = trickyString(10).filter(
      (value) => ![...value].some((character) => isControlCharacter(character) && !whitespace.has(character)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(printable, { minLength: 300, maxLength: 300 }), async (values) => {
        expect(disagreements(await verdicts('pkgver', validatePkgver, values))).toEqual([]);
      }),
      { numRuns: 10, endOnFailure: true },
    );
  });

  it('is stricter than makepkg only for control characters', async () => {
    const values = ['1\x01', '1\x1b[31m', '1\x7f'];
    expect(await makepkgAccepts('pkgver', values)).toEqual([true, true, true]);
    for (const value of values) expect(accepts(validatePkgver, value)).toBe(false);
  });
});

describe('pkgrel', () => {
  it.each(['1', '0', '10', '01', '1.1', '2.10', '123456789012345678901234567890'])('accepts %j', (pkgrel) => {
    expect(validatePkgrel(pkgrel)).toBe(pkgrel);
  });

  it.each([
    ['', 'must not be empty'],
    ['1.', "must be of the form 'integer[.integer]'"],
    ['.1', "must be of the form 'integer[.integer]'"],
    ['1.1.1', "must be of the form 'integer[.integer]'"],
    ['a', "must be of the form 'integer[.integer]'"],
    ['1a', "must be of the form 'integer[.integer]'"],
    ['-1', "must be of the form 'integer[.integer]'"],
    ['1\n', "must be of the form 'integer[.integer]'"],
    [' 1', "must be of the form 'integer[.integer]'"],
    ['١', "must be of the form 'integer[.integer]'"],
  ])('refuses %j', (pkgrel, rule) => {
    expectRefused(() => validatePkgrel(pkgrel), pkgrel, rule);
  });

  it('agrees with makepkg on generated releases', async () => {
    const release = fc.string({ unit: fc.constantFrom(...'0019..-a \n'), maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(fc.array(release, { minLength: 300, maxLength: 300 }), async (values) => {
        expect(disagreements(await verdicts('pkgrel', validatePkgrel, values))).toEqual([]);
      }),
      { numRuns: 5, endOnFailure: true },
    );
  });
});

describe('epoch', () => {
  it.each(['', '0', '1', '42', '00'])('accepts %j', (epoch) => {
    expect(validateEpoch(epoch)).toBe(epoch);
  });

  it.each(['a', '1a', '-1', ' 1', '1:', '1.0', '1\n'])('refuses %j', (epoch) => {
    expectRefused(() => validateEpoch(epoch), epoch, 'must be an integer');
  });

  it('agrees with makepkg on generated epochs', async () => {
    const values = fc.sample(fc.string({ unit: fc.constantFrom(...'019a:-. \n'), maxLength: 4 }), { numRuns: 200 });
    expect(disagreements(await verdicts('epoch', validateEpoch, values))).toEqual([]);
  });
});

describe('full versions', () => {
  it.each(['1.0-1', '1:1.0-1', '0:1.0-1', '1.0-1.1', '12:r5.g1234+x~y-10', ':1.0-1'])('accepts %j', (version) => {
    expect(validateFullVersion(version)).toBe(version);
  });

  it.each([
    ['1.0', "must be of the form '[epoch:]pkgver-pkgrel'"],
    ['1:1.0', "must be of the form '[epoch:]pkgver-pkgrel'"],
    ['1.0-', 'its pkgrel "" must not be empty'],
    ['-1', 'its pkgver "" must not be empty'],
    ['1:-1', 'its pkgver "" must not be empty'],
    ['a:1.0-1', 'its epoch "a" must be an integer'],
    ['1:2:3-1', 'its pkgver "2:3" must not contain colons'],
    ['1.0-1-1', 'its pkgver "1.0-1" must not contain colons, slashes, hyphens'],
    ['1.0-a', 'its pkgrel "a" must be of the form'],
    ['1.0-1.1.1', 'its pkgrel "1.1.1" must be of the form'],
    ['1 0-1', 'its pkgver "1 0" must not contain'],
    ['1/../0-1', 'its pkgver "1/../0" must not contain'],
    ['1.0-1\n', 'its pkgrel "1\\n" must be of the form'],
  ])('refuses %j: %s', (version, rule) => {
    expectRefused(() => validateFullVersion(version), version, rule);
  });

  it('agrees with makepkg on generated versions, except that a package version needs a pkgrel', async () => {
    const part = fc.string({ unit: fc.constantFrom(...'0019a..::--_ /'), maxLength: 8 });
    const versions = fc.oneof(part, fc.tuple(part, part).map(([left, right]) => `${left}-${right}`));
    await fc.assert(
      fc.asyncProperty(fc.array(versions, { minLength: 300, maxLength: 300 }), async (values) => {
        const results = await verdicts('fullpkgver', validateFullVersion, values);
        const hasRelease = (version: string) => version.slice(version.indexOf(':') + 1).includes('-');
        const unexpected = results.filter(({ value, ours, makepkg }) => ours !== (makepkg && hasRelease(value)));
        expect(unexpected).toEqual([]);
      }),
      { numRuns: 10, endOnFailure: true },
    );
  });
});

describe('architectures', () => {
  it.each(['x86_64', 'any', 'aarch64', 'armv7h', 'i686', 'pentium4'])('accepts %j', (architecture) => {
    expect(validateArchitecture(architecture)).toBe(architecture);
  });

  it.each([
    ['', 'must not be empty'],
    ['x86-64', 'not "-"'],
    ['x86 64', 'not " "'],
    ['../x86_64', 'not ".", "/"'],
    ['x86_64\n', 'not "\\n"'],
    ['ärm', 'not "ä"'],
  ])('refuses %j: %s', (architecture, rule) => {
    expectRefused(() => validateArchitecture(architecture), architecture, rule);
  });
});

describe('package file names', () => {
  it.each([
    ['foo-1.0-1-x86_64.pkg.tar.zst', 'foo', '1.0-1', 'x86_64', '.pkg.tar.zst'],
    ['foo-debug-1:2.0-1-x86_64.pkg.tar.zst', 'foo-debug', '1:2.0-1', 'x86_64', '.pkg.tar.zst'],
    ['lib32-foo-bar-2.0.1-3.1-any.pkg.tar.xz', 'lib32-foo-bar', '2.0.1-3.1', 'any', '.pkg.tar.xz'],
    ['python-foo-r123.abc_d+e~f-1-any.pkg.tar.gz', 'python-foo', 'r123.abc_d+e~f-1', 'any', '.pkg.tar.gz'],
    ['foo-1.0-1-any.pkg.tar', 'foo', '1.0-1', 'any', '.pkg.tar'],
    ['foo.pkg.tar-1-1-any.pkg.tar.zst', 'foo.pkg.tar', '1-1', 'any', '.pkg.tar.zst'],
    ['foo-1.0-1-any.pkg.tar.bz2', 'foo', '1.0-1', 'any', '.pkg.tar.bz2'],
    ['foo-1.0-1-any.pkg.tar.lrz', 'foo', '1.0-1', 'any', '.pkg.tar.lrz'],
    ['foo-1.0-1-any.pkg.tar.lzo', 'foo', '1.0-1', 'any', '.pkg.tar.lzo'],
    ['foo-1.0-1-any.pkg.tar.Z', 'foo', '1.0-1', 'any', '.pkg.tar.Z'],
    ['foo-1.0-1-any.pkg.tar.lz4', 'foo', '1.0-1', 'any', '.pkg.tar.lz4'],
    ['foo-1.0-1-any.pkg.tar.lz', 'foo', '1.0-1', 'any', '.pkg.tar.lz'],
  ])('splits %j', (file, name, version, architecture, extension) => {
    expect(parsePackageFileName(file)).toEqual({ name, version, architecture, extension });
  });

  it.each([
    ['foo-1.0-1-any.pkg.tar.zst.sig', 'must end with .pkg.tar or .pkg.tar.{gz,bz2,xz,zst,lrz,lzo,Z,lz4,lz}'],
    ['foo-1.0-1-any.tar.zst', 'must end with .pkg.tar'],
    ['foo-1.0-1-any.pkg.tar.rar', 'must end with .pkg.tar'],
    ['foo-1.0-any.pkg.tar.zst', 'must be of the form <name>-[<epoch>:]<pkgver>-<pkgrel>-<architecture>'],
    ['foo.pkg.tar.zst', 'must be of the form'],
    ['../foo-1.0-1-any.pkg.tar.zst', 'must be a file name, not a path'],
    ['foo/bar-1.0-1-any.pkg.tar.zst', 'must be a file name, not a path'],
    ['-foo-1.0-1-any.pkg.tar.zst', 'its name "-foo" must not start with a hyphen'],
    ['.foo-1.0-1-any.pkg.tar.zst', 'its name ".foo" must not start with a dot'],
    ['-1.0-1-any.pkg.tar.zst', 'its name "" must not be empty'],
    ['foo bar-1.0-1-any.pkg.tar.zst', 'its name "foo bar" may contain only'],
    ['$(id)-1.0-1-any.pkg.tar.zst', 'its name "$(id)" may contain only'],
    ['foo-1.0-a-any.pkg.tar.zst', 'its pkgrel "a" must be of the form'],
    ['foo-1:-1-any.pkg.tar.zst', 'its pkgver "" must not be empty'],
    ['foo-a:1.0-1-any.pkg.tar.zst', 'its epoch "a" must be an integer'],
    ['foo-1 0-1-any.pkg.tar.zst', 'its pkgver "1 0" must not contain'],
    ['foo-1.0-1-.pkg.tar.zst', 'its architecture "" must not be empty'],
    ['foo-1.0-1-x86;64.pkg.tar.zst', 'its architecture "x86;64" may contain only'],
    ['foo\n-1.0-1-any.pkg.tar.zst', 'its name "foo\\n" may contain only'],
    [`${'x'.repeat(240)}-1.0-1-any.pkg.tar.zst`, 'must not be longer than 255 characters'],
  ])('refuses %j: %s', (file, rule) => {
    expectRefused(() => parsePackageFileName(file), file, rule);
  });

  it('gives back the parts of any valid file name it is built from', () => {
    const word = (unit: string, minLength: number) =>
      fc.string({ unit: fc.constantFrom(...unit), minLength, maxLength: 12 });
    const name = word('abz09@._+-', 1).filter((value) => !value.startsWith('-') && !value.startsWith('.'));
    const epoch = fc.option(word('0129', 1), { nil: undefined });
    const pkgver = word('az09._+~@', 1);
    const dotted = fc.tuple(word('19', 1), word('09', 1)).map(([major, minor]) => `${major}.${minor}`);
    const pkgrel = fc.oneof(word('0129', 1), dotted);
    const architecture = word('az09_', 1);
    const extension = fc.constantFrom('.pkg.tar', '.pkg.tar.gz', '.pkg.tar.xz', '.pkg.tar.zst');
    fc.assert(
      fc.property(fc.record({ name, epoch, pkgver, pkgrel, architecture, extension }), (parts) => {
        const version = `${parts.epoch === undefined ? '' : `${parts.epoch}:`}${parts.pkgver}-${parts.pkgrel}`;
        const { name, architecture, extension } = parts;
        const file = `${name}-${version}-${architecture}${extension}`;
        expect(parsePackageFileName(file)).toEqual({ name, version, architecture, extension });
      }),
      { numRuns: 2_000 },
    );
  });

  it('splits the file names makepkg gives to split packages with an epoch', async () => {
    const user = await lookupUser('ahriman');
    const directory = await mkdtemp(join(tmpdir(), 'validation-'));
    try {
      await writeFile(
        join(directory, 'PKGBUILD'),
        [
          'pkgbase=feas-base',
          'pkgname=(feas-split feas-split-debug lib32-feas-x)',
          'epoch=2',
          'pkgver=1.0.r5_g1+x~y',
          'pkgrel=3.1',
          'arch=(any)',
          'package_feas-split() { :; }',
          'package_feas-split-debug() { :; }',
          'package_lib32-feas-x() { arch=(x86_64); }',
          '',
        ].join('\n'),
      );
      await chown(directory, user.uid, user.gid);
      await chown(join(directory, 'PKGBUILD'), user.uid, user.gid);
      const env = { PKGEXT: '.pkg.tar.zst' };
      const { stdout } = await run('makepkg', ['--packagelist'], { cwd: directory, user, env });
      const parsed = stdout.trim().split('\n').map((path) => parsePackageFileName(basename(path)));
      expect(parsed).toEqual([
        { name: 'feas-split', version: '2:1.0.r5_g1+x~y-3.1', architecture: 'any', extension: '.pkg.tar.zst' },
        { name: 'feas-split-debug', version: '2:1.0.r5_g1+x~y-3.1', architecture: 'any', extension: '.pkg.tar.zst' },
        { name: 'lib32-feas-x', version: '2:1.0.r5_g1+x~y-3.1', architecture: 'x86_64', extension: '.pkg.tar.zst' },
      ]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('isPackageFileName', () => {
  it('knows package archives by .pkg.tar and any compression suffix, and their signatures only when asked', () => {
    for (const name of ['a-1-1-any.pkg.tar', 'a-1-1-any.pkg.tar.zst', 'a-1-1-x86_64.pkg.tar.Z']) expect(isPackageFileName(name), name).toBe(true);
    for (const name of ['a-1-1-any.pkg.tar.zst.sig', 'a.db.tar.gz', 'a-1-1-any.pkg.tar.zst-build.log', 'PKGBUILD']) {
      expect(isPackageFileName(name), name).toBe(false);
    }
    expect(isPackageFileName('a-1-1-any.pkg.tar.zst.sig', { signatures: true })).toBe(true);
    expect(isPackageFileName('a.db.sig', { signatures: true })).toBe(false);
  });
});
