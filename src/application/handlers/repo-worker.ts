import { ConfigurationError } from '../../core/errors.js';
import { readDistributedSettings } from '../../core/distributed/settings.js';
import { readBuildSettings } from '../../core/repository/build-settings.js';
import { READ_ONLY, repositoryHandler } from '../handler.js';

export const repoWorker = repositoryHandler({
  name: 'repo-worker',
  description: 'build jobs of a distributed update ([distributed]) for the coordinator, until SIGTERM or SIGINT',
  mode: { ...READ_ONLY, unsafe: false },
  async run(context) {
    const { configuration, paths } = context;
    const settings = readDistributedSettings(configuration);
    if (settings === undefined) throw new ConfigurationError('repo-worker needs a [distributed] section with queue_url (see docs/distributed.md)');
    if (settings.coordinator === undefined) throw new ConfigurationError('repo-worker needs [distributed] coordinator (or [status] address): the web service it uploads to');
    const endpoint = {
      url: settings.coordinator.replace(/\/+$/, ''),
      username: configuration.getString('status', 'username', undefined),
      password: configuration.getString('status', 'password', undefined),
      timeoutMs: configuration.getInt('status', 'timeout', 30) * 1000,
    };
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    try {
      const { runWorker } = await import('../../core/distributed/worker.js');
      await runWorker({ paths, build: await readBuildSettings(configuration, paths), settings, coordinator: endpoint }, stop.signal);
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    return 0;
  },
});
