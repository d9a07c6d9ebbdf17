import * as z from 'zod/mini';
import { BUILD_STATUS_VALUES } from '../../models/build-status.js';
import { repositoryJson, repositorySchema } from '../../core/status/wire.js';
import { type WebApp, type WebContext, selectRepository } from '../context.js';
import { errorResponses, repositoryQuery } from '../schemas.js';

const repositoryWithId = z.extend(repositorySchema, { id: z.string() });

function repositories(web: WebContext): Array<z.infer<typeof repositoryWithId>> {
  return web.repositories.map((entry) => ({ id: entry.id.id, ...repositoryJson(entry.id) }));
}

const statusCounters = z.object(Object.fromEntries(['total', ...BUILD_STATUS_VALUES].map((key) => [key, z.int()])));

const internalStatus = z.object({
  architecture: z.string(),
  repository: z.string(),
  version: z.string(),
  status: z.object({ status: z.enum(BUILD_STATUS_VALUES), timestamp: z.int() }),
  packages: statusCounters,
  stats: z.object({ bases: z.int(), packages: z.int(), archive_size: z.number(), installed_size: z.number() }),
});

export function infoRoutes(app: WebApp, web: WebContext): void {
  app.get(
    '/api/v1/info',
    {
      config: { permission: 'unauthorized' },
      schema: { response: { 200: z.object({ auth: z.boolean(), repositories: z.array(repositoryWithId), version: z.string() }), ...errorResponses } },
    },
    async () => ({ auth: web.settings.auth.provider !== 'disabled', repositories: repositories(web), version: web.version }),
  );

  app.get(
    '/api/v2/info',
    {
      config: { permission: 'unauthorized' },
      schema: {
        response: {
          200: z.object({
            auth: z.object({ control: z.string(), enabled: z.boolean(), external: z.boolean(), username: z.nullable(z.string()) }),
            autorefresh_intervals: z.array(z.object({ interval: z.int(), is_active: z.boolean(), text: z.string() })),
            docs_enabled: z.boolean(),
            index_url: z.nullable(z.string()),
            repositories: z.array(repositoryWithId),
            version: z.string(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { provider } = web.settings.auth;
      // the first configured interval is the default one, as in the reference
      const [active, ...others] = web.settings.autorefreshIntervals;
      const intervals = [...new Set([active, ...others].filter((value): value is number => value !== undefined && value > 0))].sort((a, b) => a - b);
      return {
        auth: {
          control: provider === 'oauth' ? 'redirect' : 'password',
          enabled: provider !== 'disabled',
          external: provider === 'oauth',
          username: request.username,
        },
        autorefresh_intervals: intervals.map((seconds) => ({
          interval: seconds * 1000,
          is_active: seconds === active,
          text: seconds < 60 ? `${seconds} seconds` : `${Math.round(seconds / 60)} minutes`,
        })),
        docs_enabled: true,
        index_url: web.settings.indexUrl ?? null,
        repositories: repositories(web),
        version: web.version,
      };
    },
  );

  app.get(
    '/api/v1/repositories',
    { config: { permission: 'read' }, schema: { response: { 200: z.array(repositorySchema), ...errorResponses } } },
    async () => web.repositories.map((entry) => repositoryJson(entry.id)),
  );

  if (web.settings.serviceOnly) return;

  app.get(
    '/api/v1/status',
    { config: { permission: 'read' }, schema: { querystring: repositoryQuery, response: { 200: internalStatus, ...errorResponses } } },
    async (request) => {
      const repository = selectRepository(web, request.query);
      const [packages, service] = await Promise.all([repository.status.client.packages(), repository.status.serviceStatus()]);
      const counters: Record<string, number> = Object.fromEntries(['total', ...BUILD_STATUS_VALUES].map((key) => [key, 0]));
      let names = 0;
      let archiveSize = 0;
      let installedSize = 0;
      for (const { package: record, status } of packages) {
        counters.total! += 1;
        counters[status.status]! += 1;
        for (const description of Object.values(record.packages)) {
          names += 1;
          archiveSize += description.archiveSize ?? 0;
          installedSize += description.installedSize ?? 0;
        }
      }
      return {
        ...repositoryJson(repository.id),
        version: web.version,
        status: service,
        packages: counters,
        stats: { bases: packages.length, packages: names, archive_size: archiveSize, installed_size: installedSize },
      };
    },
  );

  app.post(
    '/api/v1/status',
    {
      config: { permission: 'full' },
      schema: { querystring: repositoryQuery, body: z.object({ status: z.enum(BUILD_STATUS_VALUES) }), response: { 204: z.null(), ...errorResponses } },
    },
    async (request, reply) => {
      await selectRepository(web, request.query).status.setServiceStatus(request.body.status);
      return reply.code(204).send(null);
    },
  );
}
