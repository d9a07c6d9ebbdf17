import { ConfigurationError } from '../../core/errors.js';
import { getLogger } from '../../core/log/logger.js';
import { WebTransport, webEndpoint } from '../../core/status/web-transport.js';
import { SYSTEM_WIDE, systemHandler } from '../handler.js';

const logger = getLogger('web');

export const webReload = systemHandler({
  name: 'web-reload',
  description: 'make the running web service re-read its configuration (systemd ExecReload)',
  mode: SYSTEM_WIDE,
  async run({ configuration }) {
    const endpoint = webEndpoint(configuration());
    if (!endpoint) throw new ConfigurationError('no web service to reload: set [web] unix_socket or port, or [status] address');
    const transport = new WebTransport(endpoint);
    await transport.request('POST', '/api/v1/service/config');
    logger.info(`${transport.description} reloaded its configuration`);
  },
});
