import fs from 'node:fs/promises';
import * as z from 'zod/mini';
import { parsePackageFileName } from '../../core/alpm/validation.js';
import { DependenciesOperations } from '../../core/database/operations/dependencies.js';
import {
  logRecordJson,
  logRecordSchema,
  packageDescriptionSchema,
  packageFromJson,
  packageSchema,
  packageStatusJson,
  packageStatusSchema,
  statusSchema,
  type PackageJson,
} from '../../core/status/wire.js';
import { BUILD_STATUS_VALUES } from '../../models/build-status.js';
import { type ServedRepository, type WebApp, type WebContext, selectRepository } from '../context.js';
import { HttpError, NotFoundError } from '../errors.js';
import { applyOnce } from '../receipts.js';
import { errorResponses, packageParameters, pagination, queryFlag, repositoryQuery } from '../schemas.js';

const noContent = { 204: z.null(), ...errorResponses };
/** When a reported change happened (unix seconds), so a report that arrives late keeps its time; now when left out. */
const reportTime = z.optional(z.int().check(z.nonnegative()));
const changesSchema = z.object({ last_commit_sha: z.nullable(z.string()), changes: z.nullable(z.string()), pkgbuild: z.nullable(z.string()) });
const dependenciesSchema = z.object({ paths: z.record(z.string(), z.array(z.string())) });
const patchSchema = z.object({ key: z._default(z.nullable(z.string().check(z.minLength(1))), null), value: z.string() });
const patchParameters = z.extend(packageParameters, { patch: z.string().check(z.minLength(1), z.maxLength(255)) });

async function knownBase(repository: ServedRepository, base: string): Promise<void> {
  const [entry] = await repository.status.client.packages(base);
  if (!entry) throw new NotFoundError(`package base ${base} is unknown in ${repository.id.id}`);
}

/** Archived versions of a base, newest file names last, read from `archive/packages/<l>/<base>/`. */
async function archives(repository: ServedRepository, base: string): Promise<PackageJson[]> {
  let files: string[];
  try {
    files = await fs.readdir(repository.paths.archiveFor(base));
  } catch {
    return [];
  }
  const versions = new Map<string, PackageJson>();
  for (const file of files.sort()) {
    if (file.endsWith('.sig')) continue;
    let parsed;
    try {
      parsed = parsePackageFileName(file);
    } catch {
      continue;
    }
    const entry = versions.get(parsed.version) ?? packageSchema.parse({ base, version: parsed.version });
    entry.packages[parsed.name] = { ...packageDescriptionSchema.parse({}), architecture: parsed.architecture, filename: file };
    versions.set(parsed.version, entry);
  }
  return [...versions.values()];
}

