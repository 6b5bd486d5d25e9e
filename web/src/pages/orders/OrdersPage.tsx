import { Link } from 'react-router';
import { client } from '../../api';
import { useLoad } from '../../hooks';
import { useI18n } from '../../i18n';
import { ErrorNote, Loading } from '../../ui';
import { OrderStatus } from './labels';

/** The buyer's orders, newest first: what, when, where, and what was paid and given back. */
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
            <h2>
              <Link to={`/orders/${order.id}`}>{order.event.title}</Link>
              <OrderStatus status={order.status} />
            </h2>
            <p>
              {dateTime(order.performance.startsAt)} · {order.venue.name}
            </p>
            <p>
              {t('orders.total')} <strong>{money(order.total, order.currency)}</strong>
              {order.refundedAmount > 0 && (
                <>
                  {' · '}
                  {t('orders.refunded')} {money(order.refundedAmount, order.currency)}
                </>
              )}
              {' · '}
              {t('orders.ticketCount', { n: order.tickets.length })}
            </p>
            <p className="muted small">
              {t('orders.order', { id: order.id })} · {dateTime(order.createdAt)}
            </p>
            <Link to={`/orders/${order.id}`}>{t('orders.view')}</Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
