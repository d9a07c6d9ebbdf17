/**
 * Real pacman installing into a throwaway root: the end-to-end check that a repository we produce is one users can
 * install from, signatures included (`SigLevel = Required`, keys added with pacman-key and locally signed).
 *
 * pacman runs asynchronously (`run`), never with a synchronous call: that would block the event loop of the
 * in-process HTTP server pacman is downloading from, and the download would time out.
 *
 *   const pacman = await createPacmanRoot({ repositories: [{ name: 'repo', server: `file://${dir}` }], keys: [armored] });
 *   try { await pacman.sync(); await pacman.install(['pkg']); } finally { await pacman.cleanup(); }
 *   // once per test file: afterAll(removeKeyringTemplate)
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/core/process.js';

export interface PacmanRepository {
  name: string;
  /** `file:///...` or `http://127.0.0.1:PORT/...`; pacman expands `$repo` and `$arch`. */
  server: string;
  /** Default `Required`. */
  sigLevel?: string;
}

export interface PacmanRootOptions {
  /** The only repositories the root knows, in this order. */
  repositories: readonly PacmanRepository[];
  /** Armored public keys to add to the root's keyring and sign locally (trusted for `SigLevel = Required`). */
  keys?: readonly string[];
}

export interface PacmanResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `auto` (uname -m) works as well; naming it keeps `$arch` in server URLs the same on every host. */
const ARCHITECTURE = 'x86_64';
const PACMAN_TIMEOUT_MS = 60_000;
const GPG_TIMEOUT_MS = 60_000;
/**
 * pacman looks an unknown key up on a keyserver. Pointing the keyring at a closed local port makes that fail at
 * once, with or without network, so "unknown key" tests stay fast and hermetic.
 */
const UNREACHABLE_KEYSERVER = 'keyserver hkp://127.0.0.1:1\n';

let keyringTemplate: Promise<string> | undefined;

/**
 * `pacman-key --init` generates an RSA-4096 master key (one to five seconds): done once per test process, then
 * copied into every root. Call {@link removeKeyringTemplate} in `afterAll`.
 */
function initializedKeyring(): Promise<string> {
  keyringTemplate ??= (async () => {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-pacman-keyring-'));
    try {
      await run('pacman-key', ['--gpgdir', directory, '--init'], { timeoutMs: GPG_TIMEOUT_MS });
      await fs.appendFile(path.join(directory, 'gpg.conf'), UNREACHABLE_KEYSERVER);
    } finally {
      await killGpgDaemons(directory);
    }
    return directory;
  })();
  return keyringTemplate;
}

/** Removes the keyring template of this process (roots made from it keep working until their own cleanup). */
export async function removeKeyringTemplate(): Promise<void> {
  const template = keyringTemplate;
  keyringTemplate = undefined;
  const directory = await template?.catch(() => undefined);
  if (directory !== undefined) await fs.rm(directory, { recursive: true, force: true });
}

async function killGpgDaemons(gpgDir: string): Promise<void> {
  await run('gpgconf', ['--homedir', gpgDir, '--kill', 'all'], { allowFailure: true, timeoutMs: GPG_TIMEOUT_MS });
}

async function fingerprintOf(armoredPublicKey: string): Promise<string> {
  const openpgp = await import('openpgp');
  const key = await openpgp.readKey({ armoredKey: armoredPublicKey });
  return key.getFingerprint().toUpperCase();
}

export class PacmanClient {
  readonly root: string;
  readonly databasePath: string;
  readonly cacheDirectory: string;
  readonly gpgDir: string;
  readonly configFile: string;
  readonly logFile: string;

  constructor(
    /** Everything of this client lives here: the root, the keyring, pacman.conf and the log. */
    readonly directory: string,
  ) {
    this.root = path.join(directory, 'root');
    this.databasePath = path.join(this.root, 'var', 'lib', 'pacman');
    this.cacheDirectory = path.join(directory, 'cache');
    this.gpgDir = path.join(directory, 'gnupg');
    this.configFile = path.join(directory, 'pacman.conf');
    this.logFile = path.join(directory, 'pacman.log');
  }

  /** pacman with this root's configuration and any other arguments; never throws on a non-zero exit code. */
  async run(args: readonly string[]): Promise<PacmanResult> {
    const { code, stdout, stderr } = await run('pacman', ['--config', this.configFile, ...args], {
      env: { LC_ALL: 'C' },
      allowFailure: true,
      timeoutMs: PACMAN_TIMEOUT_MS,
    });
    return { code, stdout, stderr };
  }

