import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/core/errors.js';
import { normalizeKeyReference, parseSignTargets, signSettingsFrom } from '../../../src/core/sign/sign-settings.js';

const FINGERPRINT = '0123456789ABCDEF0123456789ABCDEF01234567';

function from(options: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  return signSettingsFrom((key) => options[key], env);
}

describe('parseSignTargets', () => {
  it.each([
    [[], false, false],
    [['disabled'], false, false],
    [['package'], true, false],
    [['packages'], true, false],
    [['sign-package'], true, false],
    [['repository'], false, true],
    [['sign-repository'], false, true],
    [['PACKAGES', 'Sign-Repository'], true, true],
    [['repository', 'packages', 'packages'], true, true],
    [['pkg', 'repo', 'everything'], false, false],
  ])('%j signs packages: %s, repository: %s', (words, packages, repository) => {
    expect(parseSignTargets(words)).toEqual({ packages, repository });
  });
});

describe('normalizeKeyReference', () => {
  it.each([
    [FINGERPRINT.toLowerCase(), FINGERPRINT],
    ['0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567', FINGERPRINT],
    ['0x89abcdef01234567', '89ABCDEF01234567'],
    ['0X89ABCDEF01234567', '89ABCDEF01234567'],
    ['a'.repeat(64), 'A'.repeat(64)],
  ])('%s is %s', (reference, normalized) => {
    expect(normalizeKeyReference(reference)).toBe(normalized);
  });

  it.each(['89ABCDEF', 'packager@example.org', `${FINGERPRINT}0`, 'G123456789ABCDEF', ''])('refuses %j', (reference) => {
    expect(() => normalizeKeyReference(reference)).toThrow(
      new ConfigurationError(
        `[sign] key = '${reference}': expected a fingerprint (40 or 64 hex digits) or a long key id (16 hex digits)`,
      ),
    );
  });
});

describe('signSettingsFrom', () => {
  let directory: string;
  let passphraseFile: string;

  beforeAll(async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-sign-settings-'));
    passphraseFile = path.join(directory, 'passphrase');
    await fs.writeFile(passphraseFile, 'first line  \nsecond line\n');
  });
  afterAll(() => fs.rm(directory, { recursive: true, force: true }));

  it('reads the list of targets, the key and the key file', () => {
    expect(from({ target: 'sign-package "repository"', key: `0x${FINGERPRINT.toLowerCase()}`, key_file: '/etc/key.asc' })).toEqual({
      targets: { packages: true, repository: true },
      key: FINGERPRINT,
      keyFile: '/etc/key.asc',
      passphrase: undefined,
    });
  });

  it('signs nothing when target is unset or empty, and treats empty options as unset', () => {
    expect(from({})).toEqual({ targets: { packages: false, repository: false }, key: undefined, keyFile: undefined });
    expect(from({ target: '', key: '', key_file: '' })).toEqual(from({}));
  });

  it('takes the first line of passphrase_file, as it is', () => {
    expect(from({ target: 'packages', passphrase_file: passphraseFile }).passphrase).toBe('first line  ');
  });

  it('takes the passphrase from the variable passphrase_env names', () => {
    expect(from({ target: 'repository', passphrase_env: 'SIGN_PASS' }, { SIGN_PASS: 'from env' }).passphrase).toBe('from env');
  });

  it('reads no passphrase when nothing is signed', () => {
    const settings = from({ target: 'disabled', passphrase_file: path.join(directory, 'missing') });
    expect(settings.passphrase).toBeUndefined();
  });

  it('names the passphrase file it cannot read', () => {
    const missing = path.join(directory, 'missing');
    expect(() => from({ target: 'packages', passphrase_file: missing })).toThrow(
      new ConfigurationError(`[sign] passphrase_file = '${missing}': cannot read it: ENOENT: no such file or directory, open '${missing}'`),
    );
  });

  it('names the variable that is not set', () => {
    expect(() => from({ target: 'packages', passphrase_env: 'SIGN_PASS' }, { SIGN_PASS: '' })).toThrow(
      new ConfigurationError("[sign] passphrase_env = 'SIGN_PASS': the environment variable is not set"),
    );
  });

  it('refuses two passphrase sources', () => {
    expect(() => from({ target: 'packages', passphrase_file: passphraseFile, passphrase_env: 'SIGN_PASS' }, { SIGN_PASS: 'x' })).toThrow(
      new ConfigurationError('[sign] passphrase_file and [sign] passphrase_env are both set: keep only one'),
    );
  });

  it('refuses a malformed key even when nothing is signed', () => {
    expect(() => from({ key: 'someone@example.org' })).toThrow(ConfigurationError);
  });
});
