import { Type } from 'typebox';
import { on } from '../auth/access-rule.js';
import QRCode from 'qrcode';
import { callerOf, type Guard } from '../auth/guard.js';
import {
  AdminRefundBody,
  CancelBody,
  CheckinBody,
  DoorCountSchema,
  OrderSchema,
  OrdersQuery,
  RefundHeaders,
  TicketSchema,
  TicketsPdfQuery,
} from '../contract/booking.js';
import { IdParams } from '../contract/common.js';
import { emptyBody, type App } from '../platform/http.js';
import type { OrderService } from './orders/service.js';
import { errors, security } from './route-schemas.js';
import type { TicketService } from './tickets/service.js';

/** After the sale: the buyer's orders, refunds and tickets, the box office's refund, and the door. */
export function afterSaleRoutes(
  app: App,
  deps: { orders: OrderService; tickets: TicketService; guard: Guard },
) {
  const { orders, tickets, guard } = deps;

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
      preValidation: emptyBody,
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
      config: { access: on('order', 'manage', { action: 'order.refund' }) },
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
      config: {
        access: on('performance', 'checkin', { from: 'body.performanceId', action: 'ticket.checkin' }),
      },
      schema: {
        tags: ['admin'],
        security,
        summary: "Admit a ticket code at a performance's door, once; answers where the holder sits",
        body: CheckinBody,
        response: { 200: TicketSchema, ...errors },
      },
    },
    async (req) => tickets.checkIn(req.body.code, req.body.performanceId, callerOf(req).userId),
  );

  app.get(
    '/api/admin/performances/:id/checkins',
    {
      config: { access: on('performance', 'checkin') },
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
}
