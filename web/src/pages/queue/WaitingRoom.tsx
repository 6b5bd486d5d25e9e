import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, client } from '../../api';
import { useI18n } from '../../i18n';
import { ErrorNote, ProgressBar } from '../../ui';
import { OfferPanel, usePerformanceSeats, useSeatNames } from '../waitlist/OfferPanel';
import { FINAL, useWaitingRoom } from './useWaitingRoom';

/** The waiting room: where the buyer stands, how long it may take, and the way out (useWaitingRoom). */
export function WaitingRoom() {
  const { id = '' } = useParams();
  const { t, duration, dateTime } = useI18n();
  const navigate = useNavigate();
  const { view, error, live, firstPosition, wasWaitlisted, rejoin, leave } = useWaitingRoom(id);
  const seatName = useSeatNames(usePerformanceSeats(id));
  /** The offer whose time ran out here: hidden until the server says where its seats went. */
  const [lapsed, setLapsed] = useState<string | null>(null);
  const waitlist = `/performances/${id}/waitlist`;

  const leaveAndGoBack = async () => {
    await leave();
    await navigate(-1);
  };

  // Sold out before this buyer got in: the waiting list is the way left.
  if (error instanceof ApiError && error.code === 'SOLD_OUT')
    return (
      <section className="narrow queue" aria-labelledby="queue-title">
        <h1 id="queue-title">{t('queue.title')}</h1>
        <div role="alert" className="note" data-testid="queue-sold-out">
          <p>{t('queue.soldOut')}</p>
          <Link to={waitlist}>{t('event.joinWaitlist')}</Link>
        </div>
      </section>
    );
  if (error) return <ErrorNote error={error} onRetry={rejoin} />;
  if (!view) return <p role="status">{t('queue.joining')}</p>;

  const ahead = view.position !== null ? view.position - 1 : null;
  const offer = view.offer && view.offer.holdId !== lapsed ? view.offer : undefined;
  const start = firstPosition ?? view.position ?? 1;
  return (
    <section className="narrow queue" aria-labelledby="queue-title">
      <h1 id="queue-title">{t('queue.title')}</h1>
      <p className={`connection ${live ? 'ok' : 'warn'}`} role="status">
        {live ? t('queue.live') : t('queue.reconnecting')}
      </p>
      {view.state === 'waiting' && view.position !== null && (
        <>
          <p className="muted">{t('queue.position')}</p>
          <p className="queue-position" data-testid="queue-position">
            {view.position.toLocaleString()}
          </p>
          <p>{ahead ? t('queue.ahead', { n: ahead.toLocaleString() }) : t('queue.aheadNone')}</p>
          {view.etaState === 'stalled' ? (
            <p role="status" className="note" data-testid="queue-stalled">
              {t('queue.stalled')}
            </p>
          ) : (
            <p className="muted" data-testid="queue-eta">
              {view.etaSeconds === null
                ? t('queue.etaUnknown')
                : t(view.etaState === 'rough' ? 'queue.etaRough' : 'queue.eta', {
                    time: duration(view.etaSeconds),
                  })}
            </p>
          )}
          {view.seatsLeft !== undefined && (
            <p data-testid="queue-seats">
              {t('queue.seatsLeft', {
                seats: roughly(view.seatsLeft).toLocaleString(),
                ahead: (ahead ?? 0).toLocaleString(),
              })}
            </p>
          )}
          {view.seatsMayRunOut && (
            <p role="alert" className="note" data-testid="queue-may-run-out">
              {t('queue.seatsMayRunOut')}
            </p>
          )}
          <ProgressBar label={t('queue.progress')} value={start - view.position + 1} max={start} />
          <p className="muted small">{t('queue.keepOpen')}</p>
        </>
      )}
      {view.state === 'paused' && (
        <div role="status" className="note" data-testid="queue-paused">
          <p>{t('queue.paused')}</p>
          {view.position !== null && <p>{t('queue.pausedPlace', { n: view.position.toLocaleString() })}</p>}
        </div>
      )}
      {view.state === 'prequeue' && (
        <p>{t('queue.prequeue', { time: view.opensAt ? dateTime(view.opensAt) : '' })}</p>
      )}
      {view.state === 'admitted' && <p role="status">{t('queue.admitted')}</p>}
      {view.state === 'waitlisted' && !offer && (
        <div role="status" className="note" data-testid="queue-waitlisted">
          <p>{t('queue.waitlisted')}</p>
          <Link to={waitlist}>{t('queue.toWaitlist')}</Link>
        </div>
      )}
      {offer && (
        <>
          <p role="alert" className="note" data-testid="queue-offer">
            {t('waitlist.offered')}
          </p>
          <OfferPanel
            performanceId={id}
            offer={offer}
            describe={seatName}
            onExpired={() => setLapsed(offer.holdId)}
            onRelease={() => void client.holds.release(offer.holdId).catch(() => undefined)}
            onPaid={(order) => void navigate(`/orders/${order.id}`)}
          />
        </>
      )}
      {FINAL.has(view.state) && wasWaitlisted && (
        <div role="alert" className="note">
          <p>{t('queue.waitlistEnded')}</p>
          <Link to={waitlist}>{t('queue.toWaitlist')}</Link>
        </div>
      )}
      {FINAL.has(view.state) && !wasWaitlisted && (
        <div role="alert" className="note">
          <p>
            {view.state === 'closed' && view.reason === 'sold-out'
              ? t('queue.soldOut')
              : t(`queue.${view.state as 'expired' | 'closed' | 'left' | 'consumed'}`)}
          </p>
          {view.state === 'closed' && view.reason === 'sold-out' && (
            <Link to={waitlist}>{t('event.joinWaitlist')}</Link>
          )}
          {view.state !== 'closed' && (
            <button type="button" onClick={rejoin}>
              {t('queue.rejoin')}
            </button>
          )}
        </div>
      )}
      {view.state !== 'closed' && (
        <p className="muted small">
          <Link to={`/performances/${id}/fairness`} data-testid="queue-fairness">
            {t('queue.fairness')}
          </Link>
        </p>
      )}
      {(view.state === 'waiting' || view.state === 'paused' || view.state === 'prequeue') && (
        <p>
          <button type="button" className="secondary" onClick={() => void leaveAndGoBack()}>
            {t('queue.leave')}
          </button>{' '}
          <Link to="/">{t('common.back')}</Link>
        </p>
      )}
    </section>
  );
}

/** A count to two significant figures ("about 3,000 seats"): an exact figure would pretend to a precision the moving sale does not have. */
function roughly(n: number): number {
  if (n < 100) return n;
  const unit = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.round(n / unit) * unit;
}
