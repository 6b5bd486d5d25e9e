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
