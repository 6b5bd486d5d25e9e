import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { accessOf, anyMember, on } from '../auth/access-rule.js';
import { IdParams } from '../contract/common.js';
import {
  DESK_PAGE_SIZE,
  DeskOrderDetailSchema,
  DeskOrderPageSchema,
  DeskOrdersQuery,
  SaleReportSchema,
} from '../contract/desk.js';
import type { App } from '../platform/http.js';
import type { DeskService } from './desk/service.js';
import type { ExportKind } from './exports/repository.js';
import type { ExportService } from './exports/service.js';
import type { ReportService } from './report/service.js';
import { errors, security } from './route-schemas.js';

/** The organizer's side after the sale: the order desk, the CSV exports, the post-sale report. */
export function deskRoutes(
  app: App,
  deps: { desk: DeskService; exports: ExportService; report: ReportService },
) {
  const { desk, exports, report } = deps;

  app.get(
    '/api/admin/orders',
    {
      config: { access: anyMember('manage') },
      schema: {
        tags: ['admin'],
        security,
        summary: 'The order desk: find orders by buyer email, order id, ticket code or seat; newest first',
        description: `Pages of ${DESK_PAGE_SIZE} by order id, newest first; a page past the end is 404 PAGE_OUT_OF_RANGE.`,
        querystring: DeskOrdersQuery,
        response: { 200: DeskOrderPageSchema, ...errors },
      },
    },
    async (req) => {
      // A member finds the orders of the organizations they manage; a platform admin, everyone's.
      const { platformAdmin, memberships } = accessOf(req);
      const managed = memberships.filter((m) => m.role !== 'staff').map((m) => m.organizationId);
      return desk.search(req.query, platformAdmin ? null : managed);
    },
  );

  app.get(
    '/api/admin/orders/:id',
    {
      config: { access: on('order', 'manage') },
      schema: {
        tags: ['admin'],
        security,
        summary: 'Any order with its buyer, tickets and timeline (created, paid, refunds, check-ins)',
        params: IdParams,
        response: { 200: DeskOrderDetailSchema, ...errors },
      },
    },
    async (req) => desk.order(req.params.id),
  );

  const csv = (kind: ExportKind, summary: string) =>
    app.get(
      `/api/admin/performances/:id/${kind}.csv`,
      {
        config: { access: on('performance', 'manage') },
        schema: {
          tags: ['admin'],
          security,
          summary,
          description:
            'UTF-8 with a byte order mark (so spreadsheet apps show Hangul), RFC 4180 quoting; streamed.',
          params: IdParams,
          response: { 200: Type.Unsafe<Readable>({ type: 'string', format: 'binary' }), ...errors },
        },
      },
      async (req, reply) => {
        const file = await exports.csv(kind, req.params.id);
        return reply
          .type('text/csv; charset=utf-8')
          .header(
            'content-disposition',
            `attachment; filename="tmomi-performance-${req.params.id}-${kind}.csv"`,
          )
          .header('cache-control', 'private, no-store')
          .send(file);
      },
    );
  csv(
    'attendees',
    "The performance's tickets, one row each: order, buyer, seat, grade, price, status, check-in",
  );
  csv('orders', "The performance's orders, one row each: buyer, seats, amount, refunded, status, times");
  csv(
    'codes',
    "The performance's access codes, one row each: code, uses allowed and counted, discount, grades",
  );

  app.get(
    '/api/admin/performances/:id/report',
    {
      config: { access: on('performance', 'manage') },
      schema: {
        tags: ['admin'],
        security,
        summary:
          'The post-sale report: queue funnel, time to sell out, sales per grade and minute, money, door',
        description: 'A figure Tmomi does not record is null; `queue.basis` says where each one comes from.',
        params: IdParams,
        response: { 200: SaleReportSchema, ...errors },
      },
    },
    async (req) => report.report(req.params.id),
  );
}
