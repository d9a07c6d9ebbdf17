import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import * as z from 'zod/mini';
import { Counter, Histogram, type OpenMetricsContentType, Registry } from 'prom-client';

/**
 * Request counters and latencies per route, exposed in the OpenMetrics format at /api/v1/metrics (prom-client: the
 * standard Prometheus client for Node).
 */
export const metricsPlugin = fp(async (app: FastifyInstance) => {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'ahriman_http_requests', help: 'HTTP requests answered', labelNames, registers: [registry] });
  const duration = new Histogram({ name: 'ahriman_http_request_duration_seconds', help: 'HTTP request latency', labelNames, registers: [registry] });
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
  app.get('/api/v1/metrics', { config: { permission: 'unauthorized' }, schema: { response: { 200: z.string().check(z.describe('OpenMetrics text')) } } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
});
