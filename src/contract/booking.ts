import { Type, type Static } from 'typebox';

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
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      grade: Type.String({ minLength: 1, maxLength: 20 }),
      quantity: Type.Integer({ minimum: 1, maximum: MAX_SEATS_PER_HOLD }),
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

export const TicketSchema = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  performanceId: Type.String(),
  seatNo: Type.Integer(),
  code: Type.String(),
  status: Type.Enum(['valid', 'used', 'void']),
  checkedInAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  qrUrl: Type.String(),
});
export type Ticket = Static<typeof TicketSchema>;

export const OrderSchema = Type.Object({
  id: Type.String(),
  holdId: Type.String(),
  performanceId: Type.String(),
  seatNos: Type.Array(Type.Integer()),
  amount: Type.Integer(),
  currency: Type.String(),
  status: Type.Enum(['pending', 'paid', 'cancelled', 'refunded']),
  reason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  tickets: Type.Array(TicketSchema),
});
export type Order = Static<typeof OrderSchema>;

export const OrdersQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  before: Type.Optional(
    Type.String({ pattern: '^[1-9][0-9]{0,17}$', description: 'an order id: the page after it' }),
  ),
});

export const CheckinBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
export type CheckinBody = Static<typeof CheckinBody>;

const Count = Type.Integer({ minimum: 0 });

export const SaleStatsSchema = Type.Object({
  at: Type.String({ format: 'date-time' }),
  queue: Type.Object({ waiting: Count, active: Count, admittedTotal: Count }),
  tickets: Type.Object({ available: Count, held: Count, sold: Count }),
  revenue: Type.Object({ amount: Count, currency: Type.String() }),
  orders: Type.Object({ paid: Count, refunded: Count, cancelled: Count }),
});
export type SaleStats = Static<typeof SaleStatsSchema>;
