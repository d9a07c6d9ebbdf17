import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import etag from '@fastify/etag';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import secureSession from '@fastify/secure-session';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { Configuration } from '../core/configuration/configuration.js';
import { UserOperations } from '../core/database/operations/users.js';
import { AhrimanError, InvalidInputError, LockedError } from '../core/errors.js';
import { getLogger } from '../core/log/logger.js';
import '../core/schema-messages.js';
import { RepositoryState } from '../core/repository/state.js';
import { StatusService } from '../core/status/service.js';
import type { RepositoryId } from '../models/repository-id.js';
import { authorize, unixSocketConnections } from './authorization.js';
import { EventBus } from './bus.js';
import { CachedStatusClient } from './cached-client.js';
import type { ServedRepository, WebApp, WebContext } from './context.js';
import { registerDashboard, serveOpenStatic } from './dashboard.js';
import { HttpError } from './errors.js';
import { metricsPlugin } from './metrics.js';
import { registerOAuth } from './oauth.js';
import { authRoutes } from './routes/auth.js';
import { eventRoutes } from './routes/events.js';
import { historyRoutes } from './routes/history.js';
import { infoRoutes } from './routes/info.js';
import { packageRoutes } from './routes/packages.js';
import { rebuildRoutes } from './routes/rebuilds.js';
import { serviceRoutes } from './routes/service.js';
import { snapshotRoutes } from './routes/snapshots.js';
import { distributedRoutes } from './routes/distributed.js';
import { uploadRoutes } from './routes/upload.js';
import { readWebSettings } from './settings.js';
import { ProcessSpawner } from './spawner.js';

const logger = getLogger('web');

export interface ServerOptions {
  configurationPath: string;
  repositories: readonly RepositoryId[];
  version: string;
}

async function openRepository(configurationPath: string, id: RepositoryId, bus: EventBus): Promise<ServedRepository> {
  const configuration = Configuration.load(configurationPath, id);
  const state = await RepositoryState.open(configuration, id);
  const status = new StatusService(new CachedStatusClient(state, (event) => bus.publish(id, event)));
  return { id, configuration, paths: configuration.repositoryPaths(), state, status };
}

/** The one-line reason and status an error answers with; anything unexpected is a 500 logged with its stack. */
function errorResponse(error: unknown): { statusCode: number; message: string } {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((issue) => `${error.validationContext ?? 'request'}${issue.instancePath.replaceAll('/', '.')}: ${issue.message}`);
    return { statusCode: 400, message: issues.join('; ') };
  }
  if (error instanceof HttpError) return { statusCode: error.statusCode, message: error.message };
  if (error instanceof InvalidInputError) return { statusCode: 400, message: error.message };
  if (error instanceof LockedError) return { statusCode: 409, message: error.message };
  const fastifyError = error as { statusCode?: number; message?: string };
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    return { statusCode: fastifyError.statusCode, message: fastifyError.message ?? 'bad request' };
  }
  if (error instanceof AhrimanError) return { statusCode: 500, message: error.message };
  logger.error(`unexpected error: ${(error as Error).stack ?? String(error)}`);
  return { statusCode: 500, message: 'internal error' };
}

/** The session key: derived from `[auth] cookie_secret_key`, else random (sessions then end with the server). */
function sessionKey(secret: string | undefined): Buffer {
  return secret === undefined ? randomBytes(32) : createHash('sha256').update(secret).digest();
}

