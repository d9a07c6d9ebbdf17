import { randomUUID } from 'node:crypto';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import type { Configuration } from '../configuration/configuration.js';
import { AurClient } from '../alpm/remote/aur.js';
import { signSettingsFrom, signingEnabled } from '../sign/sign-settings.js';
import { LocalStatusClient } from '../status/local-client.js';
import { StatusService } from '../status/service.js';
import { type BuildSettings, readAurSettings, readBuildSettings } from './build-settings.js';
import { type PublishSigners, RepositoryPublisher } from './publisher.js';
import { SourceLoader } from './source-loader.js';
import { readSnapshotSettings } from '../snapshots/settings.js';
import { SnapshotStore } from '../snapshots/store.js';
import type { RepositoryState } from './state.js';

/** What the repository commands work with, set up once per run. */
export interface RepositoryServices {
  configuration: Configuration;
  paths: RepositoryPaths;
  state: RepositoryState;
  /** Where statuses, build logs and events go: the state database, or the web service of `[status] address`. */
  status: StatusService;
  settings: BuildSettings;
  aur: AurClient;
  sources: SourceLoader;
  publisher: RepositoryPublisher;
  /** The snapshots of the repository, when `[snapshots] enabled`: each publish then makes one. */
  snapshots?: SnapshotStore;
  /** Tells the build logs of this run apart from those of other runs. */
  processId: string;
}

/**
 * Loads the signing key only when `[sign] target` asks for signatures: from `key_file` with openpgp (imported
 * lazily), or, with `key` alone, from the gpg keyring of the user running us, as the reference signs.
 */
export async function loadSigners(configuration: Configuration): Promise<PublishSigners> {
  // *_file options are paths relative to the configuration file, like every other path option
  const settings = signSettingsFrom((key) => (key.endsWith('_file') ? configuration.getPath('sign', key, undefined) : configuration.get('sign', key)));
  if (!signingEnabled(settings)) return {};
  let signer: { signFile(file: string): Promise<string> };
  if (settings.keyFile === undefined && settings.key !== undefined) {
    const { GpgSigner } = await import('../sign/gpg-signer.js');
    signer = await GpgSigner.load(settings.key, settings.passphrase);
  } else {
    const { Signer } = await import('../sign/signer.js');
    signer = await Signer.load(settings);
  }
  const sign = async (file: string): Promise<void> => {
    await signer.signFile(file);
  };
  return {
    packages: settings.targets.packages ? sign : undefined,
    repository: settings.targets.repository ? sign : undefined,
  };
}

export async function loadServices(
  configuration: Configuration,
  paths: RepositoryPaths,
  state: RepositoryState,
  status = new StatusService(new LocalStatusClient(state)),
): Promise<RepositoryServices> {
  const settings = await readBuildSettings(configuration, paths);
  const aurSettings = readAurSettings(configuration);
  return {
    configuration,
    paths,
    state,
    status,
    settings,
    aur: new AurClient(aurSettings.url, aurSettings.policy),
    sources: new SourceLoader(paths, settings.user),
    publisher: new RepositoryPublisher(paths, await loadSigners(configuration)),
    snapshots: readSnapshotSettings(configuration).enabled ? new SnapshotStore(paths) : undefined,
    processId: randomUUID(),
  };
}
