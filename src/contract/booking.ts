import { Type, type Static } from 'typebox';
import { CodeText } from './codes.js';
import { Id, Name } from './common.js';

// Booking's payloads: holds, checkout, orders and their tickets, check-in at the door, and the
// organizer's live snapshot of a sale.

/** A buyer may never hold more than this many seats at once, whatever a performance allows. */
export const MAX_SEATS_PER_HOLD = 50;

export const HoldBody = Type.Union([
  Type.Object(
    {
      seatNos: Type.Array(Type.Integer({ minimum: 0, maximum: 99_999 }), {
        minItems: 1,
        maxItems: MAX_SEATS_PER_HOLD,
      }),
      code: Type.Optional(CodeText),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      grade: Type.String({ minLength: 1, maxLength: 20 }),
      quantity: Type.Integer({ minimum: 1, maximum: MAX_SEATS_PER_HOLD }),
      code: Type.Optional(CodeText),
    },
    { additionalProperties: false },
  ),
  /** Places of a standing area, by its name (any case): any of its free places, as many as asked. */
  Type.Object(
    {
      area: Type.String({ minLength: 1, maxLength: 50, description: 'the standing area, by its name' }),
      quantity: Type.Integer({ minimum: 1, maximum: MAX_SEATS_PER_HOLD }),
      code: Type.Optional(CodeText),
    },
    { additionalProperties: false },
  ),
]);
export type HoldBody = Static<typeof HoldBody>;

/** Printable ASCII, as HTTP carries it: a UUID, or any token the client keeps for its retries. */
const IdempotencyKey = (description: string) =>
  Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$', description });

export const HoldHeaders = Type.Object({
  'x-queue-pass': Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  'idempotency-key': Type.Optional(
    IdempotencyKey('optional: a retry with the same key gets the hold the first request made'),
  ),
});

export const HoldSchema = Type.Object({
  holdId: Type.String(),
  performanceId: Type.String(),
  seatNos: Type.Array(Type.Integer()),
  amount: Type.Integer(),
  currency: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  state: Type.Enum(['active', 'released', 'expired', 'ordered']),
});
export type Hold = Static<typeof HoldSchema>;

export const CheckoutBody = Type.Object(
  {
    payment: Type.Object(
      { card: Type.String({ pattern: '^[0-9]{12,19}$', description: 'card number, digits only' }) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type CheckoutBody = Static<typeof CheckoutBody>;

export const CheckoutHeaders = Type.Object({
  'idempotency-key': Type.Optional(IdempotencyKey('required')),
});

const Instant = Type.String({ format: 'date-time' });

/**
 * A ticket says where to sit: the labels a person reads beside the seat number, and what it cost. A
 * standing ticket names only its area (`standing: true`, `section` the area; `row` and `seat` empty).
 */
export const TicketSchema = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  performanceId: Type.String(),
  code: Type.String(),
  status: Type.Enum(['valid', 'used', 'void']),
  seatNo: Type.Integer(),
  section: Type.String(),
  row: Type.String(),
  seat: Type.String(),
  standing: Type.Optional(Type.Boolean({ description: 'a place in the standing area `section`' })),
  grade: Type.String(),
  price: Type.Integer(),
  checkedInAt: Type.Union([Instant, Type.Null()]),
  qrUrl: Type.String(),
});
export type Ticket = Static<typeof TicketSchema>;

/** Money given back: who asked (the buyer, an admin, or Tmomi itself when a hold was lost), and why. */
export const RefundSchema = Type.Object({
  id: Type.String(),
  amount: Type.Integer(),
  ticketIds: Type.Array(Type.String()),
  by: Type.Enum(['buyer', 'admin', 'system']),
  adminId: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
  /** pending: decided and the tickets void, the provider not yet confirmed (retried until it does). */
  state: Type.Enum(['pending', 'succeeded']),
  createdAt: Instant,
  completedAt: Type.Union([Instant, Type.Null()]),
});
export type Refund = Static<typeof RefundSchema>;

export const OrderSchema = Type.Object({
  id: Type.String(),
  holdId: Type.String(),
  performanceId: Type.String(),
  seatNos: Type.Array(Type.Integer()),
  /** What was charged; `total` says the same for the ticket pages. */
  amount: Type.Integer(),
  total: Type.Integer(),
  refundedAmount: Type.Integer(),
  currency: Type.String(),
  /** paid stays paid while any ticket is valid; refunded once every ticket is. */
  status: Type.Enum(['pending', 'paid', 'cancelled', 'refunded']),
  reason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Instant,
  performance: Type.Object({ id: Type.String(), startsAt: Instant, refundUntil: Instant }),
  event: Type.Object({ id: Type.String(), title: Type.String() }),
  venue: Type.Object({ name: Type.String(), address: Type.String() }),
  tickets: Type.Array(TicketSchema),
  refunds: Type.Array(RefundSchema),
});
export type Order = Static<typeof OrderSchema>;

export const OrdersQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  before: Type.Optional(
    Type.String({ pattern: '^[1-9][0-9]{0,17}$', description: 'an order id: the page after it' }),
  ),
});

