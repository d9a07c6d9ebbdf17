import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import * as z from 'zod/mini';
import { parsePackageFileName } from '../../core/alpm/validation.js';
import { runStaging } from '../../core/distributed/staging.js';
import { errorMessage } from '../../core/errors.js';
import type { RepositoryPaths } from '../../models/repository-paths.js';
import { type WebApp, type WebContext, selectRepository } from '../context.js';
import { HttpError } from '../errors.js';
import { errorResponses, repositoryQuery } from '../schemas.js';

const FIELDS = new Set(['package', 'signature']);

/** A plain package file name, or the name of its detached signature. */
function checkedName(name: string): string {
  const base = name.endsWith('.sig') ? name.slice(0, -4) : name;
  try {
    parsePackageFileName(base);
  } catch (error) {
    throw new HttpError(400, (error as Error).message);
  }
  return name;
}

const uploadQuery = z.extend(repositoryQuery, {
  /** A distributed build's upload: the run and base of the job, whose archives wait for the coordinator's check. */
  run: z.optional(z.string()),
  base: z.optional(z.string()),
});

/** `packages/<repo>/<arch>/`, or the staging area of a distributed run's job (see core/distributed/staging.ts). */
function uploadDirectory(paths: RepositoryPaths, run: string | undefined, base: string | undefined): string {
  if (run === undefined && base === undefined) return paths.packages;
  if (run === undefined || base === undefined) throw new HttpError(400, 'run and base go together: both name the job of a distributed build');
  try {
    return runStaging(paths, run, base);
  } catch (error) {
    throw new HttpError(400, errorMessage(error));
  }
}

/**
 * `service/upload` (reference §6.2): each file is streamed into a dot-prefixed temporary name in
 * `packages/<repo>/<arch>/` (or a distributed run's staging area, with `run` and `base`) and renamed once complete,
 * so the next update never sees half a file.
 */
export function uploadRoutes(app: WebApp, web: WebContext): void {
  if (!web.settings.enableArchiveUpload) return;
  app.post(
    '/api/v1/service/upload',
    { config: { permission: 'full' }, schema: { querystring: uploadQuery, response: { 201: z.null(), ...errorResponses } } },
    async (request, reply) => {
      if (!request.isMultipart()) throw new HttpError(400, 'expected a multipart/form-data body with a package field');
      const directory = uploadDirectory(selectRepository(web, request.query).paths, request.query.run, request.query.base);
      await fs.mkdir(directory, { recursive: true });
      const stored: string[] = [];
      for await (const part of request.parts()) {
        if (part.type !== 'file') continue;
        if (!FIELDS.has(part.fieldname)) throw new HttpError(400, `unexpected field ${part.fieldname}: expected package or signature`);
        const name = checkedName(part.filename);
        const temporary = path.join(directory, `.${name}.${randomBytes(6).toString('hex')}`);
        try {
          await pipeline(part.file, createWriteStream(temporary, { flags: 'wx' }));
          if (part.file.truncated) throw new HttpError(413, `${name} is larger than [web] max_body_size (${web.settings.maxBodySize} bytes)`);
          await fs.rename(temporary, path.join(directory, name));
        } finally {
          await fs.rm(temporary, { force: true });
        }
        stored.push(name);
      }
      if (stored.length === 0) throw new HttpError(400, 'no package file in the request');
      return reply.code(201).send(null);
    },
  );
}
