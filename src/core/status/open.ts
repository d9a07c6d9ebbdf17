import type { Configuration } from '../configuration/configuration.js';
import type { RepositoryState } from '../repository/state.js';
import { LocalStatusClient } from './local-client.js';
import { StatusService } from './service.js';

/**
 * The status service of a CLI run: reporting to the web service of `[status] address` when one is configured (with
 * the state database as fallback), else straight to the state database. The web client (and its schemas) loads only
 * when there is an address, so local commands start without it.
 */
export async function openStatus(configuration: Configuration, state: RepositoryState): Promise<StatusService> {
  const local = new LocalStatusClient(state);
  if (!configuration.has('status', 'address')) return new StatusService(local);
  const [{ WebStatusClient }, { WebTransport, webEndpoint }] = await Promise.all([import('./web-client.js'), import('./web-transport.js')]);
  const address = webEndpoint(configuration);
  if (!address) return new StatusService(local);
  const client = new WebStatusClient(new WebTransport(address), local, state);
  // reports an earlier run could not deliver go first
  await client.deliver();
  return new StatusService(client);
}
