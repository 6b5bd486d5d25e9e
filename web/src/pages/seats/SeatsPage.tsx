import { useCallback, useMemo, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { isFree } from '@tmomi/contract/bitset';
import type { HoldBody } from '@tmomi/contract/booking';
import type { EventDetail, PerformanceDetail } from '@tmomi/contract/catalog';
import { ApiError, client } from '../../api';
import { useLoad } from '../../hooks';
import { useI18n } from '../../i18n';
import { loadPass } from '../../passes';
import { countLeft } from '../../seatmap/counts';
import { describeSeat, indexSeatMap, type SeatIndex } from '../../seatmap/model';
import { SeatCanvas } from '../../seatmap/SeatCanvas';
import { useAvailability } from '../../seatmap/useAvailability';
import { useSession } from '../../session';
import { ErrorNote, Field, Loading } from '../../ui';
import { HoldPanel } from './HoldPanel';
import { Legend } from './Legend';
import { QuickPick } from './QuickPick';
import { SelectionBar } from './SelectionBar';
import { StandingPick } from './StandingPick';
import { useHold } from './useHold';
import { usePageDetail } from '../../titles';

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
      // Marks for profiling (printed by test/e2e/buyer-map.test.ts): the geometry in, and indexed.
      window.performance.mark('seatmap-geometry-loaded');
      const index = indexSeatMap(map);
      window.performance.mark('seatmap-indexed');
      return { performance, event, index };
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
  const [notice, setNotice] = useState('');
  const [code, setCode] = useState('');
  const max = performance.maxTicketsPerUser;
  const pass = loadPass(performance.id);
  const { hold, problem, setProblem, busy, ...holds } = useHold(performance.id, {
    queuePass: pass?.pass,
    afterChange: refreshAvailability,
    clearSelection: () => setSelected(new Set()),
  });
  const needsPass = performance.queue.enabled && !pass;
  const priceOf = useMemo(() => new Map(event.prices.map((p) => [p.grade, p.amount])), [event.prices]);
  // What is left per section, area and grade, counted here from the live bitset at each update.
  const left = useMemo(() => countLeft(index, bits), [index, bits]);
  const available = left.total;
  const priceText = useCallback(
    (grade: string) => (priceOf.has(grade) ? money(priceOf.get(grade)!, event.currency) : ''),
    [priceOf, money, event.currency],
  );
  const [area, setArea] = useState<{ place: number; at: number } | null>(null);
  usePageDetail(event.title);

  // Seats someone else took while we were choosing drop out of the selection, with a word why.
  const chosen = useMemo(
    () => (hold ? new Set(hold.seatNos) : new Set([...selected].filter((seat) => isFree(bits, seat)))),
    [hold, selected, bits],
  );
  const lostSeats = chosen.size < selected.size;

  // From navigation to a map that takes clicks, in the browser's own timeline: read by the browser tests
  // that time the map (test/e2e/seatmap.test.ts, buyer-map.test.ts), and by anyone profiling the page.
  const onReady = useCallback(() => {
    window.performance.mark('seatmap-interactive');
    window.performance.measure('seatmap-navigation-to-interactive', { start: 0, end: 'seatmap-interactive' });
  }, []);

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
    [hold, chosen, max, t, setProblem],
  );

  const requestHold = async (body: HoldBody) => {
    if (!user) await navigate(`/login?next=${encodeURIComponent(location.pathname)}`);
    else await holds.request(code.trim() ? { ...body, code: code.trim() } : body);
  };

  const seats = [...chosen];
  const holdSelected = () => void requestHold({ seatNos: [...seats].sort((a, b) => a - b) });
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
      {available === 0 && !hold && (
        <div className="note" role="status">
          {t('sale.soldout')}.{' '}
          <Link to={`/performances/${performance.id}/waitlist`}>{t('event.joinWaitlist')}</Link>
        </div>
      )}
      {needsPass && !hold && (
        <div className="note" role="status">
          {t('seats.needsQueue')}{' '}
          <Link to={`/performances/${performance.id}/queue`}>{t('seats.toQueue')}</Link>
        </div>
      )}
      <Legend index={index} left={left} priceOf={priceOf} currency={event.currency} />
      <div className="seats-layout">
        <div>
          <SeatCanvas
            index={index}
            bits={bits}
            selected={chosen}
            onToggle={hold ? undefined : toggle}
            onArea={(place) => setArea({ place, at: Date.now() })}
            onReady={onReady}
            left={left}
            priceText={priceText}
            label={t('seats.map')}
          />
        </div>
        <aside className="panel">
          {hold ? (
            <HoldPanel
              hold={hold}
              total={hold.amount}
              currency={event.currency}
              pass={pass?.pass}
              describe={(seat) => seatName(index, seat, t)}
              onExpired={holds.expired}
              onRelease={() => void holds.release()}
              onPaid={(order) => {
                holds.paid();
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
              <Field label={t('codes.buyerField')} hint={t('codes.buyerHint')}>
                <input
                  name="code"
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                  autoComplete="off"
                />
              </Field>
              <div className="row-buttons">
                <button
                  type="button"
                  disabled={busy || chosen.size === 0 || needsPass}
                  onClick={holdSelected}
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
              <StandingPick
                index={index}
                left={left}
                priceText={priceText}
                max={max}
                disabled={busy || needsPass}
                chosen={area}
                onHold={(name, quantity) => void requestHold({ area: name, quantity })}
              />
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
      <SelectionBar
        hold={hold}
        count={chosen.size}
        total={total}
        currency={event.currency}
        canHold={!busy && chosen.size > 0 && !needsPass}
        onHold={holdSelected}
      />
    </section>
  );
}

function seatName(index: SeatIndex, seat: number, t: ReturnType<typeof useI18n>['t']): string {
  const d = describeSeat(index, seat);
  return d
    ? `${d.standing ? t('ticket.standing', { section: d.section }) : t('seats.seat', { section: d.section, row: d.row, number: d.number })} · ${d.grade}`
    : String(seat);
}
