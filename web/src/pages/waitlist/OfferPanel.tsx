import type { Order } from '@tmomi/contract/booking';
import type { WaitlistOfferView } from '@tmomi/contract/waitlist';
import { client } from '../../api';
import { useLoad } from '../../hooks';
import { useI18n } from '../../i18n';
import { describeSeat, indexSeatMap, type SeatIndex } from '../../seatmap/model';
import { HoldPanel } from '../seats/HoldPanel';

/** A seat as the map names it ("Section A · Row 1 · Seat 3 · R"), or its number before the map is in. */
export function useSeatNames(index: SeatIndex | undefined): (seat: number) => string {
  const { t } = useI18n();
  return (seat) => {
    const d = index && describeSeat(index, seat);
    return d
      ? `${d.standing ? t('ticket.standing', { section: d.section }) : t('seats.seat', { section: d.section, row: d.row, number: d.number })} · ${d.grade}`
      : String(seat);
  };
}

/** The venue's seat map of a performance, indexed, for naming the seats of an offer. */
export function usePerformanceSeats(performanceId: string): SeatIndex | undefined {
  return useLoad(
    async (signal) => {
      const performance = await client.performances.get(performanceId, signal);
      return indexSeatMap(await client.venues.seats(performance.venueId, signal));
    },
    [performanceId],
  ).data;
}

/**
 * The waiting list's offer (decision 028): the seats held in the buyer's name, the time left and the
 * payment — the hold panel, with no queue pass — wherever the buyer hears of it (the waiting list's page,
 * the waiting room's).
 */
export function OfferPanel(props: {
  performanceId: string;
  offer: WaitlistOfferView;
  describe: (seat: number) => string;
  onExpired: () => void;
  onRelease: () => void;
  onPaid: (order: Order) => void;
}) {
  const { offer } = props;
  return (
    <aside className="panel" data-testid="waitlist-offer">
      <HoldPanel
        hold={{ ...offer, performanceId: props.performanceId, state: 'active' }}
        total={offer.amount}
        currency={offer.currency}
        pass={undefined}
        describe={props.describe}
        onExpired={props.onExpired}
        onRelease={props.onRelease}
        onPaid={props.onPaid}
      />
    </aside>
  );
}
