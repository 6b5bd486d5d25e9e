import { useState } from 'react';
import { Link } from 'react-router';
import { useI18n } from '../../../i18n';
import { ErrorNote, Loading } from '../../../ui';
import { useEventDetails } from '../useEventDetails';

/** A door admits to one performance: the steward picks it first, and the address keeps the choice. */
export function PerformancePicker() {
  const { t, dateTime } = useI18n();
  // Tonight's doors: performances that started up to half a day ago or are still to come (fixed at
  // the first render, so the list is not read again on every render).
  const [from] = useState(() => new Date(Date.now() - 12 * 3600_000).toISOString());
  const { data, error, reload } = useEventDetails(from);
  const events = data?.filter((event) => event.performances.length > 0);
  return (
    <section className="narrow">
      <h1>{t('door.title')}</h1>
      <ErrorNote error={error} onRetry={reload} />
      {!data && !error && <Loading />}
      {events?.length === 0 && <p className="muted">{t('door.none')}</p>}
      {events && events.length > 0 && <h2>{t('door.choose')}</h2>}
      <ul className="admin-events">
        {events?.map((event) => (
          <li key={event.id} className="card">
            <h3>{event.title}</h3>
            <p className="muted">{event.venue.name}</p>
            <ul>
              {event.performances.map((performance) => (
                <li key={performance.id}>
                  <Link to={`?performance=${performance.id}`}>{dateTime(performance.startsAt)}</Link>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}
