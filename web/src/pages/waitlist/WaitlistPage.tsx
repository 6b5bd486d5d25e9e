import { useCallback, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { WaitlistEntry } from '@tmomi/contract/waitlist';
import { ApiError, client } from '../../api';
import { useLoad, usePolled } from '../../hooks';
import { useI18n } from '../../i18n';
import { describeSeat, indexSeatMap } from '../../seatmap/model';
import { ErrorNote, Field, Loading } from '../../ui';
import { HoldPanel } from '../seats/HoldPanel';

/** How often the page asks for its place and offer while on the list. */
const POLL_MS = 3_000;

/**
 * The waiting list of a sold-out performance (decision 028): join it, see one's place, and pay for
 * the seats it offers (a hold of one's own, no queue pass needed) before the claim window runs out.
 */
export function WaitlistPage() {
  const { id = '' } = useParams();
  const { t, dateTime } = useI18n();
  const navigate = useNavigate();
  const { data, error, reload } = useLoad(
    async (signal) => {
      const performance = await client.performances.get(id, signal);
      const [event, map] = await Promise.all([
        client.events.get(performance.eventId, signal),
        client.venues.seats(performance.venueId, signal),
      ]);
      return { performance, event, index: indexSeatMap(map) };
    },
    [id],
  );
  const [round, setRound] = useState(0);
  const refresh = useCallback(() => setRound((n) => n + 1), []);
  const polled = usePolled(
    (signal) =>
      client.waitlist.me(id, signal).catch((err: unknown) => {
        if (err instanceof ApiError && err.code === 'NOT_ON_WAITLIST') return null;
        throw err;
      }),
    POLL_MS,
    [id, round],
  );
  const [problem, setProblem] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const act = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setProblem(null);
    try {
      await action();
      refresh();
    } catch (err) {
      setProblem(err);
    } finally {
      setBusy(false);
    }
  };

  if (error) return <ErrorNote error={error} onRetry={reload} />;
  if (!data || polled.data === undefined) return <Loading />;
  const { performance, event, index } = data;
  const entry = polled.data;
  const live = entry?.state === 'waiting' || entry?.state === 'offered';
  const seatName = (seat: number) => {
    const d = describeSeat(index, seat);
    return d
      ? `${d.standing ? t('ticket.standing', { section: d.section }) : t('seats.seat', { section: d.section, row: d.row, number: d.number })} · ${d.grade}`
      : String(seat);
  };
  return (
    <section className="waitlist-page">
      <h1>{t('waitlist.title')}</h1>
      <p className="muted">
        {event.title} · {dateTime(performance.startsAt)}
      </p>
      <ErrorNote error={problem ?? polled.error ?? null} />
      {entry && <EntryStatus entry={entry} />}
      {entry?.state === 'offered' && entry.offer && (
        <aside className="panel" data-testid="waitlist-offer">
          <HoldPanel
            hold={{ ...entry.offer, performanceId: performance.id, state: 'active' }}
            total={entry.offer.amount}
            currency={entry.offer.currency}
            pass={undefined}
            describe={seatName}
            onExpired={refresh}
            onRelease={() => void act(() => client.holds.release(entry.offer!.holdId))}
            onPaid={(order) => void navigate(`/orders/${order.id}`)}
          />
        </aside>
      )}
      {entry?.state === 'claimed' && <Link to="/orders">{t('waitlist.toOrders')}</Link>}
      {live ? (
        <button
          type="button"
          className="secondary"
          disabled={busy}
          onClick={() => void act(() => client.waitlist.leave(id))}
        >
          {t('waitlist.leave')}
        </button>
      ) : (
        entry?.state !== 'claimed' && (
          <JoinForm
            grades={event.prices.map((p) => p.grade)}
            max={performance.maxTicketsPerUser}
            busy={busy}
            onJoin={(body) => void act(() => client.waitlist.join(id, body))}
          />
        )
      )}
    </section>
  );
}

function EntryStatus({ entry }: { entry: WaitlistEntry }) {
  const { t } = useI18n();
  if (entry.state === 'waiting')
    return (
      <div className="note" role="status" data-testid="waitlist-place">
        <p>
          <strong>{t('waitlist.place', { position: entry.position ?? 1, waiting: entry.waiting })}</strong>
        </p>
        <p className="muted small">
          {t('waitlist.wanted', { n: entry.quantity, grade: entry.grade ?? t('waitlist.anyGrade') })}
        </p>
      </div>
    );
  return (
    <p className="note" role="status" data-testid="waitlist-state">
      {t(`waitlist.${entry.state}`)}
    </p>
  );
}

function JoinForm(props: {
  grades: string[];
  max: number;
  busy: boolean;
  onJoin: (body: { grade?: string; quantity: number }) => void;
}) {
  const { t } = useI18n();
  const [grade, setGrade] = useState('');
  const [quantity, setQuantity] = useState(1);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onJoin(grade ? { grade, quantity } : { quantity });
  };
  return (
    <form onSubmit={submit} className="waitlist-join">
      <p>{t('waitlist.intro')}</p>
      <Field label={t('waitlist.grade')}>
        <select value={grade} onChange={(e) => setGrade(e.target.value)}>
          <option value="">{t('waitlist.anyGrade')}</option>
          {props.grades.map((g) => (
            <option key={g} value={g}>
              {g}
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('waitlist.quantity')}>
        <select value={quantity} onChange={(e) => setQuantity(Number(e.target.value))}>
          {Array.from({ length: props.max }, (_, i) => i + 1).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </Field>
      <button type="submit" disabled={props.busy}>
        {t('waitlist.join')}
      </button>
    </form>
  );
}
