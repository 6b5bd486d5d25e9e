import type { WaitlistMarks } from '../../queue/waitlist-marks.js';
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
  amount: number;
  currency: string;
  expiresAt: string;
}

/** A hold that ended (released, expired, paid for); one placed with a queue pass was never an offer. */
export interface EndedHold {
  holdId: string;
  userId: string;
  passId: string | null;
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
 * What the engine hears of the waiting list after PostgreSQL committed a change: offers are marked in
 * the gate as the holds they are, and shown on their buyers' queue channel (the queue's poll and event
 * stream, decision 028) until they end.
 */
export class WaitlistOffers {
  constructor(
    private readonly deps: { gate: BookingGate; marks: Pick<WaitlistMarks, 'offered' | 'ended'> },
  ) {}

  /**
   * Holds that ended — those that were offers leave their buyers' channels (a hold placed with a queue
   * pass was none, and costs no engine call) — and the offers their seats made, if any.
   */
  async handedOn(
    performanceId: string,
    ended: readonly EndedHold[],
    made: readonly WaitlistOffer[] | undefined,
  ): Promise<void> {
    const { gate, marks } = this.deps;
    const offers = made ?? [];
    const passless = ended.filter((h) => h.passId === null);
    await Promise.all([
      passless.length > 0 ? marks.ended(performanceId, passless) : undefined,
      markOffers(gate, performanceId, offers),
      offers.length > 0
        ? marks.offered(
            performanceId,
            offers.map(({ userId, holdId, seatNos, amount, currency, expiresAt }) => ({
              userId,
              offer: { holdId, seatNos, amount, currency, expiresAt: Date.parse(expiresAt) },
            })),
          )
        : undefined,
    ]);
  }
}

/**
 * The engine hears of offers as of any hold: each offer's seats are marked in the gate by its hold
 * (after the seats' previous hold or sale was taken off), and stay taken on the seat map — the caller
 * marks free only the seats that went to open sale. A gate that refuses a mark (a provisional mark of
 * another request, or no gate loaded) is rebuilt from PostgreSQL, which holds the offer.
 */
async function markOffers(
  gate: BookingGate,
  performanceId: string,
  offers: readonly WaitlistOffer[],
): Promise<void> {
  if (offers.length === 0) return;
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
