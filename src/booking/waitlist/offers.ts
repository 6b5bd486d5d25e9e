import type { BookingGate } from '../gate/service.js';

/**
 * A waiting list offer PostgreSQL made (tmomi_offer_seats) while seats came back: a hold of the entry's
 * buyer on seats that never went back to open sale (decision 028).
 */
export interface WaitlistOffer {
  entryId: string;
  holdId: string;
  userId: string;
  seatNos: number[];
  expiresAt: string;
}

/**
 * The gate never counts an offer against the buyer's cap: PostgreSQL already did, under the buyer's
 * lock (an offer is never refused here for a cap the gate may count differently).
 */
const OFFER_CAP = 1_000_000;

/** The seats that went to offers instead of open sale. */
export const offeredSeats = (offers: readonly WaitlistOffer[] | undefined): Set<number> =>
  new Set((offers ?? []).flatMap((o) => o.seatNos));

/**
 * The engine hears of offers as of any hold: each offer's seats are marked in the gate by its hold
 * (after the seats' previous hold or sale was taken off), and stay taken on the seat map — the caller
 * marks free only the seats that went to open sale. A gate that refuses a mark (a provisional mark of
 * another request, or no gate loaded) is rebuilt from PostgreSQL, which holds the offer.
 */
export async function markOffers(
  gate: BookingGate,
  performanceId: string,
  offers: readonly WaitlistOffer[] | undefined,
): Promise<void> {
  if (!offers || offers.length === 0) return;
  const results = await Promise.all(
    offers.map((o) =>
      gate.acquire(
        performanceId,
        { holdId: o.holdId, userId: o.userId, seatNos: o.seatNos, expiresAt: Date.parse(o.expiresAt) },
        OFFER_CAP,
      ),
    ),
  );
  if (results.some((r) => r.outcome !== 'held')) gate.rebuild(performanceId);
}
