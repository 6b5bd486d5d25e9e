import { useEffect } from 'react';
import { Link, useParams } from 'react-router';
import type { Performance } from '@tmomi/contract/catalog';
import { client } from '../api';
import { useLoad, useNow } from '../hooks';
import { useI18n } from '../i18n';
import { useSession } from '../session';
import { ErrorNote, Loading } from '../ui';
import { GRADE_COLOURS } from '../seatmap/colours';

export function EventPage() {
  const { id = '' } = useParams();
  const { t, money } = useI18n();
  const { data: event, error, reload } = useLoad((signal) => client.events.get(id, signal), [id]);
  if (error) return <ErrorNote error={error} onRetry={reload} />;
  if (!event) return <Loading />;
  return (
    <article className="event">
      <header>
        <span className="tag">{event.category}</span>
        <h1>{event.title}</h1>
        {event.artist && <p className="lead">{event.artist}</p>}
        <p className="muted">
          {t('event.venue')}: {event.venue.name}
          {event.venue.address && ` · ${event.venue.address}`}
        </p>
      </header>
      {event.description && <p>{event.description}</p>}
      <h2>{t('event.prices')}</h2>
      <ul className="prices">
        {event.prices.map((price) => (
          <li key={price.grade}>
            <span
              className="swatch"
              style={{
                background:
                  GRADE_COLOURS[Math.max(0, event.venue.grades.indexOf(price.grade)) % GRADE_COLOURS.length],
              }}
            />
            <strong>{price.grade}</strong> {money(price.amount, event.currency)}
          </li>
        ))}
      </ul>
      <h2>{t('event.performances')}</h2>
      {event.performances.length === 0 && <p className="muted">{t('event.noPerformances')}</p>}
      <ul className="performances">
        {event.performances.map((performance) => (
          <PerformanceItem key={performance.id} performance={performance} onOpen={reload} />
        ))}
      </ul>
    </article>
  );
}

function PerformanceItem({ performance, onOpen }: { performance: Performance; onOpen: () => void }) {
  const { t, dateTime, duration } = useI18n();
  const { user } = useSession();
  const now = useNow();
  const opensAt = Date.parse(performance.salesOpenAt);
  const queueOpensAt = performance.queue.enabled
    ? opensAt - performance.queue.prequeueMinutes * 60_000
    : opensAt;
  const state = performance.saleState;
  const secondsToOpen = Math.ceil((queueOpensAt - now) / 1000);
  // The countdown reaching zero is the moment the sale opens: fetch the new sale state then. (Timers
  // longer than about 24 days overflow; nobody keeps a tab open that long.)
  useEffect(() => {
    const delay = queueOpensAt - Date.now() + 500;
    if (state !== 'scheduled' || delay <= 0 || delay > 2 ** 31 - 1) return;
    const timer = setTimeout(onOpen, delay);
    return () => clearTimeout(timer);
  }, [state, queueOpensAt, onOpen]);

  const target = performance.queue.enabled
    ? `/performances/${performance.id}/queue`
    : `/performances/${performance.id}/seats`;
  const open = state === 'onsale' || state === 'prequeue';
  const lottery = performance.queue.enabled && performance.queue.mode === 'lottery';
  const lotteryLink = `/performances/${performance.id}/lottery`;
  return (
    <li className="performance">
      <div>
        <strong>{dateTime(performance.startsAt)}</strong>
        <span className={`badge badge-${state}`}>{t(`sale.${state}`)}</span>
        <p className="muted small">
          {t('common.seats', { n: performance.seatCount.toLocaleString() })} ·{' '}
          {t('event.maxTickets', { n: performance.maxTicketsPerUser })}
        </p>
        {state === 'scheduled' && secondsToOpen > 0 && (
          <p className="countdown" aria-live="off">
            {t(performance.queue.enabled ? 'event.queueOpensIn' : 'event.opensIn', {
              time: duration(secondsToOpen),
            })}
          </p>
        )}
      </div>
      {lottery && (state === 'scheduled' || state === 'prequeue' || state === 'onsale') && (
        <Link
          className={state === 'onsale' ? 'button secondary' : 'button'}
          to={user ? lotteryLink : `/login?next=${encodeURIComponent(lotteryLink)}`}
        >
          {t(state === 'onsale' ? 'event.lotteryResult' : 'event.lottery')}
        </Link>
      )}
      {open &&
        !(lottery && state === 'prequeue') &&
        (user ? (
          <Link className="button" to={target}>
            {performance.queue.enabled ? t('event.joinQueue') : t('event.book')}
          </Link>
        ) : (
          <Link className="button" to={`/login?next=${encodeURIComponent(target)}`}>
            {t('event.loginToBook')}
          </Link>
        ))}
    </li>
  );
}
