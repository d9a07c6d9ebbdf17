import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The one base of every test fake's HTTP server: a free loopback port, subclasses answer requests in `handle`; a
 * request whose handling throws is answered with HTTP 500 and the error.
 */
export abstract class LocalHttpServer {
  private readonly server = http.createServer((request, response) => {
    this.handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  });

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  protected abstract handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void>;
}
