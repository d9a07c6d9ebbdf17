/**
 * The keyring package of a repository (`<repo>-keyring`, the reference's KeyringTrigger and `repo-create-keyring`):
 * the public keys users need to trust the repository, installed where `pacman-key --populate <repo>` finds them:
 * - `<repo>.gpg`: every key (trusted, packagers, revoked), armored;
 * - `<repo>-trusted`: `<fingerprint>:4:` per trusted key (full trust);
 * - `<repo>-revoked`: fingerprints of keys pacman must not trust any more.
 *
 * Keys are taken from `[sign] key_file` and, for the others, from gpg's keyring (`gpg --export`, as the reference).
 * Options (sections of type `keyring-generator`, named by `[keyring] target`): `trusted` (default `[sign] key`, or
 * the keys of `[sign] key_file`), `packagers` (default: the keys of all users), `revoked`, `package`
 * (`<repo>-keyring`), `description`, `homepage`, `license` (Unlicense).
 */
import fs from 'node:fs/promises';
import type { PublicKey } from 'openpgp';
import * as z from 'zod/mini';
import { validatePackageName } from '../alpm/validation.js';
import { option } from '../configuration/schema.js';
import { readSection } from '../configuration/validator.js';
import { UserOperations } from '../database/operations/users.js';
import { ConfigurationError, errorMessage } from '../errors.js';
import { run } from '../process.js';
import type { RepositoryServices } from '../repository/services.js';
import { normalizeKeyReference } from '../sign/sign-settings.js';
import { type GeneratedPackage, generatorTrigger, type PackageGenerator } from './pkgbuild-generator.js';

type OpenPgp = typeof import('openpgp');

export const KEYRING_TYPE = 'keyring-generator';

export const keyringSchema = z.object({
  description: z.optional(option.string()),
  homepage: z.optional(option.url()),
  license: z._default(option.list(), ['Unlicense']),
  package: z.optional(option.string()),
  packagers: z.optional(option.list()),
  revoked: z._default(option.list(), []),
  trusted: z.optional(option.list()),
});

const KEY_BLOCK = /-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----[\s\S]*?-----END PGP \1 KEY BLOCK-----/g;
const GPG_TIMEOUT_MS = 60_000;

/** The public halves of the keys in a key file (armored blocks, public or secret, or one binary export). */
async function keysInFile(openpgp: OpenPgp, file: string): Promise<PublicKey[]> {
  let content: Buffer;
  try {
    content = await fs.readFile(file);
  } catch (error) {
    throw new ConfigurationError(`[sign] key_file = '${file}': cannot read it: ${errorMessage(error)}`);
  }
  const blocks = content.toString('latin1').match(KEY_BLOCK);
  const keys = blocks === null
    ? await openpgp.readKeys({ binaryKeys: content })
    : (await Promise.all(blocks.map((armoredKeys) => openpgp.readKeys({ armoredKeys })))).flat();
  return keys.map((key) => key.toPublic());
}

/** Keys of gpg's keyring (the service user's), or none when gpg is missing or knows none of them. */
async function keysFromGpg(openpgp: OpenPgp, references: readonly string[]): Promise<PublicKey[]> {
  const exported = await run('gpg', ['--batch', '--armor', '--no-emit-version', '--export', ...references.map((reference) => `0x${reference}`)], {
    allowFailure: true,
    timeoutMs: GPG_TIMEOUT_MS,
  }).catch(() => undefined);
  if (exported === undefined || exported.code !== 0 || !exported.stdout.includes('-----BEGIN PGP')) return [];
  return openpgp.readKeys({ armoredKeys: exported.stdout });
}

function matches(key: PublicKey, reference: string): boolean {
  return key.getKeys().some((part) => part.getFingerprint().toUpperCase() === reference || part.getKeyID().toHex().toUpperCase() === reference);
}

