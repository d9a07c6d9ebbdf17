/**
 * Signer against real files and real gpg: signatures gpg accepts, key selection, passphrases, and a clear error for
 * every key that cannot be used.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, InvalidInputError } from '../../../src/core/errors.js';
import { run } from '../../../src/core/process.js';
import { signSettingsFrom, type SignSettings } from '../../../src/core/sign/sign-settings.js';
import { Signer, SigningError } from '../../../src/core/sign/signer.js';
import { generateTestKey, removeTestKeys, testKey, type TestKey } from '../../support/keys.js';

const ALL_TARGETS = { packages: true, repository: true };
const PASSPHRASE = 'correct horse battery staple';

let work: string;
let key: TestKey;
/** A gpg home that trusts nothing but knows the public test keys, for `gpg --verify`. */
let gpgHome: string;

async function gpg(args: readonly string[], home = gpgHome) {
  return run('gpg', ['--homedir', home, '--batch', ...args], { env: { LC_ALL: 'C' }, allowFailure: true });
}

async function expectGoodSignature(file: string, signatureFile = `${file}.sig`): Promise<void> {
  const verified = await gpg(['--verify', signatureFile, file]);
  expect(verified.stderr).toContain('Good signature from "ahriman test <test@ahriman.invalid>"');
  expect(verified.code, verified.stderr).toBe(0);
}

async function writeFile(name: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(work, name);
  await fs.writeFile(file, content);
  return file;
}

function settings(overrides: Partial<SignSettings>): SignSettings {
  return { targets: ALL_TARGETS, keyFile: key.secretKeyFile, ...overrides };
}

/** Loads the key and expects a SigningError whose message matches every pattern. */
async function expectLoadError(overrides: Partial<SignSettings>, ...patterns: (string | RegExp)[]): Promise<Error> {
  const error = await Signer.load(settings(overrides)).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SigningError);
  for (const pattern of patterns) expect((error as Error).message).toMatch(pattern);
  return error as Error;
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-signer-'));
  gpgHome = path.join(work, 'gnupg');
  await fs.mkdir(gpgHome, { mode: 0o700 });
  key = await testKey();
  await gpg(['--import', key.publicKeyFile]);
});

afterAll(async () => {
  await run('gpgconf', ['--homedir', gpgHome, '--kill', 'all'], { allowFailure: true });
  await removeTestKeys();
  await fs.rm(work, { recursive: true, force: true });
});

