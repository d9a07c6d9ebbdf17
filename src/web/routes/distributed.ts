import { z } from 'zod';
import { distributedOverview } from '../../core/distributed/monitor.js';
import { readDistributedSettings } from '../../core/distributed/settings.js';
import { describeQueue } from '../../core/distributed/connection.js';
import { errorMessage } from '../../core/errors.js';
import { type WebApp, type WebContext, selectRepository } from '../context.js';
import { HttpError, NotFoundError } from '../errors.js';
import { errorResponses, repositoryQuery } from '../schemas.js';

const overviewSchema = z.object({
  queue: z.string(),
  workers: z.array(
    z.object({
      id: z.string(),
      architecture: z.string(),
      concurrency: z.number().int(),
      jobs: z.array(z.object({ base: z.string(), started: z.number().int() })),
      seen: z.number().int(),
    }),
  ),
  queues: z.array(
    z.object({
      architecture: z.string(),
      waiting: z.number().int(),
      active: z.number().int(),
      delayed: z.number().int(),
      failed: z.number().int(),
      completed: z.number().int(),
      average_duration: z.number().nullable(),
      estimated_seconds: z.number().nullable(),
    }),
  ),
});

/** `GET /api/v1/distributed`: live workers (with what each builds), queue depths and the estimated time to empty. */
export function distributedRoutes(app: WebApp, web: WebContext): void {
  app.get(
    '/api/v1/distributed',
    { config: { permission: 'read' }, schema: { querystring: repositoryQuery, response: { 200: overviewSchema, ...errorResponses, 503: errorResponses[500] } } },
    async (request) => {
      const { configuration } = selectRepository(web, request.query);
      const settings = readDistributedSettings(configuration);
      if (settings === undefined) throw new NotFoundError('distributed builds are not configured: no [distributed] section');
      const architectures = [...new Set(web.repositories.map((entry) => entry.id.architecture))].sort();
      try {
        return { queue: describeQueue(settings.queueUrl), ...(await distributedOverview(settings, architectures)) };
      } catch (error) {
        throw new HttpError(503, `the build queue ${describeQueue(settings.queueUrl)} is unreachable: ${errorMessage(error)}`);
      }
    },
  );
}
