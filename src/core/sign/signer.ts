/**
 * Detached OpenPGP signatures for packages and repository databases, made in-process with openpgp.js from a secret
 * key file: `<file>.sig`, binary, as pacman downloads and `repo-add` embeds them.
 *
 * openpgp.js is imported lazily (`Signer.load`), so commands that never sign do not pay for loading it.
 */
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { MaybeStream, PrivateKey, Subkey } from 'openpgp';
import { writeFileAtomic } from '../atomic-file.js';
import { AhrimanError, ConfigurationError, InvalidInputError, errorMessage } from '../errors.js';
import { getLogger } from '../log/logger.js';
import type { SignSettings } from './sign-settings.js';

type OpenPgp = typeof import('openpgp');

/** The signing key cannot be used (missing, unreadable, locked, expired, revoked...) or a file cannot be signed. */
export class SigningError extends AhrimanError {}

/**
 * Hashing and signing run on the main thread, so more files at once only overlap reading one file with signing
 * another: 100 small packages took about as long one at a time as four at a time.
 */
export const DEFAULT_SIGNING_CONCURRENCY = 2;
/** Files up to this size are read whole to be signed, larger ones streamed (see `detachedSignature`). */
const WHOLE_FILE_LIMIT = 16 * 1024 * 1024;

const ARMORED_SECRET_KEY_BLOCK = /-----BEGIN PGP PRIVATE KEY BLOCK-----[\s\S]*?-----END PGP PRIVATE KEY BLOCK-----/g;
const ARMOR_HEADER = '-----BEGIN PGP ';
/** RFC 9580 key algorithms (not the legacy EdDSA of v4 keys): gnupg 2.2 cannot import them, so pacman rejects the signatures. */
const MODERN_ONLY_ALGORITHMS = new Set(['ed25519', 'ed448']);

const logger = getLogger('sign');

export class Signer {
  private constructor(
    private readonly openpgp: OpenPgp,
    private readonly key: PrivateKey,
    /** Where the key was read from, to name it in messages. */
    readonly keyFile: string,
  ) {}

  /** Upper-case hex fingerprint of the primary key. */
  get fingerprint(): string {
    return this.key.getFingerprint().toUpperCase();
  }

  /**
   * Reads the key file, selects the key (`settings.key`, or the only key in the file), checks it can sign today and
   * unlocks it with `settings.passphrase`. Every failure is a {@link SigningError} naming the file and the key.
   */
  static async load(settings: SignSettings): Promise<Signer> {
    const file = settings.keyFile;
    if (file === undefined) throw new ConfigurationError('[sign] key_file is not set: signing needs a secret key file');
    const openpgp = await import('openpgp');
    const keys = await readSecretKeys(openpgp, file);
    const key = selectKey(keys, settings.key, file);
    const signingKey = await usableSigningKey(key, file);
    const unlocked = await unlock(openpgp, key, signingKey, settings.passphrase, file);
    const signer = new Signer(openpgp, unlocked, file);
    await signer.selfTest();
    logger.info(`signing with key ${signer.fingerprint} from ${file}`);
    return signer;
  }

  /** Writes the detached binary signature of `file` to `<file>.sig` (atomically) and returns that path. */
  async signFile(file: string): Promise<string> {
    const signatureFile = `${file}.sig`;
    let signature: Uint8Array;
    try {
      signature = await this.detachedSignature(file);
    } catch (error) {
      throw new SigningError(`cannot sign '${file}': ${errorMessage(error)}`, { cause: error });
    }
    await writeFileAtomic(signatureFile, signature);
    logger.debug(`signed ${file}`);
    return signatureFile;
  }

  /**
   * Signs many files, `concurrency` at a time, and returns the signature paths in the same order. Stops taking new
   * files after the first failure and rethrows it.
   */
  async signFiles(files: readonly string[], concurrency = DEFAULT_SIGNING_CONCURRENCY): Promise<string[]> {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new InvalidInputError(`signing concurrency must be a positive integer, got ${concurrency}`);
    }
    const signatures = new Array<string>(files.length);
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (!failed && next < files.length) {
        const index = next++;
        try {
          signatures[index] = await this.signFile(files[index]!);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
    return signatures;
  }

  /**
   * Small files are read whole; larger ones are streamed, so memory stays flat whatever the package size (a 192 MiB
   * file read whole added about 600 MB to the process; streamed, the whole process peaked at 80-140 MB). Streaming
   * is not the default because openpgp.js's stream path runs on Node's web streams, which add ~15 ms per file: more
   * than the signature itself for the usual package.
   */
  private async detachedSignature(file: string): Promise<Uint8Array> {
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      return size <= WHOLE_FILE_LIMIT ? await this.signBytes(await handle.readFile()) : await this.signStream(handle);
    } finally {
      await handle.close();
    }
  }

  private async signBytes(bytes: Uint8Array): Promise<Uint8Array> {
    const message = await this.openpgp.createMessage({ binary: bytes });
    return this.openpgp.sign({ message, signingKeys: this.key, detached: true, format: 'binary' });
  }