export function packageRoutes(app: WebApp, web: WebContext): void {
  const select = (query: z.infer<typeof repositoryQuery>): ServedRepository => selectRepository(web, query);

  app.get(
    '/api/v1/packages',
    {
      config: { permission: 'read' },
      // the list is built by the typed converters of the wire format: checking thousands of entries against the
      // schema again on every request would cost more than the query itself
      serializerCompiler: () => (data) => JSON.stringify(data),
      schema: { querystring: z.extend(repositoryQuery, pagination), response: { 200: z.array(packageStatusSchema), ...errorResponses } },
    },
    async (request) => {
      const repository = select(request.query);
      const { limit, offset } = request.query;
      const packages = (await repository.status.client.packages()).sort((left, right) => left.package.base.localeCompare(right.package.base));
      return packages.slice(offset, limit < 0 ? undefined : offset + limit).map((entry) => packageStatusJson(entry, repository.id));
    },
  );

  // the reference reloads its in-memory cache here; the list is always read from the database, so nothing is stale
  app.post('/api/v1/packages', { config: { permission: 'full' }, schema: { querystring: repositoryQuery, response: noContent } }, async (request, reply) => {
    select(request.query);
    return reply.code(204).send(null);
  });

  app.get(
    '/api/v1/packages/:package',
    {
      config: { permission: 'read' },
      schema: { params: packageParameters, querystring: repositoryQuery, response: { 200: z.array(packageStatusSchema), ...errorResponses } },
    },
    async (request) => {
      const repository = select(request.query);
      const packages = await repository.status.client.packages(request.params.package);
      if (packages.length === 0) throw new NotFoundError(`package base ${request.params.package} is unknown in ${repository.id.id}`);
      return packages.map((entry) => packageStatusJson(entry, repository.id));
    },
  );

  app.post(
    '/api/v1/packages/:package',
    {
      config: { permission: 'full' },
      schema: {
        params: packageParameters,
        querystring: repositoryQuery,
        body: z.object({
          status: z.enum(BUILD_STATUS_VALUES),
          package: z.optional(packageSchema),
          // the event of the change: the version it is about (default the known one), its message and more data
          version: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
          message: z.optional(z.string().check(z.maxLength(4096))),
          data: z.optional(z.record(z.string(), z.unknown())),
          timestamp: reportTime,
        }),
        response: noContent,
      },
    },
    async (request, reply) => {
      const repository = select(request.query);
      const { status, package: record, ...change } = request.body;
      if (record && record.base !== request.params.package) throw new HttpError(400, `body package base ${record.base} differs from ${request.params.package} in the path`);
      await applyOnce(request, repository, () =>
        record
          ? repository.status.updatePackage(packageFromJson(record), status, change.timestamp)
          : repository.status.setStatus([request.params.package], status, change),
      );
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/v1/packages/:package',
    { config: { permission: 'full' }, schema: { params: packageParameters, querystring: z.extend(repositoryQuery, { timestamp: z.optional(z.pipe(z.coerce.number(), z.int().check(z.nonnegative()))) }), response: noContent } },
    async (request, reply) => {
      // as in the reference, forgetting a base nobody knows (any more) succeeds: a repeated request is harmless
      const repository = select(request.query);
      await applyOnce(request, repository, () => repository.status.removed(request.params.package, undefined, request.query.timestamp));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/packages/:package/archives',
    {
      config: { permission: 'reporter' },
      schema: { params: packageParameters, querystring: repositoryQuery, response: { 200: z.array(packageSchema), ...errorResponses } },
    },
    async (request) => {
      const repository = select(request.query);
      await knownBase(repository, request.params.package);
      return archives(repository, request.params.package);
    },
  );

  app.get(
    '/api/v1/packages/:package/changes',
    { config: { permission: 'reporter' }, schema: { params: packageParameters, querystring: repositoryQuery, response: { 200: changesSchema, ...errorResponses } } },
    async (request) => {
      const changes = await select(request.query).state.changes.changesGet(request.params.package);
      return { last_commit_sha: changes.lastCommitSha, changes: changes.changes, pkgbuild: changes.pkgbuild };
    },
  );

  app.post(
    '/api/v1/packages/:package/changes',
    { config: { permission: 'full' }, schema: { params: packageParameters, querystring: repositoryQuery, body: changesSchema, response: noContent } },
    async (request, reply) => {
      const repository = select(request.query);
      await knownBase(repository, request.params.package);
      const { last_commit_sha: lastCommitSha, changes, pkgbuild } = request.body;
      await repository.state.changes.changesInsert(request.params.package, { lastCommitSha, changes, pkgbuild });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/packages/:package/dependencies',
    { config: { permission: 'reporter' }, schema: { params: packageParameters, querystring: repositoryQuery, response: { 200: dependenciesSchema, ...errorResponses } } },
    async (request) => {
      const repository = select(request.query);
      const found = await new DependenciesOperations(repository.state.database, repository.id).dependenciesGet(request.params.package);
      return found.get(request.params.package) ?? { paths: {} };
    },
  );

  app.post(
    '/api/v1/packages/:package/dependencies',
    { config: { permission: 'full' }, schema: { params: packageParameters, querystring: repositoryQuery, body: dependenciesSchema, response: noContent } },
    async (request, reply) => {
      const repository = select(request.query);
      await knownBase(repository, request.params.package);
      await new DependenciesOperations(repository.state.database, repository.id).dependenciesInsert(request.params.package, request.body);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/packages/:package/hold',
    {
      config: { permission: 'full' },
      schema: { params: packageParameters, querystring: repositoryQuery, body: z.object({ is_held: z.boolean(), timestamp: reportTime }), response: noContent },
    },
    async (request, reply) => {
      const repository = select(request.query);
      await applyOnce(request, repository, () => repository.status.setHeld([request.params.package], request.body.is_held, request.body.timestamp));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/packages/:package/logs',
    {
      config: { permission: 'reporter' },
      schema: {
        params: packageParameters,
        querystring: repositoryQuery,
        response: { 200: z.object({ package_base: z.string(), status: statusSchema, logs: z.string() }), ...errorResponses },
      },
    },
    async (request) => {
      const repository = select(request.query);
      const [entry] = await repository.status.client.packages(request.params.package);
      if (!entry) throw new NotFoundError(`package base ${request.params.package} is unknown in ${repository.id.id}`);
      const records = await repository.state.logs.logsGet(request.params.package);
      const logs = records.map((record) => `[${new Date(record.created * 1000).toISOString()}] ${record.message}`).join('\n');
      return { package_base: entry.package.base, status: packageStatusJson(entry, repository.id).status, logs };
    },
  );

  app.post(
    '/api/v1/packages/:package/logs',
    { config: { permission: 'full' }, schema: { params: packageParameters, querystring: repositoryQuery, body: logRecordSchema, response: noContent } },
    async (request, reply) => {
      const { created, message, version, process_id: processId } = request.body;
      const repository = select(request.query);
      await applyOnce(request, repository, () => repository.status.client.logsAdd([{ packageBase: request.params.package, created, message, version, processId }]));
      return reply.code(204).send(null);
    },
  );

  // a chunk of lines at once (the reference's clients send one line per request to v1)
  app.post(
    '/api/v2/packages/:package/logs',
    {
      config: { permission: 'full' },
      schema: { params: packageParameters, querystring: repositoryQuery, body: z.array(logRecordSchema).check(z.maxLength(10_000)), response: noContent },
    },
    async (request, reply) => {
      const repository = select(request.query);
      const records = request.body.map(({ created, message, version, process_id: processId }) => ({ packageBase: request.params.package, created, message, version, processId }));
      await applyOnce(request, repository, () => repository.status.client.logsAdd(records));
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/v1/packages/:package/logs',
    {
      config: { permission: 'full' },
      schema: { params: packageParameters, querystring: z.extend(repositoryQuery, { version: z.optional(z.string()) }), response: noContent },
    },
    async (request, reply) => {
      const repository = select(request.query);
      await applyOnce(request, repository, () => repository.status.client.logsRemove(request.params.package, request.query.version));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v2/packages/:package/logs',
    {
      config: { permission: 'reporter' },
      schema: {
        params: packageParameters,
        querystring: z.extend(repositoryQuery, { version: z.optional(z.string()), process_id: z.optional(z.string()), head: queryFlag, ...pagination }),
        response: { 200: z.array(logRecordSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { version, process_id: processId, head, limit, offset } = request.query;
      const records = await select(request.query).state.logs.logsGet(request.params.package, {
        ...(version === undefined ? {} : { version }),
        ...(processId === undefined ? {} : { processId }),
        ...(head ? {} : { limit, offset }),
      });
      if (!head) return records.map(logRecordJson);
      // one empty line per run (version and process), which is how the dashboard lists the runs to choose from
      const runs = new Map(records.map((record) => [`${record.version}\u0000${record.processId}`, { ...record, message: '' }]));
      return [...runs.values()].map(logRecordJson);
    },
  );

  app.get(
    '/api/v1/packages/:package/patches',
    { config: { permission: 'reporter' }, schema: { params: packageParameters, response: { 200: z.array(patchSchema), ...errorResponses } } },
    async (request) => ((await web.repositories[0]!.state.patches.patchesList(request.params.package)).get(request.params.package) ?? []),
  );

  app.post(
    '/api/v1/packages/:package/patches',
    { config: { permission: 'full' }, schema: { params: packageParameters, body: patchSchema, response: noContent } },
    async (request, reply) => {
      await web.repositories[0]!.state.patches.patchInsert(request.params.package, request.body);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/packages/:package/patches/:patch',
    { config: { permission: 'reporter' }, schema: { params: patchParameters, response: { 200: patchSchema, ...errorResponses } } },
    async (request) => {
      const { package: base, patch: key } = request.params;
      const [patch] = (await web.repositories[0]!.state.patches.patchesList(base, [key])).get(base) ?? [];
      if (!patch) throw new NotFoundError(`package base ${base} has no patch ${key}`);
      return patch;
    },
  );

  app.delete(
    '/api/v1/packages/:package/patches/:patch',
    { config: { permission: 'full' }, schema: { params: patchParameters, response: noContent } },
    async (request, reply) => {
      await web.repositories[0]!.state.patches.patchesRemove(request.params.package, [request.params.patch]);
      return reply.code(204).send(null);
    },
  );
}
