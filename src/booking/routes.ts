import { Type } from 'typebox';
import QRCode from 'qrcode';
import { callerOf, type Guard } from '../auth/guard.js';
import {
  AdminRefundBody,
  CancelBody,
  CheckinBody,
  CheckoutBody,
  CheckoutHeaders,
  HoldBody,
  HoldHeaders,
  HoldSchema,
  OrderSchema,
  OrdersQuery,
  TicketsPdfQuery,
  DoorCountSchema,
  RefundHeaders,
  SaleStatsSchema,
  TicketSchema,
} from '../contract/booking.js';
import { ErrorResponse, IdParams, UuidParams } from '../contract/common.js';
import { AppError } from '../contract/errors.js';
import type { App } from '../platform/http.js';
import type { CheckoutService } from './checkout/service.js';
import type { HoldService } from './holds/service.js';
import { holdView } from './holds/view.js';
import type { OrderService } from './orders/service.js';
import type { SaleStatsService } from './stats.js';
import type { TicketService } from './tickets/service.js';

const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  402: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  410: ErrorResponse,
  422: ErrorResponse,
  504: ErrorResponse,
};
const security = [{ bearer: [] }];

export function bookingRoutes(
  app: App,
  deps: {
    holds: HoldService;
    checkout: CheckoutService;
    orders: OrderService;
    tickets: TicketService;
    stats: SaleStatsService;
    guard: Guard;
  },
) {
  const { holds, checkout, orders, tickets, stats, guard } = deps;

  app.post(
    '/api/performances/:id/holds',
    {
      onRequest: guard.user,
      schema: {
        tags: ['booking'],
        security,
        summary: 'Hold seats: explicit seatNos, or the best available of a grade (all or nothing)',
        description:
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
    '/api/orders',
    {
      onRequest: guard.user,
      schema: {
        tags: ['orders'],
        security,
        summary: 'Your orders, newest first (page with ?before=<last id>)',
        querystring: OrdersQuery,
        response: { 200: Type.Array(OrderSchema), ...errors },
      },
    },
    async (req) => orders.orders(callerOf(req).userId, req.query.limit, req.query.before),
  );

  app.get(
    '/api/orders/:id',
    {
      onRequest: guard.user,
      schema: {
        tags: ['orders'],
        security,
        summary: 'One of your orders',
        params: IdParams,
        response: { 200: OrderSchema, ...errors },
      },
    },
    async (req) => orders.order(req.params.id, callerOf(req).userId),
  );

  app.post(
    '/api/orders/:id/cancel',
    {
      onRequest: guard.user,
      // A cancel of the whole order may come with no body at all (as it always could).
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        tags: ['orders'],
        security,
        summary: 'Cancel tickets of your order for a refund: all of them, or those named (a partial refund)',
        description:
          'The seats go back on sale at once; the money is paid back to the card. Refused once any ticket ' +
          "to refund has been used at the door (TICKET_USED), and after the performance's refundUntil " +
          '(REFUND_CLOSED). With an Idempotency-Key, a retry refunds once and answers the order as it is.',
        params: IdParams,
        headers: RefundHeaders,
        body: CancelBody,
        response: { 200: OrderSchema, ...errors },
      },
    },
    async (req) =>
      orders.cancel(req.params.id, callerOf(req).userId, {
        ticketIds: req.body.ticketIds,
        key: req.headers['idempotency-key'],
      }),
  );

  app.get(
    '/api/orders/:id/tickets.pdf',
    {
      onRequest: guard.user,
      schema: {
        tags: ['orders'],
        security,
        summary: "Your order's tickets as a PDF: one page a ticket, with its seat and QR code",
        params: IdParams,
        querystring: TicketsPdfQuery,
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), ...errors },
      },
    },
    async (req, reply) => {
      const locale = req.query.lang ?? (/^\s*ko\b/i.test(req.headers['accept-language'] ?? '') ? 'ko' : 'en');
      const pdf = await orders.ticketsPdf(req.params.id, callerOf(req).userId, locale);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="tmomi-order-${req.params.id}.pdf"`)
        .header('cache-control', 'private, no-store')
        .send(pdf);
    },
  );

  app.post(
    '/api/admin/orders/:id/refund',
    {
      onRequest: guard.admin,
      schema: {
        tags: ['admin'],
        security,
        summary: "Refund an order's tickets (all, or those named) as the box office, with a reason",
        description:
          'Recorded with the admin and the reason; not bound by the refund deadline. Used tickets are not refunded.',
        params: IdParams,
        headers: RefundHeaders,
        body: AdminRefundBody,
        response: { 200: OrderSchema, ...errors },
      },
    },
    async (req) =>
      orders.adminRefund(req.params.id, callerOf(req).userId, req.body.reason, {
        ticketIds: req.body.ticketIds,
        key: req.headers['idempotency-key'],
      }),
  );

  app.get(
    '/api/tickets/:id',
    {
      onRequest: guard.user,
      schema: {
        tags: ['orders'],
        security,
        summary: 'One of your tickets',
        params: IdParams,
        response: { 200: TicketSchema, ...errors },
      },
    },
    async (req) => tickets.ticket(req.params.id, callerOf(req).userId),
  );

  app.get(
    '/api/tickets/:id/qr.svg',
    {
      onRequest: guard.user,
      schema: {
        tags: ['orders'],
        security,
        summary: "Your ticket's code as a QR image (SVG)",
        params: IdParams,
        response: { 200: Type.String(), ...errors },
      },
    },
    async (req, reply) => {
      const ticket = await tickets.ticket(req.params.id, callerOf(req).userId);
      const svg = await QRCode.toString(ticket.code, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return reply.type('image/svg+xml').header('cache-control', 'private, max-age=3600').send(svg);
    },
  );

  app.post(
    '/api/admin/checkin',
    {
      onRequest: guard.admin,
      schema: {
        tags: ['admin'],
        security,
        summary: "Admit a ticket code at a performance's door, once; answers where the holder sits",
        body: CheckinBody,
        response: { 200: TicketSchema, ...errors },
      },
    },
    async (req) => tickets.checkIn(req.body.code, req.body.performanceId),
  );

  app.get(
    '/api/admin/performances/:id/checkins',
    {
      onRequest: guard.admin,
      schema: {
        tags: ['admin'],
        security,
        summary: "The door's running count: tickets checked in, of those sold",
        params: IdParams,
        response: { 200: DoorCountSchema, ...errors },
      },
    },
    async (req) => tickets.doorCount(req.params.id),
  );

  app.get(
    '/api/admin/performances/:id/stats',
    {
      onRequest: guard.admin,
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