/** The key each reference names (a fingerprint or long key id of it or of one of its subkeys). */
async function findKeys(openpgp: OpenPgp, references: readonly string[], keyFile: string | undefined): Promise<Map<string, PublicKey>> {
  const known = keyFile === undefined ? [] : await keysInFile(openpgp, keyFile);
  const unknown = references.filter((reference) => !known.some((key) => matches(key, reference)));
  if (unknown.length > 0) known.push(...(await keysFromGpg(openpgp, unknown)));
  const found = new Map<string, PublicKey>();
  for (const reference of references) {
    const key = known.find((candidate) => matches(candidate, reference));
    if (key === undefined) throw new ConfigurationError(`keyring: no public key ${reference} in [sign] key_file or gpg's keyring`);
    found.set(reference, key);
  }
  return found;
}

function fingerprint(key: PublicKey): string {
  return key.getFingerprint().toUpperCase();
}

/** `[sign] key`, else every key of `[sign] key_file`. */
async function defaultTrusted(openpgp: OpenPgp, services: RepositoryServices, keyFile: string | undefined): Promise<string[]> {
  const key = services.configuration.get('sign', 'key');
  if (key !== undefined) return [key];
  return keyFile === undefined ? [] : (await keysInFile(openpgp, keyFile)).map(fingerprint);
}

async function userKeys(services: RepositoryServices): Promise<string[]> {
  const users = await new UserOperations(services.state.database).userList();
  return users.flatMap((user) => (user.keyId === null ? [] : [user.keyId]));
}

/** The keyring package the section describes, its keys read from the key file and gpg. */
export async function keyringPackage(services: RepositoryServices, section: string): Promise<GeneratedPackage> {
  const options = readSection(services.configuration, section, keyringSchema);
  const repository = services.paths.repositoryId.name;
  const openpgp = await import('openpgp');
  const keyFile = services.configuration.getPath('sign', 'key_file', undefined);
  const normalize = (references: readonly string[]): string[] => [...new Set(references.map(normalizeKeyReference))];
  const trusted = normalize(options.trusted ?? (await defaultTrusted(openpgp, services, keyFile)));
  const packagers = normalize(options.packagers ?? (await userKeys(services)));
  const revoked = normalize(options.revoked);
  if (trusted.length + packagers.length + revoked.length === 0) {
    throw new ConfigurationError(`[${section}]: no keys for the keyring: set trusted (or [sign] key / key_file)`);
  }

  const keys = await findKeys(openpgp, [...trusted, ...packagers, ...revoked], keyFile);
  const unique = new Map([...keys.values()].map((key) => [fingerprint(key), key]));
  const packets = [...unique.keys()].sort().flatMap((id) => [...unique.get(id)!.write()]);
  // with its CRC line: gnupg 2.2 (which pacman-key runs) cannot read this armor without it
  const armored = openpgp.armor(openpgp.enums.armor.publicKey, new Uint8Array(packets), undefined, undefined, undefined, true);
  const lines = (references: readonly string[], suffix: string): string =>
    references.map((reference) => `${fingerprint(keys.get(reference)!)}${suffix}\n`).join('');

  const name = validatePackageName(options.package ?? `${repository}-keyring`);
  const directory = '/usr/share/pacman/keyrings';
  const sources = { [`${repository}.gpg`]: armored, [`${repository}-trusted`]: lines(trusted, ':4:'), [`${repository}-revoked`]: lines(revoked, '') };
  return {
    name,
    description: options.description ?? `${repository} PGP keyring`,
    homepage: options.homepage,
    licenses: options.license,
    sources,
    packageLines: Object.keys(sources)
      .sort()
      .map((file) => `install -Dm644 "$srcdir/${file}" "$pkgdir${directory}/${file}"`),
    install: [
      'post_upgrade() {',
      '  if usr/bin/pacman-key -l >/dev/null 2>&1; then',
      `    usr/bin/pacman-key --populate ${repository}`,
      '  fi',
      '}',
      '',
      'post_install() {',
      '  if [ -x usr/bin/pacman-key ]; then',
      '    post_upgrade',
      '  fi',
      '}',
      '',
    ].join('\n'),
  };
}

export const keyringGenerator: PackageGenerator = { family: 'keyring', type: KEYRING_TYPE, schema: keyringSchema, describe: keyringPackage };

/** The reference's `ahriman.core.support.KeyringTrigger`. */
export const keyringTrigger = generatorTrigger(keyringGenerator);
