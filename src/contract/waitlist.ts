import { Type, type Static } from 'typebox';
import { MAX_SEATS_PER_HOLD } from './booking.js';

// The waiting list of a sold-out performance (decision 028): join, leave, and one's place and offer.

export const WaitlistBody = Type.Object(
  {
    grade: Type.Optional(
      Type.String({ minLength: 1, maxLength: 20, description: 'optional: any grade when left out' }),
    ),
    quantity: Type.Integer({
      minimum: 1,
      maximum: MAX_SEATS_PER_HOLD,
      description: "seats wanted together in one offer, up to the performance's per-buyer cap",
    }),
  },
  { additionalProperties: false },
);
export type WaitlistBody = Static<typeof WaitlistBody>;

/** Seats offered: a hold in the buyer's name, paid for at checkout as any hold (no queue pass needed). */
export const WaitlistOfferSchema = Type.Object({
  holdId: Type.String(),
  seatNos: Type.Array(Type.Integer()),
  amount: Type.Integer(),
  currency: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
});
export type WaitlistOfferView = Static<typeof WaitlistOfferSchema>;

export const WaitlistEntrySchema = Type.Object({
  entryId: Type.String(),
  performanceId: Type.String(),
  grade: Type.Union([Type.String(), Type.Null()]),
  quantity: Type.Integer(),
  /**
   * waiting · offered (see `offer`) · claimed (the offer was paid for) · left · lapsed (the offer ran
   * out unclaimed) · declined (the offer was released).
   */
  state: Type.Enum(['waiting', 'offered', 'claimed', 'left', 'lapsed', 'declined']),
  /** 1 for the next to be offered seats; null unless waiting. */
  position: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  /** Everyone waiting on this performance's list. */
  waiting: Type.Integer({ minimum: 0 }),
  joinedAt: Type.String({ format: 'date-time' }),
  offer: Type.Union([WaitlistOfferSchema, Type.Null()]),
});
export type WaitlistEntry = Static<typeof WaitlistEntrySchema>;