export const TicketsPdfQuery = Type.Object({
  lang: Type.Optional(
    Type.Enum(['ko', 'en'], { description: "the tickets' language; by default from Accept-Language" }),
  ),
});

const TicketIds = Type.Array(Id, {
  minItems: 1,
  maxItems: MAX_SEATS_PER_HOLD,
  uniqueItems: true,
  description: 'the tickets to refund (a partial refund); all valid tickets of the order when left out',
});

export const CancelBody = Type.Object(
  { ticketIds: Type.Optional(TicketIds) },
  { additionalProperties: false },
);
export type CancelBody = Static<typeof CancelBody>;

export const AdminRefundBody = Type.Object(
  { reason: Name(500), ticketIds: Type.Optional(TicketIds) },
  { additionalProperties: false },
);
export type AdminRefundBody = Static<typeof AdminRefundBody>;

export const RefundHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    IdempotencyKey('optional: a retry with the same key refunds once and answers the order as it is'),
  ),
});

export const CheckinBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 100 }),
    performanceId: Type.String({ ...Id, description: 'the performance this door admits to' }),
  },
  { additionalProperties: false },
);
export type CheckinBody = Static<typeof CheckinBody>;

/** The door's running count: tickets checked in, of those sold and still valid or used. */
export const DoorCountSchema = Type.Object({
  performanceId: Type.String(),
  startsAt: Instant,
  checkedIn: Type.Integer({ minimum: 0 }),
  sold: Type.Integer({ minimum: 0 }),
});
export type DoorCount = Static<typeof DoorCountSchema>;

const Count = Type.Integer({ minimum: 0 });

export const SaleStatsSchema = Type.Object({
  at: Type.String({ format: 'date-time' }),
  queue: Type.Object({ waiting: Count, active: Count, admittedTotal: Count }),
  tickets: Type.Object({ available: Count, held: Count, sold: Count }),
  revenue: Type.Object({ amount: Count, currency: Type.String() }),
  orders: Type.Object({ paid: Count, refunded: Count, cancelled: Count }),
});
export type SaleStats = Static<typeof SaleStatsSchema>;

/** POST /api/admin/performances/:id/blocked-seats (and …/release): the seats to block or give back. */
export const BlockSeatsBody = Type.Object(
  {
    seatNos: Type.Array(Type.Integer({ minimum: 0, maximum: 99_999 }), {
      minItems: 1,
      maxItems: 5_000,
      uniqueItems: true,
    }),
  },
  { additionalProperties: false },
);
export type BlockSeatsBody = Static<typeof BlockSeatsBody>;

/** A performance's seats never for sale (decision 033): its venue's layout's, and those blocked for it. */
export const BlockedSeatsSchema = Type.Object({
  performanceId: Type.String(),
  layout: Type.Array(Type.Integer(), {
    description: 'blocked in the layout: at every performance, for good',
  }),
  performance: Type.Array(Type.Integer(), { description: 'blocked by an organizer for this performance' }),
});
export type BlockedSeats = Static<typeof BlockedSeatsSchema>;
