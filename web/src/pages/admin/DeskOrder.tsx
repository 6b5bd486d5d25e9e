import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import type { TimelineEntry } from '@tmomi/contract/desk';
import { client, newIdempotencyKey } from '../../api';
import { useLoad } from '../../hooks';
import { useI18n } from '../../i18n';
import { ErrorNote, Field, Loading } from '../../ui';
import { seatLabel } from '../orders/labels';
import '../../desk.css';

/** One order at the desk: buyer, tickets, what happened to it, and a refund with a reason. */
export default function DeskOrder() {
  const { id = '' } = useParams();
  const { t, dateTime, money } = useI18n();
  const { data, error, reload } = useLoad((signal) => client.desk.get(id, signal), [id]);
  const [picked, setPicked] = useState<string[]>([]);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [refundError, setRefundError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  // One key per refund the admin means: a retry after a lost answer refunds once.
  const [key, setKey] = useState(newIdempotencyKey);

  if (!data) return error ? <ErrorNote error={error} onRetry={reload} /> : <Loading />;
  const { order, buyer, timeline } = data;
  const refundable = order.status === 'paid' && order.tickets.some((x) => x.status === 'valid');

  const refund = async (e: FormEvent) => {
    e.preventDefault();
    const question =
      picked.length > 0
        ? t('desk.refundConfirm', { n: picked.length, id: order.id })
        : t('desk.refundAllConfirm', { id: order.id });
    if (!window.confirm(question)) return;
    setBusy(true);
    setRefundError(null);
    setDone(false);
    try {
      await client.desk.refund(
        order.id,
        { reason: reason.trim(), ...(picked.length > 0 ? { ticketIds: picked } : {}) },
        key,
      );
      setDone(true);
      setPicked([]);
      setReason('');
      setKey(newIdempotencyKey());
      reload();
    } catch (err) {
      setRefundError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <p>
        <Link to="/admin/orders">← {t('desk.title')}</Link>
      </p>
      <h1>
        {t('desk.order', { id: order.id })}{' '}
        <span className={`badge badge-${order.status}`}>{t(`orders.status.${order.status}`)}</span>
      </h1>
      <p>
        {order.event.title} · {dateTime(order.performance.startsAt)} · {order.venue.name}
      </p>
      <div className="stats">
        <div className="stat">
          <span className="muted">{t('desk.buyer')}</span>
          <strong>{buyer.name}</strong>
          <span className="muted small">{buyer.email}</span>
        </div>
        <div className="stat">
          <span className="muted">{t('report.gross')}</span>
          <strong>{money(order.amount, order.currency)}</strong>
          <span className="muted small">
            {t('report.refunded')} {money(order.refundedAmount, order.currency)}
          </span>
        </div>
      </div>
      <h2>{t('desk.tickets')}</h2>
      <ul className="desk-tickets">
        {order.tickets.map((x) => (
          <li key={x.id}>
            <label>
              <input
                type="checkbox"
                disabled={x.status !== 'valid' || !refundable}
                checked={picked.includes(x.id)}
                onChange={(e) =>
                  setPicked((all) => (e.target.checked ? [...all, x.id] : all.filter((p) => p !== x.id)))
                }
              />{' '}
              {seatLabel(t, x)} · {x.grade} · {money(x.price, order.currency)} ·{' '}
              <span className={`badge badge-${x.status}`}>{t(`ticket.status.${x.status}`)}</span>
            </label>
          </li>
        ))}
      </ul>
      {refundable && (
        <form className="card stack" onSubmit={(e) => void refund(e)} aria-label={t('desk.refundTitle')}>
          <h2>{t('desk.refundTitle')}</h2>
          <p className="muted small">{t('desk.refundNote')}</p>
          <Field label={t('desk.refundReason')}>
            <input
              name="reason"
              required
              maxLength={500}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </Field>
          <ErrorNote error={refundError} />
          {done && <p role="status">{t('desk.refundDone')}</p>}
          <button type="submit" className="danger" disabled={busy || reason.trim() === ''}>
            {t('desk.refundButton')}
          </button>
        </form>
      )}
      <h2>{t('desk.timeline')}</h2>
      <ol className="timeline" data-testid="timeline">
        {timeline.map((entry, k) => (
          <li key={k} className={`timeline-${entry.kind}`}>
            <time dateTime={entry.at}>{dateTime(entry.at)}</time>{' '}
            <strong>{t(`desk.kind.${entry.kind}`)}</strong>{' '}
            <span className="muted">{actorText(entry, t)}</span>
            {entry.amount !== null && entry.kind !== 'created' && (
              <> · {money(entry.amount, order.currency)}</>
            )}
            {entry.reason && <div className="small">{t('desk.reason', { reason: entry.reason })}</div>}
          </li>
        ))}
      </ol>
    </section>
  );
}

function actorText(entry: TimelineEntry, t: ReturnType<typeof useI18n>['t']): string {
  const actor = entry.actor;
  if (!actor) return t('desk.actor.unknown');
  switch (actor.role) {
    case 'admin':
      return t('desk.actor.admin', { email: actor.email ?? actor.id ?? '?' });
    case 'buyer':
      return t('desk.actor.buyer');
    case 'system':
      return t('desk.actor.system');
  }
}
