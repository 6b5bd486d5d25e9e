import type { Guard } from '../auth/guard.js';
import type { App } from '../platform/http.js';
import { PerformancePatch, PerformanceSchema } from '../contract/catalog.js';
import { ErrorResponse, IdParams } from '../contract/common.js';
import type { Catalog } from './catalog.js';

const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse };
const admin = { tags: ['admin'], security: [{ bearer: [] }] };

/** Live sale controls (issue 18): each applied on every node within two seconds. */
export function liveControlRoutes(app: App, deps: { catalog: Catalog; guard: Guard }) {
  const { catalog, guard } = deps;

  app.patch(
    '/api/admin/performances/:id',
    {
      onRequest: guard.admin,
      schema: {
        ...admin,
        summary:
          'Edit a performance live: sale window (a close now ends the sale), hold TTL, per-buyer cap, refund deadline, queue rate, ceiling and pass TTL',
        params: IdParams,
        body: PerformancePatch,
        response: { 200: PerformanceSchema, ...errors },
      },
    },
    async (req) => catalog.live.update(req.params.id, req.body),
  );

  app.post(
    '/api/admin/performances/:id/queue/pause',
    {
      onRequest: guard.admin,
      schema: {
        ...admin,
        summary:
          'Pause admission: joins are still taken in order, nobody is admitted, waiters see state "paused"; admitted buyers keep their pass',
        params: IdParams,
        response: { 200: PerformanceSchema, ...errors },
      },
    },
    async (req) => catalog.live.setPaused(req.params.id, true),
  );

  app.post(
    '/api/admin/performances/:id/queue/resume',
    {
      onRequest: guard.admin,
      schema: {
        ...admin,
        summary: 'Resume admission, in the order people joined',
        params: IdParams,
        response: { 200: PerformanceSchema, ...errors },
      },
    },
    async (req) => catalog.live.setPaused(req.params.id, false),
  );
}
