import type { WaitlistOfferView } from '../contract/waitlist.js';
import type { OfferMark, WaitlistMark } from '../engine/waitlist/port.js';
import type { EtaState } from './eta.js';

export type QueueViewState =
  'prequeue' | 'waiting' | 'paused' | 'admitted' | 'expired' | 'left' | 'consumed' | 'closed' | 'waitlisted';

/** What a client is told about its place, by the JSON endpoints and the SSE stream alike. */
export interface QueueView {
  state: QueueViewState;
  position: number | null;
  etaSeconds: number | null;
  /** While waiting: how the ETA was reached (src/queue/eta.ts); `stalled` comes with no ETA. */
  etaState?: EtaState;
  /** While waiting, when the engine's availability is known: the seats shown available. */
  seatsLeft?: number;
  /** Whether the line ahead is several times the seats left. */
  seatsMayRunOut?: boolean;
  pass?: string;
  expiresAt?: string;
  opensAt?: string;
  reason?: string;
  /** The waiting list's offer in the buyer's hand (decision 028), in whatever state. */
  offer?: WaitlistOfferView;
}

/** After these the room has nothing more to say to the buyer (unless the waiting list has). */
export function isFinal(view: QueueView): boolean {
  return (
    view.state === 'closed' || view.state === 'expired' || view.state === 'left' || view.state === 'consumed'
  );
}

/** A buyer on the waiting list with no live place in the room: none, or one that is over. */
const WAITLISTED: QueueView = { state: 'waitlisted', position: null, etaSeconds: null };

/**
 * The view of a buyer with their waiting-list mark (decision 028): a live place in the room stays what
 * it says, with the offer if they hold one; a place that is over (the room closed as sold out, a pass
 * used or run out), or none at all, is `waitlisted` while they are on the list — so the poll answers and
 * the stream stays open for the offer to come. Null when there is neither place nor mark.
 */
export function withWaitlist(
  view: QueueView | null,
  mark: WaitlistMark | null | undefined,
): QueueView | null {
  if (!mark) return view;
  const base = view === null || isFinal(view) ? WAITLISTED : view;
  return mark.state === 'offered' ? { ...base, offer: offerView(mark.offer) } : base;
}

export function offerView(offer: OfferMark): WaitlistOfferView {
  const { holdId, seatNos, amount, currency, expiresAt } = offer;
  return { holdId, seatNos, amount, currency, expiresAt: new Date(expiresAt).toISOString() };
}
