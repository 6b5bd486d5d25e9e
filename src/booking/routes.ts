import { Type } from 'typebox';
import { on } from '../auth/access-rule.js';
import { callerOf, type Guard } from '../auth/guard.js';
import {
  CheckoutBody,
  CheckoutHeaders,
  HoldBody,
  HoldHeaders,
  HoldSchema,
  OrderSchema,
  SaleStatsSchema,
} from '../contract/booking.js';
import { IdParams, UuidParams } from '../contract/common.js';
import { accessCodeRoutes } from './access-routes.js';
import { blockingRoutes } from './blocking-routes.js';
import type { BlockingService } from './blocking/service.js';
import type { AccessCodeService } from './access/service.js';
import { afterSaleRoutes } from './after-sale-routes.js';
import { deskRoutes } from './desk-routes.js';
import type { DeskService } from './desk/service.js';
import type { ExportService } from './exports/service.js';
import type { ReportService } from './report/service.js';
import { errors, security } from './route-schemas.js';
import { AppError } from '../contract/errors.js';
import type { RateLimits } from '../engine/coordination/port.js';
import { rateLimit } from '../engine/coordination/rate-limit.js';
import type { App } from '../platform/http.js';
import type { CheckoutService } from './checkout/service.js';
import type { HoldService } from './holds/service.js';
import { holdView } from './holds/view.js';
import type { OrderService } from './orders/service.js';
import type { SaleStatsService } from './stats.js';
import type { TicketService } from './tickets/service.js';
import { waitlistRoutes } from './waitlist-routes.js';
import type { WaitlistService } from './waitlist/service.js';

/**
 * Checkout attempts one buyer may make in a window, over all performances: a buyer pays once per
 * hold and retries a few times at most (a declined card, a payment in progress), so this only stops a
 * script. One engine call before anything else is done; the hold limit is counted by the gate instead
 * (holds/service.ts, HOLD_LIMIT).
 */
export const CHECKOUT_LIMIT = { max: 20, windowMs: 10_000 };

export function bookingRoutes(
  app: App,
  deps: {
    holds: HoldService;
    checkout: CheckoutService;
    orders: OrderService;
    tickets: TicketService;
    stats: SaleStatsService;
    desk: DeskService;
    exports: ExportService;
    report: ReportService;
    accessCodes: AccessCodeService;
    waitlist: WaitlistService;
    blocking: BlockingService;
    guard: Guard;
    limits: RateLimits;
  },
) {
  const { holds, checkout, orders, tickets, stats, guard } = deps;
  afterSaleRoutes(app, { orders, tickets, guard });
  deskRoutes(app, deps);
  accessCodeRoutes(app, deps);
  waitlistRoutes(app, deps);
  blockingRoutes(app, deps);
  const checkoutLimit = rateLimit(deps.limits, {
    name: 'checkout',
    limit: CHECKOUT_LIMIT.max,
    windowMs: CHECKOUT_LIMIT.windowMs,
    key: (req) => callerOf(req).userId,
  });

  app.post(
    '/api/performances/:id/holds',
    {
      onRequest: guard.user,
      schema: {
        tags: ['booking'],
        security,
        summary:
          'Hold seats: explicit seatNos, the best available of a grade, or places of a standing area (all or nothing)',
        description:
          '`{seatNos}`, `{grade, quantity}` or `{area, quantity}` (a standing area by name: any of its free places; ' +
          '422 UNKNOWN_AREA, 422 OVER_CAPACITY above its capacity). A blocked seat is 409 SEAT_UNAVAILABLE. ' +
          'Send the queue pass as X-Queue-Pass when the performance has a waiting room. With an ' +
          'Idempotency-Key, a retried request gets the hold the first one made instead of a second hold.',
        params: IdParams,
        headers: HoldHeaders,
        body: HoldBody,
        response: { 201: HoldSchema, ...errors },
      },
    },
    async (req, reply) => {
      const hold = await holds.create(
        req.params.id,
        callerOf(req).userId,
        req.body,
        req.headers['x-queue-pass'],
        req.headers['idempotency-key'],
      );
      return reply.code(201).send(hold);
    },
  );

  app.get(
    '/api/holds/:id',
    {
      onRequest: guard.user,
      schema: {
        tags: ['booking'],
        security,
        summary: 'One of your holds',
        params: UuidParams,
        response: { 200: HoldSchema, ...errors },
      },
    },
    async (req) => holdView(await holds.get(req.params.id, callerOf(req).userId)),
  );

  app.delete(
    '/api/holds/:id',
    {
      onRequest: guard.user,
      schema: {
        tags: ['booking'],
        security,
        summary: 'Release a hold (idempotent)',
        params: UuidParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await holds.release(req.params.id, callerOf(req).userId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/holds/:id/checkout',
    {
      onRequest: guard.user,
      preHandler: checkoutLimit,
      schema: {
        tags: ['booking'],
        security,
        summary: 'Pay for a hold; retries with the same Idempotency-Key return the same order',
        description:
          'Test cards: 4242424242424242 succeeds, 4000000000000002 is declined, 4000000000009995 times out.',
        params: UuidParams,
        headers: CheckoutHeaders,
        body: CheckoutBody,
        response: { 201: OrderSchema, ...errors },
      },
    },
    async (req, reply) => {
      const key = req.headers['idempotency-key'];
      if (key === undefined) throw new AppError('IDEMPOTENCY_KEY_REQUIRED');
      const order = await checkout.checkout(req.params.id, callerOf(req).userId, key, req.body.payment.card);
      return reply.code(201).send(order);
    },
  );

  app.get(
    '/api/admin/performances/:id/stats',
    {
      config: { access: on('performance', 'manage') },
      schema: {
        tags: ['admin'],
        security,
        summary: "A snapshot of a performance's sale: waiting room, tickets, revenue and orders",
        description: 'The live dashboard polls this every second and draws the history from its samples.',
        params: IdParams,
        response: { 200: SaleStatsSchema, ...errors },
      },
    },
    async (req) => stats.stats(req.params.id),
  );
}
