import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import type { Hold, HoldBody, Order } from '@tmomi/contract/booking';
import type { EventDetail, PerformanceDetail } from '@tmomi/contract/catalog';
import { ApiError, client, newIdempotencyKey } from '../api';
import { useLoad, useNow } from '../hooks';
import { useI18n } from '../i18n';
import { dropPass, loadPass } from '../passes';
import { countFree, isFree } from '@tmomi/contract/bitset';
import { describeSeat, indexSeatMap, type SeatIndex } from '../seatmap/model';
import { GRADE_COLOURS, SELECTED_COLOUR, SeatCanvas, TAKEN_COLOUR } from '../seatmap/SeatCanvas';
import { useAvailability } from '../seatmap/useAvailability';
import { useSession } from '../session';
import { ErrorNote, Field, Loading } from '../ui';

const TEST_CARDS = [
  ['checkout.cardOk', '4242424242424242'],
  ['checkout.cardDeclined', '4000000000000002'],
  ['checkout.cardTimeout', '4000000000009995'],
] as const;

const holdKey = (performanceId: string) => `tmomi.hold.${performanceId}`;

function savedHold(performanceId: string): Hold | null {
  try {
    const hold = JSON.parse(sessionStorage.getItem(holdKey(performanceId)) ?? 'null') as Hold | null;
    return hold && Date.parse(hold.expiresAt) > Date.now() ? hold : null;
  } catch {
    return null;
  }
}

export function SeatsPage() {
  const { id = '' } = useParams();
  const availability = useAvailability(id);
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
  if (error) return <ErrorNote error={error} onRetry={reload} />;
  if (!data || !availability.bits) return <Loading />;
  return (
    <SeatPicker key={id} {...data} bits={availability.bits} refreshAvailability={availability.refresh} />
  );
}

interface PickerProps {
  performance: PerformanceDetail;
  event: EventDetail;
  index: SeatIndex;
  bits: Uint8Array;
  refreshAvailability: () => void;
}