describe('signatures', () => {
  // first in the file, so that the peak memory of the process is still close to its current use
  it('streams a large file through the hash instead of reading it whole', async () => {
    const size = 128 * 1024 * 1024;
    const file = path.join(work, 'large.pkg.tar.zst');
    await fs.writeFile(file, '');
    await fs.truncate(file, size); // sparse: costs no disk, reads back as zeros
    const signer = await Signer.load(settings({}));
    const peakBefore = process.resourceUsage().maxRSS * 1024;

    await signer.signFile(file);

    const growth = process.resourceUsage().maxRSS * 1024 - peakBefore;
    // streamed: about 50 MB whatever the size; read whole: about three times the size
    expect(growth).toBeLessThan(size * 0.75);
    await expectGoodSignature(file);
  });

  it('writes detached binary signatures gpg accepts, for an empty file too', async () => {
    const signer = await Signer.load(settings({}));
    expect(signer.fingerprint).toBe(key.fingerprint);
    for (const file of [await writeFile('small.pkg.tar.gz', 'package bytes\n'), await writeFile('empty', '')]) {
      expect(await signer.signFile(file)).toBe(`${file}.sig`);
      const signature = await fs.readFile(`${file}.sig`);
      expect(signature[0]! & 0x80).toBe(0x80); // an OpenPGP packet tag, not ASCII armor
      await expectGoodSignature(file);
    }
  });

  it('replaces an existing signature and leaves no temporary file behind', async () => {
    const signer = await Signer.load(settings({}));
    const file = await writeFile('resigned.db.tar.gz', 'new database');
    await fs.writeFile(`${file}.sig`, 'stale signature');

    await signer.signFile(file);

    await expectGoodSignature(file);
    const leftovers = (await fs.readdir(work)).filter((name) => name.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  });

  it('signs many files a few at a time and returns the signatures in order', async () => {
    const signer = await Signer.load(settings({}));
    const files = await Promise.all(
      Array.from({ length: 12 }, (_, index) => writeFile(`many-${index}.pkg.tar.zst`, `package ${index}\n`.repeat(index * 1000))),
    );

    const signatures = await signer.signFiles(files, 3);

    expect(signatures).toEqual(files.map((file) => `${file}.sig`));
    for (const file of files) await expectGoodSignature(file);
    await expectGoodSignature(files[1]!, signatures[1]);
    const wrongPair = await gpg(['--verify', signatures[1]!, files[2]!]);
    expect(wrongPair.stderr).toContain('BAD signature');
  });

  it('names the file it cannot sign and writes no signature for it', async () => {
    const signer = await Signer.load(settings({}));
    const missing = path.join(work, 'missing.pkg.tar.zst');
    const present = await writeFile('present.pkg.tar.zst', 'present');

    await expect(signer.signFiles([present, missing], 1)).rejects.toThrow(
      new SigningError(`cannot sign '${missing}': ENOENT: no such file or directory, open '${missing}'`),
    );
    await expect(fs.access(`${missing}.sig`)).rejects.toThrow(/ENOENT/);
    await expect(signer.signFiles([present], 0)).rejects.toThrow(InvalidInputError);
  });
});

describe('passphrase-protected keys', () => {
  let lockedKey: TestKey;

  beforeAll(async () => {
    lockedKey = await testKey(PASSPHRASE);
  });

  function sign(options: Record<string, string>, env: NodeJS.ProcessEnv = {}): SignSettings {
    return signSettingsFrom((option) => ({ target: 'packages', key_file: lockedKey.secretKeyFile, ...options })[option], env);
  }

  it('unlocks with the first line of passphrase_file', async () => {
    const passphraseFile = await writeFile('passphrase', `${PASSPHRASE}\nnot part of it\n`);
    const signer = await Signer.load(sign({ passphrase_file: passphraseFile }));
    const file = await writeFile('locked-file.pkg.tar.zst', 'signed with a locked key');
    await signer.signFile(file);
    await gpg(['--import', lockedKey.publicKeyFile]);
    await expectGoodSignature(file);
  });

  it('unlocks with the variable named by passphrase_env', async () => {
    const signer = await Signer.load(sign({ passphrase_env: 'AHRIMAN_TEST_PASSPHRASE' }, { AHRIMAN_TEST_PASSPHRASE: PASSPHRASE }));
    expect(signer.fingerprint).toBe(lockedKey.fingerprint);
  });

  it('says the passphrase is wrong, without showing it', async () => {
    const wrong = sign({ passphrase_env: 'AHRIMAN_TEST_PASSPHRASE' }, { AHRIMAN_TEST_PASSPHRASE: 'wrong guess' });
    const error = await Signer.load(wrong).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toEqual(
      new SigningError(`cannot unlock signing key ${lockedKey.fingerprint} from '${lockedKey.secretKeyFile}': wrong passphrase`),
    );
    expect(String((error as Error).stack)).not.toContain('wrong guess');
  });

  it('says where to put the passphrase when none is given', async () => {
    await expect(Signer.load(sign({}))).rejects.toThrow(
      `signing key ${lockedKey.fingerprint} from '${lockedKey.secretKeyFile}' is protected by a passphrase: ` +
        'set [sign] passphrase_file or [sign] passphrase_env',
    );
  });
});

describe('key files with several keys', () => {
  let second: TestKey;
  let concatenated: string;
  let exportedByGpg: string;
  let binaryExport: string;

  beforeAll(async () => {
    second = await generateTestKey({ name: 'second key' });
    concatenated = await writeFile('concatenated.asc', `${key.armoredSecret}\n${second.armoredSecret}`);
    const exportHome = path.join(work, 'export-gnupg');
    await fs.mkdir(exportHome, { mode: 0o700 });
    await gpg(['--import', key.secretKeyFile, second.secretKeyFile], exportHome);
    const armored = await gpg(['--armor', '--export-secret-keys'], exportHome);
    exportedByGpg = await writeFile('gpg-export.asc', armored.stdout);
    const binary = await run('gpg', ['--homedir', exportHome, '--batch', '--export-secret-keys'], { binaryStdout: true });
    binaryExport = await writeFile('gpg-export.gpg', binary.stdoutBytes);
    await run('gpgconf', ['--homedir', exportHome, '--kill', 'all'], { allowFailure: true });
    expect(armored.stdout.match(/BEGIN PGP PRIVATE KEY BLOCK/g)).toHaveLength(1);
  });

  it('selects the key by fingerprint or long key id, in any of the file formats', async () => {
    for (const keyFile of [concatenated, exportedByGpg, binaryExport]) {
      expect((await Signer.load(settings({ keyFile, key: second.fingerprint }))).fingerprint).toBe(second.fingerprint);
      expect((await Signer.load(settings({ keyFile, key: key.keyId }))).fingerprint).toBe(key.fingerprint);
    }
  });

  it('selects the key by a subkey id, as gpg --list-keys shows it', async () => {
    await gpg(['--import', second.publicKeyFile]);
    const listed = await gpg(['--with-colons', '--list-keys', second.fingerprint]);
    const subkeyId = listed.stdout.split('\n').find((line) => line.startsWith('sub:'))!.split(':')[4]!;
    const reference = signSettingsFrom((option) => ({ key: `0x${subkeyId.toLowerCase()}` })[option]).key;
    expect((await Signer.load(settings({ keyFile: concatenated, key: reference }))).fingerprint).toBe(second.fingerprint);
  });

  it('names the key it looked for and the keys the file holds when none matches', async () => {
    const wanted = 'ABCDEF0123456789';
    await expectLoadError(
      { keyFile: exportedByGpg, key: wanted },
      `the signing key file '${exportedByGpg}' holds no key matching [sign] key = '${wanted}'`,
      key.fingerprint,
      second.fingerprint,
    );
  });

  it('asks for [sign] key when the file holds several keys and none is set', async () => {
    await expectLoadError({ keyFile: concatenated }, `holds 2 keys (${key.fingerprint}, ${second.fingerprint}): set [sign] key`);
  });
});

describe('keys that cannot sign', () => {
  it('names a key file that does not exist', async () => {
    const keyFile = path.join(work, 'no-such-key.asc');
    await expectLoadError({ keyFile }, `cannot read the signing key file '${keyFile}': ENOENT`);
  });

  it('refuses a public key file', async () => {
    await expectLoadError({ keyFile: key.publicKeyFile }, `the signing key file '${key.publicKeyFile}' holds no secret key block`);
  });

  it('refuses a file that is not a key', async () => {
    const keyFile = await writeFile('garbage.gpg', 'this is not a key');
    await expectLoadError({ keyFile }, `the signing key file '${keyFile}' holds no readable secret key`);
  });

  it('refuses an expired key', async () => {
    const expired = await generateTestKey({ created: new Date(Date.now() - 2 * 86_400_000), expiresInSeconds: 3600 });
    await expectLoadError(
      { keyFile: expired.secretKeyFile },
      new RegExp(`^signing key ${expired.fingerprint} from '${expired.secretKeyFile}' expired on \\d{4}-\\d\\d-\\d\\dT`),
    );
  });

  it('refuses a revoked key', async () => {
    const openpgp = await import('openpgp');
    const fresh = await generateTestKey();
    const { privateKey } = await openpgp.revokeKey({
      key: await openpgp.readPrivateKey({ armoredKey: fresh.armoredSecret }),
      format: 'armored',
    });
    const keyFile = await writeFile('revoked.asc', privateKey);
    await expectLoadError({ keyFile }, `signing key ${fresh.fingerprint} from '${keyFile}' is revoked`);
  });

  it('refuses a certify-only key made by gpg', async () => {
    const home = path.join(work, 'certify-only-gnupg');
    await fs.mkdir(home, { mode: 0o700 });
    const uid = 'certify only <certify@ahriman.invalid>';
    const unprotected = ['--pinentry-mode', 'loopback', '--passphrase', ''];
    await gpg([...unprotected, '--quick-gen-key', uid, 'ed25519', 'cert', 'never'], home);
    const exported = await gpg([...unprotected, '--armor', '--export-secret-keys', uid], home);
    await run('gpgconf', ['--homedir', home, '--kill', 'all'], { allowFailure: true });
    const keyFile = await writeFile('certify-only.asc', exported.stdout);

    await expectLoadError({ keyFile }, /^signing key [0-9A-F]{40} from '.*' has no valid signing key or subkey: /);
  });

  it('needs a key file', async () => {
    await expect(Signer.load({ targets: ALL_TARGETS, key: key.fingerprint })).rejects.toThrow(
      new ConfigurationError('[sign] key_file is not set: signing needs a secret key file'),
    );
  });
});
