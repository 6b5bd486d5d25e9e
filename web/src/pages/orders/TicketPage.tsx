import { Link, useParams } from 'react-router';
import { client } from '../../api';
import { useLoad } from '../../hooks';
import { useI18n } from '../../i18n';
import { ErrorNote, Loading } from '../../ui';
import { seatLabel, TicketStatus } from './labels';

/** One ticket for the door: a QR large enough to scan off a phone, and where to sit. */
export function TicketPage() {
  const { id = '' } = useParams();
  const { t, dateTime } = useI18n();
  const { data, error, reload } = useLoad(
    async (signal) => {
      const ticket = await client.tickets.get(id, signal);
      return { ticket, order: await client.orders.get(ticket.orderId, signal) };
    },
    [id],
  );
  if (error) return <ErrorNote error={error} onRetry={reload} />;
  if (!data) return <Loading />;
  const { ticket, order } = data;
  const seat = seatLabel(t, ticket);
  return (
    <section className="narrow ticket-page">
      <p>
        <Link to={`/orders/${order.id}`}>{t('ticket.toOrder')}</Link>
      </p>
      <h1>{order.event.title}</h1>
      <p>
        <strong>{dateTime(order.performance.startsAt)}</strong> · {order.venue.name}
      </p>
      <p className="seat-big">{seat}</p>
      <p>
        {t('ticket.grade', { grade: ticket.grade })} <TicketStatus ticket={ticket} />
      </p>
      {ticket.status === 'valid' && (
        <>
          <img className="qr-big" src={client.tickets.qrUrl(ticket.id)} alt={t('ticket.qr', { seat })} />
          <p className="muted">{t('ticket.hint')}</p>
        </>
      )}
      <p className="code">{ticket.code}</p>
    </section>
  );
}
