import type http from 'node:http';
import { LocalHttpServer } from './local-http-server.js';

/** A key server answering HKP `op=get` lookups (`search=0x<key id or fingerprint>`) from the keys it was given. */
export class FakeHkp extends LocalHttpServer {
  readonly lookups: string[] = [];

  constructor(private readonly keys: ReadonlyMap<string, string>) {
    super();
  }

  protected async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const search = url.searchParams.get('search') ?? '';
    this.lookups.push(`${url.pathname}?op=${url.searchParams.get('op')}&options=${url.searchParams.get('options')}&search=${search}`);
    const armored = url.pathname === '/pks/lookup' && url.searchParams.get('op') === 'get' ? this.keys.get(search.replace(/^0x/i, '').toUpperCase()) : undefined;
    if (armored === undefined) response.writeHead(404, { 'content-type': 'text/plain' }).end('No results found');
    else response.writeHead(200, { 'content-type': 'application/pgp-keys' }).end(armored);
  }
}
