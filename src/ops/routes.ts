import type { App } from '../platform/http.js';
import type { Metrics } from '../platform/metrics.js';
import { errorBody } from '../contract/errors.js';
import { HealthSchema } from '../contract/ops.js';
import type { Readiness } from './readiness.js';

export function opsRoutes(app: App, deps: { readiness: Readiness; metrics: Metrics }) {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Liveness: the process is up',
        response: { 200: HealthSchema },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    { schema: { tags: ['ops'], summary: 'Readiness: database and engine reachable, not draining' } },
    async (_req, reply) => {
      const report = await deps.readiness.check();
      if (report.ready) return report;
      return reply.code(503).send(errorBody('NOT_READY', undefined, report.checks));
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['ops'], summary: 'Prometheus metrics', hide: true } },
    async (_req, reply) =>
      reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
}
