import { InvalidInputError } from '../errors.js';
import { type HttpPolicy, fetchWithRetries } from '../http/client.js';
import { run } from '../process.js';

const KEY_ID = /^(0x)?([0-9a-fA-F]{8}|[0-9a-fA-F]{16}|[0-9a-fA-F]{40})$/;
/** Where keys are looked up when no server is named, as in the reference. */
export const DEFAULT_KEY_SERVER = 'keyserver.ubuntu.com';
const ARMOR_HEADER = '-----BEGIN PGP PUBLIC KEY BLOCK-----';

/** Whether `key` is a key id (8 or 16 hex digits) or a fingerprint (40), with or without `0x`. */
export function isKeyId(key: string): boolean {
  return KEY_ID.test(key);
}

function keyServerBase(server: string): string {
  return server.includes('://') ? server : `https://${server}`;
}

/** Whether `server` is a key server host, or an http(s) URL of one. */
export function isKeyServer(server: string): boolean {
  const base = keyServerBase(server);
  return !server.startsWith('-') && URL.canParse(base) && ['http:', 'https:'].includes(new URL(base).protocol);
}

/** `keyserver.ubuntu.com` means `https://keyserver.ubuntu.com`; a full URL (http for a local server) is used as given. */
export function keyServerUrl(server: string): string {
  if (!isKeyServer(server)) throw new InvalidInputError(`invalid key server ${JSON.stringify(server)}`);
  return keyServerBase(server).replace(/\/+$/, '');
}

/** Fetches the armored public key `key` (a key id or fingerprint) from the HKP server. */
export async function fetchKey(server: string, key: string, policy: HttpPolicy): Promise<string> {
  const match = KEY_ID.exec(key);
  if (!match) throw new InvalidInputError(`invalid key ${JSON.stringify(key)}: expected a key id or fingerprint in hex`);
  const url = `${keyServerUrl(server)}/pks/lookup?op=get&options=mr&search=0x${match[2]!.toUpperCase()}`;
  const response = await fetchWithRetries(url, {}, policy);
  const text = await response.text();
  if (response.status === 404) throw new InvalidInputError(`key ${key} is not on ${server}`);
  if (!response.ok) throw new InvalidInputError(`key server ${server} answered HTTP ${response.status} for ${key}`);
  if (!text.includes(ARMOR_HEADER)) throw new InvalidInputError(`key server ${server} sent no armored public key for ${key}`);
  return text;
}

/** Imports an armored key into the keyring of the user running us (`GNUPGHOME` respected). */
export async function importKey(armored: string): Promise<string> {
  const result = await run('gpg', ['--batch', '--import'], { input: armored, allowFailure: true });
  if (result.code !== 0) throw new InvalidInputError(`gpg --import failed: ${result.stderr.trim()}`);
  return result.stderr.trim();
}
