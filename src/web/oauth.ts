import oauth2, { type OAuth2Namespace } from '@fastify/oauth2';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInputError } from '../core/errors.js';
import type { WebApp } from './context.js';
import { HttpError } from './errors.js';
import type { OAuthSettings } from './settings.js';

/** The reference's redirect URI: the provider sends the user back to the same login route with `code` and `state`. */
export const LOGIN_PATH = '/api/v1/login';
const STATE_COOKIE = 'AHRIMAN_OAUTH_STATE';

declare module 'fastify' {
  interface FastifyInstance {
    oauth?: OAuth2Namespace;
  }
}

function hostAndPath(url: string): { host: string; path: string } {
  const parsed = new URL(url);
  return { host: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}

/**
 * Registers the authorization-code client (@fastify/oauth2: the official plugin; it keeps the `state` in a
 * short-lived cookie and checks it on the way back). The redirect URI is `[web] address` + the login route.
 */
export async function registerOAuth(app: WebApp, settings: OAuthSettings, address: string | undefined): Promise<void> {
  if (address === undefined) throw new InvalidInputError('[auth] target = oauth needs [web] address: the provider sends users back to it');
  const authorize = hostAndPath(settings.endpoints.authorizeUrl);
  const token = hostAndPath(settings.endpoints.tokenUrl);
  await app.register(oauth2, {
    name: 'oauth',
    scope: settings.scopes,
    credentials: {
      client: { id: settings.clientId, secret: settings.clientSecret },
      auth: { authorizeHost: authorize.host, authorizePath: authorize.path, tokenHost: token.host, tokenPath: token.path },
    },
    callbackUri: new URL(LOGIN_PATH, address).toString(),
    redirectStateCookieName: STATE_COOKIE,
    cookie: { path: LOGIN_PATH, httpOnly: true, sameSite: 'lax' },
  });
}

const IDENTITY_FIELDS = ['email', 'login', 'username', 'preferred_username'] as const;

/** The identity of a userinfo answer: its e-mail when the provider gives one, else its user name (as the reference). */
export function identityOf(userinfo: unknown): string | undefined {
  if (typeof userinfo !== 'object' || userinfo === null) return undefined;
  const fields = userinfo as Record<string, unknown>;
  for (const field of IDENTITY_FIELDS) {
    const value = fields[field];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
}

/** The provider's answer for the access token, as JSON. */
async function fetchUserinfo(url: string, accessToken: string): Promise<unknown> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
  if (!response.ok) throw new HttpError(401, `OAuth userinfo endpoint answered ${response.status}`);
  return response.json();
}

/** GET on the login route: without `code`, off to the provider; with it, the code is exchanged for the identity. */
export async function oauthLogin(
  app: WebApp,
  settings: OAuthSettings,
  request: FastifyRequest<{ Querystring: { code?: string | undefined; error?: string | undefined } }>,
  reply: FastifyReply,
): Promise<string | FastifyReply> {
  const client = app.oauth;
  if (!client) throw new HttpError(503, 'OAuth was configured after the web service started: restart it to log in this way');
  if (request.query.error !== undefined) throw new HttpError(401, `the OAuth provider refused the login: ${request.query.error}`);
  if (request.query.code === undefined) return reply.redirect(await client.generateAuthorizationUri(request, reply), 302);
  let accessToken: string;
  try {
    accessToken = (await client.getAccessTokenFromAuthorizationCodeFlow(request, reply)).token.access_token;
  } catch (error) {
    throw new HttpError(401, `OAuth login failed: ${(error as Error).message}`);
  }
  const identity = identityOf(await fetchUserinfo(settings.endpoints.userinfoUrl, accessToken));
  if (identity === undefined) throw new HttpError(401, 'the OAuth provider named no e-mail or user name');
  return identity;
}
