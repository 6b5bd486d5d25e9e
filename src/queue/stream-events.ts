import type { WaitlistOfferView } from '../contract/waitlist.js';
import type { QueueView } from './views.js';

/** The SSE event that carries a view: `position` while waiting, else the view's state by name. */
export function eventName(view: QueueView): string {
  switch (view.state) {
    case 'waiting':
      return 'position';
    case 'prequeue':
      return 'prequeue';
    case 'paused':
      return 'paused';
    case 'admitted':
      return 'admitted';
    case 'closed':
      return 'closed';
    case 'waitlisted':
      return 'waitlisted';
    case 'expired':
    case 'left':
    case 'consumed':
      return 'expired';
  }
}

/**
 * An `offer` event: the waiting list's offer that came, or (null) that went — paid, released, lapsed.
 * Apart from the state's events, so that an offer neither repeats nor interrupts the place's news.
 */
export function offerEvent(id: number, offer: WaitlistOfferView | undefined): string {
  return `id: ${id}\nevent: offer\ndata: ${JSON.stringify({ offer: offer ?? null })}\n\n`;
}

/** A `position` event's data, written out by hand: one is made per stream at each move of the queue. */
export function positionData(view: QueueView): string {
  const seats =
    view.seatsLeft === undefined
      ? ''
      : `,"seatsLeft":${view.seatsLeft},"seatsMayRunOut":${view.seatsMayRunOut}`;
  return `{"position":${view.position},"etaSeconds":${view.etaSeconds},"etaState":"${view.etaState}"${seats}}`;
}

/** A count to two significant figures, as the page says it ("about 3,000"); changes below that wait. */
export function roughly(n: number | undefined): number | undefined {
  if (n === undefined || n < 100) return n;
  const unit = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.round(n / unit) * unit;
}
