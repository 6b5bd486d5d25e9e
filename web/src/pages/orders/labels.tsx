import type { Order, Ticket } from '@tmomi/contract/booking';
import { useI18n, type I18n } from '../../i18n';

/**
 * Where to sit, as a person reads it: "B구역 8열 20번", "Section B · Row 8 · Seat 20"; a standing
 * ticket only its area: "Floor 스탠딩", "Standing · Floor".
 */
export const seatLabel = (t: I18n['t'], ticket: Pick<Ticket, 'section' | 'row' | 'seat' | 'standing'>) =>
  ticket.standing
    ? t('ticket.standing', { section: ticket.section })
    : t('ticket.seat', { section: ticket.section, row: ticket.row, seat: ticket.seat });

export function OrderStatus({ status }: { status: Order['status'] }) {
  const { t } = useI18n();
  return <span className={`badge badge-${status}`}>{t(`orders.status.${status}`)}</span>;
}

export function TicketStatus({ ticket }: { ticket: Pick<Ticket, 'status' | 'checkedInAt'> }) {
  const { t, dateTime } = useI18n();
  return (
    <>
      <span className={`badge badge-${ticket.status}`}>{t(`ticket.status.${ticket.status}`)}</span>
      {ticket.checkedInAt && (
        <span className="muted"> {t('ticket.checkedInAt', { time: dateTime(ticket.checkedInAt) })}</span>
      )}
    </>
  );
}
