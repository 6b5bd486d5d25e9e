import { useCallback, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { client } from '../../../api';
import { useLoad } from '../../../hooks';
import { useI18n } from '../../../i18n';
import { ErrorNote, Field } from '../../../ui';
import { CameraScanner } from './CameraScanner';
import { ScanResult, type Scan } from './ScanResult';
import { useDoorCount } from './useDoorCount';

/**
 * The door of one performance: the running count, the last scan's outcome, and two ways to scan: the
 * camera, and the code typed (or "typed" by a hand scanner), which always works.
 */
export function DoorDesk({ performanceId }: { performanceId: string }) {
  const { t, dateTime } = useI18n();
  const { data: show, error } = useLoad(
    async (signal) => {
      const performance = await client.performances.get(performanceId, signal);
      return { performance, event: await client.events.get(performance.eventId, signal) };
    },
    [performanceId],
  );
  const { count, refresh } = useDoorCount(performanceId);
  const [scan, setScan] = useState<Scan | null>(null);
  const scans = useRef(0);
  const input = useRef<HTMLInputElement>(null);

  const check = useCallback(
    async (code: string) => {
      const n = ++scans.current;
      let outcome: Scan;
      try {
        outcome = { n, code, ticket: await client.checkIn({ code, performanceId }) };
      } catch (error) {
        outcome = { n, code, error };
      }
      // Two quick scans may be answered out of order: the later scan's outcome stays on screen.
      setScan((shown) => (shown && shown.n > n ? shown : outcome));
      refresh();
    },
    [performanceId, refresh],
  );
  const onCamera = useCallback((code: string) => void check(code), [check]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const field = input.current;
    const code = field?.value.trim() ?? '';
    if (!field || !code) return;
    // Ready for the next ticket at once: a hand scanner types the next code into the same field.
    field.value = '';
    field.focus();
    void check(code);
  };

  return (
    <section className="narrow door">
      <h1>{t('door.title')}</h1>
      <ErrorNote error={error} />
      <p>
        {show && (
          <>
            <strong>{show.event.title}</strong>
            <br />
            {dateTime(show.performance.startsAt)} · {show.event.venue.name}
            <br />
          </>
        )}
        <Link to="/admin/checkin">{t('door.change')}</Link>
      </p>
      <p className="door-count" data-testid="door-count">
        {count ? t('door.count', { checkedIn: count.checkedIn, sold: count.sold }) : '…'}
      </p>
      {scan && <ScanResult key={scan.n} scan={scan} />}
      <CameraScanner onCode={onCamera} />
      <form className="stack" onSubmit={submit}>
        <Field label={t('door.code')}>
          <input ref={input} name="code" required autoFocus autoComplete="off" />
        </Field>
        <button type="submit">{t('door.submit')}</button>
      </form>
    </section>
  );
}