  /**
   * `sign({format: 'binary'})` on a stream would still collect the whole message to finish a detached signature,
   * so we ask for the signature object and finish it ourselves: drain the message's packet stream, which pulls the
   * file through the hash, while reading the signature bytes that become available at its end.
   */
  private async signStream(handle: fs.FileHandle): Promise<Uint8Array> {
    const content = Readable.toWeb(handle.createReadStream({ autoClose: false })) as NodeReadableStream<Uint8Array>;
    const message = await this.openpgp.createMessage({ binary: content });
    const signature = await this.openpgp.sign({ message, signingKeys: this.key, detached: true, format: 'object' });
    const [bytes] = await Promise.all([readAll(signature.write()), readAll(message.packets.write(), false)]);
    return bytes;
  }

  /** Signs an empty message once, so a key that cannot sign fails at load time rather than after a long build. */
  private async selfTest(): Promise<void> {
    try {
      await this.signBytes(new Uint8Array());
    } catch (error) {
      throw new SigningError(`${describeKey(this.key, this.keyFile)} cannot sign: ${errorMessage(error)}`, { cause: error });
    }
  }
}

/** The concatenated chunks of a stream (or the value itself when openpgp.js returned bytes); `keep: false` only drains. */
async function readAll(data: MaybeStream<Uint8Array>, keep = true): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data;
  const chunks: Uint8Array[] = [];
  // openpgp.js types its streams without Symbol.asyncIterator; at run time they are Node's web streams, which have it
  for await (const chunk of data as unknown as AsyncIterable<Uint8Array>) if (keep) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function describeKey(key: PrivateKey, file: string): string {
  return `signing key ${key.getFingerprint().toUpperCase()} from '${file}'`;
}

/** Every secret key in the file: armored blocks (several may be concatenated) or one binary export. */
async function readSecretKeys(openpgp: OpenPgp, file: string): Promise<PrivateKey[]> {
  let content: Buffer;
  try {
    content = await fs.readFile(file);
  } catch (error) {
    throw new SigningError(`cannot read the signing key file '${file}': ${errorMessage(error)}`, { cause: error });
  }
  const text = content.toString('latin1');
  const blocks = text.match(ARMORED_SECRET_KEY_BLOCK) ?? [];
  if (blocks.length === 0 && text.includes(ARMOR_HEADER)) {
    throw new SigningError(`the signing key file '${file}' holds no secret key block (a public key file?)`);
  }
  try {
    if (blocks.length === 0) return await openpgp.readPrivateKeys({ binaryKeys: content });
    const keys = await Promise.all(blocks.map((armoredKeys) => openpgp.readPrivateKeys({ armoredKeys })));
    return keys.flat();
  } catch (error) {
    throw new SigningError(`the signing key file '${file}' holds no readable secret key: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/** Whether the primary key or one of its subkeys has this fingerprint or key id (upper-case hex). */
function matchesReference(key: PrivateKey, reference: string): boolean {
  return key.getKeys().some((part) => {
    const fingerprint = part.getFingerprint().toUpperCase();
    return fingerprint === reference || part.getKeyID().toHex().toUpperCase() === reference;
  });
}

function selectKey(keys: readonly PrivateKey[], reference: string | undefined, file: string): PrivateKey {
  const fingerprints = keys.map((key) => key.getFingerprint().toUpperCase()).join(', ');
  if (reference === undefined) {
    if (keys.length === 1) return keys[0]!;
    throw new SigningError(
      `the signing key file '${file}' holds ${keys.length} keys (${fingerprints}): set [sign] key to choose one`,
    );
  }
  const key = keys.find((candidate) => matchesReference(candidate, reference));
  if (key === undefined) {
    throw new SigningError(
      `the signing key file '${file}' holds no key matching [sign] key = '${reference}' (it holds ${fingerprints})`,
    );
  }
  return key;
}

/** The (sub)key openpgp.js will sign with, once the key is known to be neither revoked nor expired. */
async function usableSigningKey(key: PrivateKey, file: string): Promise<PrivateKey | Subkey> {
  const description = describeKey(key, file);
  if (await key.isRevoked()) throw new SigningError(`${description} is revoked`);
  const expiration = await key.getExpirationTime();
  if (expiration instanceof Date && expiration.getTime() <= Date.now()) {
    throw new SigningError(`${description} expired on ${expiration.toISOString()}`);
  }
  let signingKey: PrivateKey | Subkey;
  try {
    signingKey = await key.getSigningKey();
  } catch (error) {
    throw new SigningError(`${description} has no valid signing key or subkey: ${errorMessage(error)}`, { cause: error });
  }
  if (signingKey.keyPacket.version === 6 || MODERN_ONLY_ALGORITHMS.has(signingKey.getAlgorithmInfo().algorithm)) {
    logger.warning(`${description} is a v6 or RFC 9580 Ed25519/Ed448 key: pacman with gnupg 2.2 rejects its signatures`);
  }
  return signingKey;
}

/** The key with its signing (sub)key decrypted; the passphrase is only ever passed to openpgp.js. */
async function unlock(
  openpgp: OpenPgp,
  key: PrivateKey,
  signingKey: PrivateKey | Subkey,
  passphrase: string | undefined,
  file: string,
): Promise<PrivateKey> {
  if (signingKey.isDecrypted()) return key;
  const description = describeKey(key, file);
  if (passphrase === undefined) {
    throw new SigningError(
      `${description} is protected by a passphrase: set [sign] passphrase_file or [sign] passphrase_env`,
    );
  }
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase });
  } catch (error) {
    const reason = /incorrect key passphrase/i.test(errorMessage(error)) ? 'wrong passphrase' : errorMessage(error);
    throw new SigningError(`cannot unlock ${description}: ${reason}`, { cause: error });
  }
}
