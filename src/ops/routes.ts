import type { App } from '../platform/http.js';
import { errorBody } from '../contract/errors.js';
import { HealthSchema } from '../contract/ops.js';
import type { Readiness } from './readiness.js';

export function opsRoutes(app: App, deps: { readiness: Readiness }) {
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
}
