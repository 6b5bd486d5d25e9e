import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { client } from '../../api';
import { useLoad } from '../../hooks';
import { useI18n } from '../../i18n';
import { ErrorNote, Field, Loading } from '../../ui';
import { useEventDetails } from './useEventDetails';
import '../../desk.css';

const STATUSES = ['paid', 'refunded', 'cancelled', 'pending'] as const;

/**
 * The order desk: one search box (email, order number, ticket code or seat), a performance and a
 * status filter, newest orders first. The search lives in the address, so a reload or a shared link
 * shows the same list.
 */
export default function OrderDesk() {
  const { t, dateTime, money } = useI18n();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const performanceId = params.get('performanceId') ?? '';
  const status = params.get('status') ?? '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [text, setText] = useState(q);
  const events = useEventDetails();
  const { data, error, loading, reload } = useLoad(
    (signal) =>
      client.desk.search(
        {
          ...(q ? { q } : {}),
          ...(performanceId ? { performanceId } : {}),
          ...(status ? { status } : {}),
          page,
        },
        signal,
      ),
    [q, performanceId, status, page],
  );
  const go = (next: Record<string, string>) => {
    const merged = { q, performanceId, status, page: '1', ...next };
    // Page 1 and empty filters stay out of the address.
    setParams(
      Object.fromEntries(Object.entries(merged).filter(([k, v]) => v !== '' && !(k === 'page' && v === '1'))),
    );
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    go({ q: text.trim() });
  };
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;

  return (
    <section>
      <h1>{t('desk.title')}</h1>
      <form className="desk-search" role="search" onSubmit={submit}>
        <Field label={t('desk.searchLabel')} hint={t('desk.searchHint')}>
          <input
            type="search"
            name="q"
            value={text}
            maxLength={200}
            onChange={(e) => setText(e.target.value)}
            autoComplete="off"
          />
        </Field>
        <Field label={t('desk.performance')}>
          <select value={performanceId} onChange={(e) => go({ performanceId: e.target.value })}>
            <option value="">{t('desk.anyPerformance')}</option>
            {events.data?.flatMap((event) =>
              event.performances.map((p) => (
                <option key={p.id} value={p.id}>
                  {event.title} · {dateTime(p.startsAt)}
                </option>
              )),
            )}
          </select>
        </Field>
        <Field label={t('desk.status')}>
          <select value={status} onChange={(e) => go({ status: e.target.value })}>
            <option value="">{t('desk.anyStatus')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`orders.status.${s}`)}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit">{t('desk.search')}</button>
      </form>
      <ErrorNote error={error} onRetry={reload} />
      {!data && !error && <Loading />}
      {data && (
        <>
          {/* While a new search runs, the list shown is the last one's: the status says so, not its count. */}
          <p className="muted" role="status">
            {loading ? t('desk.searching') : t('desk.results', { total: data.total.toLocaleString() })}
          </p>
          {data.items.length === 0 && <p>{t('desk.none')}</p>}
          <ul className="desk-results" aria-busy={loading}>
            {data.items.map((o) => (
              <li key={o.id} className="card">
                <Link to={`/admin/orders/${o.id}`} className="desk-line">
                  <span>
                    <strong>{t('desk.order', { id: o.id })}</strong>
                    <span className={`badge badge-${o.status}`}>{t(`orders.status.${o.status}`)}</span>
                  </span>
                  <span>
                    {o.buyer.name} · {o.buyer.email}
                  </span>
                  <span className="muted small">
                    {o.event.title} · {dateTime(o.performance.startsAt)}
                  </span>
                  <span className="muted small">
                    {o.seats
                      .slice(0, 6)
                      // A standing ticket is its area alone (no row, no seat).
                      .map((s) => (s.seat ? `${s.section}-${s.row}-${s.seat}` : s.section))
                      .join(' ')}
                    {o.seats.length > 6 ? ' …' : ''} · {money(o.amount, o.currency)} · {dateTime(o.createdAt)}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
          {pages > 1 && (
            <nav className="row-buttons" aria-label={t('desk.page', { page, pages })}>
              <button
                type="button"
                className="secondary"
                disabled={page <= 1}
                onClick={() => go({ page: String(page - 1) })}
              >
                {t('desk.previous')}
              </button>
              <span className="muted">{t('desk.page', { page, pages })}</span>
              <button
                type="button"
                className="secondary"
                disabled={page >= pages}
                onClick={() => go({ page: String(page + 1) })}
              >
                {t('desk.next')}
              </button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}
