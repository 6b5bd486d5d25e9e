import { Link } from 'react-router';
import { useI18n } from '../../i18n';
import { useSession } from '../../session';
import { ErrorNote, Loading } from '../../ui';
import { useEventDetails } from './useEventDetails';

export default function AdminHome() {
  const { t, dateTime } = useI18n();
  const { data, error, reload } = useEventDetails();
  const { staffRole } = useSession();
  const owns = staffRole === 'admin' || staffRole === 'owner';
  return (
    <section>
      <h1>{t('admin.title')}</h1>
      <p className="row-buttons">
        <Link className="button" to="/admin/venues/new">
          {t('admin.newVenue')}
        </Link>
        <Link className="button" to="/admin/events/new">
          {t('admin.newEvent')}
        </Link>
        <Link className="button secondary" to="/admin/checkin">
          {t('admin.checkin')}
        </Link>
        <Link className="button secondary" to="/admin/orders">
          {t('desk.open')}
        </Link>
        {owns && (
          <Link className="button secondary" to="/admin/team">
            {t('team.open')}
          </Link>
        )}
        {owns && (
          <Link className="button secondary" to="/admin/audit">
            {t('audit.open')}
          </Link>
        )}
        {staffRole === 'admin' && (
          <Link className="button secondary" to="/admin/mail">
            {t('mail.open')}
          </Link>
        )}
      </p>
      <h2>{t('admin.events')}</h2>
      <ErrorNote error={error} onRetry={reload} />
      {!data && !error && <Loading />}
      <ul className="admin-events">
        {data?.map((event) => (
          <li key={event.id} className="card">
            <h3>
              <Link to={`/events/${event.id}`}>{event.title}</Link>
            </h3>
            <p className="muted">{event.venue.name}</p>
            <ul>
              {event.performances.map((p) => (
                <li key={p.id}>
                  <Link to={`/admin/performances/${p.id}`}>
                    {dateTime(p.startsAt)} · {t(`sale.${p.saleState}`)}
                  </Link>
                </li>
              ))}
            </ul>
            <Link to={`/admin/events/${event.id}/performances/new`}>{t('admin.newPerformance')}</Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
