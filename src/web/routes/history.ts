import * as z from 'zod/mini';
import { historyAt, historyBetween } from '../../core/repository/history.js';
import { parseHistoryPoint } from '../../models/history.js';
import { type WebApp, type WebContext, selectRepository } from '../context.js';
import { errorResponses, packageParameters, repositoryQuery } from '../schemas.js';

/** Times are unix milliseconds: several publishes can fall within one second. */
const runSchema = z.object({ id: z.int(), created: z.int(), snapshot: z.nullable(z.string()) });
const packageSchema = z.object({ name: z.string(), version: z.string(), base: z.string(), architecture: z.string(), checksum: z.string() });
const point = z.string().check(z.minLength(1), z.describe('an ISO date, run:N or snapshot:ID'));

export function historyRoutes(app: WebApp, web: WebContext): void {
  app.get(
    '/api/v1/history',
    {
      config: { permission: 'read' },
      schema: {
        description: 'the latest publishes that changed the repository, newest first, with how many files each added and removed',
        querystring: z.extend(repositoryQuery, { limit: z._default(z.pipe(z.coerce.number(), z.int().check(z.gte(-1))), 20) }),
        response: { 200: z.array(z.extend(runSchema, { added: z.int(), removed: z.int() })), ...errorResponses },
      },
    },
    async (request) => selectRepository(web, request.query).state.history.historyRuns(request.query.limit),
  );

  app.get(
    '/api/v1/history/packages/:package',
    {
      config: { permission: 'read' },
      schema: {
        description: 'the versions a package (by name or base) had, and the runs that added and removed each file',
        params: packageParameters,
        querystring: repositoryQuery,
        response: { 200: z.array(z.extend(packageSchema, { added: runSchema, removed: z.nullable(runSchema) })), ...errorResponses },
      },
    },
    async (request) => selectRepository(web, request.query).state.history.historyPackage(request.params.package),
  );

  app.get(
    '/api/v1/history/content',
    {
      config: { permission: 'read' },
      schema: {
        description: 'what the repository listed at a point (run null: before the first recorded publish)',
        querystring: z.extend(repositoryQuery, { at: point }),
        response: { 200: z.object({ run: z.nullable(runSchema), packages: z.array(packageSchema) }), ...errorResponses },
      },
    },
    async (request) => historyAt(selectRepository(web, request.query).state, parseHistoryPoint('at', request.query.at)),
  );

  app.get(
    '/api/v1/history/diff',
    {
      config: { permission: 'read' },
      schema: {
        description: 'the files listed at `to` and not at `from` (added), and the other way round (removed)',
        querystring: z.extend(repositoryQuery, { from: point, to: point }),
        response: { 200: z.object({ from: z.nullable(runSchema), to: z.nullable(runSchema), added: z.array(packageSchema), removed: z.array(packageSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      return historyBetween(selectRepository(web, request.query).state, parseHistoryPoint('from', from), parseHistoryPoint('to', to));
    },
  );
}