function SeatPicker({ performance, event, index, bits, refreshAvailability }: PickerProps) {
  const { t, money, dateTime } = useI18n();
  const { user } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [hold, setHold] = useState<Hold | null>(() => savedHold(performance.id));
  const [problem, setProblem] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const max = performance.maxTicketsPerUser;
  const pass = loadPass(performance.id);
  const needsPass = performance.queue.enabled && !pass;
  const priceOf = useMemo(() => new Map(event.prices.map((p) => [p.grade, p.amount])), [event.prices]);
  const available = useMemo(() => countFree(bits, index.seatCount), [bits, index.seatCount]);

  // Seats someone else took while we were choosing drop out of the selection, with a word why.
  const chosen = useMemo(
    () => (hold ? new Set(hold.seatNos) : new Set([...selected].filter((seat) => isFree(bits, seat)))),
    [hold, selected, bits],
  );
  const lostSeats = chosen.size < selected.size;

  // Read by the browser test that times the map (test/e2e/seatmap.test.ts), and by anyone profiling the page.
  const onReady = useCallback(() => window.performance.mark('seatmap-interactive'), []);

  const toggle = useCallback(
    (seat: number) => {
      if (hold) return;
      setProblem(null);
      const next = new Set(chosen);
      if (next.has(seat)) next.delete(seat);
      else if (next.size >= max) {
        setNotice(t('seats.tooMany', { n: max }));
        return;
      } else next.add(seat);
      setNotice('');
      setSelected(next);
    },
    [hold, chosen, max, t],
  );

  /** A hold request that got no answer (network, 5xx), with the key to send it again under. */
  const unanswered = useRef<{ body: string; key: string } | null>(null);

  const keepHold = (next: Hold | null) => {
    if (next) sessionStorage.setItem(holdKey(performance.id), JSON.stringify(next));
    else sessionStorage.removeItem(holdKey(performance.id));
    setHold(next);
    setSelected(new Set());
  };

  const requestHold = async (body: HoldBody) => {
    if (!user) {
      await navigate(`/login?next=${encodeURIComponent(location.pathname)}`);
      return;
    }
    setBusy(true);
    setProblem(null);
    // The same request sent again after no answer keeps its key: if the first one held the seats,
    // the server hands that hold back instead of refusing seats the buyer already holds.
    const text = JSON.stringify(body);
    const key = unanswered.current?.body === text ? unanswered.current.key : newIdempotencyKey();
    unanswered.current = { body: text, key };
    try {
      const created = await client.holds.create(performance.id, body, {
        idempotencyKey: key,
        queuePass: pass?.pass,
      });
      unanswered.current = null;
      keepHold(created);
    } catch (err) {
      if (!(err instanceof ApiError) || (err.status !== 0 && err.status < 500)) unanswered.current = null;
      setProblem(err);
      if (err instanceof ApiError && err.code === 'SEAT_UNAVAILABLE') setSelected(new Set());
    } finally {
      setBusy(false);
      refreshAvailability();
    }
  };

  const release = async () => {
    if (!hold) return;
    await client.holds.release(hold.holdId).catch(() => undefined);
    keepHold(null);
    refreshAvailability();
  };

  const seats = [...chosen];
  const total = seats.reduce(
    (sum, seat) => sum + (priceOf.get(index.grades[index.gradeOf[seat] ?? 0] ?? '') ?? 0),
    0,
  );

  return (
    <section className="seats-page">
      <header className="seats-head">
        <div>
          <h1>{t('seats.title')}</h1>
          <p className="muted">
            {event.title} · {dateTime(performance.startsAt)}
          </p>
        </div>
        <p className="muted" aria-live="polite">
          {t('seats.available', { n: available.toLocaleString(), total: index.seatCount.toLocaleString() })}
        </p>
      </header>
      {needsPass && !hold && (
        <div className="note" role="status">
          {t('seats.needsQueue')}{' '}
          <Link to={`/performances/${performance.id}/queue`}>{t('seats.toQueue')}</Link>
        </div>
      )}
      <div className="seats-layout">
        <div>
          <SeatCanvas
            index={index}
            bits={bits}
            selected={chosen}
            onToggle={hold ? undefined : toggle}
            onReady={onReady}
            label={t('seats.map')}
          />
          <Legend index={index} priceOf={priceOf} currency={event.currency} />
        </div>
        <aside className="panel">
          {hold ? (
            <HoldPanel
              hold={hold}
              total={total}
              currency={event.currency}
              performanceId={performance.id}
              pass={pass?.pass}
              describe={(seat) => seatName(index, seat, t)}
              onExpired={() => {
                keepHold(null);
                setProblem(new ApiError(410, 'HOLD_EXPIRED', ''));
                refreshAvailability();
              }}
              onRelease={() => void release()}
              onPaid={(order) => {
                dropPass(performance.id);
                keepHold(null);
                void navigate(`/orders/${order.id}`);
              }}
            />
          ) : (
            <>
              <h2>{t('seats.selection', { n: chosen.size, max })}</h2>
              {chosen.size === 0 ? (
                <p className="muted">{t('seats.none')}</p>
              ) : (
                <ul className="seat-list" data-testid="selection">
                  {seats.map((seat) => (
                    <li key={seat}>{seatName(index, seat, t)}</li>
                  ))}
                </ul>
              )}
              {notice && (
                <p className="muted" role="status">
                  {notice}
                </p>
              )}
              <ErrorNote error={problem ?? (lostSeats ? new ApiError(409, 'SEAT_UNAVAILABLE', '') : null)} />
              {chosen.size > 0 && (
                <p className="total">
                  {t('seats.total')}: <strong>{money(total, event.currency)}</strong>
                </p>
              )}
              <div className="row-buttons">
                <button
                  type="button"
                  disabled={busy || chosen.size === 0 || needsPass}
                  onClick={() => void requestHold({ seatNos: seats.sort((a, b) => a - b) })}
                >
                  {t('seats.hold')}
                </button>
                <button
                  type="button"
                  className="secondary"
                  disabled={chosen.size === 0}
                  onClick={() => setSelected(new Set())}
                >
                  {t('seats.clear')}
                </button>
              </div>
              <QuickPick
                grades={index.grades}
                max={max}
                disabled={busy || needsPass}
                onPick={(grade, quantity) => void requestHold({ grade, quantity })}
              />
            </>
          )}
        </aside>
      </div>
    </section>
  );
}

function seatName(index: SeatIndex, seat: number, t: ReturnType<typeof useI18n>['t']): string {
  const d = describeSeat(index, seat);
  return d
    ? `${t('seats.seat', { section: d.section, row: d.row, number: d.number })} · ${d.grade}`
    : String(seat);
}

function Legend({
  index,
  priceOf,
  currency,
}: {
  index: SeatIndex;
  priceOf: Map<string, number>;
  currency: string;
}) {
  const { t, money } = useI18n();
  return (
    <ul className="legend" aria-label={t('seats.legend')}>
      {index.grades.map((grade, g) => (
        <li key={grade}>
          <span className="swatch" style={{ background: GRADE_COLOURS[g % GRADE_COLOURS.length] }} />
          {grade}
          {priceOf.has(grade) && <span className="muted"> {money(priceOf.get(grade)!, currency)}</span>}
        </li>
      ))}
      <li>
        <span className="swatch" style={{ background: TAKEN_COLOUR }} />
        {t('seats.unavailable')}
      </li>
      <li>
        <span className="swatch" style={{ background: SELECTED_COLOUR }} />
        {t('seats.selected')}
      </li>
    </ul>
  );
}

