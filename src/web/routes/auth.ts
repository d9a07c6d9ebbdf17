import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { checkPassword } from '../../core/auth/passwords.js';
import { LoginThrottle, SESSION_USER } from '../authorization.js';
import type { WebApp, WebContext } from '../context.js';
import { HttpError } from '../errors.js';
import { errorResponses } from '../schemas.js';

const redirect = { 204: z.null(), 302: z.null(), ...errorResponses };

/** Browsers (forms) are sent back to the index page as by the reference; API clients asking for JSON get 204. */
function done(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const accept = request.headers.accept ?? '';
  if (accept.includes('application/json') && !accept.includes('text/html')) return reply.code(204).send(null);
  return reply.redirect('/', 302);
}

export function authRoutes(app: WebApp, web: WebContext): void {
  const throttle = new LoginThrottle();

  app.post(
    '/api/v1/login',
    {
      config: { permission: 'unauthorized' },
      schema: { body: z.object({ username: z.string().min(1).max(255), password: z.string().max(1024) }), response: redirect },
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
      const user = await web.users.userGet(username);
      if (!user || !(await checkPassword(password, web.settings.auth.salt, user.password))) {
        throttle.failed(username, address);
        throw new HttpError(401, 'wrong user name or password');
      }
      throttle.succeeded(username, address);
      request.session.set(SESSION_USER, user.username);
      return done(request, reply);
    },
  );

  app.post('/api/v1/logout', { config: { permission: 'unauthorized' }, schema: { response: redirect } }, async (request, reply) => {
    if (request.session.get(SESSION_USER) === undefined) throw new HttpError(401, 'not logged in');
    request.session.delete();
    return done(request, reply);
  });
}
