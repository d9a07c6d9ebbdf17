import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { accessPermits, type UserAccess } from '../models/user.js';
import type { WebContext } from './context.js';
import { HttpError } from './errors.js';
import { effectiveRequirement } from './settings.js';

/** Connections accepted on the unix socket: requests on them are trusted. */
export const unixSocketConnections = new WeakSet<Socket>();

export function isUnixSocketRequest(request: FastifyRequest): boolean {
  return unixSocketConnections.has(request.raw.socket);
}

/** The session key under which the logged-in user name is kept. */
export const SESSION_USER = 'username';
/** The role of a system user (pam) the users table does not know, fixed at login. */
export const SESSION_ACCESS = 'access';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A browser sends the session cookie with a cross-site form POST only when SameSite allows it; refuse such requests
 * outright when their Origin names another site, whatever the cookie settings of an old browser.
 */
function checkSameOrigin(request: FastifyRequest, web: WebContext): void {
  if (SAFE_METHODS.has(request.method) || request.cookies.AHRIMAN === undefined) return;
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new HttpError(403, `malformed Origin header '${origin}'`);
  }
  if (host !== request.headers.host && !web.settings.cors.origins.includes(origin)) {
    throw new HttpError(403, `cross-site request from ${origin} refused`);
  }
}

/** The logged-in user: from the users table, else (pam) the system user with the role given at login. */
async function sessionUser(web: WebContext, username: string, access: UserAccess | undefined): Promise<{ username: string; access: UserAccess } | undefined> {
  const user = await web.users.userGet(username);
  if (user) return user;
  return web.settings.auth.provider === 'pam' && access !== undefined ? { username, access } : undefined;
}

/**
 * Checks each request against the role its route needs (reference §6.3): requests over the unix socket are trusted,
 * `unauthorized` routes are open, `allow_read_only` opens the `read` ones, and everything else needs a logged-in
 * user whose role in the users table is high enough.
 */
export function authorize(web: WebContext) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (request.is404 || isUnixSocketRequest(request)) return;
    checkSameOrigin(request, web);
    const username = request.session.get(SESSION_USER) as string | undefined;
    const permission = request.routeOptions.config.permission ?? 'full';
    const required = effectiveRequirement(web.settings, typeof permission === 'function' ? permission(request) : permission);
    const user = username === undefined ? undefined : await sessionUser(web, username, request.session.get(SESSION_ACCESS));
    request.username = user?.username ?? null;
    if (required === 'unauthorized') return;
    if (!user) throw new HttpError(401, 'log in first (POST /api/v1/login)');
    if (!accessPermits(user.access, required)) throw new HttpError(403, `${required} access needed, ${user.username} has ${user.access}`);
  };
}

const WINDOW_MS = 15 * 60 * 1000;
const MAX_FAILURES = 5;
const MAX_TRACKED = 10_000;

/** Failed logins per user name and address; after five within 15 minutes the pair is refused until the window ends. */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();

  private key(username: string, address: string): string {
    return `${username.toLowerCase()}\u0000${address}`;
  }

  /** Seconds until the pair may try again, or 0. */
  blockedFor(username: string, address: string, now = Date.now()): number {
    const entry = this.failures.get(this.key(username, address));
    if (!entry || now - entry.since >= WINDOW_MS) return 0;
    return entry.count >= MAX_FAILURES ? Math.ceil((entry.since + WINDOW_MS - now) / 1000) : 0;
  }

  failed(username: string, address: string, now = Date.now()): void {
    if (this.failures.size >= MAX_TRACKED) this.forgetExpired(now);
    const key = this.key(username, address);
    const entry = this.failures.get(key);
    if (!entry || now - entry.since >= WINDOW_MS) this.failures.set(key, { count: 1, since: now });
    else entry.count += 1;
  }

  private forgetExpired(now: number): void {
    for (const [key, entry] of this.failures) if (now - entry.since >= WINDOW_MS) this.failures.delete(key);
  }

  succeeded(username: string, address: string): void {
    this.failures.delete(this.key(username, address));
  }
}
