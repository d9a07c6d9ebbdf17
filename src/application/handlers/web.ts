import { getLogger } from '../../core/log/logger.js';
import { SYSTEM_WIDE, systemHandler } from '../handler.js';
import { selectRepositories } from '../repositories.js';
import { VERSION } from '../version.js';

const logger = getLogger('web');

export const web = systemHandler({
  name: 'web',
  description: 'run the web service: REST API, dashboard and service actions for the repositories (until SIGTERM/SIGINT; SIGHUP reloads)',
  mode: SYSTEM_WIDE,
  async run({ configuration }, args) {
    const { startServer } = await import('../../web/server.js');
    const { reloadConfiguration } = await import('../../web/reload.js');
    const server = await startServer({ configurationPath: args.configuration, repositories: selectRepositories(configuration(), args), version: VERSION });
    const reload = (): void => reloadConfiguration(server.web);
    process.on('SIGHUP', reload);
    const signal = await new Promise<string>((resolve) => {
      for (const name of ['SIGTERM', 'SIGINT'] as const) process.once(name, () => resolve(name));
    });
    process.off('SIGHUP', reload);
    logger.info(`${signal}: stopping`);
    await server.close();
  },
});
