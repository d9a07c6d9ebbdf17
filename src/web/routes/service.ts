import type { FastifyRequest } from 'fastify';
import * as z from 'zod/mini';
import { readAurSettings } from '../../core/repository/build-settings.js';
import { AurClient } from '../../core/alpm/remote/aur.js';
import { isValidFullVersion, isValidPackageName } from '../../core/alpm/validation.js';
import { DEFAULT_KEY_SERVER, fetchKey, isKeyId, isKeyServer } from '../../core/sign/key-import.js';
import { type ServedRepository, type WebApp, type WebContext, selectRepository } from '../context.js';
import { NotFoundError } from '../errors.js';
import { reloadConfiguration } from '../reload.js';
import { errorResponses, repositoryQuery } from '../schemas.js';

const packageName = z.string().check(z.refine(isValidPackageName, 'not a valid package name'));
const processResponse = { 200: z.object({ process_id: z.string() }), ...errorResponses };
const patchBody = z.object({ key: z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a PKGBUILD variable name')), value: z.string() });

/** Whose packager id signs the builds: this user of the users table, else the one logged in (as the reference). */
const packager = z.optional(z.string().check(z.minLength(1), z.maxLength(255)));

const addBody = z.object({
  packages: z.array(packageName).check(z.minLength(1)),
  packager,
  patches: z._default(z.array(patchBody), []),
  increment: z._default(z.boolean(), true),
  refresh: z._default(z.boolean(), false),
});
const updateBody = z.object({
  packager,
  aur: z._default(z.boolean(), true),
  local: z._default(z.boolean(), true),
  manual: z._default(z.boolean(), true),
  increment: z._default(z.boolean(), true),
  refresh: z._default(z.boolean(), false),
});

const keyId = z.string().check(z.refine(isKeyId, 'expected a key id (8 or 16 hex digits) or a fingerprint (40)'));
const keyServer = z._default(
  z.string().check(z.minLength(1), z.maxLength(255), z.refine(isKeyServer, 'not a key server host or http(s) URL')),
  DEFAULT_KEY_SERVER,
);

const flag = (name: string, value: boolean): string => (value ? `--${name}` : `--no-${name}`);

/** The package-add command line of an add or request body; `now` builds at once (add) instead of queueing (request). */
function addCommand(body: z.infer<typeof addBody>, now: boolean): string[] {
  return [
    'package-add',
    ...body.packages,
    ...body.patches.flatMap((patch) => ['--variable', `${patch.key}=${patch.value}`]),
    ...(now ? ['--now', flag('increment', body.increment)] : []),
    ...(body.refresh ? ['--refresh'] : []),
  ];
}

export function serviceRoutes(app: WebApp, web: WebContext): void {
  const spawn = (repository: ServedRepository, command: string[]) => ({ process_id: web.spawner.spawn(repository.id, command).id });
  /** For the commands that build or publish: `--username`, the body's packager or else the logged-in user. */
  const asUser = (request: FastifyRequest, body: { packager?: string | undefined }, command: string[]): string[] => {
    const username = body.packager ?? request.username;
    return username === null ? command : [...command, `--username=${username}`];
  };

  app.post(
    '/api/v1/service/add',
    { config: { permission: 'full' }, schema: { querystring: repositoryQuery, body: addBody, response: processResponse } },
    async (request) => spawn(selectRepository(web, request.query), asUser(request, request.body, addCommand(request.body, true))),
  );

  app.post(
    '/api/v1/service/request',
    { config: { permission: 'reporter' }, schema: { querystring: repositoryQuery, body: addBody, response: processResponse } },
    async (request) => spawn(selectRepository(web, request.query), asUser(request, request.body, addCommand(request.body, false))),
  );

  app.post(
    '/api/v1/service/update',
    { config: { permission: 'full' }, schema: { querystring: repositoryQuery, body: z._default(updateBody, updateBody.parse({})), response: processResponse } },
    async (request) => {
      const { aur, local, manual, increment, refresh } = request.body;
      const command = ['repo-update', flag('aur', aur), flag('local', local), flag('manual', manual), flag('increment', increment), ...(refresh ? ['--refresh'] : [])];
      return spawn(selectRepository(web, request.query), asUser(request, request.body, command));
    },
  );

  app.post(
    '/api/v1/service/rebuild',
    {
      config: { permission: 'full' },
      schema: {
        querystring: repositoryQuery,
        body: z.object({ packages: z.array(packageName).check(z.minLength(1)), increment: z._default(z.boolean(), true), packager }),
        response: processResponse,
      },
    },
    async (request) => {
      // the reference rebuilds what depends on the first name only
      const command = ['repo-rebuild', '--depends-on', request.body.packages[0]!, flag('increment', request.body.increment)];
      return spawn(selectRepository(web, request.query), asUser(request, request.body, command));
    },
  );

  app.post(
    '/api/v1/service/remove',
    {
      config: { permission: 'full' },
      schema: { querystring: repositoryQuery, body: z.object({ packages: z.array(packageName).check(z.minLength(1)) }), response: processResponse },
    },
    async (request) => spawn(selectRepository(web, request.query), ['package-remove', ...request.body.packages]),
  );

  app.post(
    '/api/v1/service/rollback',
    {
      config: { permission: 'full' },
      schema: {
        querystring: repositoryQuery,
        body: z.object({
          package: packageName,
          version: z.string().check(z.refine(isValidFullVersion, 'not a full version [epoch:]pkgver-pkgrel')),
          hold: z._default(z.boolean(), true),
          packager,
        }),
        response: processResponse,
      },
    },
    async (request) => {
      const { package: base, version, hold } = request.body;
      return spawn(selectRepository(web, request.query), asUser(request, request.body, ['package-rollback', base, version, flag('hold', hold)]));
    },
  );

  app.get(
    '/api/v1/service/pgp',
    {
      config: { permission: 'reporter' },
      schema: { querystring: z.object({ key: keyId, server: keyServer }), response: { 200: z.object({ key: z.string() }), ...errorResponses } },
    },
    async (request) => {
      const { policy } = readAurSettings(web.repositories[0]!.configuration);
      return { key: await fetchKey(request.query.server, request.query.key, policy) };
    },
  );

  app.post(
    '/api/v1/service/pgp',
    {
      config: { permission: 'full' },
      schema: { querystring: repositoryQuery, body: z.object({ key: keyId, server: keyServer }), response: processResponse },
    },
    async (request) => spawn(selectRepository(web, request.query), ['service-key-import', `--key-server=${request.body.server}`, request.body.key]),
  );

  app.get(
    '/api/v1/service/process/:process_id',
    {
      config: { permission: 'reporter' },
      schema: {
        params: z.object({ process_id: z.uuid() }),
        response: {
          200: z.object({
            is_alive: z.boolean(),
            status: z.enum(['running', 'success', 'failed']),
            exit_code: z.nullable(z.int()),
            command: z.array(z.string()),
            output: z.array(z.string()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const info = web.spawner.get(request.params.process_id);
      if (!info) throw new NotFoundError(`no process ${request.params.process_id}`);
      return { is_alive: info.state === 'running', status: info.state, exit_code: info.exitCode, command: info.command, output: info.output };
    },
  );

  app.get(
    '/api/v1/service/search',
    {
      config: { permission: 'reporter' },
      schema: {
        querystring: z.extend(repositoryQuery, {
          for: z.pipe(z.union([z.string(), z.array(z.string())]), z.transform((value) => (Array.isArray(value) ? value : [value]).filter((term) => term.length > 0))),
        }),
        response: { 200: z.array(z.object({ package: z.string(), description: z.string() })), ...errorResponses },
      },
    },
    async (request) => {
      const terms = request.query.for;
      if (terms.length === 0) throw new NotFoundError('nothing to search for: give ?for=term');
      const settings = readAurSettings(selectRepository(web, request.query).configuration);
      const aur = new AurClient(settings.url, settings.policy);
      // the AUR searches one term; the others narrow its results, as the reference's multisearch does
      const [first, ...others] = [...terms].sort((left, right) => right.length - left.length);
      const found = (await aur.search(first!)).filter((entry) => others.every((term) => entry.name.includes(term) || entry.description.includes(term)));
      if (found.length === 0) throw new NotFoundError(`no AUR package matches ${terms.join(' ')}`);
      const rank = (name: string): number => (name === first ? 0 : name.startsWith(first!) ? 1 : 2);
      return found
        .sort((left, right) => rank(left.name) - rank(right.name) || left.name.localeCompare(right.name))
        .map((entry) => ({ package: entry.name, description: entry.description }));
    },
  );

  app.get(
    '/api/v1/service/config',
    {
      config: { permission: 'full' },
      schema: { querystring: repositoryQuery, response: { 200: z.array(z.object({ section: z.string(), key: z.string(), value: z.string() })), ...errorResponses } },
    },
    async (request) => {
      const dump = selectRepository(web, request.query).configuration.dump(true);
      return Object.entries(dump).flatMap(([section, options]) => Object.entries(options).map(([key, value]) => ({ section, key, value: String(value) })));
    },
  );

  app.post('/api/v1/service/config', { config: { permission: 'full' }, schema: { response: { 204: z.null(), ...errorResponses } } }, async (_request, reply) => {
    reloadConfiguration(web);
    return reply.code(204).send(null);
  });

  app.delete(
    '/api/v1/service/logs',
    {
      config: { permission: 'full' },
      schema: { querystring: z.extend(repositoryQuery, { keep_last_records: z._default(z.pipe(z.coerce.number(), z.int().check(z.gte(0))), 0) }), response: { 204: z.null(), ...errorResponses } },
    },
    async (request, reply) => {
      await selectRepository(web, request.query).state.logs.logsRotate(request.query.keep_last_records);
      return reply.code(204).send(null);
    },
  );
}
