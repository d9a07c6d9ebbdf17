import * as z from 'zod/mini';
import { rankRebuilds } from '../../core/rebuilds/priority.js';
import { type WebApp, type WebContext, selectRepository } from '../context.js';
import { errorResponses, repositoryQuery } from '../schemas.js';

const rebuildSchema = z.object({
  package_base: z.string(),
  priority: z.int(),
  reason: z.string(),
  scheduled: z.int(),
  failed: z.nullable(z.int()),
});

/** The dependency-change rebuild queue of a repository, in the order repo-update takes it (docs/rebuilds.md). */
export function rebuildRoutes(app: WebApp, web: WebContext): void {
  app.get(
    '/api/v1/rebuilds',
    { config: { permission: 'read' }, schema: { querystring: repositoryQuery, response: { 200: z.array(rebuildSchema), ...errorResponses } } },
    async (request) => {
      const repository = selectRepository(web, request.query);
      const queue = rankRebuilds(await repository.state.rebuilds.rebuildList());
      return queue.map((entry) => ({ package_base: entry.base, priority: entry.priority, reason: entry.reason, scheduled: entry.scheduled, failed: entry.failed }));
    },
  );
}