function QuickPick(props: {
  grades: string[];
  max: number;
  disabled: boolean;
  onPick: (grade: string, quantity: number) => void;
}) {
  const { t } = useI18n();
  const [grade, setGrade] = useState(props.grades[0] ?? '');
  const [quantity, setQuantity] = useState(Math.min(2, props.max));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onPick(grade, quantity);
  };
  return (
    <form className="quick-pick" onSubmit={submit}>
      <h3>{t('seats.quickPick')}</h3>
      <div className="inline-fields">
        <Field label={t('seats.grade')}>
          <select value={grade} onChange={(e) => setGrade(e.target.value)}>
            {props.grades.map((g) => (
              <option key={g}>{g}</option>
            ))}
          </select>
        </Field>
        <Field label={t('seats.quantity')}>
          <select value={quantity} onChange={(e) => setQuantity(Number(e.target.value))}>
            {Array.from({ length: props.max }, (_, i) => (
              <option key={i + 1} value={i + 1}>
                {i + 1}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <button type="submit" className="secondary" disabled={props.disabled}>
        {t('seats.pick')}
      </button>
    </form>
  );
}

function HoldPanel(props: {
  hold: Hold;
  total: number;
  currency: string;
  performanceId: string;
  pass: string | undefined;
  describe: (seat: number) => string;
  onExpired: () => void;
  onRelease: () => void;
  onPaid: (order: Order) => void;
}) {
  const { t, money, duration } = useI18n();
  const now = useNow();
  const [card, setCard] = useState('');
  const [problem, setProblem] = useState<unknown>(null);
  const [paying, setPaying] = useState(false);
  // One key per payment attempt: a retry after a network failure reuses it (the server answers with the
  // first outcome, never a second charge); a definite "declined" starts a new attempt.
  const [attemptKey, setAttemptKey] = useState(newIdempotencyKey);
  const left = Math.max(0, Math.round((Date.parse(props.hold.expiresAt) - now) / 1000));
  const { onExpired } = props;
  useEffect(() => {
    if (left === 0 && !paying) onExpired();
  }, [left, paying, onExpired]);

  const pay = async (event: FormEvent) => {
    event.preventDefault();
    setPaying(true);
    setProblem(null);
    try {
      const order = await client.holds.checkout(
        props.hold.holdId,
        { payment: { card: card.replace(/\s+/g, '') } },
        { idempotencyKey: attemptKey, queuePass: props.pass },
      );
      props.onPaid(order);
    } catch (err) {
      setProblem(err);
      if (err instanceof ApiError && err.status === 402) setAttemptKey(newIdempotencyKey());
      if (err instanceof ApiError && err.code === 'HOLD_EXPIRED') onExpired();
      setPaying(false);
    }
  };

  return (
    <div className="hold">
      <h2>{t('hold.title')}</h2>
      <p className="countdown" role="timer" aria-live="off">
        {t('hold.expiresIn', { time: duration(left) })}
      </p>
      <ul className="seat-list" data-testid="held-seats">
        {props.hold.seatNos.map((seat) => (
          <li key={seat}>{props.describe(seat)}</li>
        ))}
      </ul>
      <p className="total">
        {t('seats.total')}: <strong>{money(props.total, props.currency)}</strong>
      </p>
      <form className="stack" onSubmit={(e) => void pay(e)}>
        <h3>{t('checkout.title')}</h3>
        <Field label={t('checkout.card')}>
          <input
            name="card"
            inputMode="numeric"
            autoComplete="cc-number"
            required
            pattern="[0-9 ]{12,23}"
            value={card}
            onChange={(e) => setCard(e.target.value)}
          />
        </Field>
        <div className="test-cards">
          <span className="muted small">{t('checkout.testCards')}:</span>
          {TEST_CARDS.map(([label, number]) => (
            <button key={number} type="button" className="link" onClick={() => setCard(number)}>
              {t(label)}
            </button>
          ))}
        </div>
        <ErrorNote error={problem} />
        <button type="submit" disabled={paying}>
          {paying ? t('checkout.paying') : t('checkout.pay', { amount: money(props.total, props.currency) })}
        </button>
      </form>
      <button type="button" className="secondary" onClick={props.onRelease} disabled={paying}>
        {t('hold.release')}
      </button>
    </div>
  );
}
