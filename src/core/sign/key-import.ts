import { InvalidInputError } from '../errors.js';
import { type HttpPolicy, fetchWithRetries } from '../http/client.js';
import { run } from '../process.js';

const KEY_ID = /^(0x)?([0-9a-fA-F]{8}|[0-9a-fA-F]{16}|[0-9a-fA-F]{40})$/;
const ARMOR_HEADER = '-----BEGIN PGP PUBLIC KEY BLOCK-----';

/** `keyserver.ubuntu.com` means `https://keyserver.ubuntu.com`; a full URL (http for a local server) is used as given. */
export function keyServerUrl(server: string): string {
  const base = server.includes('://') ? server : `https://${server}`;
  if (!URL.canParse(base)) throw new InvalidInputError(`invalid key server ${JSON.stringify(server)}`);
  return base.replace(/\/+$/, '');
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
