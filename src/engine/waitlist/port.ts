/** A waiting list's offer as the engine keeps it: the hold PostgreSQL made for the buyer, until it lapses. */
export interface OfferMark {
  holdId: string;
  seatNos: number[];
  amount: number;
  currency: string;
  /** When the offer lapses (epoch ms): its hold's expiry. */
  expiresAt: number;
}

/** Where a buyer stands on a performance's waiting list, as much as the queue's poll and stream show. */
export type WaitlistMark =
  /** On the list, until `until` (the sale's close: after it the list offers nothing). */
  { state: 'waiting'; until: number } | { state: 'offered'; offer: OfferMark };

/**
 * The waiting list's mirror (decision 028): PostgreSQL keeps the list and makes its offers; after each
 * change commits, booking writes here what the buyer's queue poll and event stream say of it — on the
 * list, or holding an offer — so that a crowd polling a sold-out room never reaches PostgreSQL. One
 * key per buyer and performance, under the performance's hash tag, gone by itself at its instant (a
 * waiting mark's `until`, an offer's expiry); a mark read at or past its instant is none, on both
 * adapters, so the caller's clock decides as it does for passes.
 *
 * A mirror may miss a change (a node dies between PostgreSQL's commit and its write here, Redis is
 * wiped): then the queue's channel says less than the waiting list's own page, never anything that
 * lets a buyer pay for seats PostgreSQL did not offer them (checkout asks PostgreSQL).
 */
export interface Waitlist {
  /**
   * The buyer waits on the list until `until`, unless a live mark of theirs is there already (an
   * offer written meanwhile is newer news than the join that wrote this). True when written.
   */
  waitlistWaiting(perf: string, userId: string, until: number, now: number): Promise<boolean>;
  /** An offer made to the buyer: replaces their mark, whatever it said. */
  waitlistOffered(perf: string, userId: string, offer: OfferMark): Promise<void>;
  /**
   * Removes the buyer's mark if it still says what ended: the offer of hold `holdId`, or (null) the
   * wait. An end that arrives late never removes newer news. True when removed.
   */
  waitlistEnd(perf: string, userId: string, holdId: string | null): Promise<boolean>;
  /** The marks of these buyers, in order: null where there is none, or it was past its instant at `now`. */
  waitlistRead(perf: string, userIds: readonly string[], now: number): Promise<(WaitlistMark | null)[]>;
}

/** The instant a mark stops being true. */
export const markEnds = (mark: WaitlistMark): number =>
  mark.state === 'waiting' ? mark.until : mark.offer.expiresAt;
