/**
 * Signing with the service user's gpg keyring, for `[sign] key` without `key_file` (how the reference signs): gpg
 * makes the detached signature (argument arrays, `GNUPGHOME` respected, the passphrase fed on stdin only when set).
 */
import fs from 'node:fs/promises';
import { temporarySibling } from '../atomic-file.js';
import { errorMessage } from '../errors.js';
import { run } from '../process.js';
import { SigningError } from './signer.js';

const GPG_TIMEOUT_MS = 120_000;

export class GpgSigner {
  private constructor(
    /** Fingerprint or long key id, as `[sign] key` names it. */
    readonly key: string,
    private readonly passphrase: string | undefined,
  ) {}

  /** Checks that the keyring holds the secret key, so a missing key fails the command before anything is built. */
  static async load(key: string, passphrase?: string): Promise<GpgSigner> {
    const listed = await run('gpg', ['--batch', '--with-colons', '--list-secret-keys', key], { allowFailure: true, timeoutMs: GPG_TIMEOUT_MS });
    if (listed.code !== 0) throw new SigningError(`[sign] key ${key}: not in the gpg keyring of this user (gpg --list-secret-keys): ${listed.stderr.trim()}`);
    return new GpgSigner(key, passphrase);
  }

  /** Writes `<file>.sig` (binary, as pacman expects), through a temporary file renamed into place. */
  async signFile(file: string): Promise<string> {
    const signature = `${file}.sig`;
    const temporary = temporarySibling(signature);
    const unlock = this.passphrase === undefined ? [] : ['--pinentry-mode', 'loopback', '--passphrase-fd', '0'];
    const args = ['--batch', '--yes', ...unlock, '--local-user', this.key, '--detach-sign', '--no-armor', '--output', temporary, file];
    const result = await run('gpg', args, { input: this.passphrase ?? '', allowFailure: true, timeoutMs: GPG_TIMEOUT_MS });
    try {
      if (result.code !== 0) throw new SigningError(`cannot sign '${file}' with gpg key ${this.key}: ${result.stderr.trim()}`);
      await fs.rename(temporary, signature);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error instanceof SigningError ? error : new SigningError(`cannot sign '${file}': ${errorMessage(error)}`);
    }
    return signature;
  }
}
