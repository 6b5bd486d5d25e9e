import { Type, type Static } from 'typebox';
import { OrderSchema } from './booking.js';
import { Id, Text } from './common.js';

// The organizer's side after the sale (issue 18): the order desk, the exports and the post-sale report.

const Instant = Type.String({ format: 'date-time' });
const Count = Type.Integer({ minimum: 0 });

export const DESK_PAGE_SIZE = 20;

export const DeskOrdersQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        ...Text(200),
        description:
          'a buyer email (partial, any case), an order id, a ticket code, or a seat ("A구역 3열 5번", ' +
          '"Section A · Row 3 · Seat 5", "A-3-5")',
      }),
    ),
    performanceId: Type.Optional(Id),
    status: Type.Optional(Type.Enum(['pending', 'paid', 'cancelled', 'refunded'])),
    page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
  },
  { additionalProperties: false },
);
export type DeskOrdersQuery = Static<typeof DeskOrdersQuery>;

export const DeskSeatSchema = Type.Object({
  section: Type.String(),
  row: Type.String(),
  seat: Type.String(),
});

/** One line of the desk's result list: enough to tell orders apart without opening them. */
export const DeskOrderLineSchema = Type.Object({
  id: Type.String(),
  status: Type.Enum(['pending', 'paid', 'cancelled', 'refunded']),
  amount: Count,
  currency: Type.String(),
  createdAt: Instant,
  buyer: Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() }),
  performance: Type.Object({ id: Type.String(), startsAt: Instant }),
  event: Type.Object({ id: Type.String(), title: Type.String() }),
  seats: Type.Array(DeskSeatSchema),
});
export type DeskOrderLine = Static<typeof DeskOrderLineSchema>;

export const DeskOrderPageSchema = Type.Object({
  items: Type.Array(DeskOrderLineSchema),
  page: Type.Integer({ minimum: 1 }),
  pageSize: Type.Integer({ minimum: 1 }),
  total: Count,
});
export type DeskOrderPage = Static<typeof DeskOrderPageSchema>;

/**
 * What happened to an order, oldest first, each with who and when. `actor` is null where nothing
 * records who (a check-in from before its steward was recorded); a check-in's actor is the staff member
 * or admin who scanned it, with the role `admin` (the organizer's side).
 */
export const TimelineEntrySchema = Type.Object({
  at: Instant,
  kind: Type.Enum([
    'created',
    'paid',
    'payment-failed',
    'cancelled',
    'refunded',
    'refund-paid',
    'checked-in',
  ]),
  actor: Type.Union([
    Type.Object({
      role: Type.Enum(['buyer', 'admin', 'system']),
      id: Type.Union([Type.String(), Type.Null()]),
      email: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
  amount: Type.Union([Type.Integer(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  ticketIds: Type.Array(Type.String()),
});
export type TimelineEntry = Static<typeof TimelineEntrySchema>;

export const DeskOrderDetailSchema = Type.Object({
  order: OrderSchema,
  buyer: Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() }),
  timeline: Type.Array(TimelineEntrySchema),
});
export type DeskOrderDetail = Static<typeof DeskOrderDetailSchema>;

/** A figure that may not be known: null with `basis` saying why, never a made-up number. */
const Known = Type.Union([Count, Type.Null()]);

export const SaleReportSchema = Type.Object({
  at: Instant,
  performance: Type.Object({
    id: Type.String(),
    eventTitle: Type.String(),
    startsAt: Instant,
    salesOpenAt: Instant,
    salesCloseAt: Instant,
    seatCount: Count,
  }),
  currency: Type.String(),
  queue: Type.Object({
    enabled: Type.Boolean(),
    joined: Known,
    prequeue: Known,
    admitted: Known,
    left: Known,
    /** Skipped at their turn because nobody had seen them for a while (closed the page). */
    abandoned: Known,
    passesExpired: Known,
    waitingNow: Known,
    /** Distinct buyers with a paid order (PostgreSQL). */
    bought: Count,
    /** Where each figure comes from, and when it is gone. */
    basis: Type.String(),
  }),
  /** Seconds from the sales opening to the sale of the last seat; null while any seat is unsold. */
  soldOutAfterSeconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  tickets: Type.Object({ sold: Count, refunded: Count, checkedIn: Count, available: Count, held: Count }),
  revenue: Type.Object({ gross: Count, refunded: Count, net: Type.Integer() }),
  orders: Type.Object({ paid: Count, refunded: Count, cancelled: Count, refunds: Count }),
  grades: Type.Array(
    Type.Object({
      grade: Type.String(),
      seats: Count,
      sold: Count,
      revenue: Type.Integer(),
      checkedIn: Count,
    }),
  ),
  /** Tickets sold per minute from the first sale, at most 240 minutes (then `perMinuteTruncated`). */
  perMinute: Type.Array(Type.Object({ minute: Instant, tickets: Count })),
  perMinuteTruncated: Type.Boolean(),
});
export type SaleReport = Static<typeof SaleReportSchema>;
