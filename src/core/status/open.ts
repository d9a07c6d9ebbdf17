import type { Configuration } from '../configuration/configuration.js';
import type { RepositoryState } from '../repository/state.js';
import { LocalStatusClient } from './local-client.js';
import { StatusService } from './service.js';
import { WebStatusClient } from './web-client.js';
import { WebTransport, webEndpoint } from './web-transport.js';

/**
 * The status service of a CLI run: reporting to the web service of `[status] address` when one is configured (with
 * the state database as fallback), else straight to the state database.
 */
export function openStatus(configuration: Configuration, state: RepositoryState): StatusService {
  const local = new LocalStatusClient(state);
  const address = configuration.has('status', 'address') ? webEndpoint(configuration) : undefined;
  return new StatusService(address ? new WebStatusClient(new WebTransport(address), local) : local);
}
