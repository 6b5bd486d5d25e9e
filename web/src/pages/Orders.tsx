import { useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { Ticket } from '@tmomi/contract/booking';
import { client } from '../api';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { ErrorNote, Loading } from '../ui';

type StatusKey =
  'orders.status.pending' | 'orders.status.paid' | 'orders.status.cancelled' | 'orders.status.refunded';
const STATUSES = new Set(['pending', 'paid', 'cancelled', 'refunded']);

function Status({ status }: { status: string }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-${status}`}>
      {STATUSES.has(status) ? t(`orders.status.${status}` as StatusKey) : status}
    </span>
  );
}

export function OrdersPage() {
  const { t, money, dateTime } = useI18n();
  const { data, error, reload } = useLoad((signal) => client.orders.list(signal), []);
  if (error) return <ErrorNote error={error} onRetry={reload} />;
  if (!data) return <Loading />;
  return (
    <section>
      <h1>{t('orders.title')}</h1>
      {data.length === 0 && <p className="muted">{t('orders.empty')}</p>}
      <ul className="orders">
        {data.map((order) => (
          <li key={order.id} className="card">
            <h2>{t('orders.order', { id: order.id })}</h2>
            <p>
              <Status status={order.status} /> {money(order.amount, order.currency)}
              {order.createdAt && <span className="muted"> · {dateTime(order.createdAt)}</span>}
            </p>
            <Link to={`/orders/${order.id}`}>{t('orders.view')}</Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function OrderPage() {
  const { id = '' } = useParams();
  const { t, money } = useI18n();
  const { data: order, error, reload } = useLoad((signal) => client.orders.get(id, signal), [id]);
  const dialog = useRef<HTMLDialogElement>(null);
  const [cancelError, setCancelError] = useState<unknown>(null);
  const [cancelled, setCancelled] = useState(false);

  const cancel = async () => {
    dialog.current?.close();
    setCancelError(null);
    try {
      await client.orders.cancel(id);
      setCancelled(true);
      reload();
    } catch (err) {
      setCancelError(err);
    }
  };

  if (error) return <ErrorNote error={error} onRetry={reload} />;
  if (!order) return <Loading />;
  return (
    <section>
      <h1>{t('orders.order', { id: order.id })}</h1>
      <p>
        <Status status={order.status} /> {money(order.amount, order.currency)}
      </p>
      {cancelled && (
        <p className="note" role="status">
          {t('orders.cancelled')}
        </p>
      )}
      <ErrorNote error={cancelError} />
      {order.status === 'paid' && (
        <>
          <h2>{t('orders.tickets')}</h2>
          <ul className="tickets">
            {order.tickets.map((ticket) => (
              <TicketCard key={ticket.id} ticket={ticket} />
            ))}
          </ul>
          <button type="button" className="danger" onClick={() => dialog.current?.showModal()}>
            {t('orders.cancel')}
          </button>
          <dialog ref={dialog} aria-labelledby="cancel-title">
            <p id="cancel-title">{t('orders.cancelConfirm')}</p>
            <div className="row-buttons">
              <button type="button" className="danger" onClick={() => void cancel()}>
                {t('orders.cancelYes')}
              </button>
              <button type="button" className="secondary" onClick={() => dialog.current?.close()} autoFocus>
                {t('orders.cancelNo')}
              </button>
            </div>
          </dialog>
        </>
      )}
    </section>
  );
}

function TicketCard({ ticket }: { ticket: Ticket }) {
  const { t } = useI18n();
  // The contract's ticket names its seat by number only (DESIGN.md's section/row/seat fields are not served yet).
  const seat = t('orders.seatNo', { n: ticket.seatNo + 1 });
  return (
    <li className="ticket card">
      <img src={client.tickets.qrUrl(ticket.id)} alt={t('orders.qr', { seat })} width={180} height={180} />
      <div>
        <strong>{seat}</strong>
        {ticket.code && <p className="code">{ticket.code}</p>}
      </div>
    </li>
  );
}
