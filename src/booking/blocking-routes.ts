import { on } from '../auth/access-rule.js';
import { BlockedSeatsSchema, BlockSeatsBody } from '../contract/booking.js';
import { IdParams } from '../contract/common.js';
import type { App } from '../platform/http.js';
import type { BlockingService } from './blocking/service.js';
import { errors, security } from './route-schemas.js';

/** The organizer's blocked seats of a performance (decision 033): listed, blocked, released. */
export function blockingRoutes(app: App, deps: { blocking: BlockingService }) {
  const { blocking } = deps;

  app.get(
    '/api/admin/performances/:id/blocked-seats',
    {
      config: { access: on('performance', 'manage') },
      schema: {
        tags: ['admin'],
        security,
        summary: "The performance's seats never for sale: blocked in the venue's layout, and blocked for it",
        params: IdParams,
        response: { 200: BlockedSeatsSchema, ...errors },
      },
    },
    async (req) => blocking.list(req.params.id),
  );

  app.post(
    '/api/admin/performances/:id/blocked-seats',
    {
      config: { access: on('performance', 'manage', { action: 'performance.block-seats' }) },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Block seats of this performance: never held, sold or shown free until released',
        description:
          'All or nothing. 409 SEATS_HELD_OR_SOLD (details.held, details.sold) when a seat is held or sold: ' +
          'block it once it comes back. A seat whose hold has lapsed is taken over. Blocking a blocked seat ' +
          'changes nothing. 409 TICKETS_NOT_READY while the tickets are still being generated.',
        params: IdParams,
        body: BlockSeatsBody,
        response: { 200: BlockedSeatsSchema, ...errors },
      },
    },
    async (req) => blocking.block(req.params.id, req.body.seatNos),
  );

  app.post(
    '/api/admin/performances/:id/blocked-seats/release',
    {
      config: { access: on('performance', 'manage', { action: 'performance.release-seats' }) },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Release seats blocked for this performance: to the waiting list first, the rest on sale',
        description:
          "Seats not blocked are left as they are. 409 SEATS_BLOCKED_IN_LAYOUT for seats the venue's layout " +
          'blocks: no performance sells those.',
        params: IdParams,
        body: BlockSeatsBody,
        response: { 200: BlockedSeatsSchema, ...errors },
      },
    },
    async (req) => blocking.release(req.params.id, req.body.seatNos),
  );
}
