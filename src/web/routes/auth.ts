import type { FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod/mini';
import { checkPassword } from '../../core/auth/passwords.js';
import { checkSystemPassword, isSuperuser, systemGroups } from '../../core/auth/system-login.js';
import type { UserAccess } from '../../models/user.js';
import { LoginThrottle, SESSION_ACCESS, SESSION_USER } from '../authorization.js';
import type { WebApp, WebContext } from '../context.js';
import { HttpError } from '../errors.js';
import { LOGIN_PATH, oauthLogin } from '../oauth.js';
import { errorResponses } from '../schemas.js';

const redirect = { 204: z.null(), 302: z.null(), ...errorResponses };

/** Browsers (forms) are sent back to the index page as by the reference; API clients asking for JSON get 204. */
function done(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const accept = request.headers.accept ?? '';
  if (accept.includes('application/json') && !accept.includes('text/html')) return reply.code(204).send(null);
  return reply.redirect('/', 302);
}

interface Identity {
  username: string;
  /** Kept in the session for system users the users table does not know; others get their role from the table. */
  access?: UserAccess;
}

/**
 * A password login: a user of the users table with a matching password, or (with `pam`) a system user whose
 * password `su` accepts. Root (by name or uid 0) only with `permit_root_login`. A system user's role is the table's when it has one,
 * else `full` for members of `full_access_group`, else `read` (reference §6.3).
 */
async function verifyPassword(web: WebContext, username: string, password: string): Promise<Identity | undefined> {
  const { auth } = web.settings;
  const user = await web.users.userGet(username);
  if (user && (await checkPassword(password, auth.salt, user.password))) return { username: user.username };
  if (auth.provider !== 'pam') return undefined;
  if (!auth.permitRootLogin && (await isSuperuser(username))) return undefined;
  if (!(await checkSystemPassword(username, password))) return undefined;
  if (user) return { username: user.username };
  const groups = await systemGroups(username);
  return { username, access: auth.fullAccessGroup !== undefined && groups.includes(auth.fullAccessGroup) ? 'full' : 'read' };
}

function startSession(request: FastifyRequest, identity: Identity): void {
  request.session.set(SESSION_USER, identity.username);
  if (identity.access !== undefined) request.session.set(SESSION_ACCESS, identity.access);
}

export function authRoutes(app: WebApp, web: WebContext): void {
  const throttle = new LoginThrottle();

  app.get(
    LOGIN_PATH,
    {
      config: { permission: 'unauthorized' },
      schema: { querystring: z.object({ code: z.optional(z.string().check(z.maxLength(4096))), state: z.optional(z.string().check(z.maxLength(1024))), error: z.optional(z.string().check(z.maxLength(1024))) }), response: redirect },
    },
    async (request, reply) => {
      const { oauth } = web.settings.auth;
      if (oauth === undefined) throw new HttpError(405, 'login by redirect needs [auth] target = oauth; POST the user name and password instead');
      const outcome = await oauthLogin(app, oauth, request, reply);
      if (typeof outcome !== 'string') return outcome;
      const user = await web.users.userGet(outcome);
      if (!user) throw new HttpError(401, `${outcome} is not a user of this service (user-add ${outcome} first)`);
      startSession(request, { username: user.username });
      return done(request, reply);
    },
  );

  app.post(
    LOGIN_PATH,
    {
      config: { permission: 'unauthorized' },
      schema: { body: z.object({ username: z.string().check(z.minLength(1), z.maxLength(255)), password: z.string().check(z.maxLength(1024)) }), response: redirect },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const address = request.ip;
      const wait = throttle.blockedFor(username, address);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new HttpError(429, `too many failed logins for ${username}: try again in ${wait} s`);
      }
      if (web.settings.auth.provider === 'disabled') throw new HttpError(400, 'authentication is disabled ([auth] target = disabled)');
      const identity = await verifyPassword(web, username, password);
      if (!identity) {
        throttle.failed(username, address);
        throw new HttpError(401, 'wrong user name or password');
      }
      throttle.succeeded(username, address);
      startSession(request, identity);
      return done(request, reply);
    },
  );

  app.post('/api/v1/logout', { config: { permission: 'unauthorized' }, schema: { response: redirect } }, async (request, reply) => {
    if (request.session.get(SESSION_USER) === undefined) throw new HttpError(401, 'not logged in');
    request.session.delete();
    return done(request, reply);
  });
}
