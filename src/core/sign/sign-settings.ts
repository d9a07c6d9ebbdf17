/**
 * The `[sign]` section as plain data: what to sign, with which key, and the key's passphrase.
 *
 * Independent of the Configuration class: {@link signSettingsFrom} takes a getter for `[sign]` options. Pass the
 * `*_file` options as resolved paths:
 *
 *   signSettingsFrom((key) =>
 *     key.endsWith('_file') ? configuration.getPath('sign', key, undefined) : configuration.get('sign', key));
 */
import fs from 'node:fs';
import { ConfigurationError, errorMessage } from '../errors.js';
import { splitWords } from '../configuration/ini.js';
import { getLogger } from '../log/logger.js';

export interface SignTargets {
  /** Sign every package archive (`<package>.sig`). */
  packages: boolean;
  /** Sign the repository database files (`<repo>.db.tar.gz.sig`, `<repo>.files.tar.gz.sig`). */
  repository: boolean;
}

export interface SignSettings {
  targets: SignTargets;
  /**
   * Fingerprint or long key id (upper-case hex, no `0x`) of the key to sign with, or of one of its subkeys; optional
   * when the key file holds one key.
   */
  key?: string;
  /** ASCII-armored (or binary) secret key file. */
  keyFile?: string;
  /** Unlocks the secret key. Never logged, never part of an error message. */
  passphrase?: string;
}

/** Reads one `[sign]` option; undefined when it is unset. */
export type SignOptionGetter = (key: string) => string | undefined;

const PACKAGE_TARGETS = new Set(['package', 'packages', 'sign-package']);
const REPOSITORY_TARGETS = new Set(['repository', 'sign-repository']);
/** Hex lengths of a long key id (16), a v4 fingerprint (40) and a v6 fingerprint (64). */
const KEY_PATTERN = /^([0-9A-F]{16}|[0-9A-F]{40}|[0-9A-F]{64})$/;

const logger = getLogger('sign');

/**
 * `[sign] target` words as the reference reads them: `package`/`packages`/`sign-package` sign packages,
 * `repository`/`sign-repository` sign the database, case-insensitively; any other word (`disabled` included) signs nothing.
 */
export function parseSignTargets(words: readonly string[]): SignTargets {
  const targets: SignTargets = { packages: false, repository: false };
  for (const word of words) {
    const target = word.toLowerCase();
    if (PACKAGE_TARGETS.has(target)) targets.packages = true;
    else if (REPOSITORY_TARGETS.has(target)) targets.repository = true;
    else if (target !== 'disabled') logger.warning(`[sign] target: unknown target '${word}' ignored`);
  }
  return targets;
}

/**
 * A key reference as gpg prints it, normalised: `0x` prefix and spaces dropped, upper-case. Short (8-digit) key ids
 * are refused: they collide too easily to pick a signing key by.
 */
export function normalizeKeyReference(reference: string): string {
  const normalized = reference.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
  if (!KEY_PATTERN.test(normalized)) {
    throw new ConfigurationError(
      `[sign] key = '${reference}': expected a fingerprint (40 or 64 hex digits) or a long key id (16 hex digits)`,
    );
  }
  return normalized;
}

/** The option's value; empty counts as unset, as in the configuration. */
function option(get: SignOptionGetter, key: string): string | undefined {
  const value = get(key);
  return value === '' ? undefined : value;
}

export function signingEnabled(settings: SignSettings): boolean {
  return settings.targets.packages || settings.targets.repository;
}

function passphraseFromFile(file: string): string {
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`[sign] passphrase_file = '${file}': cannot read it: ${errorMessage(error)}`);
  }
  return content.split(/\r?\n/, 1)[0] ?? '';
}

function passphraseFromEnvironment(variable: string, env: NodeJS.ProcessEnv): string {
  const value = env[variable];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`[sign] passphrase_env = '${variable}': the environment variable is not set`);
  }
  return value;
}

function readPassphrase(get: SignOptionGetter, env: NodeJS.ProcessEnv): string | undefined {
  const file = option(get, 'passphrase_file');
  const variable = option(get, 'passphrase_env');
  if (file !== undefined && variable !== undefined) {
    throw new ConfigurationError('[sign] passphrase_file and [sign] passphrase_env are both set: keep only one');
  }
  if (file !== undefined) return passphraseFromFile(file);
  if (variable !== undefined) return passphraseFromEnvironment(variable, env);
  return undefined;
}

/**
 * Builds the settings from `[sign]` options. The passphrase is read (from `passphrase_file`'s first line or the
 * variable `passphrase_env` names) only when something is to be signed, so a missing passphrase file does not break
 * commands of a repository that does not sign.
 */
export function signSettingsFrom(get: SignOptionGetter, env: NodeJS.ProcessEnv = process.env): SignSettings {
  const key = option(get, 'key');
  const settings: SignSettings = {
    targets: parseSignTargets(splitWords(option(get, 'target') ?? '')),
    key: key === undefined ? undefined : normalizeKeyReference(key),
    keyFile: option(get, 'key_file'),
  };
  if (signingEnabled(settings)) settings.passphrase = readPassphrase(get, env);
  return settings;
}
