import { z } from 'zod';
import { historyAt, historyBetween } from '../../core/repository/history.js';
import { parseHistoryPoint } from '../../models/history.js';
import { type WebApp, type WebContext, selectRepository } from '../context.js';
import { errorResponses, packageParameters, repositoryQuery } from '../schemas.js';

/** Times are unix milliseconds: several publishes can fall within one second. */
const runSchema = z.object({ id: z.number().int(), created: z.number().int(), snapshot: z.string().nullable() });
const packageSchema = z.object({ name: z.string(), version: z.string(), base: z.string(), architecture: z.string(), checksum: z.string() });
const point = z.string().min(1).describe('an ISO date, run:N or snapshot:ID');

export function historyRoutes(app: WebApp, web: WebContext): void {
  app.get(
    '/api/v1/history',
    {
      config: { permission: 'read' },
      schema: {
        description: 'the latest publishes that changed the repository, newest first, with how many files each added and removed',
        querystring: repositoryQuery.extend({ limit: z.coerce.number().int().min(-1).default(20) }),
        response: { 200: z.array(runSchema.extend({ added: z.number().int(), removed: z.number().int() })), ...errorResponses },
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
        response: { 200: z.array(packageSchema.extend({ added: runSchema, removed: runSchema.nullable() })), ...errorResponses },
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
        querystring: repositoryQuery.extend({ at: point }),
        response: { 200: z.object({ run: runSchema.nullable(), packages: z.array(packageSchema) }), ...errorResponses },
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
        querystring: repositoryQuery.extend({ from: point, to: point }),
        response: { 200: z.object({ from: runSchema.nullable(), to: runSchema.nullable(), added: z.array(packageSchema), removed: z.array(packageSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { from, to } = request.query;
      return historyBetween(selectRepository(web, request.query).state, parseHistoryPoint('from', from), parseHistoryPoint('to', to));
    },
  );
}
