import type { FastifyRequest } from 'fastify';
import * as z from 'zod/mini';
import { eventJson, eventSchema, listedEventSchema } from '../../core/status/wire.js';
import { currentUnixTime } from '../../core/database/operations/time.js';
import { EVENT_TYPES, type Event, type EventType } from '../../models/event.js';
import type { UserAccess } from '../../models/user.js';
import { type WebApp, type WebContext, selectRepository } from '../context.js';
import { applyOnce } from '../receipts.js';
import { errorResponses, pagination, repositoryQuery } from '../schemas.js';

/** Topics anyone who may read statuses may follow; anything else (build logs) needs full access, as in the reference. */
const READ_TOPICS: ReadonlySet<EventType> = new Set(EVENT_TYPES.filter((type) => type !== 'build-log'));

const repeated = <T extends z.ZodMiniType>(item: T) => z.pipe(z.optional(z.union([item, z.array(item)])), z.transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value])));

const streamQuery = z.extend(repositoryQuery, { event: repeated(z.enum(EVENT_TYPES)), object_id: repeated(z.string()) });

function streamPermission(request: FastifyRequest): UserAccess {
  const parsed = streamQuery.safeParse(request.query);
  const topics = parsed.success ? parsed.data.event : [];
  return topics.length > 0 && topics.every((topic) => READ_TOPICS.has(topic)) ? 'read' : 'full';
}

function sseMessage(event: Event): string {
  const { event: type, ...data } = eventJson(event);
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function eventRoutes(app: WebApp, web: WebContext): void {
  app.get(
    '/api/v1/events',
    {
      config: { permission: 'full' },
      schema: {
        querystring: z.extend(repositoryQuery, {
          event: z.optional(z.enum(EVENT_TYPES)),
          object_id: z.optional(z.string()),
          from_date: z.optional(z.pipe(z.coerce.number(), z.int())),
          to_date: z.optional(z.pipe(z.coerce.number(), z.int())),
          ...pagination,
        }),
        response: { 200: z.array(listedEventSchema), ...errorResponses },
      },
    },
    async (request) => {
      const { event, object_id: objectId, from_date: fromDate, to_date: toDate, limit, offset } = request.query;
      const events = await selectRepository(web, request.query).status.client.events({
        ...(event === undefined ? {} : { event }),
        ...(objectId === undefined ? {} : { objectId }),
        ...(fromDate === undefined ? {} : { fromDate }),
        ...(toDate === undefined ? {} : { toDate }),
        limit,
        offset,
      });
      return events.map(eventJson);
    },
  );

  app.post(
    '/api/v1/events',
    { config: { permission: 'full' }, schema: { querystring: repositoryQuery, body: eventSchema, response: { 204: z.null(), ...errorResponses } } },
    async (request, reply) => {
      const { event, object_id: objectId, message, created, data } = request.body;
      const repository = selectRepository(web, request.query);
      await applyOnce(request, repository, () => repository.status.client.eventAdd({ event, objectId, message, created: created ?? currentUnixTime(), data }));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/events/stream',
    { config: { permission: streamPermission }, schema: { querystring: streamQuery, response: { 200: z.string(), ...errorResponses } } },
    async (request, reply) => {
      const repository = selectRepository(web, request.query);
      const limit = web.settings.maxQueueSize;
      reply.hijack();
      const { raw } = reply;
      raw.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        // nginx passes the stream on as it comes instead of buffering it: the dashboard waits for it to open
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      raw.write(': connected\n\n');
      // messages the socket has not taken yet; a subscriber that never reads is dropped when it reaches the limit
      let waiting = 0;
      raw.on('drain', () => {
        waiting = 0;
      });
      const unsubscribe = web.bus.subscribe({
        repository: repository.id.id,
        events: new Set(request.query.event),
        objects: new Set(request.query.object_id),
        deliver(event) {
          if (waiting >= limit) return false;
          if (!raw.write(sseMessage(event))) waiting += 1;
          return true;
        },
        dropped() {
          raw.destroy();
        },
      });
      raw.on('close', unsubscribe);
    },
  );
}
