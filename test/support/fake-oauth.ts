import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { LocalHttpServer } from './local-http-server.js';

async function readBody(request: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/**
 * An OAuth2 provider on loopback for the authorization-code flow: `/authorize` sends the browser straight back with
 * a one-time code (as if the person `identity` had logged in and agreed), `/token` exchanges it for an access token
 * when the client credentials and redirect URI match, and `/userinfo` answers that identity for the token.
 */
export class FakeOAuthProvider extends LocalHttpServer {
  /** What the provider says about the next person who logs in. */
  identity: Record<string, string> = {};
  /** The query of each authorize request, for the test to check. */
  readonly authorizeRequests: URLSearchParams[] = [];
  private readonly codes = new Map<string, { redirectUri: string; identity: Record<string, string> }>();
  private readonly tokens = new Map<string, Record<string, string>>();

  constructor(
    readonly clientId: string,
    readonly clientSecret: string,
  ) {
    super();
  }

  protected async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url!, this.url);
    if (request.method === 'GET' && url.pathname === '/authorize') return this.authorize(url.searchParams, response);
    if (request.method === 'POST' && url.pathname === '/token') return this.token(request, response);
    if (request.method === 'GET' && url.pathname === '/userinfo') return this.userinfo(request, response);
    json(response, 404, { error: 'not_found' });
  }

  private authorize(query: URLSearchParams, response: http.ServerResponse): void {
    this.authorizeRequests.push(query);
    const redirectUri = query.get('redirect_uri');
    if (query.get('client_id') !== this.clientId || query.get('response_type') !== 'code' || !redirectUri) {
      json(response, 400, { error: 'invalid_request' });
      return;
    }
    const code = randomUUID();
    this.codes.set(code, { redirectUri, identity: this.identity });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    target.searchParams.set('state', query.get('state') ?? '');
    response.writeHead(302, { location: target.toString() }).end();
  }

  private async token(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(request));
    const basic = request.headers.authorization?.replace(/^Basic /, '');
    const [id, secret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent) : [form.get('client_id'), form.get('client_secret')];
    if (id !== this.clientId || secret !== this.clientSecret) return json(response, 401, { error: 'invalid_client' });
    const grant = this.codes.get(form.get('code') ?? '');
    this.codes.delete(form.get('code') ?? '');
    if (form.get('grant_type') !== 'authorization_code' || !grant || grant.redirectUri !== form.get('redirect_uri')) {
      return json(response, 400, { error: 'invalid_grant' });
    }
    const accessToken = randomUUID();
    this.tokens.set(accessToken, grant.identity);
    json(response, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 });
  }

  private userinfo(request: http.IncomingMessage, response: http.ServerResponse): void {
    const identity = this.tokens.get(request.headers.authorization?.replace(/^Bearer /, '') ?? '');
    if (!identity) return json(response, 401, { error: 'invalid_token' });
    json(response, 200, identity);
  }
}
