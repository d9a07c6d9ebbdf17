import { Configuration } from '../core/configuration/configuration.js';
import { getLogger } from '../core/log/logger.js';
import type { WebContext } from './context.js';
import { readWebSettings } from './settings.js';

const logger = getLogger('web');

/**
 * Re-reads the configuration (`web-reload`, SIGHUP, POST service/config): options read per request take effect at
 * once; listening addresses and the session key stay until a restart.
 */
export function reloadConfiguration(web: WebContext): void {
  web.settings = readWebSettings(Configuration.load(web.configurationPath));
  web.spawner.waitTimeout = web.settings.waitTimeout;
  for (const repository of web.repositories) repository.configuration = Configuration.load(web.configurationPath, repository.id);
  logger.info('configuration reloaded');
}
