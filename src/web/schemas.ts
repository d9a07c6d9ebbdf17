import * as z from 'zod/mini';
import { isValidPackageName } from '../core/alpm/validation.js';

/** Every error answer: one line naming what was wrong. */
export const errorSchema = z.object({ error: z.string() });

export const repositoryQuery = z.object({
  architecture: z.optional(z.string()),
  repository: z.optional(z.string()),
});

export const pagination = {
  limit: z._default(z.pipe(z.coerce.number(), z.int().check(z.gte(-1))), -1),
  offset: z._default(z.pipe(z.coerce.number(), z.int().check(z.gte(0))), 0),
};

export const packageParameters = z.object({
  package: z.string().check(z.refine(isValidPackageName, 'not a valid package base name (letters, digits and @ . _ + -, not starting with - or .)')),
});

/** Error answers every route may give, added to each route's response schemas. */
export const errorResponses = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 413: errorSchema, 429: errorSchema, 500: errorSchema };

/** A query flag as the reference's clients send it (`true`/`false`/`1`/`0`/`yes`/`no`). */
export const queryFlag = z.optional(
  z.pipe(
    z.enum(['true', 'false', '1', '0', 'yes', 'no']),
    z.transform((value) => ['true', '1', 'yes'].includes(value)),
  ),
);
