import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { QueueView } from '@tmomi/contract/queue';
import { client } from '../api';
import { useI18n } from '../i18n';
import { savePass } from '../passes';
import { ErrorNote, ProgressBar } from '../ui';

const FINAL = new Set<QueueView['state']>(['expired', 'closed', 'left', 'consumed']);
const POLL_EVERY_MS = 3000;

/**
 * Joins the waiting room and follows it live over Server-Sent Events. EventSource reconnects by itself
 * after a network drop or a node shutting down (the server resumes with the current place); if the
 * stream is refused outright, the page falls back to polling. When admitted, the pass is kept in
 * sessionStorage and the buyer is taken to the seats.
 */
export function WaitingRoom() {
  const { id = '' } = useParams();
  const { t, duration, dateTime } = useI18n();
  const navigate = useNavigate();
  const [view, setView] = useState<QueueView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState(true);
  const [round, setRound] = useState(0);
  // The place at joining: the progress bar runs from there to the front.
  const [firstPosition, setFirstPosition] = useState<number | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    let source: EventSource | null = null;
    let poller: ReturnType<typeof setInterval> | undefined;
    let finished = false;

    const stop = () => {
      finished = true;
      source?.close();
      clearInterval(poller);
    };
    const apply = (next: QueueView) => {
      if (finished) return;
      setView(next);
      const position = next.position;
      if (position !== null) setFirstPosition((first) => first ?? position);
      if (next.state === 'admitted' && next.pass && next.expiresAt) {
        stop();
        savePass(id, { pass: next.pass, expiresAt: next.expiresAt });
        void navigate(`/performances/${id}/seats`, { replace: true });
      } else if (FINAL.has(next.state)) {
        stop();
      }
    };
    const poll = () => {
      if (poller !== undefined) return;
      poller = setInterval(() => {
        client.queue.me(id, controller.signal).then(apply, setError);
      }, POLL_EVERY_MS);
    };
    const listen = () => {
      source = new EventSource(client.queue.eventsUrl(id));
      source.onopen = () => setLive(true);
      source.onerror = () => {
        if (finished) return;
        setLive(false);
        // CLOSED means the browser gave up (the stream was refused, not dropped): poll instead.
        if (source?.readyState === EventSource.CLOSED) poll();
      };
      const read = (handler: (data: Record<string, unknown>) => void) => (event: MessageEvent<string>) => {
        setLive(true);
        handler(JSON.parse(event.data) as Record<string, unknown>);
      };
      source.addEventListener(
        'position',
        read((data) =>
          apply({
            state: 'waiting',
            position: data.position as number | null,
            etaSeconds: data.etaSeconds as number | null,
          }),
        ),
      );
      source.addEventListener(
        'admitted',
        read((data) => apply({ state: 'admitted', position: null, etaSeconds: null, ...data })),
      );
      for (const name of ['prequeue', 'expired', 'closed'])
        source.addEventListener(
          name,
          read((data) => apply(data as unknown as QueueView)),
        );
    };

    client.queue.join(id, controller.signal).then(
      (joined) => {
        apply(joined);
        if (!finished) listen();
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setError(err);
      },
    );
    return () => {
      stop();
      controller.abort();
    };
  }, [id, round, navigate]);

  const leave = async () => {
    await client.queue.leave(id).catch(() => undefined);
    await navigate(-1);
  };

  const rejoin = () => {
    setError(null);
    setFirstPosition(null);
    setRound((n) => n + 1);
  };

  if (error) return <ErrorNote error={error} onRetry={rejoin} />;
  if (!view) return <p role="status">{t('queue.joining')}</p>;

  const ahead = view.position !== null ? view.position - 1 : null;
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
          <p className="muted">
            {view.etaSeconds !== null
              ? t('queue.eta', { time: duration(view.etaSeconds) })
              : t('queue.etaUnknown')}
          </p>
          <ProgressBar label={t('queue.progress')} value={start - view.position + 1} max={start} />
          <p className="muted small">{t('queue.keepOpen')}</p>
        </>
      )}
      {view.state === 'prequeue' && (
        <p>{t('queue.prequeue', { time: view.opensAt ? dateTime(view.opensAt) : '' })}</p>
      )}
      {view.state === 'admitted' && <p role="status">{t('queue.admitted')}</p>}
      {FINAL.has(view.state) && (
        <div role="alert" className="note">
          <p>
            {view.state === 'closed' && view.reason === 'sold-out'
              ? t('queue.soldOut')
              : t(`queue.${view.state as 'expired' | 'closed' | 'left' | 'consumed'}`)}
          </p>
          {view.state !== 'closed' && (
            <button type="button" onClick={rejoin}>
              {t('queue.rejoin')}
            </button>
          )}
        </div>
      )}
      {(view.state === 'waiting' || view.state === 'prequeue') && (
        <p>
          <button type="button" className="secondary" onClick={() => void leave()}>
            {t('queue.leave')}
          </button>{' '}
          <Link to="/">{t('common.back')}</Link>
        </p>
      )}
    </section>
  );
}
