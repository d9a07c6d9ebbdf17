/**
 * OpenPGP test keys made with openpgp.js defaults: v4 EdDSA (legacy ed25519) with a cv25519 subkey, the key type
 * gnupg 2.2 and so Debian's pacman accept. Generation takes a few tens of milliseconds.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface TestKey {
  /** Upper-case hex fingerprint of the primary key. */
  fingerprint: string;
  /** Upper-case hex long key id of the primary key. */
  keyId: string;
  armoredSecret: string;
  armoredPublic: string;
  /** The armored secret key, written to a file. */
  secretKeyFile: string;
  /** The armored public key, written to a file. */
  publicKeyFile: string;
  passphrase?: string;
}

export interface TestKeyOptions {
  /** Protects the secret key. */
  passphrase?: string;
  /** Defaults to `ahriman test <test@ahriman.invalid>`. */
  name?: string;
  /** Creation time of the key (default: now); with `expiresInSeconds`, makes an already expired key. */
  created?: Date;
  expiresInSeconds?: number;
}

let keyDirectory: Promise<string> | undefined;
const cachedKeys = new Map<string, Promise<TestKey>>();

/** One directory per test process for every key file; {@link removeTestKeys} removes it. */
function directory(): Promise<string> {
  keyDirectory ??= fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-test-keys-'));
  return keyDirectory;
}

/** Removes every key file of this process and forgets the cached keys; call it in `afterAll`. */
export async function removeTestKeys(): Promise<void> {
  const created = keyDirectory;
  keyDirectory = undefined;
  cachedKeys.clear();
  if (created !== undefined) await fs.rm(await created, { recursive: true, force: true });
}

/** A fresh key pair on every call, written to `<fingerprint>.secret.asc` and `<fingerprint>.public.asc`. */
export async function generateTestKey(options: TestKeyOptions = {}): Promise<TestKey> {
  const openpgp = await import('openpgp');
  const { privateKey, publicKey } = await openpgp.generateKey({
    userIDs: [{ name: options.name ?? 'ahriman test', email: 'test@ahriman.invalid' }],
    passphrase: options.passphrase,
    date: options.created,
    keyExpirationTime: options.expiresInSeconds ?? 0,
    format: 'armored',
  });
  const key = await openpgp.readKey({ armoredKey: publicKey });
  const fingerprint = key.getFingerprint().toUpperCase();
  const secretKeyFile = path.join(await directory(), `${fingerprint}.secret.asc`);
  const publicKeyFile = path.join(await directory(), `${fingerprint}.public.asc`);
  await fs.writeFile(secretKeyFile, privateKey, { mode: 0o600 });
  await fs.writeFile(publicKeyFile, publicKey);
  return {
    fingerprint,
    keyId: key.getKeyID().toHex().toUpperCase(),
    armoredSecret: privateKey,
    armoredPublic: publicKey,
    secretKeyFile,
    publicKeyFile,
    passphrase: options.passphrase,
  };
}

/** The key pair shared by the tests of this process: one without a passphrase, one per distinct passphrase. */
export function testKey(passphrase?: string): Promise<TestKey> {
  const cacheKey = passphrase ?? '';
  let key = cachedKeys.get(cacheKey);
  if (key === undefined) {
    key = generateTestKey({ passphrase });
    cachedKeys.set(cacheKey, key);
  }
  return key;
}