export async function createServer(options: ServerOptions): Promise<{ app: WebApp; web: WebContext }> {
  const configuration = Configuration.load(options.configurationPath);
  const settings = readWebSettings(configuration);
  const bus = new EventBus();
  const repositories = await Promise.all([...options.repositories].map((id) => openRepository(options.configurationPath, id, bus)));
  const [first] = repositories;
  if (!first) throw new InvalidInputError('no repository to serve: create one first (service-setup)');
  const web: WebContext = {
    settings,
    configurationPath: options.configurationPath,
    version: options.version,
    repositories,
    users: new UserOperations(first.state.database),
    bus,
    spawner: new ProcessSpawner(options.configurationPath, settings.waitTimeout),
  };

  const app = Fastify({
    bodyLimit: settings.maxBodySize,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
    logger: false,
    // event streams never end by themselves: a stopping server closes them
    forceCloseConnections: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('username', null);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setErrorHandler(async (error, request, reply) => {
    const { statusCode, message } = errorResponse(error);
    if (statusCode >= 500) logger.error(`${request.method} ${request.url} (${request.id}): ${message}`);
    return reply.code(statusCode).send({ error: message });
  });
  app.setNotFoundHandler(async (request, reply) => reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` }));

  await app.register(etag);
  await app.register(cors, {
    origin: settings.cors.origins.length > 0 ? settings.cors.origins : '*',
    ...(settings.cors.methods.length > 0 ? { methods: settings.cors.methods } : {}),
    ...(settings.cors.headers.length > 0 ? { allowedHeaders: settings.cors.headers } : {}),
    ...(settings.cors.exposeHeaders.length > 0 ? { exposedHeaders: settings.cors.exposeHeaders } : {}),
  });
  await app.register(cookie);
  await app.register(secureSession, {
    key: sessionKey(settings.auth.cookieSecretKey),
    cookieName: 'AHRIMAN',
    expiry: settings.auth.maxAge,
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', maxAge: settings.auth.maxAge },
  });
  await app.register(formbody);
  if (settings.auth.oauth) await registerOAuth(app, settings.auth.oauth, settings.address);
  // names are kept as sent, so that a path in one is refused instead of silently cut to its last part
  await app.register(multipart, { preservePath: true, limits: { fileSize: settings.maxBodySize, files: 2, fields: 4 } });
  await app.register(swagger, {
    openapi: { info: { title: 'ahriman', version: options.version } },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api-docs', uiConfig: { docExpansion: 'list' } });
  await app.register(metricsPlugin);
  app.get('/api-docs/swagger.json', { config: { permission: 'unauthorized' }, schema: { hide: true } }, async () => app.swagger());
  if (settings.staticPath) {
    await fs.access(settings.staticPath);
    await serveOpenStatic(app, { root: settings.staticPath, prefix: '/static/', maxAge: '365d', immutable: true });
    app.get('/favicon.ico', { config: { permission: 'unauthorized' }, schema: { hide: true } }, (_request, reply) => reply.redirect('/static/favicon.ico', 302));
  }
  app.addHook('onRequest', authorize(web));

  infoRoutes(app, web);
  authRoutes(app, web);
  eventRoutes(app, web);
  serviceRoutes(app, web);
  uploadRoutes(app, web);
  distributedRoutes(app, web);
  if (!settings.serviceOnly) {
    packageRoutes(app, web);
    historyRoutes(app, web);
    rebuildRoutes(app, web);
    snapshotRoutes(app, web);
  }
  await registerDashboard(app);
  return { app, web };
}

export interface RunningServer {
  app: WebApp;
  web: WebContext;
  /** `host:port` actually bound (port 0 picks a free one). */
  address: string | undefined;
  unixSocket: string | undefined;
  close(): Promise<void>;
}

/** Starts the server on `[web] host:port` and/or `[web] unix_socket`. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { app, web } = await createServer(options);
  const { settings } = web;
  await app.ready();
  let address: string | undefined;
  if (settings.port !== undefined) {
    await app.listen({ host: settings.host, port: settings.port });
    const bound = app.server.address();
    address = typeof bound === 'object' && bound ? `${bound.address}:${bound.port}` : undefined;
  }
  let socketServer: http.Server | undefined;
  if (settings.unixSocket) {
    await fs.rm(settings.unixSocket, { force: true });
    const server = http.createServer((request, response) => app.routing(request, response));
    server.on('connection', (socket) => unixSocketConnections.add(socket));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(settings.unixSocket, resolve));
    if (settings.unixSocketUnsafe) await fs.chmod(settings.unixSocket, 0o666);
    socketServer = server;
  }
  if (address === undefined && socketServer === undefined) {
    await app.close();
    throw new InvalidInputError('[web] needs port or unix_socket to listen on');
  }
  logger.info(`serving ${web.repositories.map((entry) => entry.id.id).join(', ')} on ${[address, settings.unixSocket].filter(Boolean).join(' and ')}`);
  return {
    app,
    web,
    address,
    unixSocket: settings.unixSocket,
    async close() {
      if (socketServer) {
        socketServer.closeAllConnections();
        await new Promise<void>((resolve) => socketServer!.close(() => resolve()));
        await fs.rm(settings.unixSocket!, { force: true });
      }
      await app.close();
      await web.spawner.close();
      await Promise.all(web.repositories.map((entry) => entry.state.close()));
    },
  };
}

