import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';

/**
 * A loopback port that was free a moment ago: for a server a test starts itself (rsync daemon), or, left alone, an
 * endpoint that is down (connections are refused).
 */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
