import type { QueueView } from './service.js';

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
    case 'expired':
    case 'left':
    case 'consumed':
      return 'expired';
  }
}

/** After these there is nothing more to say on this stream. */
export function isFinal(view: QueueView): boolean {
  return (
    view.state === 'closed' || view.state === 'expired' || view.state === 'left' || view.state === 'consumed'
  );
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
