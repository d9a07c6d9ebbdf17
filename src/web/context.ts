import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Configuration } from '../core/configuration/configuration.js';
import type { UserOperations } from '../core/database/operations/users.js';
import type { RepositoryState } from '../core/repository/state.js';
import type { StatusService } from '../core/status/service.js';
import { NotFoundError } from './errors.js';
import type { RepositoryId } from '../models/repository-id.js';
import type { RepositoryPaths } from '../models/repository-paths.js';
import type { UserAccess } from '../models/user.js';
import type { EventBus } from './bus.js';
import type { WebSettings } from './settings.js';
import type { ProcessSpawner } from './spawner.js';

export type WebApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** What a route needs to be allowed: a fixed role, or one that depends on the request (the SSE topics). */
export type Permission = UserAccess | ((request: FastifyRequest) => UserAccess);

declare module '@fastify/secure-session' {
  interface SessionData {
    username: string;
    access: UserAccess;
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: Permission;
  }
  interface FastifyRequest {
    /** The logged-in user, null when anonymous; set by the authorization hook. */
    username: string | null;
  }
}

export interface ServedRepository {
  id: RepositoryId;
  /** Replaced when the configuration is reloaded. */
  configuration: Configuration;
  paths: RepositoryPaths;
  state: RepositoryState;
  status: StatusService;
}

export interface WebContext {
  settings: WebSettings;
  configurationPath: string;
  version: string;
  /** Sorted; the first is the default of `?architecture=&repository=`. */
  repositories: ServedRepository[];
  users: UserOperations;
  bus: EventBus;
  spawner: ProcessSpawner;
}

export interface RepositoryQuery {
  architecture?: string | undefined;
  repository?: string | undefined;
}

/** The repository `?architecture=&repository=` selects; either may be left out when it is unambiguous. */
export function selectRepository(web: WebContext, query: RepositoryQuery): ServedRepository {
  const found = web.repositories.find(
    (entry) =>
      (query.architecture === undefined || entry.id.architecture === query.architecture) &&
      (query.repository === undefined || entry.id.name === query.repository),
  );
  if (!found) {
    throw new NotFoundError(`repository ${query.architecture ?? '*'}-${query.repository ?? '*'} is not served here`);
  }
  return found;
}
