import { useParams } from 'react-router';
import { client } from '../../api';
import { useLoad, useNow } from '../../hooks';
import { useI18n } from '../../i18n';
import { ErrorNote, Loading } from '../../ui';
import { OrderStatus } from './labels';
import { Refunds } from './Refunds';
import { TicketList } from './TicketList';
import { useCancel } from './useCancel';

/** One order: the show, its tickets (to show at the door, or cancel while refunds are open), its refunds. */
export function OrderPage() {
  const { id = '' } = useParams();
  const { t, money, dateTime, lang } = useI18n();
  const { data: order, error, reload } = useLoad((signal) => client.orders.get(id, signal), [id]);
  const { cancel, busy, outcome } = useCancel(id, reload);
  // The deadline may pass while the page is open; half a minute late is fine, the server has the last word.
  const now = useNow(30_000);

  if (error) return <ErrorNote error={error} onRetry={reload} />;
  if (!order) return <Loading />;
  const valid = order.tickets.filter((ticket) => ticket.status === 'valid');
  const refundsOpen = now < Date.parse(order.performance.refundUntil);
  return (
    <section>
      <h1>
        {order.event.title}
        <OrderStatus status={order.status} />
      </h1>
      <p>
        <strong>{dateTime(order.performance.startsAt)}</strong>
        <br />
        {order.venue.name}
        {order.venue.address && <span className="muted"> · {order.venue.address}</span>}
      </p>
      <p>
        {t('orders.total')} <strong>{money(order.total, order.currency)}</strong>
        {order.refundedAmount > 0 && (
          <>
            {' · '}
            {t('orders.refunded')} <strong>{money(order.refundedAmount, order.currency)}</strong>
          </>
        )}
        <span className="muted">
          {' · '}
          {t('orders.order', { id: order.id })} · {dateTime(order.createdAt)}
        </span>
      </p>
      {/* The PDF has a page for each ticket not void (a used one too); of an all-void order there is none. */}
      {order.tickets.some((ticket) => ticket.status !== 'void') && (
        <p className="row-buttons">
          <a className="button secondary" href={client.orders.pdfUrl(order.id, lang)} download>
            {t('orders.pdf')}
          </a>
        </p>
      )}

      <h2>{t('orders.tickets')}</h2>
      {outcome && 'refunded' in outcome && (
        <p className="note note-ok" role="status">
          {t('orders.cancelled', { amount: money(outcome.refunded, order.currency) })}
        </p>
      )}
      {outcome && 'problem' in outcome && <ErrorNote error={outcome.problem} />}
      {valid.length > 0 && (
        <p className="muted">
          {t(refundsOpen ? 'orders.refundsOpen' : 'orders.refundsClosed', {
            time: dateTime(order.performance.refundUntil),
          })}
        </p>
      )}
      {/* A new list once tickets change, so that the choice starts again from every valid ticket. */}
      <TicketList
        key={valid.map((ticket) => ticket.id).join()}
        order={order}
        cancellable={refundsOpen && valid.length > 0}
        busy={busy}
        onCancel={(ticketIds, amount) => void cancel(ticketIds, amount)}
      />
      <Refunds refunds={order.refunds} currency={order.currency} />
    </section>
  );
}
