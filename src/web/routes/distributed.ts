import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod/mini';
import { stagingRepositoryDirectory, stagingRepositoryFile } from '../../core/distributed/staging-repository.js';
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
      concurrency: z.int(),
      jobs: z.array(z.object({ base: z.string(), started: z.int() })),
      seen: z.int(),
    }),
  ),
  queues: z.array(
    z.object({
      architecture: z.string(),
      waiting: z.int(),
      active: z.int(),
      delayed: z.int(),
      failed: z.int(),
      completed: z.int(),
      average_duration: z.nullable(z.number()),
      estimated_seconds: z.nullable(z.number()),
    }),
  ),
});

/** The real path of a file of a run's staging repository, or a 400/404 naming what is wrong. */
async function stagedFile(paths: Parameters<typeof stagingRepositoryFile>[0], run: string, file: string): Promise<string> {
  let requested: string;
  let directory: string;
  try {
    requested = stagingRepositoryFile(paths, run, file);
    directory = stagingRepositoryDirectory(paths, run);
  } catch (error) {
    throw new HttpError(400, errorMessage(error));
  }
  // the database names are links into the database's generations, which stay inside the directory
  const [real, root] = await Promise.all([fs.realpath(requested).catch(() => undefined), fs.realpath(directory).catch(() => undefined)]);
  if (real === undefined || root === undefined || !real.startsWith(`${root}${path.sep}`)) throw new NotFoundError(`no ${file} in the staging repository of run ${run}`);
  return real;
}

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

  // a run's staging repository (core/distributed/staging-repository.ts), for the workers' build environments
  app.get(
    '/api/v1/distributed/runs/:run/repository/:file',
    {
      config: { permission: 'full' },
      schema: { params: z.object({ run: z.string(), file: z.string() }), querystring: repositoryQuery, response: { 200: z.unknown().check(z.describe('the file, application/octet-stream')), ...errorResponses } },
    },
    async (request, reply) => {
      const { paths } = selectRepository(web, request.query);
      const file = await stagedFile(paths, request.params.run, request.params.file);
      return reply.type('application/octet-stream').send(createReadStream(file));
    },
  );
}
