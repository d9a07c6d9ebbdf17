import * as z from 'zod/mini';
import { snapshotListing } from '../../core/snapshots/listing.js';
import { readSnapshotSettings } from '../../core/snapshots/settings.js';
import { SnapshotStore } from '../../core/snapshots/store.js';
import { SNAPSHOT_ID } from '../../models/snapshot.js';
import { type ServedRepository, type WebApp, type WebContext, selectRepository } from '../context.js';
import { InvalidInputError } from '../../core/errors.js';
import { NotFoundError } from '../errors.js';
import { errorResponses, repositoryQuery } from '../schemas.js';

const versions = z.array(z.object({ name: z.string(), version: z.string() }));
const vote = z.object({ snapshot: z.string(), job: z.string(), passed: z.boolean(), url: z.nullable(z.string()), notes: z.nullable(z.string()), created: z.number() });
const snapshot = z.object({
  id: z.string(),
  created: z.number(),
  run: z.nullable(z.string()),
  failed: z.boolean(),
  changes: z.object({ added: versions, removed: versions }),
  results: z.object({ built: z.record(z.string(), z.string()), failed: z.record(z.string(), z.string()) }),
  pointers: z.array(z.string()),
  votes: z.array(vote),
});
const snapshotParameters = z.object({ id: z.string().check(z.regex(SNAPSHOT_ID, 'not a snapshot id (12 hex digits)')) });
const processResponse = { 200: z.object({ process_id: z.string() }), ...errorResponses };
const voteBody = z.object({
  job: z.string().check(z.regex(/^\S{1,200}$/, '1 to 200 characters without spaces')),
  passed: z.boolean(),
  url: z.optional(z.url({ protocol: /^https?$/ })),
  notes: z.optional(z.string().check(z.maxLength(10_000))),
});

function listing(repository: ServedRepository) {
  return snapshotListing(new SnapshotStore(repository.paths), repository.state);
}

/** Fails with 404 unless the repository has snapshot `id` on disk and recorded. */
async function requireSnapshot(repository: ServedRepository, id: string): Promise<void> {
  if (!new SnapshotStore(repository.paths).exists(id) || !(await repository.state.snapshots.snapshotGet(id))) {
    throw new NotFoundError(`no snapshot ${id} in ${repository.id.id}`);
  }
}

/**
 * Snapshots, pointers and votes. Reads answer from the state database and the snapshot directory; votes and
 * promotions move pointers, so they run as CLI children under the repository lock (`snapshot-vote`,
 * `snapshot-promote`), after the request was checked here.
 */
export function snapshotRoutes(app: WebApp, web: WebContext): void {
  app.get(
    '/api/v1/snapshots',
    {
      config: { permission: 'read' },
      schema: { querystring: repositoryQuery, response: { 200: z.object({ snapshots: z.array(snapshot), pointers: z.record(z.string(), z.string()) }), ...errorResponses } },
    },
    async (request) => listing(selectRepository(web, request.query)),
  );

  app.get(
    '/api/v1/snapshots/:id',
    {
      config: { permission: 'read' },
      schema: { querystring: repositoryQuery, params: z.object({ id: z.string() }), response: { 200: snapshot, ...errorResponses } },
    },
    async (request) => {
      const repository = selectRepository(web, request.query);
      const { snapshots, pointers } = await listing(repository);
      const id = pointers[request.params.id] ?? request.params.id;
      const found = snapshots.find((item) => item.id === id);
      if (!found) throw new NotFoundError(`no snapshot ${request.params.id} in ${repository.id.id}`);
      return found;
    },
  );

  app.post(
    '/api/v1/snapshots/:id/votes',
    { config: { permission: 'reporter' }, schema: { querystring: repositoryQuery, params: snapshotParameters, body: voteBody, response: processResponse } },
    async (request) => {
      const repository = selectRepository(web, request.query);
      await requireSnapshot(repository, request.params.id);
      const { job, passed, url, notes } = request.body;
      const command = ['snapshot-vote', request.params.id, `--job=${job}`, passed ? '--passed' : '--failed'];
      if (url !== undefined) command.push(`--url=${url}`);
      if (notes !== undefined) command.push(`--notes=${notes}`);
      return { process_id: web.spawner.spawn(repository.id, command).id };
    },
  );

  app.post(
    '/api/v1/snapshots/:id/promote',
    {
      config: { permission: 'full' },
      schema: { querystring: repositoryQuery, params: snapshotParameters, body: z.object({ pointer: z.string() }), response: processResponse },
    },
    async (request) => {
      const repository = selectRepository(web, request.query);
      const { pointers } = readSnapshotSettings(repository.configuration);
      if (!pointers.includes(request.body.pointer)) {
        throw new InvalidInputError(`pointer '${request.body.pointer}' is not configured ([snapshots] pointers: ${pointers.join(' ') || 'none'})`);
      }
      await requireSnapshot(repository, request.params.id);
      return { process_id: web.spawner.spawn(repository.id, ['snapshot-promote', request.params.id, request.body.pointer]).id };
    },
  );
}
