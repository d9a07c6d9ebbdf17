/**
 * Shared setup of the upload tests: a repository tree published by the real publisher from real makepkg builds
 * (signed with the test key), and the upload trigger run on it with a given configuration.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Configuration } from '../../../src/core/configuration/configuration.js';
import { configureLogging } from '../../../src/core/log/logger.js';
import type { PublishSigners } from '../../../src/core/repository/publisher.js';
import { publishCopies } from '../../support/publish.js';
import { RepositoryState } from '../../../src/core/repository/state.js';
import { Signer } from '../../../src/core/sign/signer.js';
import { uploadTrigger } from '../../../src/core/upload/upload-trigger.js';
import { RepositoryId } from '../../../src/models/repository-id.js';
import { RepositoryPaths } from '../../../src/models/repository-paths.js';
import { emptyResult, type Result } from '../../../src/models/result.js';
import type { RepositoryEntry } from '../../../src/core/alpm/repository-database.js';
import { testKey } from '../../support/keys.js';
import { buildPackages, type PkgbuildSpec } from '../../support/makepkg.js';

export const REPOSITORY = 'ahrup';
export const ARCHITECTURE = 'x86_64';

function smallPackage(pkgname: string, pkgver: string, epoch?: string): PkgbuildSpec {
  return {
    pkgname,
    pkgver,
    ...(epoch === undefined ? {} : { epoch }),
    package: `mkdir -p "$pkgdir/usr/share/${pkgname}" && echo ${pkgver} > "$pkgdir/usr/share/${pkgname}/version"`,
  };
}

export const PACKAGE_A = smallPackage('ahr-up-a', '1.0');
export const PACKAGE_A_UPDATE = smallPackage('ahr-up-a', '1.1');
/** With an epoch: its file name holds a `:`. */
export const PACKAGE_B = smallPackage('ahr-up-b', '2.0', '1');
/** Random content larger than the smallest S3 part size (5 MiB), so S3 uploads it in parts. */
export const PACKAGE_BIG: PkgbuildSpec = {
  pkgname: 'ahr-up-big',
  pkgver: '1.0',
  package: 'mkdir -p "$pkgdir/usr/share/ahr-up-big" && head -c 6291456 /dev/urandom > "$pkgdir/usr/share/ahr-up-big/data"',
};

/** The archive built from a spec (builds are cached per test file). */
export async function archiveOf(spec: PkgbuildSpec): Promise<string> {
  return (await buildPackages(spec)).archives[0]!;
}

export class UploadFixture {
  private constructor(
    readonly root: string,
    readonly paths: RepositoryPaths,
    private readonly signers: PublishSigners,
  ) {}

  /** An empty repository tree in a new temp directory, publishing packages signed with the test key. */
  static async create(): Promise<UploadFixture> {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'ahriman-upload-'));
    const paths = new RepositoryPaths(root, new RepositoryId(ARCHITECTURE, REPOSITORY));
    const signer = await Signer.load({ targets: { packages: true, repository: true }, keyFile: (await testKey()).secretKeyFile });
    const sign = async (file: string): Promise<void> => {
      await signer.signFile(file);
    };
    return new UploadFixture(root, paths, { packages: sign, repository: sign });
  }

  /** Adds copies of the archives to the repository with the real publisher (and a snapshot with `snapshots`). */
  async publish(archives: readonly string[], options: { snapshots?: boolean } = {}): Promise<void> {
    await publishCopies(this.paths, this.signers, archives, options);
  }

  /** Names in the repository directory, sorted, without hidden ones (the database generations). */
  async names(): Promise<string[]> {
    return (await fs.readdir(this.paths.repository)).filter((name) => !name.startsWith('.')).sort();
  }

  /** The repository directory as a reader sees it: name -> link target (for links) and md5 of the content. */
  async snapshot(): Promise<Map<string, string>> {
    const entries = new Map<string, string>();
    for (const name of await this.names()) {
      const file = path.join(this.paths.repository, name);
      const link = await fs.readlink(file).catch(() => '');
      const md5 = createHash('md5').update(await fs.readFile(file)).digest('hex');
      entries.set(name, `${link} ${md5}`);
    }
    return entries;
  }

  /**
   * Runs the upload trigger once, as a command would after its run, with `[repository]` plus `ini` as the
   * configuration.
   */
  async upload(ini: string, result: Result = emptyResult(), packages: readonly RepositoryEntry[] = []): Promise<void> {
    const file = path.join(this.root, 'ahriman.ini');
    await fs.writeFile(file, `[repository]\nroot = ${this.root}\n\n${ini}`);
    const configuration = Configuration.load(file, this.paths.repositoryId, {});
    const state = await RepositoryState.open(configuration, this.paths.repositoryId);
    try {
      const trigger = await uploadTrigger.create({ configuration, repositoryId: this.paths.repositoryId, paths: this.paths, state });
      await trigger.onResult?.(result, packages);
    } finally {
      await state.close();
    }
  }

  async remove(): Promise<void> {
    await fs.rm(this.root, { recursive: true, force: true });
  }
}

/** Collects the log lines written while `action` runs. */
export async function captureLogs(action: () => Promise<void>): Promise<{ lines: string[]; error?: unknown }> {
  const lines: string[] = [];
  configureLogging({ write: (line) => lines.push(line) });
  try {
    await action();
    return { lines };
  } catch (error) {
    return { lines, error };
  } finally {
    configureLogging({ write: (line) => process.stderr.write(`${line}\n`) });
  }
}