  /** `pacman -Sy`: downloads and verifies the repository databases. */
  sync(): Promise<PacmanResult> {
    return this.run(['-Sy', '--noprogressbar']);
  }

  install(names: readonly string[]): Promise<PacmanResult> {
    return this.run(['-S', '--noconfirm', '--noscriptlet', '--noprogressbar', ...names]);
  }

  upgrade(): Promise<PacmanResult> {
    return this.run(['-Syu', '--noconfirm', '--noscriptlet', '--noprogressbar']);
  }

  /** `pacman -Si name`: the repository's view of a package. */
  info(name: string): Promise<PacmanResult> {
    return this.run(['-Si', name]);
  }

  /** Installed packages (`pacman -Q`): name -> full version. Throws when pacman fails. */
  async query(): Promise<Map<string, string>> {
    const result = await this.run(['-Q']);
    // with nothing installed, pacman -Q exits with 1 without a word
    if (result.code !== 0 && (result.stdout !== '' || result.stderr !== '')) {
      throw new Error(`pacman -Q exited with code ${result.code}: ${result.stderr}`);
    }
    const installed = new Map<string, string>();
    for (const line of result.stdout.split('\n')) {
      const [name, version] = line.trim().split(/\s+/);
      if (name && version) installed.set(name, version);
    }
    return installed;
  }

  /** Stops the keyring's gpg-agent (and dirmngr) and removes everything. */
  async cleanup(): Promise<void> {
    await killGpgDaemons(this.gpgDir);
    await fs.rm(this.directory, { recursive: true, force: true });
  }

  /** (Re)writes pacman.conf: this root's paths, `SigLevel = Required`, and the repositories in this order. */
  async writeConfiguration(repositories: readonly PacmanRepository[]): Promise<void> {
    const options = [
      '[options]',
      `RootDir = ${this.root}`,
      `DBPath = ${this.databasePath}/`,
      `CacheDir = ${this.cacheDirectory}/`,
      `LogFile = ${this.logFile}`,
      `GPGDir = ${this.gpgDir}/`,
      `HookDir = ${path.join(this.directory, 'hooks')}/`,
      `Architecture = ${ARCHITECTURE}`,
      'SigLevel = Required',
    ];
    const sections = repositories.map((repository) =>
      [`[${repository.name}]`, `SigLevel = ${repository.sigLevel ?? 'Required'}`, `Server = ${repository.server}`].join('\n'),
    );
    await fs.writeFile(this.configFile, `${[options.join('\n'), ...sections].join('\n\n')}\n`);
  }

  /** Adds the key to the keyring and signs it with the keyring's master key, so pacman trusts it. */
  async trustKey(armoredPublicKey: string): Promise<void> {
    const fingerprint = await fingerprintOf(armoredPublicKey);
    const keyFile = path.join(this.directory, `${fingerprint}.asc`);
    await fs.writeFile(keyFile, armoredPublicKey);
    try {
      await run('pacman-key', ['--gpgdir', this.gpgDir, '--add', keyFile], { timeoutMs: GPG_TIMEOUT_MS });
      await run('pacman-key', ['--gpgdir', this.gpgDir, '--lsign-key', fingerprint], { timeoutMs: GPG_TIMEOUT_MS });
    } finally {
      await fs.rm(keyFile, { force: true });
    }
  }
}

/**
 * A new root under a temp directory: `root/var/lib/pacman` (pacman 6.0.2 refuses a missing DBPath), a cache, an
 * initialised keyring trusting `keys`, and a pacman.conf with `SigLevel = Required` knowing only `repositories`.
 */
export async function createPacmanRoot(options: PacmanRootOptions): Promise<PacmanClient> {
  const client = new PacmanClient(await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-pacman-')));
  try {
    await fs.mkdir(client.databasePath, { recursive: true });
    await fs.mkdir(client.cacheDirectory);
    await fs.cp(await initializedKeyring(), client.gpgDir, {
      recursive: true,
      filter: (source) => !path.basename(source).startsWith('S.'), // sockets of a daemon that may still run
    });
    for (const key of options.keys ?? []) await client.trustKey(key);
    await client.writeConfiguration(options.repositories);
  } catch (error) {
    await client.cleanup();
    throw error;
  }
  return client;
}
